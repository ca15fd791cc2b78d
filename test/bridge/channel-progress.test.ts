/**
 * The `bridge/channel` query (src/modules/bridge/channel-progress.ts): a channel end's counts over
 * every packet, on two in-process chains with the relayer driven by hand — packets acknowledged,
 * one timed out, one received and awaiting its ack, the rest in flight, sequences past 9 listed in
 * numeric order (the keys hold them in decimal); a bad client id is refused, typed.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { ErrorCodes } from '../../src/base/errors.js'
import { utf8 } from '../../src/base/bytes.js'
import type { Packet } from '../../src/modules/bridge/index.js'
import { ackMsg, ackOf, closeChain, connect, emptyBlock, ok, openChain, query, recvMsg, sentPackets, timeoutMsg, transferMsg, type Chain } from './harness.js'

let A: Chain
let B: Chain

before(async () => {
  A = await openChain('city-a', 'to-b')
  B = await openChain('city-b', 'to-a')
  await connect(A, B)
})
after(async () => {
  await closeChain(A)
  await closeChain(B)
})

async function send(timeoutHeight?: bigint): Promise<Packet> {
  const r = await ok(A, A.city.citizens[0]!, [transferMsg('to-b', 1n, B.city.citizens[0]!.publicKey, { timeoutHeight })])
  return sentPackets(r)[0]!
}

test('bridge/channel counts every packet of a channel end exactly', async () => {
  assert.deepEqual(query(A, 'bridge/channel', { client_id: 'to-b' }), { client_id: 'to-b', next_sequence: '1', sent: '0', in_flight: 0, in_flight_sequences: [], oldest_in_flight: null, received: 0 })
  const p: Packet[] = []
  for (let i = 1; i <= 3; i++) p.push(await send())
  p.push(await send(B.engine.height + 2n)) // #4 times out
  for (let i = 5; i <= 11; i++) p.push(await send())
  // #1..#3 received on B, #1 and #2 acknowledged on A, #3's ack not relayed yet
  const acks: Uint8Array[] = []
  for (const q of p.slice(0, 3)) acks.push(ackOf(await ok(B, B.relayer, [await recvMsg(B, A, q)])))
  for (const [i, q] of p.slice(0, 2).entries()) await ok(A, A.relayer, [await ackMsg(A, B, q, acks[i]!)])
  for (let i = 0; i < 2; i++) await emptyBlock(B)
  await ok(A, A.relayer, [await timeoutMsg(A, B, p[3]!)])

  assert.deepEqual(query(A, 'bridge/channel', { client_id: 'to-b' }), {
    client_id: 'to-b', next_sequence: '12', sent: '11', in_flight: 8,
    in_flight_sequences: ['3', '5', '6', '7', '8', '9', '10', '11'], oldest_in_flight: '3', received: 0,
  })
  const b = query(B, 'bridge/channel', { client_id: 'to-a' })
  assert.deepEqual([b.sent, b.in_flight, b.received], ['0', 0, 3])
  // an unknown client has an empty channel end; a malformed id is refused
  assert.deepEqual(query(A, 'bridge/channel', { client_id: 'to-c' }).sent, '0')
  for (const params of [{}, { client_id: 'a/b' }, { client_id: 7 }]) {
    const r = A.engine.app.query({ path: 'bridge/channel', data: utf8(JSON.stringify(params)) })
    assert.equal(r.code, ErrorCodes.invalid_request, JSON.stringify(params))
  }
})
