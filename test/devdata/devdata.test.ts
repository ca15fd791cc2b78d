import { test } from 'node:test'
import assert from 'node:assert/strict'
import { SoloEngine } from '../../src/engine/solo/engine.js'
import { ErrorCodes } from '../../src/base/errors.js'
import { toHex, utf8 } from '../../src/base/bytes.js'
import { payloadMatches, tagPayload } from '../../src/modules/devdata/index.js'
import { testCity, testKey } from '../../src/kit/genesis-builder.js'
import { tmpDir } from '../../src/kit/temp-dir.js'
import { Signer } from '../../src/kit/signer.js'

const city = testCity({ chainId: 'devdata-city' })
const meterA = testKey('meter-a')
const meterB = testKey('meter-b')

test('two registered devices exchange data with QHF tags anchored on chain; tampering, replay, strangers and revoked devices are refused', async () => {
  const dir = tmpDir('devdata')
  const e = await SoloEngine.open({ dataDir: dir.path, genesis: city.genesis, validatorKey: city.validator, verifyThreads: 0 })
  const s = new Signer(city.chainId)
  const block = async (...txs: Uint8Array[]) => {
    const fin = await e.app.finalizeBlock({ height: e.app.info().lastHeight + 1n, time: 1767225700000n + e.app.info().lastHeight, txs, proposer: city.validator.publicKey })
    await e.app.commit()
    return fin.results.map((r) => r.code)
  }
  const q = (path: string, p: object) => {
    const r = e.app.query({ path, data: utf8(JSON.stringify(p)) })
    return { code: r.code, body: r.code === 0 ? JSON.parse(Buffer.from(r.value!).toString()) : r.log }
  }
  try {
    assert.deepEqual(await block(
      s.tx(city.authority, [{ type: 'identity/register-device', value: { pub_key: meterA.publicKey } }]),
      s.tx(city.authority, [{ type: 'identity/register-device', value: { pub_key: meterB.publicKey } }]),
    ), [0, 0])
    const payload = utf8(JSON.stringify({ meter: 'a', interval: '2026-11-24T10:00Z', kwh: '1.25' }))
    const tag = tagPayload(payload)
    const post = (seq: bigint, t = tag, from = meterA, to = meterB) => s.tx(from, [{ type: 'devdata/post', value: { to: to.publicKey, seq, tag: t, size: BigInt(payload.length), topic: 'readings' } }], { nonce: undefined })
    assert.deepEqual(await block(post(1n)), [0])
    // the receiver checks what it got off chain against the anchored record
    const rec = q('devdata/record', { from: toHex(meterA.publicKey), to: toHex(meterB.publicKey), seq: '1' })
    assert.equal(rec.code, 0, rec.body)
    assert.equal(rec.body.tag, toHex(tag))
    const record = { tag: Buffer.from(rec.body.tag, 'hex'), size: BigInt(rec.body.size) }
    assert.ok(payloadMatches(payload, record))
    const tampered = new Uint8Array(payload)
    tampered[10]! ^= 1
    assert.ok(!payloadMatches(tampered, record))
    assert.ok(!payloadMatches(payload.subarray(1), record))
    // replay of seq 1, a gap, a citizen posting, a device posting to a citizen
    assert.deepEqual(await block(post(1n), post(3n), s.tx(city.citizens[0]!, [{ type: 'devdata/post', value: { to: meterB.publicKey, seq: 1n, tag, size: 1n } }]), post(2n, tag, meterA, city.citizens[1]!)),
      [ErrorCodes.bad_nonce, ErrorCodes.bad_nonce, ErrorCodes.unauthorized, ErrorCodes.unauthorized])
    // acknowledgement by the receiver only, once
    const ack = (from: typeof meterA, seq: bigint, by = meterB) => s.tx(by, [{ type: 'devdata/ack', value: { from: from.publicKey, seq, ok: true } }])
    assert.deepEqual(await block(ack(meterA, 1n, meterA), ack(meterA, 1n), ack(meterA, 1n), ack(meterA, 9n)), [ErrorCodes.not_found, 0, ErrorCodes.already_exists, ErrorCodes.not_found])
    assert.equal(q('devdata/inbox', { to: toHex(meterB.publicKey) }).body.records[0].ack.ok, true)
    // a revoked device is refused from the next block on
    assert.deepEqual(await block(s.tx(city.authority, [{ type: 'identity/revoke', value: { pub_key: meterA.publicKey, reason: 'tampered' } }])), [0])
    assert.deepEqual(await block(post(2n)), [ErrorCodes.account_revoked])
    assert.equal(q('devdata/next-seq', { from: toHex(meterA.publicKey), to: toHex(meterB.publicKey) }).body.seq, '2')
  } finally {
    await e.stop()
    dir.remove()
  }
})
