/** A counterparty whose headers are linked with QHF: the client keeps that hash choice and checks headers with it. */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { ErrorCodes } from '../../src/base/errors.js'
import { voucherDenom } from '../../src/modules/bridge/index.js'
import { ackMsg, ackOf, balance, closeChain, connect, exec, ok, openChain, recvMsg, sentPackets, signedHeader, transferMsg, type Chain } from './harness.js'

const QHF = { name: 'qhf', params: { latticeSide: 7, theta0: 'pi/4', theta1: 'pi/3' } }
let A: Chain
let Q: Chain

before(async () => {
  A = await openChain('city-a', 'to-q')
  Q = await openChain('city-q', 'to-a', { consensus: { hash: QHF } })
  await connect(A, Q)
})
after(async () => {
  await closeChain(A)
  await closeChain(Q)
})

test('a client of a QHF chain verifies its headers with QHF and proves its packets', async () => {
  const r = await ok(Q, Q.city.citizens[0]!, [transferMsg('to-a', 30n, A.city.citizens[0]!.publicKey)])
  const [p] = sentPackets(r)
  const got = await ok(A, A.relayer, [await recvMsg(A, Q, p!)])
  assert.equal(balance(A, A.city.citizens[0]!.publicKey, voucherDenom('transfer/to-q/ucity')), 30n)
  await ok(Q, Q.relayer, [await ackMsg(Q, A, p!, ackOf(got))])
})

test('a client that expects SHA-256 links refuses the headers of a QHF chain', async () => {
  const h = signedHeader(Q, Q.engine.height)
  const r = await exec(A, A.city.authority, [{ type: 'bridge/create-client', value: { client_id: 'wrong-hash', chain_id: 'city-q', counterparty_client: 'x', validator: Q.city.validator.publicKey, hash_alg: 'sha256', ...h } }])
  assert.equal(r.code, ErrorCodes.proof_invalid, r.log)
  const bad = await exec(A, A.city.authority, [{ type: 'bridge/create-client', value: { client_id: 'bad-params', chain_id: 'city-q', counterparty_client: 'x', validator: Q.city.validator.publicKey, hash_alg: 'qhf', hash_params: { latticeSide: 8, theta0: 'pi/4', theta1: 'pi/3' }, ...h } }])
  assert.equal(bad.code, ErrorCodes.invalid_message, bad.log)
})
