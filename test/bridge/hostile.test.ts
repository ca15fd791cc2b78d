/**
 * A hostile counterparty: chain A runs a "probe" module that commits arbitrary packets through the
 * bridge's sendPacket keeper (as a compromised app would), with perfectly valid proofs. B must
 * answer with error acks and mint or release nothing it should not.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { decodeAck, encodePayload, escrowAddress } from '../../src/modules/bridge/index.js'
import type { CborValue } from '../../src/codec/cbor.js'
import { ackOf, balance, closeChain, connect, ok, openChain, recvMsg, sentPackets, supply, transferMsg, type Chain } from './harness.js'
import { probeModule } from './apps-harness.js'

let A: Chain
let B: Chain
before(async () => {
  A = await openChain('city-a', 'to-b', undefined, [probeModule])
  B = await openChain('city-b', 'to-a')
  await connect(A, B)
})
after(async () => {
  await closeChain(A)
  await closeChain(B)
})

async function hostile(payload: Uint8Array): Promise<string> {
  const r = await ok(A, A.city.citizens[0]!, [{ type: 'probe/send-raw', value: { client: 'to-b', payload, timeout_height: 1000n } }])
  const [p] = sentPackets(r)
  const got = await ok(B, B.relayer, [await recvMsg(B, A, p!)])
  const ack = decodeAck(ackOf(got))
  assert.ok('error' in ack, 'expected an error ack')
  return ack.error
}

const data = (over: Record<string, CborValue>) => ({ denom: 'ucity', amount: 10n, sender: A.city.citizens[0]!.publicKey, receiver: B.city.citizens[0]!.publicKey, ...over })

test('malformed or spoofing packets from a hostile counterparty get error acks and change nothing', async () => {
  const bob = B.city.citizens[0]!
  const before = { bal: balance(B, bob.publicKey), supply: supply(B, 'ucity') }
  assert.match(await hostile(encodePayload('no-such-app', {})), /no bridge app/)
  assert.match(await hostile(new Uint8Array([0xff])), /invalid_message/)
  // a voucher denomination, a bad path, a base denom with a slash, zero amount, extra fields
  assert.match(await hostile(encodePayload('transfer', data({ denom: 'ibc/' + 'ab'.repeat(32) }))), /not a trace/)
  assert.match(await hostile(encodePayload('transfer', data({ denom: 'transfer/to-b/' }))), /not a trace/)
  assert.match(await hostile(encodePayload('transfer', data({ amount: 0n }))), /positive/)
  assert.match(await hostile(encodePayload('transfer', { ...data({}), extra: 1 })), /must be/)
  // "B's ucity coming home" when B escrowed nothing towards A: the escrow is empty
  assert.match(await hostile(encodePayload('transfer', data({ denom: 'transfer/to-b/ucity' }))), /insufficient_funds/)
  assert.equal(balance(B, bob.publicKey), before.bal)
  assert.equal(supply(B, 'ucity'), before.supply)
})

test('a hostile counterparty can release at most what was escrowed towards it', async () => {
  const bob = B.city.citizens[0]!
  await ok(B, bob, [transferMsg('to-a', 10n, A.city.citizens[0]!.publicKey)]) // B escrows 10 towards A (never relayed)
  assert.equal(balance(B, escrowAddress('to-a')), 10n)
  assert.match(await hostile(encodePayload('transfer', data({ denom: 'transfer/to-b/ucity', amount: 11n }))), /insufficient_funds/)
  assert.equal(balance(B, escrowAddress('to-a')), 10n)
})
