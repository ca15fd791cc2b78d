/**
 * The streaming snapshot restore (src/engine/cometbft/snapshot-restore.ts) on a state tree tall
 * enough to be written in several groups, fed in chunks whose boundaries fall inside records: the
 * restored App has the source's height, app hash and balances. Refused, with nothing left in the
 * database: a tree whose hash is not the verified app hash, a truncated snapshot, bytes after the
 * tree, a snapshot that does not hash to its announced hash; leftovers of an interrupted restore are
 * cleared by the next one.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ClassicLevel } from 'classic-level'
import { Request, type Response } from 'cosmjs-types/tendermint/abci/types'
import { startAbciNode, type AbciNode } from '../../src/engine/cometbft/node.js'
import { SnapshotRestorer } from '../../src/engine/cometbft/snapshot-restore.js'
import type { RequestKind } from '../../src/engine/cometbft/server.js'
import { sha256 } from '../../src/crypto/hash.js'
import { toHex, utf8 } from '../../src/base/bytes.js'
import { PolisError } from '../../src/base/errors.js'
import { testCity } from '../../src/kit/genesis-builder.js'
import { tmpDir } from '../../src/kit/temp-dir.js'

const ACCOUNTS = 1500
const city = testCity({ chainId: 'restore-city', citizens: 2 })
const conn = { id: 0, remote: 'test', seen: new Set<RequestKind>(['finalizeBlock']) }
const call = async (node: AbciNode, kind: RequestKind, body: Record<string, unknown>): Promise<Response> => {
  const r = await node.abci.handle(Request.fromPartial({ [kind]: body } as Parameters<typeof Request.fromPartial>[0]), kind, conn)
  assert.ok(!r.exception, r.exception?.error)
  return r
}
const address = (i: number) => toHex(sha256(utf8(`account/${i}`)))

/** A source App at height 1 with ACCOUNTS funded accounts; its snapshot of height 1. */
async function source() {
  const dir = tmpDir('restore-src')
  const node = await startAbciNode({ home: dir.path, abci: 'tcp://127.0.0.1:0', verifyThreads: 0, log: () => undefined, snapshotInterval: 1 })
  const s = city.genesis.app_state as { identity: { accounts: unknown[] }; bank: { balances: unknown[] } }
  for (let i = 0; i < ACCOUNTS; i++) {
    s.identity.accounts.push({ pub_key: address(i), roles: ['citizen'] })
    s.bank.balances.push({ address: address(i), amount: String(1000 + i) })
  }
  const sec = BigInt(city.genesis.genesis_time) / 1000n
  await call(node, 'initChain', { time: { seconds: sec, nanos: 0 }, chainId: city.chainId, validators: [{ pubKey: { ed25519: city.validator.publicKey }, power: 10n }], appStateBytes: utf8(JSON.stringify(s)), initialHeight: 1n })
  await call(node, 'finalizeBlock', { txs: [], height: 1n, time: { seconds: sec + 1n, nanos: 0 }, hash: new Uint8Array(32), proposerAddress: new Uint8Array(20) })
  await call(node, 'commit', {})
  await node.abci.snapshotsIdle()
  const appHash = node.abci.app.info().lastAppHash
  await node.close()
  const blob = readFileSync(join(dir.path, 'snapshots', '1', 'snapshot'))
  dir.remove()
  return { blob, appHash, hash: sha256(blob) }
}

async function keys(db: ClassicLevel<Uint8Array, Uint8Array>): Promise<number> {
  return (await db.keys().all()).length
}

test('a snapshot restored as its chunks arrive; bad ones refused with nothing left behind', async () => {
  const src = await source()
  const dir = tmpDir('restore-dst')
  const db = new ClassicLevel<Uint8Array, Uint8Array>(join(dir.path, 'app'), { keyEncoding: 'view', valueEncoding: 'view' })
  await db.open()
  const feed = async (blob: Uint8Array, appHash = src.appHash, hash = src.hash, size = 97) => {
    const r = new SnapshotRestorer(db, 1n, appHash, 4)
    await r.begin()
    try {
      for (let at = 0; at < blob.length; at += size) await r.push(blob.subarray(at, at + size))
      await r.finish(hash)
    } catch (e) {
      await r.abort()
      throw e
    }
    return r
  }
  const refused = async (p: Promise<unknown>, name: string, msg: RegExp) => {
    await assert.rejects(p, (e: unknown) => e instanceof PolisError && e.errorName === name && msg.test(e.message))
    assert.equal(await keys(db), 0, 'nothing left in the database')
  }
  try {
    // the last leaf's value changed: the tree parses, its hash is not the verified one
    const flipped = Buffer.from(src.blob)
    flipped[flipped.length - 1]! ^= 1
    await refused(feed(flipped, src.appHash, sha256(flipped)), 'proof_invalid', /the restored state's hash [0-9a-f]+ is not the verified app hash/)
    await refused(feed(src.blob.subarray(0, src.blob.length - 5)), 'invalid_request', /snapshot truncated/)
    await refused(feed(Buffer.concat([src.blob, Buffer.from([0])])), 'invalid_request', /bytes after the tree/)
    await refused(feed(src.blob, src.appHash, new Uint8Array(32)), 'proof_invalid', /does not hash to its announced hash/)
    await refused(feed(src.blob, new Uint8Array(32).fill(1)), 'proof_invalid', /another app hash than the verified header/)

    // an interrupted restore leaves pages behind; the next one starts from an empty store
    const half = new SnapshotRestorer(db, 1n, src.appHash, 4)
    await half.begin()
    await half.push(src.blob.subarray(0, src.blob.length >> 1))
    assert.ok(half.stats.written > 0 && (await keys(db)) > 0)
    const r = await feed(src.blob)
    assert.ok(r.stats.written > 10, `${r.stats.written} groups written`)
  } finally {
    await db.close()
  }
  // the restored App: height, app hash, balances; it goes on
  const node = await startAbciNode({ home: dir.path, abci: 'tcp://127.0.0.1:0', verifyThreads: 0, log: () => undefined })
  try {
    const info = node.abci.app.info()
    assert.equal(info.lastHeight, 1n)
    assert.equal(toHex(info.lastAppHash), toHex(src.appHash))
    for (const i of [0, 777, ACCOUNTS - 1]) {
      const q = await call(node, 'query', { path: 'bank/balance', data: utf8(JSON.stringify({ address: address(i) })), height: 0n, prove: false })
      assert.equal(JSON.parse(Buffer.from(q.query!.value).toString()).amount, String(1000 + i))
    }
    const sec = BigInt(city.genesis.genesis_time) / 1000n + 2n
    await call(node, 'finalizeBlock', { txs: [], height: 2n, time: { seconds: sec, nanos: 0 }, hash: new Uint8Array(32), proposerAddress: new Uint8Array(20) })
    await call(node, 'commit', {})
    assert.equal(node.abci.app.info().lastHeight, 2n)
  } finally {
    await node.close()
    dir.remove()
  }
})
