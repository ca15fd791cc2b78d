// The cometbft light-client type on a chain: created from a trusted light block, updated adjacent
// and across skips (bisection path from the relayer side), and the attacks: too little trusted
// power across a skip, a forged signature, another chain, a validator set that is not the header's,
// a header from the future, conflicting headers (frozen), recovery by the authority only, pruning.
// The counterparty is a synthetic CometBFT chain signed with real keys (test/lightclient/synth.ts).
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { ErrorCodes } from '../../src/base/errors.js'
import { sha256 } from '../../src/crypto/hash.js'
import { utf8 } from '../../src/base/bytes.js'
import { headerHash, voteSignBytes, type LightBlock } from '../../src/lightclient/index.js'
import { headerHasher } from '../../src/crypto/header-hash.js'
import { signHeader, encodeHeader, type Header as SoloHeader } from '../../src/lightclient/solo-header.js'
import { cometUpdatePath, createCometClientMsg } from '../../src/agents/relayer/cometbft-headers.js'
import type { LightBlockProvider } from '../../src/lightclient/light-client.js'
import { bridge } from '../../src/sdk/bridge.js'
import { closeChain, emptyBlock, exec, ok, openChain, query, type Chain } from './harness.js'
import { synthChain, synthKey, valset, type SynthValidator } from '../lightclient/synth.js'

let A: Chain
let B: Chain // a solo counterparty, for the solo drift test and the wrong-type recovery
before(async () => {
  A = await openChain('city-a', 'to-metro')
  B = await openChain('city-b', 'to-a')
  await emptyBlock(A)
})
after(async () => {
  await closeChain(A)
  await closeChain(B)
})

const NS = 1_000_000n
const hostNow = (c: Chain) => c.engine.blocks.header(c.engine.height)!.header.time
const four = (tag: string): SynthValidator[] => [0, 1, 2, 3].map((i) => ({ key: synthKey(`${tag}${i}`), power: 10n }))
/** A synthetic chain whose heights 1..n-1 lie `agoMs` before the host's time, one second apart. */
function chain(chainId: string, sets: SynthValidator[][], agoMs: bigint, stepMs = 1000n): LightBlock[] {
  return synthChain(chainId, sets, (hostNow(A) - agoMs) * NS, stepMs * NS)
}
const providerOf = (blocks: LightBlock[]): LightBlockProvider => ({
  lightBlock: async (h?: bigint) => {
    const b = blocks[Number((h ?? BigInt(blocks.length)) - 1n)]
    if (!b) throw new Error(`no block ${h}`)
    return b
  },
})
const at = (blocks: LightBlock[], h: number) => blocks[h - 1]!
const client = (id: string) => query(A, 'bridge/client', { client_id: id })
const consensus = (id: string, h: bigint) => A.engine.app.query({ path: 'bridge/consensus-state', data: utf8(JSON.stringify({ client_id: id, consensus_height: h.toString() })) })

async function create(id: string, blocks: LightBlock[], h: number, extra: { trustingPeriodMs?: bigint } = {}): Promise<void> {
  const { msg } = await createCometClientMsg(providerOf(blocks), { clientId: id, counterpartyClient: 'to-a', height: BigInt(h), trustingPeriodMs: extra.trustingPeriodMs ?? 7n * 24n * 3600n * 1000n })
  await ok(A, A.city.authority, [msg])
}
const update = (id: string, blocks: LightBlock[], from: number, to: number) => exec(A, A.relayer, [bridge.updateCometClient(id, at(blocks, from), at(blocks, to))])

/** The same block with another app hash, re-signed by its validators: a fork. */
function fork(lb: LightBlock, vals: SynthValidator[]): LightBlock {
  const keys = valset(vals).keys
  const header = { ...lb.signedHeader.header, appHash: sha256(utf8('forged state')) }
  const hash = headerHash(header)
  const commit = { ...lb.signedHeader.commit, blockId: { hash, partSetHeader: { total: 1, hash: sha256(hash) } }, signatures: lb.signedHeader.commit.signatures.map((s) => ({ ...s })) }
  commit.signatures.forEach((s, k) => (s.signature = keys.get(Buffer.from(s.validatorAddress).toString('hex'))!.sign(voteSignBytes(header.chainId, commit, k))))
  return { ...lb, signedHeader: { header, commit } }
}

test('created from a trusted light block; adjacent and skipping updates; consensus state keeps the next validators', async () => {
  const vals = four('v')
  const blocks = chain('metro-1', Array(12).fill(vals), 3_600_000n)
  await create('metro', blocks, 1)
  let c = client('metro')
  assert.equal(c.type, 'cometbft')
  assert.equal(c.trust_level, '1/3')
  assert.equal(c.latest_height, '1')
  assert.equal((await update('metro', blocks, 1, 2)).code, 0)           // adjacent
  assert.equal((await update('metro', blocks, 2, 9)).code, 0)           // skip, same validators
  const dup = await update('metro', blocks, 2, 9)                        // same header again: a no-op
  assert.equal(dup.code, 0, dup.log)
  c = client('metro')
  assert.equal(c.latest_height, '9')
  assert.equal(c.frozen_height, null)
  const cs = JSON.parse(Buffer.from(consensus('metro', 9n).value!).toString())
  assert.equal(cs.header_hash, Buffer.from(headerHash(at(blocks, 9).signedHeader.header)).toString('hex'))
  assert.equal(cs.app_hash, Buffer.from(at(blocks, 9).signedHeader.header.appHash).toString('hex'))
  assert.ok(cs.next_validators_hash, 'next validators hash kept')
  // below the latest: refused
  assert.equal((await update('metro', blocks, 1, 5)).code, ErrorCodes.invalid_message)
})

test('a skip where the trusted validators hold too little power is refused; the relayer bisects and every step verifies', async () => {
  // the validator set is replaced one validator per height: after 4 heights none of the first remain
  const rotating: SynthValidator[][] = Array.from({ length: 14 }, (_, i) => [0, 1, 2, 3].map((k) => ({ key: synthKey(`r${k}-${Math.floor((i + k) / 4)}`), power: 10n })))
  const blocks = chain('metro-2', rotating, 3_000_000n)
  await create('rot', blocks, 1)
  const direct = await update('rot', blocks, 1, 12)
  assert.equal(direct.code, ErrorCodes.proof_invalid)
  assert.match(direct.log, /not enough trust/)
  const { msgs } = await cometUpdatePath(providerOf(blocks), 'rot', 1n, { target: 12n, trustingPeriodMs: 7n * 24n * 3600n * 1000n, nowMs: () => hostNow(A) })
  assert.ok(msgs.length > 1, 'bisection needed intermediate headers')
  for (const m of msgs) {
    const r = await exec(A, A.relayer, [m])
    assert.equal(r.code, 0, r.log)
  }
  assert.equal(client('rot').latest_height, '12')
})

test('attacks on updates: forged signature, another chain, a validator set that is not the header’s, wrong trusted validators, a header from the future', async () => {
  const vals = four('w')
  const blocks = chain('metro-3', Array(8).fill(vals), 2_000_000n)
  await create('atk', blocks, 1)
  // forged commit signature
  const forged = structuredClone(at(blocks, 3))
  const sig = forged.signedHeader.commit.signatures[0]!.signature
  sig[5] = sig[5]! ^ 1
  let r = await exec(A, A.relayer, [bridge.updateCometClient('atk', at(blocks, 1), forged)])
  assert.equal(r.code, ErrorCodes.proof_invalid)
  assert.match(r.log, /invalid signature/)
  // the same validators sign another chain's header
  const other = chain('metro-x', Array(8).fill(vals), 2_000_000n)
  r = await exec(A, A.relayer, [bridge.updateCometClient('atk', at(blocks, 1), at(other, 3))])
  assert.equal(r.code, ErrorCodes.proof_invalid)
  assert.match(r.log, /chain/)
  // a validator set that does not hash to the header's validators_hash
  const strangers = valset(four('s')).set
  r = await exec(A, A.relayer, [bridge.updateCometClient('atk', at(blocks, 1), { ...at(blocks, 3), validatorSet: strangers })])
  assert.equal(r.code, ErrorCodes.proof_invalid)
  assert.match(r.log, /validators_hash/)
  // trusted validators that are not the trusted header's next validators
  r = await exec(A, A.relayer, [bridge.updateCometClient('atk', { ...at(blocks, 1), nextValidatorSet: strangers }, at(blocks, 3))])
  assert.equal(r.code, ErrorCodes.proof_invalid)
  assert.match(r.log, /trusted_validators/)
  // a trusted height the client never verified
  r = await exec(A, A.relayer, [bridge.updateCometClient('atk', at(blocks, 2), at(blocks, 3))])
  assert.equal(r.code, ErrorCodes.proof_invalid)
  // a header more than the drift bound (10 s) ahead of this chain's block time
  const future = chain('metro-3', Array(8).fill(vals), -120_000n)
  r = await exec(A, A.relayer, [bridge.updateCometClient('atk', at(blocks, 1), at(future, 5))])
  assert.equal(r.code, ErrorCodes.proof_invalid)
  assert.match(r.log, /future/)
  // garbage in place of a signed header
  r = await exec(A, A.relayer, [{ type: 'bridge/update-cometbft-client', value: { ...bridge.updateCometClient('atk', at(blocks, 1), at(blocks, 3)).value, signed_header: utf8('nope') } }])
  assert.equal(r.code, ErrorCodes.invalid_message)
  // none of this moved the client
  assert.equal(client('atk').latest_height, '1')
  assert.equal((await update('atk', blocks, 1, 3)).code, 0)
  // only a relayer updates; only the authority creates
  assert.equal((await exec(A, A.city.citizens[0]!, [bridge.updateCometClient('atk', at(blocks, 3), at(blocks, 4))])).code, ErrorCodes.unauthorized)
  const { msg } = await createCometClientMsg(providerOf(blocks), { clientId: 'atk2', counterpartyClient: 'to-a', height: 1n })
  assert.equal((await exec(A, A.relayer, [msg])).code, ErrorCodes.unauthorized)
})

test('create refuses a trust anchor not signed by its validators, a bad trust level, this chain’s id', async () => {
  const vals = four('c')
  const blocks = chain('metro-4', Array(4).fill(vals), 1_000_000n)
  const { msg } = await createCometClientMsg(providerOf(blocks), { clientId: 'anchor', counterpartyClient: 'to-a', height: 2n })
  const tampered = structuredClone(at(blocks, 2))
  tampered.signedHeader.commit.signatures = tampered.signedHeader.commit.signatures.map((s, i) => (i < 2 ? { ...s, signature: new Uint8Array(64).fill(7) } : s))
  const bad = await createCometClientMsg(providerOf([at(blocks, 1), tampered]), { clientId: 'anchor', counterpartyClient: 'to-a', height: 2n })
  assert.equal((await exec(A, A.city.authority, [bad.msg])).code, ErrorCodes.proof_invalid)
  assert.equal((await exec(A, A.city.authority, [{ ...msg, value: { ...msg.value, trust_level: [1n, 4n] } }])).code, ErrorCodes.invalid_message)
  assert.equal((await exec(A, A.city.authority, [{ ...msg, value: { ...msg.value, chain_id: 'city-a' } }])).code, ErrorCodes.invalid_message)
  assert.equal((await exec(A, A.city.authority, [msg])).code, 0)
})

test('conflicting headers freeze the client; the authority alone recovers it with an active client of the same chain', async () => {
  const vals = four('f')
  const blocks = chain('metro-5', Array(12).fill(vals), 1_500_000n)
  await create('fz', blocks, 1)
  assert.equal((await update('fz', blocks, 1, 4)).code, 0)
  // misbehaviour: two valid headers at height 6, both verified from height 4
  const evil = fork(at(blocks, 6), vals)
  const mis = bridge.cometMisbehaviour('fz', { trusted: at(blocks, 4), header: at(blocks, 6) }, { trusted: at(blocks, 4), header: evil })
  // the same header twice is not misbehaviour
  assert.equal((await exec(A, A.relayer, [bridge.cometMisbehaviour('fz', { trusted: at(blocks, 4), header: at(blocks, 6) }, { trusted: at(blocks, 4), header: at(blocks, 6) })])).code, ErrorCodes.invalid_message)
  const r = await exec(A, A.relayer, [mis])
  assert.equal(r.code, 0, r.log)
  assert.ok(r.events.some((e) => e.type === 'bridge.client_frozen'), 'frozen event')
  assert.equal(client('fz').frozen_height, '6')
  assert.equal((await update('fz', blocks, 4, 7)).code, ErrorCodes.frozen)

  // a conflicting header through update-client also freezes (on another client)
  await create('fz2', blocks, 1)
  assert.equal((await update('fz2', blocks, 1, 6)).code, 0)
  const r2 = await exec(A, A.relayer, [bridge.updateCometClient('fz2', at(blocks, 1), evil)])
  assert.equal(r2.code, 0, r2.log)
  assert.equal(client('fz2').frozen_height, '6')

  // recovery: a substitute of the same chain, created later and kept active
  await create('fz-sub', blocks, 8)
  assert.equal((await update('fz-sub', blocks, 8, 10)).code, 0)
  const recover = (subject: string, substitute: string) => ({ type: 'bridge/recover-client', value: { subject_client: subject, substitute_client: substitute, reason: 'metro validators equivocated at 6; fork resolved off chain' } })
  assert.equal((await exec(A, A.relayer, [recover('fz', 'fz-sub')])).code, ErrorCodes.unauthorized)
  assert.equal((await exec(A, A.city.citizens[0]!, [recover('fz', 'fz-sub')])).code, ErrorCodes.unauthorized)
  // a substitute of another chain, a client that is not frozen or expired: refused
  const other = chain('metro-6', Array(4).fill(vals), 1_000_000n)
  await create('other-sub', other, 3)
  const wrong = await exec(A, A.city.authority, [recover('fz', 'other-sub')])
  assert.equal(wrong.code, ErrorCodes.invalid_message)
  assert.match(wrong.log, /tracks chain/)
  assert.equal((await exec(A, A.city.authority, [recover('fz-sub', 'fz2')])).code, ErrorCodes.invalid_message)
  const done = await exec(A, A.city.authority, [recover('fz', 'fz-sub')])
  assert.equal(done.code, 0, done.log)
  const ev = done.events.find((e) => e.type === 'bridge.client_recovered')
  assert.ok(ev, 'recovery event')
  assert.equal(ev.attributes.find((a) => a.key === 'previous_status')!.value, 'frozen')
  const c = client('fz')
  assert.equal(c.frozen_height, null)
  assert.equal(c.latest_height, '10')
  assert.equal(c.counterparty_client, 'to-a')
  assert.equal((await update('fz', blocks, 10, 11)).code, 0)
})

test('an expired client is recovered; consensus states past the trusting period are pruned, the latest kept', async () => {
  const vals = four('e')
  const period = 300_000n
  const blocks = chain('metro-7', Array(260).fill(vals), 250_000n)
  await create('exp', blocks, 1, { trustingPeriodMs: period })
  for (const h of [2, 3, 4]) assert.equal((await update('exp', blocks, h - 1, h)).code, 0)
  await create('exp-sub', blocks, 1, { trustingPeriodMs: period })
  assert.equal((await update('exp-sub', blocks, 1, 200)).code, 0) // header 200: ~50 s before the host's time
  const expiresAt = BigInt(at(blocks, 4).signedHeader.header.time.seconds) * 1000n + period
  while (hostNow(A) <= expiresAt + 1000n) await emptyBlock(A)
  // expired: no update, no recovery by a relayer, recovery by the authority
  assert.equal((await update('exp', blocks, 4, 5)).code, ErrorCodes.expired)
  // the expired client's older states were pruned at the end of blocks; its latest stays
  for (const h of [1n, 2n, 3n]) assert.equal(consensus('exp', h).code, ErrorCodes.not_found, `state ${h} pruned`)
  assert.equal(consensus('exp', 4n).code, 0)
  assert.equal(consensus('exp-sub', 1n).code, ErrorCodes.not_found)
  assert.equal(consensus('exp-sub', 200n).code, 0)
  const r = await exec(A, A.city.authority, [{ type: 'bridge/recover-client', value: { subject_client: 'exp', substitute_client: 'exp-sub', reason: 'relayer down for a week' } }])
  assert.equal(r.code, 0, r.log)
  assert.equal(r.events.find((e) => e.type === 'bridge.client_recovered')!.attributes.find((a) => a.key === 'previous_status')!.value, 'expired')
  assert.equal(client('exp').latest_height, '200')
  assert.equal((await update('exp', blocks, 200, 201)).code, 0)
})

test('solo clients: a header from beyond the drift bound is refused; a solo client cannot substitute a cometbft one', async () => {
  const soloHeader = (dt: bigint) => {
    const last = B.engine.blocks.header(B.engine.height)!
    const h: SoloHeader = { ...last.header, height: last.header.height + 1n, time: hostNow(A) + dt }
    const s = signHeader(h, headerHasher({ name: 'sha256' }), B.city.validator)
    return { header: encodeHeader(h), signature: s.signature }
  }
  await emptyBlock(B)
  const last = B.engine.blocks.header(B.engine.height)!
  await ok(A, A.city.authority, [{
    type: 'bridge/create-client',
    value: { client_id: 'solo-b', chain_id: 'city-b', counterparty_client: 'to-a', validator: B.city.validator.publicKey, hash_alg: 'sha256', header: encodeHeader(last.header), signature: last.signature },
  }])
  const far = await exec(A, A.relayer, [{ type: 'bridge/update-client', value: { client_id: 'solo-b', ...soloHeader(600_000n) } }])
  assert.equal(far.code, ErrorCodes.proof_invalid)
  assert.match(far.log, /future/)
  const near = await exec(A, A.relayer, [{ type: 'bridge/update-client', value: { client_id: 'solo-b', ...soloHeader(1_000n) } }])
  assert.equal(near.code, 0, near.log)
  // type mismatch for recovery (the subject must be frozen or expired first: freeze the solo client by a conflicting header)
  const vals = four('t')
  const blocks = chain('city-b', Array(4).fill(vals), 1_000_000n)
  await create('b-comet', blocks, 2)
  const conflicting = soloHeader(2_000n)
  const frozen = await exec(A, A.relayer, [{ type: 'bridge/update-client', value: { client_id: 'solo-b', ...conflicting } }])
  assert.equal(frozen.code, 0, frozen.log)
  assert.ok(frozen.events.some((e) => e.type === 'bridge.client_frozen'), 'frozen event')
  const r = await exec(A, A.city.authority, [{ type: 'bridge/recover-client', value: { subject_client: 'solo-b', substitute_client: 'b-comet', reason: 'wrong type' } }])
  assert.equal(r.code, ErrorCodes.invalid_message)
  assert.match(r.log, /same type/)
})

test('pruning is bounded: at most 32 consensus states per block, oldest first, the rest in the next blocks', async () => {
  const vals = four('p')
  const period = 110_000n
  const blocks = chain('metro-8', Array(43).fill(vals), 100_000n, 1n) // 42 headers 1 ms apart
  await create('aaa', blocks, 1, { trustingPeriodMs: period })
  const path = Array.from({ length: 40 }, (_, i) => bridge.updateCometClient('aaa', at(blocks, i + 1), at(blocks, i + 2)))
  await ok(A, A.relayer, path.slice(0, 20)) // a transaction holds at most 32 messages
  await ok(A, A.relayer, path.slice(20))
  assert.equal(client('aaa').latest_height, '41')
  const present = (h: number) => consensus('aaa', BigInt(h)).code === 0
  for (let i = 0; i < 200 && present(1); i++) await emptyBlock(A)
  // the first block past their expiry: 32 of the 40 expired states (1..32) went, 33..41 remain
  assert.deepEqual([present(32), present(33), present(40), present(41)], [false, true, true, true])
  await emptyBlock(A)
  assert.deepEqual([present(40), present(41)], [false, true], 'the rest went in the next block; the latest stays')
})
