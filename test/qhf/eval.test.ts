import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  chiSquareUpperTail, expectedEqualBytes, formatQhfEvaluation, idealFor, pack10, runQhfEvaluation, sensitivityExample,
} from '../../src/crypto/qhf/eval.js'
import { Xoshiro128 } from '../../src/crypto/qhf/prng.js'
import { qhf, validateQhfParams } from '../../src/crypto/qhf/index.js'
import { sha256 } from '../../src/crypto/hash.js'

test('ideal figures for a 256-bit hash over 10,000 trials (the values the issue cites)', () => {
  const id = idealFor(256, 10_000)
  assert.equal(id.meanChangedBits, 128)
  assert.equal(id.stdChangedBits, 8)
  assert.equal(id.stdChangedProbability.toFixed(2), '3.13') // 3.125 %
  assert.deepEqual(id.equalBytesExpected.slice(0, 3).map((x) => Math.round(x)), [8823, 1107, 67])
  assert.equal(id.meanAbsDiffPerByte.toFixed(2), '85.33')
  const e = expectedEqualBytes(10_000, 32)
  assert.ok(Math.abs(e.reduce((a, x) => a + x, 0) - 10_000) < 1e-6)
})

test('seeded PRNG is reproducible and roughly uniform', () => {
  const a = new Xoshiro128(7), b = new Xoshiro128(7), c = new Xoshiro128(8)
  const xs = Array.from({ length: 1000 }, () => a.u32())
  assert.deepEqual(xs, Array.from({ length: 1000 }, () => b.u32()))
  assert.notDeepEqual(xs, Array.from({ length: 1000 }, () => c.u32()))
  const r = new Xoshiro128(1)
  const counts = [0, 0, 0, 0, 0, 0, 0]
  for (let i = 0; i < 70_000; i++) counts[r.below(7)]!++
  for (const n of counts) assert.ok(n > 9_500 && n < 10_500, `bucket ${n}`)
})

test('pack10 is injective across lengths (bit strings for SHA-256)', () => {
  assert.deepEqual(Array.from(pack10(Uint8Array.of())), [0x80])
  assert.deepEqual(Array.from(pack10(Uint8Array.of(1))), [0xc0])
  assert.deepEqual(Array.from(pack10(Uint8Array.of(1, 0, 1, 0, 0, 0, 0, 1))), [0xa1, 0x80])
  assert.notDeepEqual(pack10(Uint8Array.of(0)), pack10(Uint8Array.of(0, 0)))
})

test('small evaluation (300 trials): QHF and SHA-256 near the ideal, same messages, deterministic', () => {
  const run = (): ReturnType<typeof runQhfEvaluation> => runQhfEvaluation({ trials: 300, hash: ['qhf', 'sha256'], seed: 42, messageBytes: 32 })
  const ev = run()
  assert.equal(ev.reports.length, 2)
  for (const r of ev.reports) {
    assert.equal(r.outputBits, 256)
    assert.equal(r.conditions.map((c) => c.condition).join(), 'flip,insert,delete')
    for (const c of r.conditions) {
      const tag = `${r.hash}/${c.condition}`
      // 300 trials: the standard error of B̄ is 8/√300 ≈ 0.46, so ±3 is > 6σ
      assert.ok(Math.abs(c.meanChangedBits - 128) < 3, `${tag} B̄ ${c.meanChangedBits}`)
      assert.ok(Math.abs(c.meanChangedProbability - 50) < 1.2, `${tag} P ${c.meanChangedProbability}`)
      assert.ok(c.stdChangedBits > 6.5 && c.stdChangedBits < 9.5, `${tag} ΔB ${c.stdChangedBits}`)
      assert.ok(c.stdChangedProbability > 2.5 && c.stdChangedProbability < 3.7, `${tag} ΔP ${c.stdChangedProbability}`)
      assert.equal(c.fullCollisions, 0, tag)
      assert.equal(c.equalBytes.observed.reduce((a, x) => a + x, 0), 300)
      assert.ok(c.equalBytes.observed[0]! > 230, `${tag} ω=0 ${c.equalBytes.observed[0]}`) // expected 264.7
      assert.ok(Math.abs(c.absDiff.meanPerByte - 85.33) < 3, `${tag} d/byte ${c.absDiff.meanPerByte}`)
    }
    assert.ok(r.uniformity.bitOneFrequency.min > 0.38 && r.uniformity.bitOneFrequency.max < 0.62, r.hash)
    assert.ok(r.uniformity.pValue > 1e-4, `${r.hash} χ² p ${r.uniformity.pValue}`)
    assert.ok(r.uniformity.zeroByteFraction < 0.01, r.hash)
  }
  const again = run()
  for (let k = 0; k < 2; k++) {
    assert.deepEqual(again.reports[k]!.conditions, ev.reports[k]!.conditions)
    assert.deepEqual(again.reports[k]!.uniformity, ev.reports[k]!.uniformity)
  }
  const md = formatQhfEvaluation(ev)
  assert.match(md, /\| qhf \| flip \|/)
  assert.match(md, /\| sha256 \| delete \|/)
})

test('the statistics detect a degenerate hash: a 256-message space saturates the χ² test', () => {
  // 1-byte messages: only 256 distinct originals among 600 trials, so the original hashes repeat
  // and the byte histogram is far from uniform — the uniformity test must say so.
  const ev = runQhfEvaluation({ trials: 600, hash: 'qhf', seed: 3, messageBytes: 1 })
  assert.ok(ev.reports[0]!.uniformity.pValue < 1e-6, `p ${ev.reports[0]!.uniformity.pValue}`)
  assert.ok(chiSquareUpperTail(255, 255) > 0.4 && chiSquareUpperTail(255, 255) < 0.6)
  assert.ok(chiSquareUpperTail(400, 255) < 1e-6)
})

test('evaluation honours params and validates options', () => {
  const p = validateQhfParams({ latticeSide: 9, hashBits: 512 })
  const ev = runQhfEvaluation({ trials: 20, hash: 'qhf', params: p, messageBytes: 16 })
  assert.equal(ev.reports[0]!.outputBits, 512)
  assert.equal(ev.ideal.qhf.equalBytesExpected.length, 65)
  assert.throws(() => runQhfEvaluation({ trials: 1, hash: 'qhf' }), RangeError)
  assert.throws(() => runQhfEvaluation({ trials: 10, hash: [] }), RangeError)
})

test('sensitivity example: original hash is qhf(message); every condition changes about half the bits', () => {
  const s = sensitivityExample('qhf')
  assert.equal(s.rows[0]!.hex, Buffer.from(qhf(new TextEncoder().encode(s.message))).toString('hex'))
  for (const row of s.rows.slice(1)) assert.ok(row.changedBits > 90 && row.changedBits < 166, `${row.condition}: ${row.changedBits}`)
  const t = sensitivityExample('sha256')
  assert.equal(t.rows[0]!.hex, Buffer.from(sha256(pack10(Uint8Array.from([...new TextEncoder().encode(s.message)].flatMap((v) => [7, 6, 5, 4, 3, 2, 1, 0].map((j) => (v >> j) & 1)))))).toString('hex'))
})
