/**
 * The one-pass build of a sorted key set (bulk-build.ts) gives the very tree inserting the keys one
 * by one gives: same root hash and same nodes (verify compares heights, sizes and every hash), for
 * every size up to 400 keys and some larger, for random key sets (property), with bands so narrow
 * that nearly every subtree is written during the build; and a genesis through the App has the app
 * hash of inserting its state key by key, then goes on committing blocks.
 */
import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { compareBytes, toHex, utf8 } from '../../src/base/bytes.js'
import { IavlStore } from '../../src/store/index.js'
import { buildSorted } from '../../src/store/bulk-build.js'
import { NodeDb } from '../../src/store/node-db.js'
import { PolisError } from '../../src/base/errors.js'
import { PolisApp } from '../../src/chain/app.js'
import { VerifyPool } from '../../src/crypto/verify-pool.js'
import { testCity } from '../../src/kit/genesis-builder.js'
import { sha256 } from '../../src/crypto/hash.js'
import { Signer } from '../../src/kit/signer.js'
import { parseGenesis } from '../../src/app/genesis.js'
import { CacheKV, type KV } from '../../src/app/kv.js'
import type { ExecContext } from '../../src/app/module.js'
import { commitTo, type Db, hex, TempDbs } from './helpers.js'

const dbs = new TempDbs()
after(() => dbs.cleanup())

type Entry = [Uint8Array, Uint8Array]

/** Inserts `entries` one by one into `dbA` and builds them into `dbB` with `band`; both committed as version 1 must be the same tree. */
async function same(entries: Entry[], band: number, dbA: Db, dbB: Db): Promise<void> {
  await dbA.clear()
  await dbB.clear()
  const a = IavlStore.open(dbA)
  for (const [k, v] of entries) a.set(k, v)
  const expected = await commitTo(dbA, a)
  if (band === 8) {
    const b = IavlStore.open(dbB)
    await b.buildSorted(entries, (ops) => dbB.batch(ops))
    assert.equal(hex(b.workingHash()), hex(expected.rootHash), `working hash of ${entries.length} keys`)
    assert.equal(hex((await commitTo(dbB, b)).rootHash), hex(expected.rootHash))
  } else {
    const nodes = new NodeDb(dbB, utf8('s'), 1000)
    const root = await buildSorted(nodes, 1, entries, { band, write: (ops) => dbB.batch(ops) })
    await dbB.batch(nodes.persist(root, 1).ops)
  }
  const b = IavlStore.open(dbB)
  assert.equal(hex(b.rootHash(1)), hex(expected.rootHash), `${entries.length} keys, band ${band}`)
  assert.deepEqual(b.verify(1), a.verify(1))
}

const key = (i: number): Uint8Array => {
  const k = new Uint8Array(4)
  new DataView(k.buffer).setUint32(0, i)
  return k
}
const counted = (n: number): Entry[] => Array.from({ length: n }, (_, i) => [key(i), Uint8Array.of(i & 0xff, 1)])

test('every size from 0 to 400 keys, and some larger: the tree of inserting them in order', async () => {
  const dbA = await dbs.db()
  const dbB = await dbs.db()
  for (let n = 0; n <= 400; n++) await same(counted(n), n % 3 === 0 ? 8 : n % 3 === 1 ? 1 : 3, dbA, dbB)
  for (const n of [511, 512, 513, 1023, 1024, 1025, 2047, 2048, 2049, 5000, 33_333]) for (const band of [1, 8]) await same(counted(n), band, dbA, dbB)
})

test('property: random key sets of random lengths, any band', async () => {
  const dbA = await dbs.db()
  const dbB = await dbs.db()
  const entriesArb = fc.uniqueArray(fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 5, min: 0, max: 7 }), fc.uint8Array({ minLength: 1, maxLength: 8 })), {
    maxLength: 400,
    selector: ([k]) => toHex(k),
  })
  await fc.assert(
    fc.asyncProperty(entriesArb, fc.integer({ min: 1, max: 9 }), async (raw, band) => {
      const entries = [...raw].sort((x, y) => compareBytes(x[0], y[0])) as Entry[]
      await same(entries, band, dbA, dbB)
    }),
    { numRuns: 150 },
  )
})

test('refuses keys out of order, repeated or empty, and a store that is not empty', async () => {
  const db = await dbs.db()
  const code = (e: unknown) => (e instanceof PolisError ? e.errorName : String(e))
  for (const bad of [
    [[key(2), Uint8Array.of(1)], [key(1), Uint8Array.of(1)]],
    [[key(1), Uint8Array.of(1)], [key(1), Uint8Array.of(2)]],
    [[new Uint8Array(0), Uint8Array.of(1)]],
    [[key(1), new Uint8Array(0)]],
  ] as Entry[][]) {
    await db.clear()
    await assert.rejects(IavlStore.open(db).buildSorted(bad, (ops) => db.batch(ops)), (e) => code(e) === 'invalid_request')
  }
  await db.clear()
  const s = IavlStore.open(db)
  s.set(key(1), Uint8Array.of(1))
  await assert.rejects(s.buildSorted([[key(2), Uint8Array.of(1)]], (ops) => db.batch(ops)), (e) => code(e) === 'invalid_state')
  await commitTo(db, s)
  await assert.rejects(IavlStore.open(db).buildSorted([[key(2), Uint8Array.of(1)]], (ops) => db.batch(ops)), (e) => code(e) === 'invalid_state')
})

/**
 * The App's genesis path before the one-pass build, as it was: every module's initGenesis into one
 * layer, whose writes are then set one by one, in key order, into the empty tree.
 */
function insertedGenesisHash(app: PolisApp, genesis: unknown, db: Db): Uint8Array {
  const g = parseGenesis(genesis)
  const tree = IavlStore.open(db)
  const kv = new CacheKV(tree as unknown as KV)
  const ctx: ExecContext = { chainId: g.chainId, height: 0n, time: g.genesisTime, kv, emit: () => undefined }
  for (const m of app.modules) if (g.doc.app_state[m.name] !== undefined) m.initGenesis?.(ctx, g.doc.app_state[m.name])
  kv.writeTo(tree as unknown as KV)
  return tree.workingHash()
}

for (const accounts of [0, 40, 3000]) {
  test(`a genesis of ${accounts} extra accounts through the App: the app hash of the previous path; blocks follow`, async () => {
    const city = testCity({ chainId: 'bulk-genesis', citizens: 3 })
    const s = city.genesis.app_state as { identity: { accounts: unknown[] }; bank: { balances: unknown[] } }
    for (let i = 0; i < accounts; i++) {
      const pk = toHex(sha256(utf8(`bulk/${i}`)))
      s.identity.accounts.push({ pub_key: pk, roles: ['citizen'] })
      s.bank.balances.push({ address: pk, amount: String(1 + i) })
    }
    const db = await dbs.db()
    const pool = new VerifyPool(0)
    const app = new PolisApp({ db, verifyPool: pool })
    try {
      const { appHash } = await app.initChain(city.genesis)
      assert.equal(toHex(appHash), toHex(insertedGenesisHash(app, city.genesis, await dbs.db())))
      const t0 = BigInt(city.genesis.genesis_time)
      await app.finalizeBlock({ height: 1n, time: t0 + 1000n, txs: [], proposer: new Uint8Array(32) })
      await app.commit()
      // transfers execute on the built tree, and the committed trees are sound
      const signer = new Signer(city.chainId)
      const txs = city.citizens.map((c, k) => signer.send(c, city.citizens[(k + 1) % 3]!, 1n))
      const fin = await app.finalizeBlock({ height: 2n, time: t0 + 2000n, txs, proposer: new Uint8Array(32) })
      assert.deepEqual(fin.results.map((r) => r.code), [0, 0, 0])
      await app.commit()
      const store = IavlStore.open(db)
      assert.ok(store.verify(1).leaves >= 2 * accounts)
      assert.ok(store.verify(2).leaves >= 2 * accounts)
    } finally {
      await app.close()
      await pool.close()
    }
  })
}
