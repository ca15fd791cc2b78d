import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import { MerkleLog, checkConsistency, checkInclusion, leafHash, nodeHash, EMPTY_ROOT } from '../../src/siem/merkle-log.js'
import { fromHex, toHex } from '../../src/base/bytes.js'

const FIX = 'test/fixtures/rfc9162'
const b64 = (s: string) => new Uint8Array(Buffer.from(s, 'base64'))
function files(dir: string): string[] {
  const out: string[] = []
  for (const n of readdirSync(dir).sort()) {
    const p = join(dir, n)
    if (statSync(p).isDirectory()) out.push(...files(p))
    else if (n.endsWith('.json')) out.push(p)
  }
  return out
}
const constants = JSON.parse(readFileSync(join(FIX, 'constants.json'), 'utf8'))
const leaves: Uint8Array[] = constants.leafInputs.map((h: string) => fromHex(h))

test('constants: hasher vectors, every root of sizes 0..8 and every complete-subtree hash', () => {
  for (const v of constants.hasherVectors) {
    if (v.op === 'emptyRoot') assert.equal(toHex(EMPTY_ROOT), v.expected)
    if (v.op === 'hashLeaf') assert.equal(toHex(leafHash(fromHex(v.inputHex))), v.expected)
    if (v.op === 'hashChildren') assert.equal(toHex(nodeHash(fromHex(v.leftHex), fromHex(v.rightHex))), v.expected)
  }
  const log = new MerkleLog()
  assert.equal(toHex(log.root()), constants.rootHashes[0].root)
  for (const l of leaves) log.append(l)
  for (const { treeSize, root } of constants.rootHashes) assert.equal(toHex(log.root(treeSize)), root, `root of ${treeSize}`)
  // the stored complete subtrees are exactly nodeHashes
  constants.nodeHashes.forEach((row: string[], level: number) =>
    row.forEach((h, i) => {
      const size = 2 ** level
      const sub = new MerkleLog()
      for (const l of leaves.slice(i * size, (i + 1) * size)) sub.append(l)
      assert.equal(toHex(sub.root()), h)
    }),
  )
})

test('all RFC 9162 inclusion vectors give the expected verdict', () => {
  const all = files(join(FIX, 'inclusion'))
  assert.ok(all.length >= 98, `found ${all.length}`)
  let mustFail = 0
  for (const f of all) {
    const v = JSON.parse(readFileSync(f, 'utf8'))
    const ok = checkInclusion(v.leafIdx, v.treeSize, b64(v.leafHash ?? ''), (v.proof ?? []).map(b64), b64(v.root ?? ''))
    assert.equal(ok, !v.wantErr, `${f}: ${v.desc}`)
    if (v.wantErr) mustFail++
  }
  assert.ok(mustFail > 50)
})

test('all RFC 9162 consistency vectors give the expected verdict', () => {
  const all = files(join(FIX, 'consistency'))
  assert.ok(all.length >= 98, `found ${all.length}`)
  for (const f of all) {
    const v = JSON.parse(readFileSync(f, 'utf8'))
    const ok = checkConsistency(v.size1, v.size2, b64(v.root1 ?? ''), b64(v.root2 ?? ''), (v.proof ?? []).map(b64))
    assert.equal(ok, !v.wantErr, `${f}: ${v.desc}`)
  }
})

test('the log generates the vectors\' happy-path proofs byte for byte', () => {
  const log = new MerkleLog()
  for (const l of leaves) log.append(l)
  for (const f of files(join(FIX, 'inclusion')).filter((f) => f.endsWith('happy-path.json'))) {
    const v = JSON.parse(readFileSync(f, 'utf8'))
    if (v.treeSize > 8 || !v.root || !v.proof) continue
    if (toHex(b64(v.root)) !== toHex(log.root(v.treeSize))) continue
    assert.deepEqual(log.inclusionProof(v.leafIdx, v.treeSize).map(toHex), v.proof.map((p: string) => toHex(b64(p))), f)
  }
  for (const f of files(join(FIX, 'consistency')).filter((f) => f.endsWith('happy-path.json'))) {
    const v = JSON.parse(readFileSync(f, 'utf8'))
    if (v.size2 > 8 || v.size1 === 0 || !v.proof || !v.root2 || toHex(b64(v.root2)) !== toHex(log.root(v.size2))) continue
    assert.deepEqual(log.consistencyProof(v.size1, v.size2).map(toHex), v.proof.map((p: string) => toHex(b64(p))), f)
  }
})

test('property: every generated inclusion and consistency proof verifies, and a tampered one does not', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 300 }), fc.nat(), fc.nat(), (n, a, b) => {
      const log = new MerkleLog()
      for (let i = 0; i < n; i++) log.append(new Uint8Array([i & 0xff, i >> 8]))
      const size = 1 + (a % n)
      const idx = b % size
      const proof = log.inclusionProof(idx, size)
      assert.ok(checkInclusion(idx, size, log.leafHashAt(idx), proof, log.root(size)))
      assert.ok(!checkInclusion(idx, size, leafHash(new Uint8Array([9, 9, 9])), proof, log.root(size)))
      const size1 = 1 + (b % size)
      const cp = log.consistencyProof(size1, size)
      assert.ok(checkConsistency(size1, size, log.root(size1), log.root(size), cp))
      if (size1 < size) {
        const forged = new MerkleLog()
        for (let i = 0; i < size; i++) forged.append(new Uint8Array([i === 0 ? 0xee : i & 0xff, i >> 8]))
        assert.ok(!checkConsistency(size1, size, log.root(size1), forged.root(size), cp), 'rewritten history must fail')
      }
    }),
    { numRuns: 150, seed: 9162 },
  )
})
