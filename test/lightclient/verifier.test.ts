// Verifier and bisection on synthetic chains signed with real keys (validator sets that change).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { LightClient, verify, timeToNs, BlockIdFlag, type LightBlock, type LightBlockProvider } from '../../src/lightclient/index.js'
import { synthChain, synthKey, type SynthValidator } from './synth.js'

const HOUR = 3_600_000_000_000n
const set = (labels: string[], power = 10n): SynthValidator[] => labels.map((l) => ({ key: synthKey(l), power }))
const provider = (chain: LightBlock[], fetched: bigint[] = []): LightBlockProvider => ({
  async lightBlock(h?: bigint) {
    const lb = h === undefined ? chain.at(-1)! : chain[Number(h) - 1]
    if (!lb) throw new Error(`no block ${h}`)
    fetched.push(lb.signedHeader.header.height)
    return lb
  },
})
const t = (lb: LightBlock) => timeToNs(lb.signedHeader.header.time)

test('a static validator set: every adjacent and every skipping step succeeds', () => {
  const chain = synthChain('c', Array.from({ length: 12 }, () => set(['a', 'b', 'c', 'd'])))
  const opts = { trustingPeriodNs: HOUR, nowNs: t(chain.at(-1)!) + 1n }
  for (let i = 1; i < chain.length; i++) assert.equal(verify(chain[i - 1]!, chain[i]!, opts).verdict, 'SUCCESS')
  assert.equal(verify(chain[0]!, chain.at(-1)!, opts).verdict, 'SUCCESS')
})

test('a validator set replaced step by step: skipping needs pivots, and bisection finds them', async () => {
  // each height swaps one validator; after 4 swaps nobody from height 1 is left
  const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l']
  const sets = Array.from({ length: 10 }, (_, i) => set(names.slice(i, i + 4)))
  const chain = synthChain('rot', sets)
  const now = () => t(chain.at(-1)!) + 1n
  assert.equal(verify(chain[0]!, chain.at(-1)!, { trustingPeriodNs: HOUR, nowNs: now() }).verdict, 'NOT_ENOUGH_TRUST')
  const fetched: bigint[] = []
  const lc = LightClient.fromTrustedBlock(provider(chain, fetched), chain[0]!, { chainId: 'rot', trustingPeriodNs: HOUR, now })
  const got = await lc.verifyTo()
  assert.equal(got.signedHeader.header.height, 9n)
  assert.ok(lc.lastPivots.length >= 2, `pivots ${lc.lastPivots}`)
  for (const p of lc.lastPivots) assert.ok(lc.trusted(p), `pivot ${p} is stored as verified`)
  // sequential from the start reaches the same header
  const lc2 = LightClient.fromTrustedBlock(provider(chain), chain[0]!, { chainId: 'rot', trustingPeriodNs: HOUR, now })
  assert.deepEqual((await lc2.verifySequential(9n)).signedHeader.header, got.signedHeader.header)
})

test('voting power, not head count: one validator with most of the power', () => {
  const big: SynthValidator[] = [{ key: synthKey('whale'), power: 100n }, ...set(['x', 'y', 'z'], 1n)]
  const chain = synthChain('pow', [big, big, big])
  const opts = { trustingPeriodNs: HOUR, nowNs: t(chain[1]!) + 1n }
  const lb = structuredClone(chain[1]!)
  // only the whale signs: 100 of 103 > 2/3
  lb.signedHeader.commit.signatures.forEach((s, i) => {
    if (i > 0) lb.signedHeader.commit.signatures[i] = { blockIdFlag: BlockIdFlag.Absent, validatorAddress: new Uint8Array(0), timestamp: s.timestamp, signature: new Uint8Array(0) }
  })
  assert.equal(verify(chain[0]!, lb, opts).verdict, 'SUCCESS')
  // the three small ones alone: 3 of 103
  const lb2 = structuredClone(chain[1]!)
  lb2.signedHeader.commit.signatures[0] = { blockIdFlag: BlockIdFlag.Absent, validatorAddress: new Uint8Array(0), timestamp: lb2.signedHeader.commit.signatures[0]!.timestamp, signature: new Uint8Array(0) }
  assert.equal(verify(chain[0]!, lb2, opts).verdict, 'INVALID')
})

test('a nil vote does not count, a double vote is refused, the trust level is bounded', () => {
  const chain = synthChain('nil', Array.from({ length: 4 }, () => set(['a', 'b', 'c'])))
  const opts = { trustingPeriodNs: HOUR, nowNs: t(chain.at(-1)!) + 1n }
  const lb = structuredClone(chain[1]!)
  lb.signedHeader.commit.signatures[0]!.blockIdFlag = BlockIdFlag.Nil // its signature was for the block: now it is a bad nil vote
  assert.equal(verify(chain[0]!, lb, opts).verdict, 'INVALID')
  assert.throws(() => verify(chain[0]!, chain[2]!, { ...opts, trustLevel: { numerator: 1n, denominator: 4n } }), /trust level/)
  assert.equal(verify(chain[0]!, chain[2]!, { ...opts, trustLevel: { numerator: 2n, denominator: 3n } }).verdict, 'SUCCESS')
  // trust level 1 can never be met: more than all of the power is needed (CometBFT's rule)
  assert.equal(verify(chain[0]!, chain[2]!, { ...opts, trustLevel: { numerator: 1n, denominator: 1n } }).verdict, 'NOT_ENOUGH_TRUST')
  const dbl = structuredClone(chain[2]!)
  dbl.signedHeader.commit.signatures[1] = structuredClone(dbl.signedHeader.commit.signatures[0]!)
  const r = verify(chain[0]!, dbl, opts)
  assert.equal(r.verdict, 'INVALID')
  assert.match(r.reason, /twice/)
})
