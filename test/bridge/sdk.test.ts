/** The SDK's bridge builders, fed with node-shaped responses (headers, store proofs, tx events): a full relay by them alone. */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { toHex } from '../../src/base/bytes.js'
import { encodeHeader } from '../../src/lightclient/solo-header.js'
import { acksFromEvents, bridge, bridgeKeys, packetsFromEvents } from '../../src/sdk/bridge.js'
import type { HeaderResponse, StoreResponse } from '../../src/sdk/types.js'
import { voucherDenom } from '../../src/modules/bridge/index.js'
import { balance, closeChain, emptyBlock, ok, openChain, type Chain } from './harness.js'

let A: Chain
let B: Chain

const headerResp = (c: Chain, h = c.engine.height): HeaderResponse => {
  const s = c.engine.blocks.header(h)!
  return { height: String(h), hash: toHex(s.hash), header: {}, header_cbor: toHex(encodeHeader(s.header)), signature: toHex(s.signature) }
}
const storeResp = (c: Chain, key: Uint8Array, h: bigint): StoreResponse => {
  const r = c.engine.app.query({ path: 'store', data: key, height: h, prove: true })
  return { key: toHex(key), value: r.value ? toHex(r.value) : null, height: String(h), proof: toHex(r.proof!) }
}
async function update(dest: Chain, src: Chain): Promise<bigint> {
  await ok(dest, dest.relayer, [bridge.updateClient(dest.client, headerResp(src))])
  return src.engine.height
}

before(async () => {
  A = await openChain('city-a', 'to-b')
  B = await openChain('city-b', 'to-a')
  await ok(A, A.city.authority, [bridge.createClient({ clientId: 'to-b', chainId: 'city-b', counterpartyClient: 'to-a', validator: B.city.validator, header: headerResp(B) })])
  await ok(B, B.city.authority, [bridge.createClient({ clientId: 'to-a', chainId: 'city-a', counterpartyClient: 'to-b', validator: A.city.validator, header: headerResp(A), trustingPeriodMs: 86_400_000 })])
})
after(async () => {
  await closeChain(A)
  await closeChain(B)
})

test('send, relay, acknowledge and time out with the SDK builders', async () => {
  const alice = A.city.citizens[0]!
  const bob = B.city.citizens[0]!
  const sent = await ok(A, alice, [bridge.transfer({ clientId: 'to-b', amount: '25', receiver: toHex(bob.publicKey), timeoutHeight: 1000 })])
  const [p] = packetsFromEvents(sent.events)
  let h = await update(B, A)
  const got = await ok(B, B.relayer, [bridge.recvPacket(p!, storeResp(A, bridgeKeys.commitment(p!.sourceClient, p!.sequence), h))])
  const [a] = acksFromEvents(got.events)
  assert.equal(balance(B, bob.publicKey, voucherDenom('transfer/to-a/ucity')), 25n)
  h = await update(A, B)
  await ok(A, A.relayer, [bridge.acknowledge(p!, a!.ack, storeResp(B, bridgeKeys.ack(a!.destClient, a!.sequence), h))])

  const a0 = balance(A, alice.publicKey)
  const s2 = await ok(A, alice, [bridge.transfer({ clientId: 'to-b', amount: 5n, receiver: bob, timeoutHeight: B.engine.height + 1n })])
  const [q] = packetsFromEvents(s2.events)
  await emptyBlock(B)
  h = await update(A, B)
  const absent = storeResp(B, bridgeKeys.receipt(q!.destClient, q!.sequence), h)
  await ok(A, A.relayer, [bridge.timeout(q!, absent)])
  assert.equal(balance(A, alice.publicKey), a0) // refunded
  assert.throws(() => bridge.timeout(q!, { ...absent, value: '01' }), /received/)
  assert.throws(() => bridge.transfer({ clientId: 'to-b', amount: 1, receiver: bob }), /timeout/)
})

test('the builders refuse hex that is not hex (odd length, other characters) and take either case', () => {
  const packet = { sequence: 1n, sourceClient: 'to-b', destClient: 'to-a', payload: new Uint8Array([1, 2]), timeoutHeight: 0n, timeoutTime: 1n }
  const resp = (proof: string): StoreResponse => ({ key: '00', value: '01', height: '5', proof })
  for (const bad of ['abc', 'zz', '0g', 'ab cd', ' ab', 'ab\n', 'a']) {
    assert.throws(() => bridge.recvPacket(packet, resp(bad)), (e: Error & { errorName?: string }) => e.errorName === 'invalid_request' && /proof must be hex/.test(e.message), bad)
  }
  const upper = bridge.recvPacket(packet, resp('0A0b'))
  const lower = bridge.recvPacket(packet, resp('0a0b'))
  assert.deepEqual(upper, lower)
  assert.deepEqual(lower.value.proof, new Uint8Array([10, 11]))
})
