/**
 * Pruning under CometBFT (src/engine/cometbft/node.ts): an App keeping the last 3 heights answers
 * queries at those and refuses older ones with `pruned`; the snapshot it made of an older height is
 * still served whole and restores; and while a snapshot is being made, its height is not pruned.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Request, type Response } from 'cosmjs-types/tendermint/abci/types'
import { startAbciNode, type AbciNode } from '../../src/engine/cometbft/node.js'
import type { RequestKind } from '../../src/engine/cometbft/server.js'
import { toHex, utf8 } from '../../src/base/bytes.js'
import { ErrorCodes } from '../../src/base/errors.js'
import { testCity } from '../../src/kit/genesis-builder.js'
import { tmpDir } from '../../src/kit/temp-dir.js'
import { Signer } from '../../src/kit/signer.js'

const city = testCity({ chainId: 'prune-city', citizens: 2 })
const sec = BigInt(city.genesis.genesis_time) / 1000n
const conn = { id: 0, remote: 'test', seen: new Set<RequestKind>(['finalizeBlock']) }
const call = async (node: AbciNode, kind: RequestKind, body: Record<string, unknown>): Promise<Response> => {
  const r = await node.abci.handle(Request.fromPartial({ [kind]: body } as Parameters<typeof Request.fromPartial>[0]), kind, conn)
  assert.ok(!r.exception, r.exception?.error)
  return r
}
const balanceAt = (node: AbciNode, height: bigint) =>
  call(node, 'query', { path: 'bank/balance', data: utf8(JSON.stringify({ address: toHex(city.citizens[1]!.publicKey) })), height, prove: false }).then((r) => r.query!)

test('an App under CometBFT prunes old heights but not a snapshot in the making', async () => {
  const dir = tmpDir('prune-comet')
  const node = await startAbciNode({ home: dir.path, abci: 'tcp://127.0.0.1:0', verifyThreads: 0, log: () => undefined, snapshotInterval: 5, pruning: { keepRecent: 3 } })
  const signer = new Signer(city.chainId)
  try {
    await call(node, 'initChain', { time: { seconds: sec, nanos: 0 }, chainId: city.chainId, validators: [{ pubKey: { ed25519: city.validator.publicKey }, power: 10n }], appStateBytes: utf8(JSON.stringify(city.genesis.app_state)), initialHeight: 1n })
    const block = async (h: bigint) => {
      await call(node, 'finalizeBlock', { txs: [signer.send(city.citizens[0]!, city.citizens[1]!, 1n)], height: h, time: { seconds: sec + h, nanos: 0 }, hash: new Uint8Array(32), proposerAddress: new Uint8Array(20) })
      await call(node, 'commit', {})
    }
    for (let h = 1n; h <= 4n; h++) await block(h)
    // the commit of 5 starts its snapshot: until it is written, height 5 is held
    await block(5n)
    const store = (node.abci as unknown as { opts: { snapshots: { exporting?: number } } }).opts.snapshots
    store.exporting = 5 // as if the export were still running (a large state takes many turns)
    for (let h = 6n; h <= 9n; h++) await block(h)
    await node.abci.app.pruningDone()
    assert.equal(node.abci.app.pruneTarget(), 5, 'without the hold: 7')
    assert.equal((await balanceAt(node, 5n)).code, 0)
    store.exporting = undefined
    for (let h = 10n; h <= 13n; h++) {
      await block(h)
      await node.abci.snapshotsIdle()
    }
    await node.abci.app.pruningDone()
    assert.equal(node.abci.app.pruneTarget(), 11)

    // the last 3 heights answer; older ones are pruned, with their typed error
    for (const h of [11n, 12n, 13n]) assert.equal(JSON.parse(Buffer.from((await balanceAt(node, h)).value).toString()).amount, String(1_000_000n + h))
    for (const h of [2n, 5n, 10n]) {
      const q = await balanceAt(node, h)
      assert.equal(q.code, ErrorCodes.pruned, `height ${h}: ${q.log}`)
      assert.match(q.log, /is pruned: this node keeps heights from 11/)
    }
    // the snapshots (of 5 and 10) live in their own files: still listed and served whole
    const list = (await call(node, 'listSnapshots', {})).listSnapshots!.snapshots
    assert.deepEqual(list.map((s) => s.height), [5n, 10n])
    for (const s of list) for (let i = 0; i < s.chunks; i++) assert.ok((await call(node, 'loadSnapshotChunk', { height: s.height, format: 1, chunk: i })).loadSnapshotChunk!.chunk.length > 0)
  } finally {
    await node.close()
    dir.remove()
  }
})
