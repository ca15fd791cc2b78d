/**
 * Three cities A — B — C. A's token travels A → B → C and back the same way: B escrows A's voucher
 * towards C, C mints a voucher whose trace records both hops, and each return hop burns and
 * releases exactly what was locked on the way out.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { escrowAddress, voucherDenom } from '../../src/modules/bridge/index.js'
import { ackMsg, ackOf, balance, closeChain, connect, ok, openChain, query, recvMsg, sentPackets, supply, transferMsg, type Chain } from './harness.js'

let A: Chain
let B: Chain
let C: Chain
let BtoA: Chain // B, seen through its client of A
let BtoC: Chain // B, seen through its client of C

before(async () => {
  A = await openChain('city-a', 'to-b')
  B = await openChain('city-b', 'to-a')
  C = await openChain('city-c', 'to-b')
  BtoA = B
  BtoC = { ...B, client: 'to-c' }
  await connect(A, BtoA)
  await connect(BtoC, C)
})
after(async () => {
  await closeChain(A)
  await closeChain(B)
  await closeChain(C)
})

async function hop(src: Chain, dest: Chain, from: Chain['relayer'], to: Uint8Array, amount: bigint, denom?: string): Promise<void> {
  const r = await ok(src, from, [transferMsg(src.client, amount, to, { denom })])
  const [p] = sentPackets(r)
  const got = await ok(dest, dest.relayer, [await recvMsg(dest, src, p!)])
  await ok(src, src.relayer, [await ackMsg(src, dest, p!, ackOf(got))])
}

test('A → B → C and back: traces record the path; escrows and vouchers balance at every step', async () => {
  const a = A.city.citizens[0]!
  const b = B.city.citizens[0]!
  const c = C.city.citizens[0]!
  const onB = voucherDenom('transfer/to-a/ucity')
  const onC = voucherDenom('transfer/to-b/transfer/to-a/ucity')
  const a0 = balance(A, a.publicKey)

  await hop(A, BtoA, a, b.publicKey, 100n)
  await hop(BtoC, C, b, c.publicKey, 60n, onB)
  assert.equal(balance(B, escrowAddress('to-c'), onB), 60n)
  assert.equal(balance(C, c.publicKey, onC), 60n)
  assert.equal(query(C, 'bridge/denom-trace', { hash: onC.slice(4) }).trace, 'transfer/to-b/transfer/to-a/ucity')
  assert.equal(balance(A, escrowAddress('to-b')), supply(B, onB))

  // back: C burns, B releases A's voucher from its escrow towards C; then B burns, A releases
  await hop(C, BtoC, c, b.publicKey, 60n, onC)
  assert.equal(supply(C, onC), 0n)
  assert.equal(balance(B, escrowAddress('to-c'), onB), 0n)
  assert.equal(balance(B, b.publicKey, onB), 100n)
  await hop(BtoA, A, b, a.publicKey, 100n, onB)
  assert.equal(supply(B, onB), 0n)
  assert.equal(balance(A, escrowAddress('to-b')), 0n)
  assert.equal(balance(A, a.publicKey), a0)
})
