// The ABCI socket server and the Polis mapping, driven by a test client (no CometBFT needed):
// framing (fuzzed), ordering per connection, Flush, partial frames, bad input, the CheckTx window
// between FinalizeBlock and Commit, and a connection lost mid-block.
import { test, before, after, describe } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { CheckTxType, ResponseOfferSnapshot_Result, ResponseProcessProposal_ProposalStatus, type Response } from 'cosmjs-types/tendermint/abci/types'
import { DEFAULT_MAX_FRAME, FrameDecoder, FrameError, encodeFrame, encodeUvarint } from '../../src/engine/cometbft/frame.js'
import { startAbciNode, type AbciNode } from '../../src/engine/cometbft/node.js'
import { genesisFromInitChain, timestampToMs } from '../../src/engine/cometbft/abci-app.js'
import { ErrorCodes } from '../../src/base/errors.js'
import { toHex, utf8 } from '../../src/base/bytes.js'
import { testCity } from '../../src/kit/genesis-builder.js'
import { tmpDir } from '../../src/kit/temp-dir.js'
import { Signer } from '../../src/kit/signer.js'
import { AbciClient } from './abci-client.js'
import type { KeyPair } from '../../src/crypto/keys.js'

describe('frame decoder', () => {
  test('uvarint matches protobuf encoding at the boundaries', () => {
    assert.deepEqual([...encodeUvarint(0)], [0])
    assert.deepEqual([...encodeUvarint(127)], [0x7f])
    assert.deepEqual([...encodeUvarint(128)], [0x80, 0x01])
    assert.deepEqual([...encodeUvarint(300)], [0xac, 0x02])
    assert.deepEqual([...encodeUvarint(2 ** 32)], [0x80, 0x80, 0x80, 0x80, 0x10])
  })

  test('any split of any sequence of frames decodes to the same payloads (fuzz)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 400 }), { maxLength: 12 }),
        fc.array(fc.integer({ min: 1, max: 600 }), { minLength: 1, maxLength: 20 }),
        (payloads, cuts) => {
          const stream = Buffer.concat(payloads.map((p) => encodeFrame(p)))
          const d = new FrameDecoder()
          const got: Uint8Array[] = []
          let i = 0
          let c = 0
          while (i < stream.length) {
            const n = cuts[c++ % cuts.length]!
            got.push(...d.push(stream.subarray(i, i + n)).map((x) => new Uint8Array(x)))
            i += n
          }
          assert.equal(got.length, payloads.length)
          got.forEach((g, k) => assert.deepEqual(g, payloads[k]))
          assert.ok(d.idle)
        },
      ),
      { numRuns: 300 },
    )
  })

  test('garbage either decodes or throws FrameError, never anything else, never past the limit (fuzz)', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 1, maxLength: 64 }), { maxLength: 10 }), (chunks) => {
        const d = new FrameDecoder(1024)
        try {
          for (const ch of chunks) for (const f of d.push(ch)) assert.ok(f.length <= 1024)
        } catch (e) {
          assert.ok(e instanceof FrameError, String(e))
          // once broken, it stays broken
          assert.throws(() => d.push(new Uint8Array([0])), FrameError)
        }
      }),
      { numRuns: 500 },
    )
  })

  test('refuses an over-long varint and an oversized length', () => {
    assert.throws(() => new FrameDecoder().push(new Uint8Array(11).fill(0xff)), FrameError)
    assert.throws(() => new FrameDecoder(100).push(encodeUvarint(101)), FrameError)
    assert.throws(() => new FrameDecoder().push(encodeUvarint(DEFAULT_MAX_FRAME + 1)), FrameError)
  })

  test('a large frame fed in small chunks is assembled once', () => {
    const big = new Uint8Array(3_000_000).map((_, i) => i & 0xff)
    const f = encodeFrame(big)
    const d = new FrameDecoder()
    const out: Uint8Array[] = []
    for (let i = 0; i < f.length; i += 1500) out.push(...d.push(f.subarray(i, i + 1500)))
    assert.equal(out.length, 1)
    assert.deepEqual(out[0], big)
  })
})

describe('ABCI server with the Polis App', () => {
  const city = testCity({ chainId: 'abci-city', citizens: 3, balance: 1000n })
  const [alice, bob, carol] = city.citizens as [KeyPair, KeyPair, KeyPair]
  const signer = new Signer(city.chainId)
  const dir = tmpDir('abci')
  let node: AbciNode
  let consensus: AbciClient
  let mempool: AbciClient
  let query: AbciClient
  const logs: string[] = []
  const time = (s: number) => ({ seconds: BigInt(s), nanos: 0 })
  const genesisSec = Number(BigInt(city.genesis.genesis_time) / 1000n)

  const initChainReq = {
    initChain: {
      time: { seconds: BigInt(genesisSec), nanos: 0 },
      chainId: city.chainId,
      validators: [{ pubKey: { ed25519: city.validator.publicKey }, power: 10n }],
      appStateBytes: utf8(JSON.stringify(city.genesis.app_state)),
      initialHeight: 1n,
    },
  }

  async function balance(k: KeyPair): Promise<bigint> {
    const r = await query.send({ query: { path: 'bank/balance', data: utf8(JSON.stringify({ address: toHex(k.publicKey) })), height: 0n, prove: false } })
    assert.equal(r.query!.code, 0, r.query!.log)
    return BigInt(JSON.parse(Buffer.from(r.query!.value).toString()).amount)
  }

  async function block(height: bigint, txs: Uint8Array[], conn = consensus): Promise<Response> {
    const fin = await conn.send({ finalizeBlock: { txs, height, time: time(genesisSec + Number(height)), hash: new Uint8Array(32), proposerAddress: new Uint8Array(20) } })
    assert.ok(fin.finalizeBlock, fin.exception?.error)
    const c = await conn.send({ commit: {} })
    assert.ok(c.commit, c.exception?.error)
    return fin
  }

  before(async () => {
    node = await startAbciNode({ home: dir.path, abci: 'tcp://127.0.0.1:0', verifyThreads: 1, log: (m) => logs.push(m) })
    ;[consensus, mempool, query] = await Promise.all([AbciClient.connect(node.address), AbciClient.connect(node.address), AbciClient.connect(node.address)])
  })

  after(async () => {
    for (const c of [consensus, mempool, query]) c?.close()
    await node?.close()
    dir.remove()
  })

  test('genesis from InitChain: chain id, time in ms, validators, app_state', () => {
    const g = genesisFromInitChain(initChainReq.initChain as any)
    assert.equal(g.chain_id, city.chainId)
    assert.equal(g.genesis_time, city.genesis.genesis_time)
    assert.equal(g.validators[0]!.pub_key, toHex(city.validator.publicKey))
    assert.deepEqual(g.app_state, city.genesis.app_state)
    assert.equal(timestampToMs({ seconds: 1n, nanos: 999_999_999 }), 1999n)
  })

  test('handshake: Info at height 0, InitChain, Info after the first block', async () => {
    const info = await consensus.send({ info: { version: '0.38.25', blockVersion: 11n, p2pVersion: 8n, abciVersion: '2.0.0' } })
    assert.equal(info.info!.lastBlockHeight, 0n)
    assert.equal(info.info!.lastBlockAppHash.length, 0)
    const init = await consensus.send(initChainReq)
    assert.equal(init.initChain!.appHash.length, 32)
    assert.equal(init.initChain!.validators.length, 0, 'CometBFT keeps its genesis validators')
    const fin = await block(1n, [])
    const info2 = await query.send({ info: {} })
    assert.equal(info2.info!.lastBlockHeight, 1n)
    assert.deepEqual(info2.info!.lastBlockAppHash, fin.finalizeBlock!.appHash)
  })

  test('responses come back in request order, async CheckTx mixed with sync requests; Flush answered', async () => {
    const good1 = signer.send(alice, bob, 10n)
    const good2 = signer.send(alice, carol, 5n)
    const pending = [
      mempool.send({ checkTx: { tx: good1, type: CheckTxType.NEW } }),
      mempool.send({ echo: { message: 'hello' } }),
      mempool.send({ checkTx: { tx: new Uint8Array([0xff, 0x00]), type: CheckTxType.NEW } }),
      mempool.send({ info: {} }),
      mempool.send({ checkTx: { tx: good2, type: CheckTxType.NEW } }),
      mempool.send({ checkTx: { tx: good2, type: CheckTxType.NEW } }),
      mempool.send({ flush: {} }),
    ]
    const r = await Promise.all(pending)
    assert.equal(r[0]!.checkTx?.code, 0, r[0]!.checkTx?.log)
    assert.equal(r[1]!.echo?.message, 'hello')
    assert.equal(r[2]!.checkTx?.code, ErrorCodes.tx_decode)
    assert.ok(r[2]!.checkTx!.log.length > 0)
    assert.equal(r[2]!.checkTx!.codespace, 'polis')
    assert.equal(r[3]!.info?.lastBlockHeight, 1n)
    assert.equal(r[4]!.checkTx?.code, 0, r[4]!.checkTx?.log)
    assert.equal(r[5]!.checkTx?.code, ErrorCodes.bad_nonce, 'the same tx again is a replay against the mempool state')
    assert.ok(r[6]!.flush)

    const fin = await block(2n, [good1, good2, new Uint8Array([1, 2, 3])])
    assert.deepEqual(fin.finalizeBlock!.txResults.map((t) => t.code), [0, 0, ErrorCodes.tx_decode])
    assert.ok(fin.finalizeBlock!.txResults[0]!.events.some((e) => e.type === 'bank.transfer'))
    assert.ok(fin.finalizeBlock!.txResults[0]!.events.some((e) => e.type === 'polis.tx'), 'the App event "tx" is renamed: tx.hash is reserved by CometBFT')
    assert.equal(await balance(alice), 985n)
    assert.equal(await balance(bob), 1010n)
    assert.ok(node.abci.stats.checkTx >= 4)
  })

  test('a request split into single bytes is reassembled', async () => {
    const tx = signer.send(bob, alice, 1n)
    const { Request } = await import('cosmjs-types/tendermint/abci/types')
    const frame = encodeFrame(Request.encode(Request.fromPartial({ checkTx: { tx, type: CheckTxType.NEW } })).finish())
    const resp = mempool.expect()
    for (const b of frame) {
      mempool.raw(new Uint8Array([b]))
      await new Promise((r) => setImmediate(r))
    }
    assert.equal((await resp).checkTx?.code, 0)
    await block(3n, [tx])
  })

  test('CheckTx between FinalizeBlock and Commit is answered at once (no deadlock with Flush), then re-checked', async () => {
    const inBlock = signer.send(alice, bob, 1n)
    const next = signer.send(alice, bob, 2n) // nonce after inBlock's
    assert.equal((await mempool.send({ checkTx: { tx: inBlock, type: CheckTxType.NEW } })).checkTx!.code, 0)
    const fin = await consensus.send({ finalizeBlock: { txs: [inBlock], height: 4n, time: time(genesisSec + 4), hash: new Uint8Array(32), proposerAddress: new Uint8Array(20) } })
    assert.ok(fin.finalizeBlock)
    // What CometBFT does before Commit: CheckTx may come, then it flushes the mempool connection and waits.
    const before = node.abci.stats.statelessCheckTx
    const [ck, fl] = await Promise.all([
      mempool.send({ checkTx: { tx: next, type: CheckTxType.NEW } }),
      mempool.send({ flush: {} }),
      mempool.send({ checkTx: { tx: new Uint8Array([9, 9]), type: CheckTxType.NEW } }),
    ])
    assert.equal(ck!.checkTx!.code, 0, ck!.checkTx!.log)
    assert.ok(fl!.flush)
    assert.equal(node.abci.stats.statelessCheckTx, before + 2)
    assert.ok((await consensus.send({ commit: {} })).commit)
    // CometBFT's recheck after Commit runs the full pipeline against the new state.
    const re = await mempool.send({ checkTx: { tx: next, type: CheckTxType.RECHECK } })
    assert.equal(re.checkTx!.code, 0, re.checkTx!.log)
    const stale = await mempool.send({ checkTx: { tx: inBlock, type: CheckTxType.RECHECK } })
    assert.equal(stale.checkTx!.code, ErrorCodes.bad_nonce)
    await block(5n, [next])
  })

  test('a bad transaction in every position gets its refusal code, never an exception', async () => {
    const forged = new Uint8Array(signer.send(carol, alice, 1n))
    forged[forged.length - 1]! ^= 1
    const refusals: Array<[Uint8Array, number]> = [
      [new Uint8Array(0), ErrorCodes.tx_decode],
      [new Uint8Array(70_000), ErrorCodes.tx_too_large],
      [forged, ErrorCodes.bad_signature],
      [signer.tx(alice, [{ type: 'bank/steal', value: {} }], { nonce: 99n }), ErrorCodes.unknown_message],
      [signer.tx(alice, [{ type: 'bank/send', value: { to: bob.publicKey, amount: 1n } }], { chainId: 'other', nonce: 0n }), ErrorCodes.wrong_chain_id],
    ]
    const cases = refusals.map(([tx]) => tx)
    for (const [tx, code] of refusals) {
      const r = await mempool.send({ checkTx: { tx, type: CheckTxType.NEW } })
      assert.ok(r.checkTx, r.exception?.error)
      assert.equal(r.checkTx!.code, code, r.checkTx!.log)
    }
    const fin = await block(6n, cases)
    assert.deepEqual(fin.finalizeBlock!.txResults.map((t) => t.code), refusals.map(([, code]) => code))
    // carol's nonce 0 was never used by a valid tx: the forged one must not have consumed it
  })

  test('requests out of order are refused without touching state', async () => {
    const info = (await query.send({ info: {} })).info!
    const c = await consensus.send({ commit: {} })
    assert.ok(c.exception, 'Commit without FinalizeBlock')
    const f = await consensus.send({ finalizeBlock: { txs: [], height: 99n, time: time(genesisSec + 99) } })
    assert.ok(f.exception, 'FinalizeBlock at the wrong height')
    const again = await consensus.send({ initChain: initChainReq.initChain })
    assert.ok(again.exception, 'InitChain on an initialised chain')
    const info2 = (await query.send({ info: {} })).info!
    assert.equal(info2.lastBlockHeight, info.lastBlockHeight)
    assert.deepEqual(info2.lastBlockAppHash, info.lastBlockAppHash)
    await block(info.lastBlockHeight + 1n, [])
  })

  test('proposal, vote extension and snapshot requests get their fixed answers', async () => {
    const txs = [signer.tx(bob, [{ type: 'bank/send', value: { to: alice.publicKey, amount: 1n } }], { nonce: 50n }), new Uint8Array(100)]
    const pp = await consensus.send({ prepareProposal: { maxTxBytes: 1000n, txs, height: 1n } })
    assert.equal(pp.prepareProposal!.txs.length, 2)
    const small = await consensus.send({ prepareProposal: { maxTxBytes: BigInt(txs[0]!.length + 3 + 50), txs, height: 1n } })
    assert.equal(small.prepareProposal!.txs.length, 1, 'max_tx_bytes is respected')
    assert.equal((await consensus.send({ processProposal: { txs } })).processProposal!.status, ResponseProcessProposal_ProposalStatus.ACCEPT)
    assert.ok((await consensus.send({ extendVote: {} })).extendVote)
    assert.ok((await consensus.send({ verifyVoteExtension: {} })).verifyVoteExtension)
    const snap = { c: await AbciClient.connect(node.address) }
    assert.deepEqual((await snap.c.send({ listSnapshots: {} })).listSnapshots!.snapshots, [])
    assert.equal((await snap.c.send({ offerSnapshot: {} })).offerSnapshot!.result, ResponseOfferSnapshot_Result.REJECT)
    assert.ok((await snap.c.send({ loadSnapshotChunk: {} })).loadSnapshotChunk)
    assert.ok((await snap.c.send({ applySnapshotChunk: {} })).applySnapshotChunk)
    assert.ok((await snap.c.send({})).exception, 'an empty request gets an exception')
    snap.c.close()
  })

  test('queries: by module path, raw store key with an ICS-23 proof, unknown path', async () => {
    const r = await query.send({ query: { path: '/bank/supply', data: new Uint8Array(0), height: 0n, prove: false } })
    assert.equal(r.query!.code, 0, r.query!.log)
    const info = (await query.send({ info: {} })).info!
    assert.equal(r.query!.height, info.lastBlockHeight)
    const p = await query.send({ query: { path: 'store', data: utf8('bank/'), height: 0n, prove: true } })
    assert.equal(p.query!.code, 0, p.query!.log)
    assert.equal(p.query!.proofOps?.ops[0]?.type, 'ics23:iavl')
    const u = await query.send({ query: { path: 'nope/nothing', data: new Uint8Array(0), height: 0n, prove: false } })
    assert.equal(u.query!.code, ErrorCodes.not_found)
  })

  test('a consensus connection lost after FinalizeBlock rolls the App back; the replay gives the same app hash', async () => {
    const h = (await query.send({ info: {} })).info!.lastBlockHeight + 1n
    const tx = signer.send(bob, carol, 7n)
    const lost = await AbciClient.connect(node.address)
    const fin1 = await lost.send({ finalizeBlock: { txs: [tx], height: h, time: time(genesisSec + Number(h)) } })
    assert.ok(fin1.finalizeBlock, fin1.exception?.error)
    const resets = node.abci.stats.resets
    lost.close()
    await lost.closed
    for (let i = 0; i < 100 && node.abci.stats.resets === resets; i++) await new Promise((r) => setTimeout(r, 10))
    assert.equal(node.abci.stats.resets, resets + 1)
    assert.equal((await query.send({ info: {} })).info!.lastBlockHeight, h - 1n)
    const bobBefore = await balance(bob)
    const fin2 = await block(h, [tx])
    assert.deepEqual(fin2.finalizeBlock!.appHash, fin1.finalizeBlock!.appHash)
    assert.equal(await balance(bob), bobBefore - 7n)
  })

  test('a malformed frame or undecodable request closes that connection only', async () => {
    const bad = await AbciClient.connect(node.address)
    bad.raw(new Uint8Array(11).fill(0xff))
    await bad.closed
    const bad2 = await AbciClient.connect(node.address)
    bad2.raw(encodeFrame(new Uint8Array([0xff, 0xff, 0xff, 0xff])))
    await bad2.closed
    // random garbage on fresh connections: the server keeps serving
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 200 }), async (junk) => {
        const c = await AbciClient.connect(node.address)
        c.raw(junk)
        c.raw(encodeFrame(new Uint8Array(0)))
        await new Promise((r) => setTimeout(r, 2))
        c.close()
      }),
      { numRuns: 40 },
    )
    const r = await query.send({ echo: { message: 'still here' } })
    assert.equal(r.echo!.message, 'still here')
    assert.ok(logs.some((l) => /bad frame|undecodable/.test(l)))
  })
})
