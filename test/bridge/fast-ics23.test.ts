/**
 * verifyStateProof's own existence check (src/commitment/existence-root.ts: node:crypto, the shared
 * upper path of neighbouring keys hashed once) answers exactly what @confio/ics23's verifyMembership
 * answers: for every key of a real store, and for every single-byte change of every proof, checked
 * right after its untampered neighbours primed the shared-path memo.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { ics23, iavlSpec, verifyMembership } from '@confio/ics23'
import { verifyStateProof } from '../../src/commitment/verify.js'
import { encodeProof } from '../../src/store/proof.js'
import { IavlStore } from '../../src/store/index.js'
import { b, commitTo, type Db, TempDbs } from '../store/helpers.js'

const dbs = new TempDbs()
let s: IavlStore
let root: Uint8Array
let otherRoot: Uint8Array
const N = 300
const key = (i: number) => b(`commitments/city-b/${String(i).padStart(6, '0')}`)
const value = (i: number) => b(`packet-${i}`)
const proof = (i: number, v = 2) => encodeProof(s.proveExistence(v, key(i)))

before(async () => {
  const db: Db = await dbs.db()
  s = IavlStore.open(db)
  for (let i = 0; i < N; i++) s.set(key(i), value(i))
  otherRoot = (await commitTo(db, s)).rootHash
  s.set(key(7), b('changed'))
  root = (await commitTo(db, s)).rootHash
})
after(() => dbs.cleanup())

const library = (p: Uint8Array, r: Uint8Array, k: Uint8Array, v: Uint8Array) => {
  try {
    return verifyMembership(ics23.CommitmentProof.decode(p), iavlSpec, r, k, v)
  } catch {
    return false
  }
}
const ours = (p: Uint8Array, r: Uint8Array, k: Uint8Array, v: Uint8Array) => {
  try {
    return verifyStateProof(p, r, k, v)
  } catch {
    return false // undecodable: proof_invalid
  }
}

test('every key verifies, in order and out of order; wrong value, key, root or version refused', () => {
  const v = (i: number) => (i === 7 ? b('changed') : value(i))
  for (let i = 0; i < N; i++) assert.equal(ours(proof(i), root, key(i), v(i)), true, `key ${i}`)
  for (let i = N - 1; i >= 0; i -= 7) assert.equal(ours(proof(i), root, key(i), v(i)), true, `again ${i}`)
  for (let i = 0; i < N; i += 13) {
    assert.equal(ours(proof(i), root, key(i), b('other')), false)
    assert.equal(ours(proof(i), root, key(i + 1), v(i)), false)
    assert.equal(ours(proof(i), otherRoot, key(i), v(i)), i !== 7 && library(proof(i), otherRoot, key(i), v(i)))
    assert.equal(ours(proof(i, 1), root, key(i), value(i)), library(proof(i, 1), root, key(i), value(i)))
  }
  assert.equal(ours(proof(7, 1), root, key(7), value(7)), false) // the old value's proof against the new root
})

const reencoded = (p: Uint8Array) => encodeProof(ics23.CommitmentProof.decode(p))

test('every single-byte change of a proof, checked after its neighbours: same answer as the library, never true for another proof', () => {
  for (const i of [0, 1, 100, 101, 150, N - 1]) {
    const good = proof(i)
    for (let at = 0; at < good.length; at++) {
      for (const flip of [0x01, 0x80]) {
        // prime the memo with the untampered neighbours (their paths share the upper levels)
        for (const n of [i - 1, i + 1]) if (n >= 0 && n < N) assert.equal(ours(proof(n), root, key(n), value(n)), true)
        const bad = Uint8Array.from(good)
        bad[at]! ^= flip
        const expected = library(bad, root, key(i), value(i))
        assert.equal(ours(bad, root, key(i), value(i)), expected, `proof of key ${i}, byte ${at} ^ ${flip}`)
        // protobuf framing bytes can change without changing the proof (e.g. into an unknown field)
        if (expected) assert.deepEqual(reencoded(bad), good, `byte ${at} ^ ${flip} changed the proof and still verified`)
      }
    }
  }
})

test("a neighbour's proof, or a proof with another key's upper path spliced in, is refused", () => {
  for (let i = 1; i < N - 1; i += 17) {
    assert.equal(ours(proof(i - 1), root, key(i), value(i)), false)
    const mine = s.proveExistence(2, key(i)).exist!
    const theirs = s.proveExistence(2, key(i + 1)).exist!
    const path = [...mine.path!]
    path[path.length - 1] = theirs.path![theirs.path!.length - 1]!
    const spliced = encodeProof({ exist: { ...mine, path } })
    const top = mine.path![mine.path!.length - 1]!
    const sameTop = Buffer.from(ics23.InnerOp.encode(top).finish()).equals(Buffer.from(ics23.InnerOp.encode(path[path.length - 1]!).finish()))
    assert.equal(ours(spliced, root, key(i), value(i)), sameTop)
    assert.equal(library(spliced, root, key(i), value(i)), sameTop)
  }
})
