/**
 * Our ICS-23 proofs, checked by @confio/ics23 against iavlSpec: existence and absence at the edges
 * and in the middle, at old versions against old roots, and rejection of tampered proofs.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { ics23, iavlSpec, verifyMembership, verifyNonMembership } from '@confio/ics23'
import { PolisError } from '../../src/base/errors.js'
import { IavlStore } from '../../src/store/index.js'
import { b, commitTo, type Db, str, TempDbs } from './helpers.js'

const dbs = new TempDbs()
let db: Db
let s: IavlStore
const roots: Uint8Array[] = [] // roots[v]
const key = (i: number) => b(`key-${String(i).padStart(4, '0')}`)

before(async () => {
  db = await dbs.db()
  s = IavlStore.open(db)
  // v1: even keys 0..198; v2: key-0050 updated, key-0100 deleted, key-0301 added; v3..v150: empty commits
  for (let i = 0; i < 200; i += 2) s.set(key(i), b(`v1-${i}`))
  roots[1] = (await commitTo(db, s)).rootHash
  s.set(key(50), b('v2-50'))
  s.delete(key(100))
  s.set(key(301), b('v2-301'))
  roots[2] = (await commitTo(db, s)).rootHash
  for (let v = 3; v <= 150; v++) {
    if (v === 150) s.set(key(500), b('v150')) // a leaf whose version needs a 2-byte varint
    roots[v] = (await commitTo(db, s)).rootHash
  }
})
after(() => dbs.cleanup())

const isError = (name: string) => (e: unknown) => e instanceof PolisError && e.errorName === name
const exists = (v: number, k: Uint8Array, value: Uint8Array, root = roots[v]!) => verifyMembership(s.proveExistence(v, k), iavlSpec, root, k, value)
const absent = (v: number, k: Uint8Array, root = roots[v]!) => verifyNonMembership(s.proveNonExistence(v, k), iavlSpec, root, k)

test('existence: left edge, right edge, middle, every key', () => {
  assert.equal(exists(1, key(0), b('v1-0')), true)
  assert.equal(exists(1, key(198), b('v1-198')), true)
  assert.equal(exists(1, key(100), b('v1-100')), true)
  for (let i = 0; i < 200; i += 2) assert.equal(exists(1, key(i), b(`v1-${i}`)), true, `key ${i}`)
  assert.equal(exists(150, key(500), b('v150')), true)
  assert.equal(exists(150, key(301), b('v2-301')), true)
})

test('non-existence: below the smallest key, above the largest, in every gap', () => {
  const below = s.proveNonExistence(1, b('a'))
  assert.equal(below.nonexist!.left, undefined)
  assert.equal(verifyNonMembership(below, iavlSpec, roots[1]!, b('a')), true)
  const above = s.proveNonExistence(1, b('zzz'))
  assert.equal(above.nonexist!.right, undefined)
  assert.equal(verifyNonMembership(above, iavlSpec, roots[1]!, b('zzz')), true)
  for (let i = 1; i < 200; i += 2) assert.equal(absent(1, key(i)), true, `key ${i}`)
  assert.equal(absent(1, b('key-0050\u0000')), true) // just after an existing key
  assert.equal(absent(1, b('key-005')), true) // a prefix of existing keys
  assert.throws(() => s.proveNonExistence(1, key(2)), isError('already_exists'))
  assert.throws(() => s.proveExistence(1, key(3)), isError('not_found'))
})

test('proofs at old versions verify against old roots only', () => {
  assert.equal(exists(1, key(50), b('v1-50')), true)
  assert.equal(exists(2, key(50), b('v2-50')), true)
  assert.equal(exists(1, key(50), b('v1-50'), roots[2]), false)
  assert.equal(exists(1, key(50), b('v2-50')), false)
  assert.equal(exists(1, key(100), b('v1-100')), true)
  assert.equal(absent(2, key(100)), true)
  assert.equal(absent(2, key(100), roots[1]), false)
  assert.equal(absent(1, key(301)), true)
  assert.equal(exists(2, key(301), b('v2-301')), true)
  assert.throws(() => s.proveExistence(151, key(0)), isError('not_found'))
})

test('prove(): protobuf-encoded proofs of presence and absence', () => {
  const p = s.prove(2, key(50))
  assert.equal(str(p.value), 'v2-50')
  assert.equal(verifyMembership(ics23.CommitmentProof.decode(p.proof), iavlSpec, roots[2]!, key(50), p.value!), true)
  const q = s.prove(2, key(100))
  assert.equal(q.value, undefined)
  const decoded = ics23.CommitmentProof.decode(q.proof)
  assert.ok(decoded.nonexist)
  assert.equal(verifyNonMembership(decoded, iavlSpec, roots[2]!, key(100)), true)
  assert.throws(() => s.prove(2, new Uint8Array(0)), isError('invalid_request'))
})

test('single-key tree: existence with an empty path, absence on both sides', async () => {
  const db1 = await dbs.db()
  const t = IavlStore.open(db1)
  t.set(b('m'), b('only'))
  const { rootHash } = await commitTo(db1, t)
  const p = t.proveExistence(1, b('m'))
  assert.equal(p.exist!.path!.length, 0)
  assert.equal(verifyMembership(p, iavlSpec, rootHash, b('m'), b('only')), true)
  assert.equal(verifyNonMembership(t.proveNonExistence(1, b('a')), iavlSpec, rootHash, b('a')), true)
  assert.equal(verifyNonMembership(t.proveNonExistence(1, b('z')), iavlSpec, rootHash, b('z')), true)
})

test('empty tree: nothing to prove with (refused), its root is sha256("")', async () => {
  const db1 = await dbs.db()
  const t = IavlStore.open(db1)
  t.set(b('x'), b('1'))
  await commitTo(db1, t)
  t.delete(b('x'))
  const { version } = await commitTo(db1, t)
  assert.throws(() => t.proveNonExistence(version, b('x')), isError('not_found'))
  assert.throws(() => t.prove(version, b('x')), isError('not_found'))
  assert.equal(verifyNonMembership(t.proveNonExistence(1, b('a')), iavlSpec, t.rootHash(1), b('a')), true)
})

// ------------------------------------------------------------------ tampering

const clone = (p: ics23.ICommitmentProof): ics23.CommitmentProof => ics23.CommitmentProof.decode(ics23.CommitmentProof.encode(p).finish())
const flip = (u: Uint8Array, i: number): Uint8Array => {
  const c = new Uint8Array(u)
  c[i]! ^= 1
  return c
}

test('tampered existence proofs, values, keys and roots are rejected', () => {
  const k = key(120)
  const v = b('v1-120')
  const good = s.proveExistence(1, k)
  assert.equal(verifyMembership(good, iavlSpec, roots[1]!, k, v), true)
  assert.equal(verifyMembership(good, iavlSpec, roots[1]!, k, b('v1-121')), false)
  assert.equal(verifyMembership(good, iavlSpec, flip(roots[1]!, 31), k, v), false)
  assert.equal(verifyMembership(good, iavlSpec, roots[1]!, key(122), v), false)
  const n = good.exist!.path!.length
  assert.ok(n >= 6)
  for (let i = 0; i < n; i++) {
    const a = clone(good)
    const op = a.exist!.path![i]!
    if (op.suffix && op.suffix.length > 0) op.suffix = flip(op.suffix, op.suffix.length - 1)
    else op.prefix = flip(op.prefix!, op.prefix!.length - 2)
    assert.equal(verifyMembership(a, iavlSpec, roots[1]!, k, v), false, `sibling hash at step ${i}`)
    const h = clone(good)
    h.exist!.path![i]!.prefix = flip(h.exist!.path![i]!.prefix!, 1) // the size field
    assert.equal(verifyMembership(h, iavlSpec, roots[1]!, k, v), false, `size at step ${i}`)
  }
  const leaf = clone(good)
  leaf.exist!.leaf!.prefix = flip(leaf.exist!.leaf!.prefix!, 2) // the version
  assert.equal(verifyMembership(leaf, iavlSpec, roots[1]!, k, v), false)
  const short = clone(good)
  short.exist!.path!.pop()
  assert.equal(verifyMembership(short, iavlSpec, roots[1]!, k, v), false)
  const swapped = clone(good)
  const path = swapped.exist!.path!
  ;[path[0], path[1]] = [path[1]!, path[0]!]
  assert.equal(verifyMembership(swapped, iavlSpec, roots[1]!, k, v), false)
  const valueSwap = clone(good)
  valueSwap.exist!.value = b('forged')
  assert.equal(verifyMembership(valueSwap, iavlSpec, roots[1]!, k, b('forged')), false)
})

test('tampered non-existence proofs are rejected: non-adjacent neighbours, wrong sides, missing side', () => {
  const k = key(61)
  const good = s.proveNonExistence(1, k)
  assert.equal(verifyNonMembership(good, iavlSpec, roots[1]!, k), true)
  assert.equal(verifyNonMembership(good, iavlSpec, roots[2]!, k), false)
  assert.equal(verifyNonMembership(good, iavlSpec, flip(roots[1]!, 0), k), false)
  // Hiding key-0062 by claiming key-0060 and key-0064 are neighbours.
  const gap = clone(good)
  gap.nonexist!.key = key(62)
  gap.nonexist!.right = s.proveExistence(1, key(64)).exist!
  assert.equal(verifyNonMembership(gap, iavlSpec, roots[1]!, key(62)), false)
  // Only one side given where both exist: not an edge.
  const oneSide = clone(good)
  oneSide.nonexist!.right = null
  assert.equal(verifyNonMembership(oneSide, iavlSpec, roots[1]!, k), false)
  const noLeft = clone(good)
  noLeft.nonexist!.left = null
  assert.equal(verifyNonMembership(noLeft, iavlSpec, roots[1]!, k), false)
  // Neighbours swapped.
  const sw = clone(good)
  ;[sw.nonexist!.left, sw.nonexist!.right] = [sw.nonexist!.right, sw.nonexist!.left]
  assert.equal(verifyNonMembership(sw, iavlSpec, roots[1]!, k), false)
  // A present key's neighbours do not prove it absent.
  const present = clone(s.proveNonExistence(1, key(63)))
  present.nonexist!.key = key(62)
  assert.equal(verifyNonMembership(present, iavlSpec, roots[1]!, key(62)), false)
  // A non-existence proof is not a membership proof and vice versa.
  assert.equal(verifyMembership(good, iavlSpec, roots[1]!, k, b('x')), false)
  assert.equal(verifyNonMembership(s.proveExistence(1, key(60)), iavlSpec, roots[1]!, key(60)), false)
})

test('inner-op layout is IAVL\'s: prefix zz(height) zz(size) zz(version) 0x20 and 33-byte suffixes', () => {
  const p = s.proveExistence(150, key(500)).exist!
  assert.deepEqual([...p.leaf!.prefix!], [0, 2, 0xac, 0x02]) // zz(0) zz(1) zz(150) = 300 as uvarint
  for (const op of p.path!) {
    const suffix = op.suffix ?? new Uint8Array(0)
    assert.ok(suffix.length === 0 || suffix.length === 33)
    const prefix = op.prefix!
    assert.ok(prefix.length >= 4 && prefix.length <= 12 + (suffix.length === 0 ? 33 : 0))
    assert.equal(prefix[0]! % 2, 0) // zigzag of a positive height: never the leaf prefix 0x00
    assert.notEqual(prefix[0], 0)
  }
})

test('long keys (multi-byte length prefixes) and big values prove and verify', async () => {
  const db1 = await dbs.db()
  const t = IavlStore.open(db1)
  const long = (c: string, n: number) => b(c.repeat(n))
  const keys = [long('a', 200), long('a', 201), long('b', 130), long('a', 199) , b('short')]
  const big = new Uint8Array(70_000).fill(7)
  for (const k of keys) t.set(k, big)
  const { rootHash } = await commitTo(db1, t)
  for (const k of keys) assert.equal(verifyMembership(t.proveExistence(1, k), iavlSpec, rootHash, k, big), true)
  const gap = b('a'.repeat(200) + '\u0000')
  assert.equal(verifyNonMembership(t.proveNonExistence(1, gap), iavlSpec, rootHash, gap), true)
})
