/** Persistence: what is committed and written survives a close and reopen; nothing else does. */
import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { iavlSpec, verifyMembership, verifyNonMembership } from '@confio/ics23'
import { IavlStore } from '../../src/store/index.js'
import { b, commitTo, hex, str, TempDbs } from './helpers.js'

const dbs = new TempDbs()
after(() => dbs.cleanup())

for (const encoding of ['view', 'buffer'] as const) {
  test(`commit, close, reopen (${encoding} encoding): same root, values and versions`, async () => {
    const name = `persist-${encoding}`
    let db = await dbs.db(name, encoding)
    let s = IavlStore.open(db, { cacheSize: 50 })
    const roots: string[] = []
    for (let v = 1; v <= 4; v++) {
      for (let i = 0; i < 300; i++) s.set(b(`k${(i * 13 + v) % 500}`), b(`v${v}.${i}`))
      for (let i = 0; i < 20; i++) s.delete(b(`k${i * 25 + v}`))
      roots[v] = hex((await commitTo(db, s)).rootHash)
    }
    const expected = [...s.iterate()].map(([k, v]) => [str(k), str(v)])
    const v2 = [...s.iterate({ version: 2 })].map(([k, v]) => [str(k), str(v)])
    s.set(b('uncommitted'), b('lost'))
    s.delete(b(expected[0]![0]!))
    await dbs.close(db)

    db = await dbs.db(name, encoding)
    s = IavlStore.open(db, { cacheSize: 50 })
    assert.equal(s.version, 4)
    assert.equal(hex(s.rootHash()), roots[4])
    assert.equal(hex(s.workingHash()), roots[4])
    for (let v = 1; v <= 4; v++) {
      assert.equal(s.hasVersion(v), true)
      assert.equal(hex(s.rootHash(v)), roots[v])
    }
    assert.equal(s.get(b('uncommitted')), undefined)
    assert.deepEqual([...s.iterate()].map(([k, v]) => [str(k), str(v)]), expected)
    assert.deepEqual([...s.iterate({ version: 2 })].map(([k, v]) => [str(k), str(v)]), v2)
    // Proofs at an old version, after reopening, against that version's root.
    const [k2, val2] = v2[7]!
    assert.equal(verifyMembership(s.proveExistence(2, b(k2!)), iavlSpec, s.rootHash(2), b(k2!), b(val2!)), true)
    assert.equal(verifyNonMembership(s.proveNonExistence(2, b('k1000')), iavlSpec, s.rootHash(2), b('k1000')), true)
    s.verify(1)
    s.verify(4)
    // And the tree keeps growing from there.
    s.set(b('new'), b('after reopen'))
    const c5 = await commitTo(db, s)
    assert.equal(c5.version, 5)
    assert.equal(str(IavlStore.open(db).getAt(5, b('new'))), 'after reopen')
  })
}

test('a commit whose ops were never written is lost on reopen', async () => {
  let db = await dbs.db('unwritten')
  let s = IavlStore.open(db)
  s.set(b('a'), b('1'))
  const c1 = await commitTo(db, s)
  s.set(b('b'), b('2'))
  const c2 = s.commit() // the caller crashes before writing c2.ops
  assert.equal(c2.version, 2)
  assert.equal(str(s.get(b('b'))), '2')
  await dbs.close(db)
  db = await dbs.db('unwritten')
  s = IavlStore.open(db)
  assert.equal(s.version, 1)
  assert.equal(hex(s.rootHash()), hex(c1.rootHash))
  assert.equal(s.get(b('b')), undefined)
  assert.equal(s.hasVersion(2), false)
  // Replaying the same block gives the same version and root as before.
  s.set(b('b'), b('2'))
  const again = await commitTo(db, s)
  assert.equal(again.version, 2)
  assert.equal(hex(again.rootHash), hex(c2.rootHash))
})

test('the store batch is atomic with the caller\'s own records', async () => {
  const db = await dbs.db('atomic')
  const s = IavlStore.open(db)
  s.set(b('a'), b('1'))
  const { ops, rootHash } = s.commit()
  await db.batch([...ops, { type: 'put', key: b('app/meta'), value: rootHash }], { sync: true })
  const re = IavlStore.open(db)
  assert.equal(hex(re.rootHash()), hex((await db.get(b('app/meta')))!))
})

test('reopening does not load the tree: a fresh store reads only what it touches', async () => {
  const db = await dbs.db('lazy')
  const s = IavlStore.open(db)
  for (let i = 0; i < 2000; i++) s.set(b(`k${i}`), b(`v${i}`))
  await commitTo(db, s)
  let reads = 0
  const counting = {
    status: db.status,
    keyEncoding: () => db.keyEncoding(),
    valueEncoding: () => db.valueEncoding(),
    getSync: (k: Uint8Array) => {
      reads++
      return db.getSync(k)
    },
  }
  const re = IavlStore.open(counting)
  const atOpen = reads
  assert.ok(atOpen <= 3, `open read ${atOpen} records`)
  assert.equal(str(re.get(b('k1234'))), 'v1234')
  assert.ok(reads - atOpen <= re.verify().height + 1, `a lookup read ${reads - atOpen} records`)
})
