/**
 * Property tests against a Map model: random sequences of set / delete / commit / rollback.
 * get and iterate agree with the model (working state and every committed version), the AVL and hash
 * invariants hold, proofs verify, and replaying the same operations in a fresh database (with another
 * cache size) gives the same root at every version.
 */
import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { iavlSpec, ics23, verifyMembership, verifyNonMembership } from '@confio/ics23'
import { compareBytes } from '../../src/base/bytes.js'
import { IavlStore } from '../../src/store/index.js'
import { commitTo, type Db, hex, TempDbs } from './helpers.js'

const dbs = new TempDbs()
after(() => dbs.cleanup())

type Op =
  | { t: 'set'; k: Uint8Array; v: Uint8Array }
  | { t: 'del'; k: Uint8Array }
  | { t: 'commit' }
  | { t: 'rollback' }
  | { t: 'hash' }

// A small key universe (1-3 bytes over 0..3) so that updates, deletes, shared prefixes and 0x00 bytes are common.
const keyArb = fc.uint8Array({ minLength: 1, maxLength: 4, min: 0, max: 3 })
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 10, arbitrary: fc.record({ t: fc.constant('set' as const), k: keyArb, v: fc.uint8Array({ minLength: 1, maxLength: 6 }) }) },
  { weight: 8, arbitrary: fc.record({ t: fc.constant('del' as const), k: keyArb }) },
  { weight: 2, arbitrary: fc.constant({ t: 'commit' as const }) },
  { weight: 1, arbitrary: fc.constant({ t: 'rollback' as const }) },
  { weight: 1, arbitrary: fc.constant({ t: 'hash' as const }) },
)

type Model = Map<string, Uint8Array>
const sorted = (m: Model): Array<[string, string]> =>
  [...m.entries()].sort(([a], [b]) => compareBytes(Buffer.from(a, 'hex'), Buffer.from(b, 'hex'))).map(([k, v]) => [k, hex(v)])
const listed = (it: Iterable<[Uint8Array, Uint8Array]>): Array<[string, string]> => [...it].map(([k, v]) => [hex(k), hex(v)])

/** Applies `ops` to a store in a fresh database; returns the roots per version and the models. */
async function run(ops: Op[], cacheSize: number, check: boolean) {
  const db = await dbs.db()
  const s = IavlStore.open(db, { cacheSize })
  let working: Model = new Map()
  let committed: Model = new Map()
  const snapshots: Model[] = [new Map()]
  const roots: string[] = [hex(s.rootHash())]
  for (const op of ops) {
    if (op.t === 'set') {
      s.set(op.k, op.v)
      working.set(hex(op.k), op.v)
    } else if (op.t === 'del') {
      assert.equal(s.delete(op.k), working.delete(hex(op.k)))
    } else if (op.t === 'commit') {
      const wh = check ? hex(s.workingHash()) : undefined
      const c = await commitTo(db, s)
      if (wh) assert.equal(hex(c.rootHash), wh)
      roots.push(hex(c.rootHash))
      committed = new Map(working)
      snapshots.push(committed)
    } else if (op.t === 'rollback') {
      s.rollback()
      working = new Map(committed)
    } else {
      s.workingHash()
    }
    if (check && op.t !== 'hash') {
      const k = op.t === 'set' || op.t === 'del' ? op.k : undefined
      if (k) assert.equal(hex(s.get(k) ?? new Uint8Array(0)), hex(working.get(hex(k)) ?? new Uint8Array(0)))
    }
  }
  return { db, s, roots, working, snapshots }
}

function checkAgainstModel(s: IavlStore, working: Model, snapshots: Model[], probes: Uint8Array[]) {
  assert.deepEqual(listed(s.iterate()), sorted(working))
  assert.deepEqual(listed(s.iterate({ reverse: true })), sorted(working).reverse())
  for (const k of probes) assert.equal(hex(s.get(k) ?? new Uint8Array(0)), hex(working.get(hex(k)) ?? new Uint8Array(0)))
  const stats = s.verify() // AVL balance, heights, sizes, key order, hashes
  assert.equal(stats.leaves, working.size)
  if (working.size > 0) assert.ok(stats.height <= 1.45 * Math.log2(working.size + 2), `height ${stats.height} for ${working.size} keys`)
  assert.equal(s.version, snapshots.length - 1)
  for (let v = 1; v < snapshots.length; v++) {
    const snap = snapshots[v]!
    assert.equal(s.hasVersion(v), true)
    assert.deepEqual(listed(s.iterate({ version: v })), sorted(snap))
    s.verify(v)
    const root = s.rootHash(v)
    for (const k of probes) {
      const want = snap.get(hex(k))
      assert.equal(hex(s.getAt(v, k) ?? new Uint8Array(0)), hex(want ?? new Uint8Array(0)))
      if (snap.size === 0) continue
      const p = s.prove(v, k)
      const proof = ics23.CommitmentProof.decode(p.proof)
      if (want) assert.equal(verifyMembership(proof, iavlSpec, root, k, want), true)
      else assert.equal(verifyNonMembership(proof, iavlSpec, root, k), true)
    }
  }
}

test('random set/delete/commit/rollback sequences agree with a Map model', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(opArb, { minLength: 1, maxLength: 300, size: 'max' }),
      fc.array(keyArb, { minLength: 4, maxLength: 8 }),
      fc.constantFrom(0, 3, 1000),
      async (ops, probes, cacheSize) => {
        const a = await run(ops, cacheSize, true)
        try {
          checkAgainstModel(a.s, a.working, a.snapshots, probes)
          // Range iteration against the model.
          const [lo, hi] = [probes[0]!, probes[1]!].sort(compareBytes) as [Uint8Array, Uint8Array]
          const inRange = new Map([...a.working].filter(([k]) => compareBytes(Buffer.from(k, 'hex'), lo) >= 0 && compareBytes(Buffer.from(k, 'hex'), hi) < 0))
          assert.deepEqual(listed(a.s.iterate({ gte: lo, lt: hi })), sorted(inRange))
          assert.deepEqual(listed(a.s.iterate({ gte: lo, lt: hi, reverse: true })), sorted(inRange).reverse())
          // Deterministic: the same operations in a fresh database, another cache size, no hash calls.
          const b = await run(ops.filter((o) => o.t !== 'hash'), cacheSize === 3 ? 1000 : 3, false)
          assert.deepEqual(b.roots, a.roots)
          assert.equal(hex(b.s.workingHash()), hex(a.s.workingHash()))
          await dbs.close(b.db)
          // Reopened: the last committed state, every version still there.
          await a.db.close()
          await a.db.open()
          const re = IavlStore.open(a.db, { cacheSize })
          assert.equal(hex(re.rootHash()), a.roots[a.roots.length - 1])
          const last = a.snapshots[a.snapshots.length - 1]!
          checkAgainstModel(re, last, a.snapshots, probes)
        } finally {
          await dbs.close(a.db)
        }
      },
    ),
    { numRuns: 100 },
  )
})

test('sequential and reverse-sequential inserts then deletes keep the tree balanced', async () => {
  const db: Db = await dbs.db()
  const s = IavlStore.open(db, { cacheSize: 100 })
  const key = (i: number) => Buffer.from(i.toString(16).padStart(6, '0'))
  for (let i = 0; i < 1500; i++) s.set(key(i), Buffer.from('v'))
  for (let i = 3000; i >= 1500; i--) s.set(key(i), Buffer.from('w'))
  await commitTo(db, s)
  let st = s.verify(1)
  assert.equal(st.leaves, 3001)
  assert.ok(st.height <= 1.45 * Math.log2(3003), `height ${st.height}`)
  for (let i = 0; i < 3001; i += 3) assert.equal(s.delete(key(i)), true)
  for (let i = 2999; i > 1500; i -= 3) s.delete(key(i))
  await commitTo(db, s)
  st = s.verify(2)
  assert.ok(st.height <= 1.45 * Math.log2(st.leaves + 2), `height ${st.height}`)
})
