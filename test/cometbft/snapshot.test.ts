/**
 * State-sync snapshots over the ABCI socket, without CometBFT: a source App makes snapshots at its
 * interval (chunked, hashed), lists them and serves chunks; a fresh App restores one and ends at
 * the same height, app hash and balances. Refusals: an unknown format, an offer to an App that
 * holds state, metadata that is not ours, a chunk out of order (fetched again), a corrupted chunk
 * (fetched again, its sender rejected), and a restored state whose hash is not the verified app
 * hash (the snapshot rejected, nothing written).
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ResponseApplySnapshotChunk_Result as Apply, ResponseOfferSnapshot_Result as Offer, type Snapshot } from 'cosmjs-types/tendermint/abci/types'
import { startAbciNode, type AbciNode } from '../../src/engine/cometbft/node.js'
import { toHex, utf8 } from '../../src/base/bytes.js'
import { testCity } from '../../src/kit/genesis-builder.js'
import { tmpDir } from '../../src/kit/temp-dir.js'
import { Signer } from '../../src/kit/signer.js'
import { AbciClient } from './abci-client.js'

const city = testCity({ chainId: 'snap-city', citizens: 4 })
const genesisSec = Number(BigInt(city.genesis.genesis_time) / 1000n)
const time = (s: number) => ({ seconds: BigInt(s), nanos: 0 })

async function open(name: string, snapshotInterval: number): Promise<{ node: AbciNode; c: AbciClient; logs: string[]; dir: ReturnType<typeof tmpDir> }> {
  const dir = tmpDir(name)
  const logs: string[] = []
  const node = await startAbciNode({ home: dir.path, abci: 'tcp://127.0.0.1:0', verifyThreads: 0, log: (m) => logs.push(m), snapshotInterval, snapshotChunkBytes: 700 })
  return { node, c: await AbciClient.connect(node.address), logs, dir }
}

async function balance(c: AbciClient, i: number): Promise<string> {
  const r = await c.send({ query: { path: 'bank/balance', data: utf8(JSON.stringify({ address: toHex(city.citizens[i]!.publicKey) })), height: 0n, prove: false } })
  return JSON.parse(Buffer.from(r.query!.value).toString()).amount as string
}

test('snapshots: made, listed, served in hashed chunks, restored; bad offers and chunks refused', async () => {
  const src = await open('snap-src', 3)
  const dst = await open('snap-dst', 0)
  try {
    const init = await src.c.send({ initChain: { time: time(genesisSec), chainId: city.chainId, validators: [{ pubKey: { ed25519: city.validator.publicKey }, power: 10n }], appStateBytes: utf8(JSON.stringify(city.genesis.app_state)), initialHeight: 1n } })
    assert.ok(init.initChain, init.exception?.error)
    const signer = new Signer(city.chainId)
    for (let h = 1n; h <= 7n; h++) {
      const txs = Array.from({ length: 5 }, (_, k) => signer.send(city.citizens[k % 4]!, city.citizens[(k + 1) % 4]!, h))
      const f = await src.c.send({ finalizeBlock: { txs, height: h, time: time(genesisSec + Number(h)), hash: new Uint8Array(32), proposerAddress: new Uint8Array(20) } })
      assert.ok(f.finalizeBlock, f.exception?.error)
      assert.ok((await src.c.send({ commit: {} })).commit)
      await src.node.abci.snapshotsIdle()
    }
    // snapshots at 3 and 6 (interval 3, made in the background), the newest two kept
    const list = (await src.c.send({ listSnapshots: {} })).listSnapshots!.snapshots
    assert.deepEqual(list.map((s) => s.height), [3n, 6n])
    const snap: Snapshot = list[1]!
    assert.ok(snap.chunks > 1, `${snap.chunks} chunks`)
    const chunks: Uint8Array[] = []
    for (let i = 0; i < snap.chunks; i++) chunks.push((await src.c.send({ loadSnapshotChunk: { height: 6n, format: 1, chunk: i } })).loadSnapshotChunk!.chunk)
    assert.equal((await src.c.send({ loadSnapshotChunk: { height: 6n, format: 1, chunk: snap.chunks } })).loadSnapshotChunk!.chunk.length, 0)
    assert.equal((await src.c.send({ loadSnapshotChunk: { height: 5n, format: 1, chunk: 0 } })).loadSnapshotChunk!.chunk.length, 0)
    const info6 = src.logs.find((l) => l.startsWith('snapshot of height 6'))
    assert.ok(info6, src.logs.join('\n'))

    const offer = (s: Partial<Snapshot>, appHash: Uint8Array) => dst.c.send({ offerSnapshot: { snapshot: { ...snap, ...s }, appHash } })
    assert.equal((await src.c.send({ info: {} })).info!.lastBlockHeight, 7n)

    // refusals of the offer
    assert.equal((await offer({ format: 2 }, new Uint8Array(32))).offerSnapshot!.result, Offer.REJECT_FORMAT)
    assert.equal((await offer({ metadata: utf8('{"chunk_hashes":[]}') }, new Uint8Array(32))).offerSnapshot!.result, Offer.REJECT)
    assert.equal((await src.c.send({ offerSnapshot: { snapshot: snap, appHash: new Uint8Array(32) } })).offerSnapshot!.result, Offer.REJECT, 'an App that holds state')

    // a wrong app hash: the App record in the first chunk names another, the snapshot is rejected there and nothing is written
    assert.equal((await offer({}, new Uint8Array(32).fill(7))).offerSnapshot!.result, Offer.ACCEPT)
    assert.equal((await dst.c.send({ applySnapshotChunk: { index: 0, chunk: chunks[0], sender: 'peer-a' } })).applySnapshotChunk!.result, Apply.REJECT_SNAPSHOT)
    assert.ok(dst.logs.some((l) => /rejected: snapshot: the App record names another app hash than the verified header/.test(l)), dst.logs.join("\n"))
    assert.equal((await dst.c.send({ applySnapshotChunk: { index: 1, chunk: chunks[1], sender: 'peer-a' } })).applySnapshotChunk!.result, Apply.ABORT, 'no restore in progress')
    assert.equal((await dst.c.send({ info: {} })).info!.lastBlockHeight, 0n)

    // the app hash after 6 (under CometBFT: header 7's, verified by the light client)
    const appHash = await appHashAt(src.node, 6n)
    assert.equal((await offer({}, appHash)).offerSnapshot!.result, Offer.ACCEPT)
    // out of order: fetched again, nothing taken
    const ooo = (await dst.c.send({ applySnapshotChunk: { index: 1, chunk: chunks[1], sender: 'peer-a' } })).applySnapshotChunk!
    assert.equal(ooo.result, Apply.RETRY)
    assert.deepEqual(ooo.refetchChunks, [1])
    // corrupted: fetched again, the sender rejected
    const bad = new Uint8Array(chunks[0]!)
    bad[10] = bad[10]! ^ 0xff
    const corrupt = (await dst.c.send({ applySnapshotChunk: { index: 0, chunk: bad, sender: 'peer-evil' } })).applySnapshotChunk!
    assert.equal(corrupt.result, Apply.RETRY)
    assert.deepEqual(corrupt.refetchChunks, [0])
    assert.deepEqual(corrupt.rejectSenders, ['peer-evil'])
    // the good chunks, from another peer
    for (let i = 0; i < chunks.length; i++) assert.equal((await dst.c.send({ applySnapshotChunk: { index: i, chunk: chunks[i], sender: 'peer-b' } })).applySnapshotChunk!.result, Apply.ACCEPT)
    const info = (await dst.c.send({ info: {} })).info!
    assert.equal(info.lastBlockHeight, 6n)
    assert.equal(toHex(info.lastBlockAppHash), toHex(appHash))
    // the restored App has the state of 6 (balances as the source had them then) and goes on from there
    for (let i = 0; i < 4; i++) {
      const at6 = await src.c.send({ query: { path: 'bank/balance', data: utf8(JSON.stringify({ address: toHex(city.citizens[i]!.publicKey) })), height: 6n, prove: false } })
      assert.equal(await balance(dst.c, i), JSON.parse(Buffer.from(at6.query!.value).toString()).amount)
    }
    const replay = await dst.c.send({ finalizeBlock: { txs: [], height: 7n, time: time(genesisSec + 7), hash: new Uint8Array(32), proposerAddress: new Uint8Array(20) } })
    assert.ok(replay.finalizeBlock, replay.exception?.error)
    assert.ok((await dst.c.send({ commit: {} })).commit)
    assert.equal((await dst.c.send({ info: {} })).info!.lastBlockHeight, 7n)
  } finally {
    for (const x of [src, dst]) {
      x.c.close()
      await x.node.close()
      x.dir.remove()
    }
  }
})

/** The app hash after `height`, from the App's own store (a proof's root at that version). */
async function appHashAt(node: AbciNode, height: bigint): Promise<Uint8Array> {
  const tree = (node.abci.app as unknown as { tree: { rootHash(v: number): Uint8Array } }).tree
  return tree.rootHash(Number(height))
}
