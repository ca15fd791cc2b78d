import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { ErrorCodes } from '../../src/base/errors.js'
import { sha256 } from '../../src/crypto/hash.js'
import { toHex, utf8 } from '../../src/base/bytes.js'
import { encodeHeader, decodeHeader, signHeader } from '../../src/lightclient/solo-header.js'
import { packetValue, voucherDenom, escrowAddress, TRACE_PATTERN, encodePayload, packetCommitment, type Packet } from '../../src/modules/bridge/index.js'
import { testKey } from '../../src/kit/genesis-builder.js'
import {
  ackMsg, ackOf, balance, closeChain, connect, emptyBlock, exec, ok, openChain, query, recvMsg, sentPackets, signedHeader, storeProof, supply,
  timeoutMsg, transferMsg, updateClient, type Chain,
} from './harness.js'

let A: Chain
let B: Chain
const VOUCHER = voucherDenom('transfer/to-a/ucity') // A's ucity as seen on B

before(async () => {
  A = await openChain('city-a', 'to-b')
  B = await openChain('city-b', 'to-a')
  await connect(A, B)
})
after(async () => {
  await closeChain(A)
  await closeChain(B)
})

const alice = () => A.city.citizens[0]!
const bob = () => B.city.citizens[0]!

async function sendAtoB(amount: bigint, opts: { timeoutHeight?: bigint; receiver?: Uint8Array } = {}): Promise<Packet> {
  const r = await ok(A, alice(), [transferMsg('to-b', amount, opts.receiver ?? bob().publicKey, opts)])
  const [p] = sentPackets(r)
  assert.ok(p)
  return p
}

async function refused(c: Chain, msg: Awaited<ReturnType<typeof recvMsg>>, code: number, key = c.relayer) {
  const r = await exec(c, key, [msg])
  assert.equal(r.code, code, `expected ${code}, got ${r.code}: ${r.log}`)
}

test('round trip: escrow, voucher with its path, ack; the voucher goes home: burn, release', async () => {
  const a0 = balance(A, alice().publicKey)
  const p = await sendAtoB(100n)
  assert.equal(balance(A, alice().publicKey), a0 - 100n)
  assert.equal(balance(A, escrowAddress('to-b')), 100n)
  assert.ok(query(A, 'bridge/packet', { client_id: 'to-b', sequence: String(p.sequence) }).commitment)

  const r = await ok(B, B.relayer, [await recvMsg(B, A, p)])
  const ack = ackOf(r)
  assert.equal(balance(B, bob().publicKey, VOUCHER), 100n)
  assert.equal(balance(B, bob().publicKey, 'ucity'), 1_000_000n, "B's own ucity is untouched")
  assert.equal(query(B, 'bridge/denom-trace', { hash: VOUCHER.slice(4) }).trace, 'transfer/to-a/ucity')

  await ok(A, A.relayer, [await ackMsg(A, B, p, ack)])
  assert.equal(query(A, 'bridge/packet', { client_id: 'to-b', sequence: String(p.sequence) }).commitment, null)
  assert.equal(balance(A, escrowAddress('to-b')), 100n)

  // back home
  const rb = await ok(B, bob(), [transferMsg('to-a', 40n, alice().publicKey, { denom: VOUCHER })])
  const [pb] = sentPackets(rb)
  assert.equal(supply(B, VOUCHER), 60n)
  const ra = await ok(A, A.relayer, [await recvMsg(A, B, pb!)])
  assert.equal(balance(A, escrowAddress('to-b')), 60n)
  assert.equal(balance(A, alice().publicKey), a0 - 60n)
  await ok(B, B.relayer, [await ackMsg(B, A, pb!, ackOf(ra))])
})

test('a replayed packet is a no-op; a replayed ack is refused', async () => {
  const p = await sendAtoB(5n)
  const m = await recvMsg(B, A, p)
  const r = await ok(B, B.relayer, [m])
  const before = balance(B, bob().publicKey, VOUCHER)
  const again = await ok(B, B.relayer, [m])
  assert.ok(again.events.some((e) => e.type === 'bridge.recv_packet_duplicate'))
  assert.equal(balance(B, bob().publicKey, VOUCHER), before)
  const am = await ackMsg(A, B, p, ackOf(r))
  await ok(A, A.relayer, [am])
  await refused(A, am, ErrorCodes.not_found)
})

test('proofs for another key, another height, an unverified height, or a tampered packet are refused', async () => {
  const p1 = await sendAtoB(7n)
  const p2 = await sendAtoB(8n)
  const h = await updateClient(B, A)
  const key2 = utf8(`bridge/commitments/to-b/${p2.sequence}`)
  const key1 = utf8(`bridge/commitments/to-b/${p1.sequence}`)
  // proof of p2's commitment offered for p1
  await refused(B, { type: 'bridge/recv-packet', value: { packet: packetValue(p1), proof: storeProof(A, key2, h).proof, proof_height: h } }, ErrorCodes.proof_invalid)
  // a proof from an older height, claimed at the verified height h
  const old = storeProof(A, key1, h - 1n) // p1 committed at h-1: the proof is valid, but for another root
  await refused(B, { type: 'bridge/recv-packet', value: { packet: packetValue(p1), proof: old.proof, proof_height: h } }, ErrorCodes.proof_invalid)
  // a height the client never verified (A's h-1 was skipped by the update)
  await refused(B, { type: 'bridge/recv-packet', value: { packet: packetValue(p1), proof: old.proof, proof_height: h - 1n } }, ErrorCodes.proof_invalid)
  // a height beyond anything verified
  await refused(B, { type: 'bridge/recv-packet', value: { packet: packetValue(p1), proof: storeProof(A, key1, h).proof, proof_height: h + 50n } }, ErrorCodes.proof_invalid)
  // a packet whose amount was raised in flight
  const forged = { ...p1, payload: encodePayload('transfer', { denom: 'ucity', amount: 7000n, sender: alice().publicKey, receiver: bob().publicKey }) }
  await refused(B, { type: 'bridge/recv-packet', value: { packet: packetValue(forged), proof: storeProof(A, key1, h).proof, proof_height: h } }, ErrorCodes.proof_invalid)
  // garbage proof
  await refused(B, { type: 'bridge/recv-packet', value: { packet: packetValue(p1), proof: new Uint8Array([1, 2, 3]), proof_height: h } }, ErrorCodes.proof_invalid)
  // the honest ones go through
  await ok(B, B.relayer, [{ type: 'bridge/recv-packet', value: { packet: packetValue(p1), proof: storeProof(A, key1, h).proof, proof_height: h } }])
  await ok(B, B.relayer, [{ type: 'bridge/recv-packet', value: { packet: packetValue(p2), proof: storeProof(A, key2, h).proof, proof_height: h } }])
})

test('headers: forged, wrong validator, wrong chain, not increasing, not a relayer', async () => {
  await emptyBlock(A)
  const h = A.engine.height
  const good = signedHeader(A, h)
  const flipped = new Uint8Array(good.signature)
  flipped[0]! ^= 1
  const upd = (header: Uint8Array, signature: Uint8Array) => ({ type: 'bridge/update-client', value: { client_id: 'to-a', header, signature } })
  await refused(B, upd(good.header, flipped), ErrorCodes.proof_invalid)
  const hdr = decodeHeader(good.header)
  const mallory = testKey('mallory')
  const byMallory = signHeader({ ...hdr, proposer: mallory.publicKey }, (b) => sha256(b), mallory)
  await refused(B, upd(encodeHeader(byMallory.header), byMallory.signature), ErrorCodes.proof_invalid)
  const otherChain = signHeader({ ...hdr, chainId: 'city-c' }, (b) => sha256(b), A.city.validator)
  await refused(B, upd(encodeHeader(otherChain.header), otherChain.signature), ErrorCodes.proof_invalid)
  const zeroRoot = signHeader({ ...hdr, height: h + 10n, appHash: new Uint8Array(32) }, (b) => sha256(b), A.city.validator)
  await refused(B, upd(encodeHeader(zeroRoot.header), zeroRoot.signature), ErrorCodes.proof_invalid)
  await refused(B, upd(good.header, good.signature), ErrorCodes.unauthorized, bob())
  await ok(B, B.relayer, [upd(good.header, good.signature)])
  await ok(B, B.relayer, [upd(good.header, good.signature)]) // same header again: no-op
  const older = signedHeader(A, h - 2n)
  await refused(B, upd(older.header, older.signature), ErrorCodes.invalid_message)
  // create-client is the authority's
  await refused(B, { type: 'bridge/create-client', value: { client_id: 'x', chain_id: 'city-a', counterparty_client: 'y', validator: A.city.validator.publicKey, hash_alg: 'sha256', ...good } }, ErrorCodes.unauthorized)
})

test('a packet for the wrong client is refused', async () => {
  const p = await sendAtoB(3n)
  const m = await recvMsg(B, A, p)
  const v = m.value as Record<string, unknown>
  await refused(B, { type: m.type, value: { ...v, packet: { ...(v.packet as object), dest_client: 'nope' } } }, ErrorCodes.not_found)
  await refused(B, { type: m.type, value: { ...v, packet: { ...(v.packet as object), source_client: 'to-c' } } }, ErrorCodes.invalid_message)
  await refused(B, m, ErrorCodes.unauthorized, bob()) // only relayers deliver packets
  await ok(B, B.relayer, [m])
  // a packet without any timeout is refused at the source
  const r = await exec(A, alice(), [{ type: 'bridge/transfer', value: { client_id: 'to-b', amount: 1n, receiver: bob().publicKey } }])
  assert.equal(r.code, ErrorCodes.invalid_message)
})

test('timeout: refused before expiry and once received; after expiry recv is refused, timeout refunds; ack and timeout exclude each other', async () => {
  const a0 = balance(A, alice().publicKey)
  const p = await sendAtoB(50n, { timeoutHeight: B.engine.height + 4n })
  await refused(A, await timeoutMsg(A, B, p), ErrorCodes.invalid_message) // not expired yet
  for (let i = 0; i < 4; i++) await emptyBlock(B)
  await refused(B, await recvMsg(B, A, p), ErrorCodes.expired)
  const tm = await timeoutMsg(A, B, p)
  await ok(A, A.relayer, [tm])
  assert.equal(balance(A, alice().publicKey), a0)
  await refused(A, tm, ErrorCodes.not_found) // twice
  // received then timed out: the receipt's existence defeats the non-membership proof
  const q = await sendAtoB(9n, { timeoutHeight: B.engine.height + 5n })
  const r = await ok(B, B.relayer, [await recvMsg(B, A, q)])
  for (let i = 0; i < 5; i++) await emptyBlock(B)
  await refused(A, await timeoutMsg(A, B, q), ErrorCodes.proof_invalid)
  await ok(A, A.relayer, [await ackMsg(A, B, q, ackOf(r))])
  await refused(A, await timeoutMsg(A, B, q), ErrorCodes.not_found)
  // timed out, then an ack is impossible
  const s = await sendAtoB(2n, { timeoutHeight: B.engine.height + 2n })
  for (let i = 0; i < 2; i++) await emptyBlock(B)
  await ok(A, A.relayer, [await timeoutMsg(A, B, s)])
  const fakeAck = new Uint8Array([0xa1, 0x62, 0x6f, 0x6b, 0xf5]) // {"ok": true}
  await refused(A, await ackMsg(A, B, s, fakeAck), ErrorCodes.not_found)
})

test('an error ack refunds the sender (receiver unknown on the destination)', async () => {
  const a0 = balance(A, alice().publicKey)
  const p = await sendAtoB(11n, { receiver: testKey('nobody').publicKey })
  const r = await ok(B, B.relayer, [await recvMsg(B, A, p)])
  const ack = ackOf(r)
  assert.match(Buffer.from(ack).toString('latin1'), /unknown_account/)
  const m = await ackMsg(A, B, p, ack)
  // the relayer claims success instead: the proof is of sha256(error ack), so it fails
  const lie = new Uint8Array([0xa1, 0x62, 0x6f, 0x6b, 0xf5]) // {"ok": true}
  await refused(A, { type: m.type, value: { ...(m.value as object), ack: lie } }, ErrorCodes.proof_invalid)
  await ok(A, A.relayer, [m])
  assert.equal(balance(A, alice().publicKey), a0)
})

test('denominations cannot be spoofed', async () => {
  // a base denom never looks like a voucher or a path
  for (const d of ['ibc/' + 'ab'.repeat(32), 'transfer/to-a/ucity/x', 'a/b', '/ucity', 'transfer/to-a/ibc/ab', 'transfer//ucity']) assert.ok(!TRACE_PATTERN.test(d), d)
  assert.ok(TRACE_PATTERN.test('transfer/to-a/ucity'))
  // sending an unknown voucher, or a path as a denom
  const r1 = await exec(B, bob(), [transferMsg('to-a', 1n, alice().publicKey, { denom: 'ibc/' + 'ab'.repeat(32) })])
  assert.equal(r1.code, ErrorCodes.not_found)
  const r2 = await exec(B, bob(), [transferMsg('to-a', 1n, alice().publicKey, { denom: 'transfer/to-b/ucity' })])
  assert.equal(r2.code, ErrorCodes.invalid_message)
  // B's native ucity sent to A becomes a voucher there; it never releases A's escrowed ucity
  const escrowA = balance(A, escrowAddress('to-b'))
  const rb = await ok(B, bob(), [transferMsg('to-a', 20n, alice().publicKey)])
  const [pb] = sentPackets(rb)
  const ra = await ok(A, A.relayer, [await recvMsg(A, B, pb!)])
  assert.equal(balance(A, escrowAddress('to-b')), escrowA)
  assert.equal(balance(A, alice().publicKey, voucherDenom('transfer/to-b/ucity')), 20n)
  await ok(B, B.relayer, [await ackMsg(B, A, pb!, ackOf(ra))])
  // the commitment binds the timeout too
  assert.notEqual(toHex(packetCommitment({ ...pb!, timeoutHeight: pb!.timeoutHeight + 1n })), toHex(packetCommitment(pb!)))
})

test('misbehaviour: two valid headers at one height freeze the client; a frozen client proves nothing', async () => {
  await emptyBlock(A)
  const h = A.engine.height
  const real = signedHeader(A, h)
  const hdr = decodeHeader(real.header)
  const fork = signHeader({ ...hdr, appHash: sha256(utf8('fork')) }, (b) => sha256(b), A.city.validator) // the validator equivocates
  const p = await sendAtoB(1n)
  const m = await recvMsg(B, A, p)
  await ok(B, B.relayer, [{ type: 'bridge/submit-misbehaviour', value: { client_id: 'to-a', header1: real.header, signature1: real.signature, header2: encodeHeader(fork.header), signature2: fork.signature } }])
  assert.equal(query(B, 'bridge/client', { client_id: 'to-a' }).frozen_height, String(h))
  await refused(B, m, ErrorCodes.frozen)
})

test('update-client with a second valid header at a verified height freezes the client; the freeze is recorded', async () => {
  const h = await updateClient(A, B)
  const real = decodeHeader(signedHeader(B, h).header)
  const fork = signHeader({ ...real, appHash: sha256(utf8('fork-b')) }, (b) => sha256(b), B.city.validator)
  const upd = { type: 'bridge/update-client', value: { client_id: 'to-b', header: encodeHeader(fork.header), signature: fork.signature } }
  const r = await ok(A, A.relayer, [upd])
  assert.ok(r.events.some((e) => e.type === 'bridge.client_frozen'))
  assert.equal(query(A, 'bridge/client', { client_id: 'to-b' }).frozen_height, String(h))
  await refused(A, upd, ErrorCodes.frozen)
  const s = await exec(A, alice(), [transferMsg('to-b', 1n, bob().publicKey)])
  assert.equal(s.code, ErrorCodes.frozen)
})

test('a later header must carry a later time', async () => {
  // B's client on A is frozen by now; use a fresh client on B of A (authority), then a time-travelling header
  await emptyBlock(A)
  const h = A.engine.height
  const first = signedHeader(A, h - 1n)
  await ok(B, B.city.authority, [{ type: 'bridge/create-client', value: { client_id: 'to-a2', chain_id: 'city-a', counterparty_client: 'to-b2', validator: A.city.validator.publicKey, hash_alg: 'sha256', ...first } }])
  const next = decodeHeader(signedHeader(A, h).header)
  const back = signHeader({ ...next, time: decodeHeader(first.header).time }, (b) => sha256(b), A.city.validator)
  await refused(B, { type: 'bridge/update-client', value: { client_id: 'to-a2', header: encodeHeader(back.header), signature: back.signature } }, ErrorCodes.proof_invalid)
  await ok(B, B.relayer, [{ type: 'bridge/update-client', value: { client_id: 'to-a2', ...signedHeader(A, h) } }])
  assert.equal(query(B, 'bridge/clients', {}).clients.length, 2)
})

test('timeout by time: recv refused once the clock of B passes timeout_time; timeout needs a verified height past it', async () => {
  const fresh = (await ok(A, A.city.authority, [{ type: 'bridge/create-client', value: { client_id: 'to-b3', chain_id: 'city-b', counterparty_client: 'to-a3', validator: B.city.validator.publicKey, hash_alg: 'sha256', ...signedHeader(B, B.engine.height) } }]))
  assert.equal(fresh.code, 0)
  await ok(B, B.city.authority, [{ type: 'bridge/create-client', value: { client_id: 'to-a3', chain_id: 'city-a', counterparty_client: 'to-b3', validator: A.city.validator.publicKey, hash_alg: 'sha256', ...signedHeader(A, A.engine.height) } }])
  const bTime = B.engine.blocks.header(B.engine.height)!.header.time
  const a0 = balance(A, alice().publicKey)
  const r = await ok(A, alice(), [{ type: 'bridge/transfer', value: { client_id: 'to-b3', amount: 5n, receiver: bob().publicKey, timeout_time: bTime + 2500n } }])
  const [p] = sentPackets(r)
  for (let i = 0; i < 3; i++) await emptyBlock(B) // B's clock moves 1 s a block
  // the client of A on B is to-a3 here
  const h = B.engine.height
  await ok(A, A.relayer, [{ type: 'bridge/update-client', value: { client_id: 'to-b3', ...signedHeader(B, h) } }])
  await ok(B, B.relayer, [{ type: 'bridge/update-client', value: { client_id: 'to-a3', ...signedHeader(A, A.engine.height) } }])
  const cproof = storeProof(A, utf8(`bridge/commitments/to-b3/${p!.sequence}`), A.engine.height)
  await refused(B, { type: 'bridge/recv-packet', value: { packet: packetValue(p!), proof: cproof.proof, proof_height: A.engine.height } }, ErrorCodes.expired)
  const rproof = storeProof(B, utf8(`bridge/receipts/to-a3/${p!.sequence}`), h)
  // at an unverified height: refused; at the verified one: refunded
  await refused(A, { type: 'bridge/timeout', value: { packet: packetValue(p!), proof: rproof.proof, proof_height: h - 1n } }, ErrorCodes.proof_invalid)
  await ok(A, A.relayer, [{ type: 'bridge/timeout', value: { packet: packetValue(p!), proof: rproof.proof, proof_height: h } }])
  assert.equal(balance(A, alice().publicKey), a0)
})

test('a client expires when no header is verified within its trusting period', async () => {
  await emptyBlock(B)
  const hB = signedHeader(B, B.engine.height)
  const bTime = decodeHeader(hB.header).time
  while (A.engine.blocks.header(A.engine.height)!.header.time < bTime) await emptyBlock(A) // bring A's clock level with B's
  const nextA = () => A.engine.blocks.header(A.engine.height)!.header.time + 1000n // A's clock moves 1 s a block
  const create = (id: string, period: bigint) => ({ type: 'bridge/create-client', value: { client_id: id, chain_id: 'city-b', counterparty_client: 'x', validator: B.city.validator.publicKey, hash_alg: 'sha256', trusting_period: period, ...hB } })
  await refused(A, create('stale', nextA() - bTime), ErrorCodes.expired, A.city.authority) // the anchor is already too old
  await refused(A, create('zero', 0n), ErrorCodes.invalid_message, A.city.authority)
  const trusting = nextA() + 4000n - bTime // expires at A's fourth block after creation
  await ok(A, A.city.authority, [create('short', trusting)])
  assert.equal(query(A, 'bridge/client', { client_id: 'short' }).trusting_period, String(trusting))
  await emptyBlock(A)
  await emptyBlock(B)
  await ok(A, A.relayer, [{ type: 'bridge/update-client', value: { client_id: 'short', ...signedHeader(B, B.engine.height) } }]) // still in time: refreshed
  for (let i = 0; i < 8; i++) await emptyBlock(A)
  await emptyBlock(B)
  await refused(A, { type: 'bridge/update-client', value: { client_id: 'short', ...signedHeader(B, B.engine.height) } }, ErrorCodes.expired)
})
