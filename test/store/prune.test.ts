/**
 * Pruning: after deleting versions below a floor, every kept version is whole (every node present,
 * every hash recomputes, same values as a model), pruned versions fail with `pruned`, the records
 * of nodes no kept version reaches are gone, and pruning survives a reopen.
 */
import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { IavlStore } from '../../src/store/index.js'
import { PolisError } from '../../src/base/errors.js'
import { b, commitTo, hex, TempDbs, type Db } from './helpers.js'

const dbs = new TempDbs()
after(() => dbs.cleanup())

async function recordCount(db: Db, tag: string): Promise<number> {
  let n = 0
  const lo = Uint8Array.of(0x73, tag.charCodeAt(0))
  const hi = Uint8Array.of(0x73, tag.charCodeAt(0) + 1)
  for await (const _ of db.keys({ gte: lo, lt: hi })) n++
  return n
}

const op = fc.tuple(fc.integer({ min: 0, max: 199 }), fc.oneof(fc.constant(null), fc.integer({ min: 0, max: 1_000_000 })))

test('pruned stores keep every retained version whole and refuse pruned ones (random histories)', async () => {
  let run = 0
  await fc.assert(fc.asyncProperty(
    fc.array(fc.array(op, { minLength: 1, maxLength: 60 }), { minLength: 3, maxLength: 14 }),
    fc.integer({ min: 2, max: 6 }),
    async (versions, keep) => {
      const db = await dbs.db(`prop-${run++}`)
      const s = IavlStore.open(db, { cacheSize: 64, recordOrphans: true })
      const model = new Map<string, string>()
      const snapshots: Array<Map<string, string>> = []
      const roots: string[] = []
      for (const ops of versions) {
        for (const [k, v] of ops) {
          const key = `k${k}`
          if (v === null) {
            s.delete(b(key))
            model.delete(key)
          } else {
            s.set(b(key), b(`v${v}`))
            model.set(key, `v${v}`)
          }
        }
        const c = await commitTo(db, s)
        roots[c.version] = hex(c.rootHash)
        snapshots[c.version] = new Map(model)
        const floor = Math.max(1, c.version - keep + 1)
        const step = s.prune(floor)
        await db.batch(step.ops)
      }
      const latest = s.version
      const floor = s.firstVersion
      assert.equal(floor, Math.max(1, latest - keep + 1))
      for (let v = 1; v <= latest; v++) {
        if (v < floor) {
          assert.equal(s.hasVersion(v), false)
          assert.throws(() => s.getAt(v, b('k1')), (e: unknown) => e instanceof PolisError && e.errorName === 'pruned')
          continue
        }
        assert.equal(hex(s.verify(v).rootHash), roots[v])
        const got = new Map([...s.iterate({ version: v })].map(([k, x]) => [Buffer.from(k).toString(), Buffer.from(x).toString()]))
        assert.deepEqual(got, snapshots[v])
      }
      await dbs.close(db)
    },
  ), { numRuns: 25 })
})

test('pruning deletes the pages no kept version reaches, and survives a reopen', async () => {
  const db = await dbs.db('pages')
  let s = IavlStore.open(db, { cacheSize: 1000, recordOrphans: true })
  for (let v = 1; v <= 30; v++) {
    for (let i = 0; i < 500; i++) s.set(b(`key-${(i * 7 + v * 3) % 2000}`), b(`value-${v}-${i}`))
    await commitTo(db, s)
  }
  const pagesBefore = await recordCount(db, 'n')
  assert.ok((await recordCount(db, 'o')) > 0, 'orphan lists are recorded')
  for (let floor = 5; floor <= 28; floor += 5) await db.batch(s.prune(floor).ops)
  await db.batch(s.prune(28).ops)
  const pagesAfter = await recordCount(db, 'n')
  assert.ok(pagesAfter < pagesBefore / 2, `pages ${pagesBefore} → ${pagesAfter}`)
  const root29 = hex(s.rootHash(29))
  await dbs.close(db)
  const db2 = await dbs.db('pages')
  s = IavlStore.open(db2, { cacheSize: 10, recordOrphans: true })
  assert.equal(s.firstVersion, 28)
  assert.throws(() => s.rootHash(27), (e: unknown) => e instanceof PolisError && e.errorName === 'pruned')
  for (const v of [28, 29, 30]) s.verify(v)
  assert.equal(hex(s.rootHash(29)), root29)
  assert.throws(() => s.prune(31), (e: unknown) => e instanceof PolisError && e.errorName === 'invalid_request')
})

test('without orphan records nothing is freed, but pruned versions still read as pruned', async () => {
  const db = await dbs.db('no-orphans')
  const s = IavlStore.open(db, { cacheSize: 100 })
  for (let v = 1; v <= 5; v++) {
    s.set(b(`k${v}`), b('x'))
    await commitTo(db, s)
  }
  assert.equal(await recordCount(db, 'o'), 0)
  const step = s.prune(4)
  assert.equal(step.pagesDeleted, 0)
  await db.batch(step.ops)
  assert.equal(s.hasVersion(3), false)
  s.verify(4)
  s.verify(5)
})
