/**
 * Proofs of many packets in one request (`POST /v1/store/proofs`, the relayer's path) between two
 * real solo nodes: the entries are exactly what `GET /v1/store/{key}?prove=true` answers, each one
 * checks on its own against the signed header's app hash, and on chain every message of a batch
 * transaction is still a full proof check against the app hash the client verified: a batch with
 * one tampered entry (its proof bytes, another entry's proof, or its packet) is refused as a whole
 * and changes nothing; the same batch untampered is received. Bad requests get typed refusals.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { fromHex, toHex } from '../../src/base/bytes.js'
import { PolisClient } from '../../src/sdk/polis-client.js'
import { bridge, bridgeKeys, packetsFromEvents, storeProofs, type BridgePacket } from '../../src/sdk/bridge.js'
import { verifyHeader, verifyStoreProof, trustGenesis } from '../../src/sdk/proof.js'
import { PolisError } from '../../src/base/errors.js'
import type { StoreResponse } from '../../src/sdk/types.js'
import { MAX_PROOF_KEYS } from '../../src/api/routes/proofs.js'
import { decodePayload, encodePayload } from '../../src/modules/bridge/index.js'
import { closeHttpCities, connectHttpCities, openHttpCity, type HttpCity } from './http-cities.js'

let A: HttpCity
let B: HttpCity

before(async () => {
  A = await openHttpCity('city-a', 'to-b', 1)
  B = await openHttpCity('city-b', 'to-a', 1)
  await connectHttpCities(A, B)
})
after(() => closeHttpCities(A, B))

/** `n` transfers A→B in one transaction; their packets. */
async function sendPackets(n: number, amount: bigint): Promise<BridgePacket[]> {
  const msgs = Array.from({ length: n }, () => bridge.transfer({ clientId: 'to-b', amount, receiver: B.city.citizens[0]!, timeoutHeight: 1_000_000n }))
  const r = await A.api.signAndSubmit(A.city.citizens[0]!, msgs)
  assert.ok(r.ok, r.log)
  return packetsFromEvents(r.events)
}

/** B's client of A updated to A's latest height; that height. */
async function updateB(): Promise<bigint> {
  const h = await A.api.height()
  const r = await B.api.signAndSubmit(B.relayers[0]!, [bridge.updateClient('to-a', await A.api.header(h))], { allowFailure: true })
  assert.ok(r.ok, r.log)
  return h
}

/** The same transfer payload for 1000 times the amount. */
function larger(payload: Uint8Array): Uint8Array {
  const { app, data } = decodePayload(payload)
  return encodePayload(app, { ...data, amount: BigInt(data.amount as bigint | number) * 1000n })
}
const receipt = async (p: BridgePacket) => (await B.api.store(bridgeKeys.receipt('to-a', p.sequence))).value
const flip = (hex: string, at: number) => toHex(fromHex(hex).map((b, i) => (i === at ? b ^ 0x01 : b)))

test('the batch answers each key as GET /v1/store/{key}?prove=true does, and each proof checks on its own against the signed header', async () => {
  const ps = await sendPackets(4, 1n)
  const h = await A.api.height()
  const keys = [...ps.map((p) => bridgeKeys.commitment('to-b', p.sequence)), bridgeKeys.receipt('to-b', 999_999n)] // the last is absent
  const batch = await storeProofs(A.api, keys, h)
  assert.equal(batch.length, keys.length)
  const header = verifyHeader(await A.api.header(h), trustGenesis(A.city.genesis), h)
  for (const [i, key] of keys.entries()) {
    assert.deepEqual(batch[i], await A.api.store(key, { height: h, prove: true }))
    const v = verifyStoreProof(batch[i]!, header.header.appHash, key)
    assert.equal(v.value === undefined, i === keys.length - 1)
  }
  // an entry's proof does not pass for a neighbour's key, nor with a flipped byte
  assert.throws(() => verifyStoreProof({ ...batch[1]!, key: batch[0]!.key }, header.header.appHash, keys[0]!), (e: unknown) => e instanceof PolisError && e.errorName === 'proof_invalid')
  assert.throws(() => verifyStoreProof({ ...batch[0]!, proof: flip(batch[0]!.proof!, 40) }, header.header.appHash, keys[0]!), (e: unknown) => e instanceof PolisError && e.errorName === 'proof_invalid')
})

test('on chain, a batch with one tampered entry is refused whole and changes nothing; untampered, every packet is received', async () => {
  const ps = await sendPackets(5, 3n)
  const h = await updateB()
  const proofs = await storeProofs(A.api, ps.map((p) => bridgeKeys.commitment('to-b', p.sequence)), h)
  const bob = B.city.citizens[0]!
  const voucher = async () => B.api.balance(bob, { denom: (await B.api.balances(bob)).find((b) => b.denom.startsWith('ibc/'))?.denom ?? 'none' })
  const before = await voucher()
  const batchOf = (proofsOf: (i: number) => StoreResponse, packetOf: (i: number) => BridgePacket = (i) => ps[i]!) => ps.map((_, i) => bridge.recvPacket(packetOf(i), proofsOf(i)))
  const tampered: Array<[string, ReturnType<typeof batchOf>]> = [
    ['a flipped byte in entry 2\'s proof', batchOf((i) => (i === 2 ? { ...proofs[i]!, proof: flip(proofs[i]!.proof!, 60) } : proofs[i]!))],
    ['entry 3 carrying entry 1\'s proof', batchOf((i) => proofs[i === 3 ? 1 : i]!)],
    ['entry 4\'s packet with a larger amount', batchOf((i) => proofs[i]!, (i) => (i === 4 ? { ...ps[i]!, payload: larger(ps[i]!.payload) } : ps[i]!))],
  ]
  for (const [what, msgs] of tampered) {
    const r = await B.api.signAndSubmit(B.relayers[0]!, msgs, { allowFailure: true })
    assert.equal(r.ok, false, `${what}: refused`)
    assert.match(r.log, /proof_invalid/, what)
    for (const p of ps) assert.equal(await receipt(p), null, `${what}: no receipt`)
    assert.equal(await voucher(), before, `${what}: nothing minted`)
  }
  const r = await B.api.signAndSubmit(B.relayers[0]!, batchOf((i) => proofs[i]!))
  assert.ok(r.ok, r.log)
  for (const p of ps) assert.equal(await receipt(p), '01')
  assert.equal(await voucher(), before + 15n)
})

test('bad batch requests get typed refusals', async () => {
  const h = await A.api.height()
  const post = (body: unknown) => A.api.post('/v1/store/proofs', body)
  const refused = async (body: unknown, name: string) => {
    await assert.rejects(post(body), (e: unknown) => e instanceof PolisError && e.errorName === name, JSON.stringify(body).slice(0, 80))
  }
  await refused({ keys: [] }, 'invalid_request')
  await refused({ keys: ['zz'] }, 'invalid_request')
  await refused({ keys: Array.from({ length: MAX_PROOF_KEYS + 1 }, () => 'aa') }, 'invalid_request')
  await refused({ keys: ['aa'], height: (h + 1000n).toString() }, 'not_found')
  await refused({ keys: ['aa'], extra: 1 }, 'invalid_request')
  // the SDK refuses an answer for other keys or another height
  const lying = new PolisClient(A.node.url, { fetch: async (input, init) => {
    const res = await fetch(input, init)
    const body = await res.json() as { height: string; entries: StoreResponse[] }
    body.entries.reverse()
    return new Response(JSON.stringify(body), { status: res.status, headers: { 'content-type': 'application/json' } })
  } })
  await assert.rejects(storeProofs(lying, [bridgeKeys.commitment('to-b', 1n), bridgeKeys.commitment('to-b', 2n)], h), (e: unknown) => e instanceof PolisError && e.errorName === 'invalid_request')
})
