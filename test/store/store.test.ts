/** IavlStore API: working state, commits, versions, iteration, errors, caching and the DB contract. */
import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { PolisError } from '../../src/base/errors.js'
import { sha256 } from '../../src/crypto/hash.js'
import { emptyRootHash, IavlStore } from '../../src/store/index.js'
import { b, commitTo, hex, str, TempDbs } from './helpers.js'

const dbs = new TempDbs()
after(() => dbs.cleanup())

const isError = (name: string) => (e: unknown) => e instanceof PolisError && e.errorName === name

test('empty store: version 0, root sha256(""), nothing inside', async () => {
  const s = IavlStore.open(await dbs.db())
  assert.equal(s.version, 0)
  assert.equal(hex(s.rootHash()), hex(sha256()))
  assert.equal(hex(s.workingHash()), hex(sha256()))
  assert.equal(hex(emptyRootHash()), hex(sha256()))
  assert.equal(s.get(b('a')), undefined)
  assert.deepEqual([...s.iterate()], [])
  assert.equal(s.hasVersion(0), false)
  assert.equal(s.hasVersion(1), false)
  assert.equal(s.getAt(0, b('a')), undefined)
  assert.throws(() => s.rootHash(1), isError('not_found'))
  assert.throws(() => s.getAt(1, b('a')), isError('not_found'))
})

test('committing an empty tree gives version 1 with the empty root', async () => {
  const db = await dbs.db()
  const s = IavlStore.open(db)
  const c = await commitTo(db, s)
  assert.equal(c.version, 1)
  assert.equal(hex(c.rootHash), hex(sha256()))
  assert.equal(s.hasVersion(1), true)
  assert.throws(() => s.proveNonExistence(1, b('a')), isError('not_found'))
  assert.throws(() => s.proveExistence(1, b('a')), isError('not_found'))
  assert.equal(hex(IavlStore.open(db).rootHash(1)), hex(sha256()))
})

test('get/set/delete on the working state, then commit and rollback', async () => {
  const db = await dbs.db()
  const s = IavlStore.open(db)
  s.set(b('b'), b('2'))
  s.set(b('a'), b('1'))
  s.set(b('c'), b('3'))
  assert.equal(str(s.get(b('a'))), '1')
  assert.equal(s.delete(b('b')), true)
  assert.equal(s.delete(b('b')), false)
  assert.equal(s.delete(b('zz')), false)
  assert.equal(s.get(b('b')), undefined)
  const c1 = await commitTo(db, s)
  assert.equal(c1.version, 1)
  s.set(b('a'), b('changed'))
  s.set(b('d'), b('4'))
  s.delete(b('c'))
  assert.notEqual(hex(s.workingHash()), hex(c1.rootHash))
  s.rollback()
  assert.equal(hex(s.workingHash()), hex(c1.rootHash))
  assert.equal(str(s.get(b('a'))), '1')
  assert.equal(s.get(b('d')), undefined)
  assert.equal(str(s.get(b('c'))), '3')
  // A commit with no changes is a new version with the same root.
  const c2 = await commitTo(db, s)
  assert.equal(c2.version, 2)
  assert.equal(hex(c2.rootHash), hex(c1.rootHash))
})

test('updating a key to the same value still makes a new leaf version (as IAVL does)', async () => {
  const db = await dbs.db()
  const s = IavlStore.open(db)
  s.set(b('a'), b('1'))
  const c1 = await commitTo(db, s)
  s.set(b('a'), b('1'))
  const c2 = await commitTo(db, s)
  assert.notEqual(hex(c1.rootHash), hex(c2.rootHash))
  assert.equal(str(s.getAt(1, b('a'))), '1')
})

test('refuses empty or non-byte keys and values with invalid_request', async () => {
  const s = IavlStore.open(await dbs.db())
  assert.throws(() => s.set(b('k'), new Uint8Array(0)), isError('invalid_request'))
  assert.throws(() => s.set(new Uint8Array(0), b('v')), isError('invalid_request'))
  assert.throws(() => s.set('k' as unknown as Uint8Array, b('v')), isError('invalid_request'))
  assert.throws(() => s.delete('k' as unknown as Uint8Array), isError('invalid_request'))
  assert.throws(() => s.rootHash(-1), isError('invalid_request'))
  assert.throws(() => s.rootHash(1.5), isError('invalid_request'))
  assert.equal(s.delete(new Uint8Array(0)), false)
  assert.equal(s.version, 0)
})

test('keys and values are copied in and out', async () => {
  const db = await dbs.db()
  const s = IavlStore.open(db)
  const k = b('key')
  const v = b('value')
  s.set(k, v)
  k[0] = 0x78
  v[0] = 0x78
  assert.equal(str(s.get(b('key'))), 'value')
  const got = s.get(b('key'))!
  got[0] = 0x78
  assert.equal(str(s.get(b('key'))), 'value')
  const [[ik, iv]] = [...s.iterate()] as [[Uint8Array, Uint8Array]]
  ik[0] = 0
  iv[0] = 0
  assert.equal(str(s.get(b('key'))), 'value')
  const c = await commitTo(db, s)
  c.rootHash[0]! ^= 1
  assert.notEqual(hex(s.rootHash()), hex(c.rootHash))
})

test('iterate: ranges, reverse, byte order, working state and past versions', async () => {
  const db = await dbs.db()
  const s = IavlStore.open(db)
  const keys = ['a', 'ab', 'b', 'ba', 'c', 'd\u0000', 'd', 'e', 'f']
  for (const k of keys) s.set(b(k), b(k.toUpperCase()))
  await commitTo(db, s)
  s.delete(b('c'))
  s.set(b('bb'), b('BB'))
  const ks = (it: Iterable<[Uint8Array, Uint8Array]>) => [...it].map(([k]) => str(k))
  assert.deepEqual(ks(s.iterate()), ['a', 'ab', 'b', 'ba', 'bb', 'd', 'd\u0000', 'e', 'f'])
  assert.deepEqual(ks(s.iterate({ gte: b('b'), lt: b('d') })), ['b', 'ba', 'bb'])
  assert.deepEqual(ks(s.iterate({ gte: b('b'), lt: b('d'), reverse: true })), ['bb', 'ba', 'b'])
  assert.deepEqual(ks(s.iterate({ gte: b('aa') })), ['ab', 'b', 'ba', 'bb', 'd', 'd\u0000', 'e', 'f'])
  assert.deepEqual(ks(s.iterate({ lt: b('b'), reverse: true })), ['ab', 'a'])
  assert.deepEqual(ks(s.iterate({ gte: b('e'), lt: b('b') })), [])
  assert.deepEqual(ks(s.iterate({ gte: b('b'), lt: b('b') })), [])
  assert.deepEqual(ks(s.iterate({ version: 1, gte: b('b'), lt: b('d') })), ['b', 'ba', 'c'])
  const pairs = [...s.iterate({ version: 1, lt: b('ab') })].map(([k, v]) => [str(k), str(v)])
  assert.deepEqual(pairs, [['a', 'A']])
  assert.throws(() => [...s.iterate({ version: 2 })], isError('not_found'))
})

test('modifying the working tree while iterating it throws; iterating a version does not', async () => {
  const db = await dbs.db()
  const s = IavlStore.open(db)
  for (let i = 0; i < 20; i++) s.set(b(`k${i}`), b('v'))
  await commitTo(db, s)
  assert.throws(() => {
    for (const [k] of s.iterate()) s.set(k, b('w'))
  }, isError('invalid_state'))
  s.rollback()
  let n = 0
  for (const [k] of s.iterate({ version: 1 })) {
    s.set(k, b('w'))
    n++
  }
  assert.equal(n, 20)
})

test('workingHash is what commit produces, and tracks later writes', async () => {
  const db = await dbs.db()
  const s = IavlStore.open(db)
  const other = IavlStore.open(await dbs.db())
  for (let i = 0; i < 100; i++) {
    s.set(b(`k${i * 7 % 100}`), b(`v${i}`))
    other.set(b(`k${i * 7 % 100}`), b(`v${i}`))
    if (i % 10 === 0) s.workingHash() // caches hashes in dirty nodes that later writes must invalidate
  }
  s.delete(b('k3'))
  other.delete(b('k3'))
  const h = s.workingHash()
  assert.equal(hex(h), hex(other.workingHash()))
  const c = await commitTo(db, s)
  assert.equal(hex(c.rootHash), hex(h))
  s.verify()
  s.verify(1)
})

test('commit ops stay under the prefix; two stores share one DB without interfering', async () => {
  const db = await dbs.db()
  const a = IavlStore.open(db, { prefix: b('a/') })
  const z = IavlStore.open(db, { prefix: b('z/') })
  a.set(b('k'), b('from a'))
  z.set(b('k'), b('from z'))
  const ca = a.commit()
  const cz = z.commit()
  for (const op of ca.ops) assert.equal(str(op.key.subarray(0, 2)), 'a/')
  for (const op of cz.ops) assert.equal(str(op.key.subarray(0, 2)), 'z/')
  await db.batch([...ca.ops, ...cz.ops, { type: 'put', key: b('other'), value: b('x') }], { sync: false })
  const a2 = IavlStore.open(db, { prefix: b('a/') })
  const z2 = IavlStore.open(db, { prefix: b('z/') })
  assert.equal(str(a2.get(b('k'))), 'from a')
  assert.equal(str(z2.get(b('k'))), 'from z')
  assert.equal(IavlStore.open(db, { prefix: b('q/') }).version, 0)
})

test('reads work between commit() and the caller writing its ops, even with no cache', async () => {
  const db = await dbs.db()
  const s = IavlStore.open(db, { cacheSize: 0 })
  const pending: Array<ReturnType<IavlStore['commit']>> = []
  for (let v = 1; v <= 3; v++) {
    for (let i = 0; i < 50; i++) s.set(b(`k${v}-${i}`), b(`v${v}`))
    s.delete(b(`k${v - 1}-7`))
    pending.push(s.commit())
    // Nothing written yet: every node of versions 1..v lives only in memory.
    assert.equal(str(s.get(b(`k${v}-3`))), `v${v}`)
    assert.equal(str(s.getAt(v, b(`k${v}-4`))), `v${v}`)
    assert.equal(s.hasVersion(v), true)
    assert.equal([...s.iterate({ version: v })].length, 50 * v - (v - 1))
    s.verify(v)
  }
  for (const c of pending) await db.batch(c.ops, { sync: false })
  s.set(b('after'), b('x'))
  const c4 = await commitTo(db, s) // releases the in-memory copies: reads now come from disk
  assert.equal(str(s.getAt(2, b('k2-9'))), 'v2')
  s.verify(1)
  s.verify(4)
  const re = IavlStore.open(db, { cacheSize: 0 })
  assert.equal(hex(re.rootHash()), hex(c4.rootHash))
  assert.equal(str(re.getAt(3, b('k3-0'))), 'v3')
})

test('same operations give the same roots whatever the cache size', async () => {
  const roots: string[][] = []
  for (const cacheSize of [0, 5, 100_000]) {
    const db = await dbs.db()
    const s = IavlStore.open(db, { cacheSize })
    const rs: string[] = []
    for (let v = 0; v < 5; v++) {
      for (let i = 0; i < 200; i++) {
        const k = (i * 7919 + v * 31) % 300
        if ((i + v) % 5 === 0) s.delete(b(`key-${k}`))
        else s.set(b(`key-${k}`), b(`val-${v}-${i}`))
      }
      rs.push(hex((await commitTo(db, s)).rootHash))
    }
    s.verify()
    roots.push(rs)
  }
  assert.deepEqual(roots[1], roots[0])
  assert.deepEqual(roots[2], roots[0])
})

test('open checks the database: open, byte encodings, options', async () => {
  const db = await dbs.db()
  assert.throws(() => IavlStore.open(db, { cacheSize: -1 }), isError('invalid_request'))
  assert.throws(() => IavlStore.open(db, { prefix: 's' as unknown as Uint8Array }), isError('invalid_request'))
  const fake = { status: 'open', getSync: () => undefined, keyEncoding: () => ({ commonName: 'utf8' }), valueEncoding: () => ({ commonName: 'view' }) }
  assert.throws(() => IavlStore.open(fake), isError('invalid_request'))
  await dbs.close(db)
  assert.throws(() => IavlStore.open(db), isError('invalid_state'))
})

test('a corrupted or missing node is an invalid_state error, not a crash or a wrong answer', async () => {
  const db = await dbs.db()
  const s = IavlStore.open(db, { cacheSize: 0 })
  for (let i = 0; i < 200; i++) s.set(b(`k${i}`), b(`v${i}`))
  const { ops } = s.commit()
  const pages = ops.filter((o) => o.type === 'put' && o.key[1] === 0x6e)
  assert.ok(pages.length >= 10)
  await db.batch(ops, { sync: false })
  IavlStore.open(db, { cacheSize: 0 }).verify(1)
  // One byte of a stored page flipped: verify() notices (hash mismatch or undecodable node).
  const page = pages[3]!
  assert.equal(page.type, 'put')
  if (page.type !== 'put') return
  for (const at of [page.value.length - 1, page.value.length - 40, 60]) {
    const tampered = new Uint8Array(page.value)
    tampered[at]! ^= 1
    await db.put(page.key, tampered)
    assert.throws(() => IavlStore.open(db, { cacheSize: 0 }).verify(1), isError('invalid_state'), `byte ${at}`)
  }
  await db.del(page.key)
  assert.throws(() => [...IavlStore.open(db, { cacheSize: 0 }).iterate()], isError('invalid_state'))
})
