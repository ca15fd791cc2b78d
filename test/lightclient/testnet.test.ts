// The light client against a real 4-validator CometBFT testnet running the Polis App: headers and
// commits fetched over RPC verify adjacently and by skipping; tampered ones are rejected; a
// state proof from the App verifies against the app hash of a verified header (what the bridge does).
import { test, before, after, describe } from 'node:test'
import assert from 'node:assert/strict'
import { iavlSpec, ics23, verifyMembership } from '@confio/ics23'
import {
  LightClient, rpcProvider, verify, headerHash, voteSignBytes, timeToNs, BlockIdFlag, VerificationError,
  type LightBlock, type VerifyOptions,
} from '../../src/lightclient/index.js'
import { balanceStoreKey } from '../../src/modules/bank/types.js'
import { amountToBytes } from '../../src/codec/amount.js'
import { fromHex } from '../../src/base/bytes.js'
import { synthKey } from './synth.js'
import { Signer } from '../../src/kit/signer.js'
import { missingCometbft, settle, startNet, waitTx, type Net } from '../cometbft/net.js'

const skip = missingCometbft()
const DAY = 86_400_000_000_000n

describe('light client on a live CometBFT testnet', { skip }, () => {
  let net: Net
  let blocks: LightBlock[] // index h-1
  let latest: bigint
  const signer = new Signer('light-city')
  let lastTx: Uint8Array

  before(async () => {
    net = await startNet({ name: 'light-city', chainId: 'light-city', validators: 4, citizens: 3, citizenBalance: 1000n })
    const c = [0, 1, 2].map((i) => net.key(`citizen/${i}`))
    for (let k = 0; k < 4; k++) {
      lastTx = signer.send(c[k % 3]!, c[(k + 1) % 3]!, 10n)
      await net.tn.rpc(k % 4).broadcastTxSync(lastTx)
      await waitTx(net.tn.rpc(0), lastTx)
    }
    latest = (await settle(net.tn, [0, 1, 2, 3])).height
    const p = rpcProvider(net.tn.rpc(0))
    blocks = []
    for (let h = 1n; h <= latest; h++) blocks.push(await p.lightBlock(h))
  })

  after(async () => {
    await net?.cleanup()
  })

  const opts = (over: Partial<VerifyOptions> = {}): VerifyOptions => ({ trustingPeriodNs: DAY, nowNs: BigInt(Date.now()) * 1_000_000n, ...over })
  const at = (h: number) => structuredClone(blocks[h - 1]!)

  test('headers from RPC: hash = block id, validator set of 4 with equal power', () => {
    assert.ok(latest >= 5n, `height ${latest}`)
    for (const b of blocks) {
      assert.deepEqual(headerHash(b.signedHeader.header), b.signedHeader.commit.blockId.hash)
      assert.equal(b.validatorSet.validators.length, 4)
    }
  })

  test('client from a hash learned out of band (another node) follows the chain sequentially and by skipping', async () => {
    const h1 = (await net.tn.rpc(3).block(1n)).block_id.hash as string
    const seq = await LightClient.fromTrustedHash(rpcProvider(net.tn.rpc(1)), 1n, fromHex(h1.toLowerCase()), { chainId: 'light-city', trustingPeriodNs: DAY })
    const s = await seq.verifySequential(latest)
    assert.equal(s.signedHeader.header.height, latest)
    const skipping = await LightClient.fromTrustedHash(rpcProvider(net.tn.rpc(2)), 1n, fromHex(h1.toLowerCase()), { chainId: 'light-city', trustingPeriodNs: DAY })
    const k = await skipping.verifyTo()
    assert.ok(k.signedHeader.header.height >= latest)
    assert.deepEqual(skipping.lastPivots, [], 'same validators throughout: one skip')
    await assert.rejects(LightClient.fromTrustedHash(rpcProvider(net.tn.rpc(1)), 1n, new Uint8Array(32), { chainId: 'light-city', trustingPeriodNs: DAY }), /not the trusted/)
  })

  test('each adjacent step and each skip from height 1 succeeds', () => {
    for (let h = 2; h <= Number(latest); h++) {
      assert.equal(verify(at(h - 1), at(h), opts()).verdict, 'SUCCESS', `adjacent ${h}`)
      assert.equal(verify(at(1), at(h), opts()).verdict, 'SUCCESS', `skip 1→${h}`)
    }
  })

  test('changed app hash: rejected (header no longer matches the signed block id)', () => {
    const b = at(Number(latest))
    b.signedHeader.header.appHash = new Uint8Array(32).fill(7)
    const r = verify(at(1), b, opts())
    assert.equal(r.verdict, 'INVALID')
    assert.match(r.reason, /block id/)
    // and re-pointing the commit at the forged header breaks every signature
    b.signedHeader.commit.blockId.hash = headerHash(b.signedHeader.header)
    const r2 = verify(at(1), b, opts())
    assert.equal(r2.verdict, 'INVALID')
    assert.match(r2.reason, /signature/)
  })

  test('dropped signatures: 2 of 4 left is not 2/3 (invalid); 1 of 4 is not even 1/3 of the trusted set', () => {
    // keep exactly `n` of the commit's signatures (a live commit may already lack some)
    const keep = (n: number) => {
      const b = at(Number(latest))
      let kept = 0
      b.signedHeader.commit.signatures = b.signedHeader.commit.signatures.map((s) => {
        if (s.blockIdFlag === BlockIdFlag.Commit && kept < n) {
          kept++
          return s
        }
        return { blockIdFlag: BlockIdFlag.Absent, validatorAddress: new Uint8Array(0), timestamp: s.timestamp, signature: new Uint8Array(0) }
      })
      assert.equal(kept, n, 'the live commit has enough signatures for this case')
      return b
    }
    assert.equal(verify(at(1), keep(2), opts()).verdict, 'INVALID')
    assert.equal(verify(at(Number(latest) - 1), keep(2), opts()).verdict, 'INVALID')
    assert.equal(verify(at(1), keep(1), opts()).verdict, 'NOT_ENOUGH_TRUST')
    assert.equal(verify(at(1), keep(3), opts()).verdict, 'SUCCESS', '3 of 4 is enough')
    const removed = at(Number(latest))
    removed.signedHeader.commit.signatures.pop()
    assert.equal(verify(at(1), removed, opts()).verdict, 'INVALID', 'signature list shorter than the validator set')
  })

  test('forged signer: an outsider signs in a validator\'s slot, or a validator is replaced in the set', () => {
    const b = at(Number(latest))
    const outsider = synthKey('mallory')
    const slot = b.signedHeader.commit.signatures.findIndex((x) => x.blockIdFlag === BlockIdFlag.Commit)
    b.signedHeader.commit.signatures[slot]!.signature = outsider.sign(voteSignBytes('light-city', b.signedHeader.commit, slot))
    const r = verify(at(1), b, opts())
    assert.equal(r.verdict, 'INVALID')
    assert.match(r.reason, /invalid signature/)
    // a validator set with mallory's key in place of a validator: the header's validators_hash catches it
    const c = at(Number(latest))
    c.validatorSet.validators[0]!.pubKey = outsider.publicKey
    assert.equal(verify(at(1), c, opts()).verdict, 'INVALID')
    // a signature from a key on another chain id: sign bytes include the chain id
    const d = at(Number(latest))
    d.signedHeader.header.chainId = 'other-city'
    d.signedHeader.commit.blockId.hash = headerHash(d.signedHeader.header)
    assert.equal(verify(at(1), d, opts()).verdict, 'INVALID')
  })

  test('expired trust, a header from the future, height and time going backwards', () => {
    const t1 = timeToNs(blocks[0]!.signedHeader.header.time)
    const tl = timeToNs(blocks[Number(latest) - 1]!.signedHeader.header.time)
    const r = verify(at(1), at(Number(latest)), opts({ trustingPeriodNs: 1_000_000_000n, nowNs: t1 + 1_000_000_000n }))
    assert.equal(r.verdict, 'INVALID')
    assert.match(r.reason, /expired/)
    const f = verify(at(1), at(Number(latest)), opts({ nowNs: tl - 1n, maxClockDriftNs: 0n }))
    assert.equal(f.verdict, 'INVALID')
    assert.match(f.reason, /future/)
    assert.equal(verify(at(1), at(Number(latest)), opts({ nowNs: tl - 1n, maxClockDriftNs: 10_000_000_000n })).verdict, 'SUCCESS', 'within the clock drift')
    assert.equal(verify(at(3), at(2), opts()).verdict, 'INVALID')
    assert.equal(verify(at(3), at(3), opts()).verdict, 'INVALID')
    // the light client refuses to start from a header already outside its trusting period
    return assert.rejects(LightClient.fromTrustedHash(rpcProvider(net.tn.rpc(0)), 1n, headerHash(blocks[0]!.signedHeader.header), { chainId: 'light-city', trustingPeriodNs: 1n }), /trusting period/)
  })

  test('a commit of another height, and a client given a bad header by its provider, are refused', async () => {
    const b = at(3)
    b.signedHeader.commit = structuredClone(blocks[3]!.signedHeader.commit)
    assert.equal(verify(at(1), b, opts()).verdict, 'INVALID')
    const tampered = blocks.map((x) => structuredClone(x))
    tampered[Number(latest) - 1]!.signedHeader.header.appHash = new Uint8Array(32)
    const lc = LightClient.fromTrustedBlock({ lightBlock: async (h) => tampered[Number(h ?? latest) - 1]! }, blocks[0]!, { chainId: 'light-city', trustingPeriodNs: DAY })
    await assert.rejects(lc.verifyTo(latest), VerificationError)
  })

  test('a state proof from the App verifies against the app hash of the next verified header', async () => {
    const who = net.key('citizen/1')
    const key = balanceStoreKey(who.publicKey, 'ucity')
    const committedAt = BigInt((await waitTx(net.tn.rpc(0), lastTx)).height)
    const q = await net.tn.rpc(2).abciQuery('store', key, committedAt, true)
    assert.equal(q.response.code ?? 0, 0, q.response.log)
    const value = new Uint8Array(Buffer.from(q.response.value, 'base64'))
    const proof = ics23.CommitmentProof.decode(Buffer.from(q.response.proofOps.ops[0].data, 'base64'))
    const lc = LightClient.fromTrustedBlock(rpcProvider(net.tn.rpc(1)), blocks[0]!, { chainId: 'light-city', trustingPeriodNs: DAY })
    const next = await lc.verifyTo(committedAt + 1n) // app hash of block h is in header h+1
    assert.equal(verifyMembership(proof, iavlSpec, next.signedHeader.header.appHash, key, value), true)
    assert.equal(verifyMembership(proof, iavlSpec, next.signedHeader.header.appHash, key, amountToBytes(999_999n)), false)
    // the header of height h itself carries the state before block h: it does not match
    const same = lc.trusted(committedAt) ?? (await rpcProvider(net.tn.rpc(1)).lightBlock(committedAt))
    assert.equal(verifyMembership(proof, iavlSpec, same.signedHeader.header.appHash, key, value), false)
  })
})
