/**
 * Vehicle transfer over the bridge between two real solo chains (and a hostile third one),
 * relayed by hand with proofs: round trip and return, refusal by the destination, timeout,
 * replay, who may send, and what an exporting or exported vehicle can no longer do.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { ErrorCodes } from '../../src/base/errors.js'
import { toHex } from '../../src/base/bytes.js'
import type { Msg } from '../../src/app/tx.js'
import { encodePayload } from '../../src/modules/bridge/index.js'
import { testKey } from '../../src/kit/genesis-builder.js'
import { ackMsg, emptyBlock, exec, ok, query, recvMsg, sentPackets, timeoutMsg, type Chain } from './harness.js'
import { deliver, openTrio, registerAccounts, roundTrip, vinCommitment } from './apps-harness.js'

let A: Chain
let B: Chain
let H: Chain // hostile: commits whatever packets it likes, with valid proofs
let trio: Awaited<ReturnType<typeof openTrio>>
let BH: Chain // B through its client of H
const dmvA = testKey('vt/dmv-a')
const dmvB = testKey('vt/dmv-b')
let alice: ReturnType<typeof testKey>
let bob: ReturnType<typeof testKey>

before(async () => {
  trio = await openTrio()
  ;({ A, B, H, BH } = trio)
  alice = A.city.citizens[0]!
  bob = A.city.citizens[1]!
  await registerAccounts(A, [[dmvA, ['transport']]])
  await registerAccounts(B, [[dmvB, ['transport']], [alice, ['citizen']]])
})
after(async () => {
  await trio?.close()
})

let plates = 0
async function registerCar(c: Chain, dmv: ReturnType<typeof testKey>, vin: string, owner = alice): Promise<{ id: Uint8Array; plate: string; device: ReturnType<typeof testKey> }> {
  const id = vinCommitment(vin)
  const plate = `VT-${++plates}`
  const device = testKey('vt/device/' + vin)
  await ok(c, dmv, [{ type: 'vehicles/register', value: { vin_commitment: id, plate, owner: owner.publicKey, device_key: device.publicKey } }])
  return { id, plate, device }
}
const vehicle = (c: Chain, id: Uint8Array) => query(c, 'vehicles/vehicle', { id: toHex(id) })
const history = (c: Chain, id: Uint8Array) => query(c, 'vehicles/history', { id: toHex(id) })
const deviceActive = (c: Chain, device: Uint8Array) => query(c, 'vehicles/device-active', { device: toHex(device) }).active as boolean
const send = (client: string, id: Uint8Array, timeoutHeight = 10_000n): Msg => ({ type: 'bridge/transfer-vehicle', value: { client_id: client, vehicle: id, timeout_height: timeoutHeight } })
const plateFree = (c: Chain, plate: string) => c.engine.app.query({ path: 'vehicles/vehicle', data: Buffer.from(JSON.stringify({ plate })) }).code === ErrorCodes.not_found

test('round trip: A exports, B imports with owner and history hash, the ack settles; a replay has no second effect; the vehicle can come back', async () => {
  const car = await registerCar(A, dmvA, 'WVWZZZ1JZXW000001')
  const sent = await ok(A, alice, [send('to-b', car.id)])
  // in flight: exporting, no reports, no sale, no second export, no deregistration
  assert.equal(vehicle(A, car.id).status, 'exporting')
  assert.equal(deviceActive(A, car.device.publicKey), false)
  assert.equal((await exec(A, alice, [{ type: 'vehicles/offer-transfer', value: { vehicle: car.id, buyer: bob.publicKey } }])).code, ErrorCodes.invalid_state)
  assert.equal((await exec(A, alice, [send('to-b', car.id)])).code, ErrorCodes.invalid_state)
  assert.equal((await exec(A, dmvA, [{ type: 'vehicles/deregister', value: { vehicle: car.id, reason: 'scrap' } }])).code, ErrorCodes.invalid_state)
  assert.equal(plateFree(A, car.plate), false, 'the plate stays reserved while in flight')
  const sentHistory = history(A, car.id)

  const r = await deliver(A, B, sent)
  assert.deepEqual(r.ack, { ok: true })
  const inB = vehicle(B, car.id)
  assert.deepEqual([inB.status, inB.owner, inB.plate, inB.device, inB.origin], ['active', toHex(alice.publicKey), car.plate, toHex(car.device.publicKey), 'city-a'])
  const imported = history(B, car.id).history.at(-1)
  assert.deepEqual([imported.event, imported.chain, imported.history_hash, imported.history_length], ['imported', 'city-a', sentHistory.history_hash, sentHistory.history_length])
  assert.equal(deviceActive(B, car.device.publicKey), true)

  // a replayed packet is a no-op: no second import, no second history entry
  const before = history(B, car.id).history_length
  const replay = await ok(B, B.relayer, [await recvMsg(B, A, r.packet)])
  assert.ok(replay.events.some((e) => e.type === 'bridge.recv_packet_duplicate'))
  assert.equal(history(B, car.id).history_length, before)

  await ok(A, A.relayer, [await ackMsg(A, B, r.packet, r.ackBytes)])
  assert.equal(vehicle(A, car.id).status, 'exported')
  assert.equal(plateFree(A, car.plate), true)
  assert.equal(deviceActive(A, car.device.publicKey), false)
  // a second ack is refused (the commitment is gone) and changes nothing
  assert.equal((await exec(A, A.relayer, [await ackMsg(A, B, r.packet, r.ackBytes)])).code, ErrorCodes.not_found)
  // after export: no sale, no re-send, no local re-registration of the VIN in A
  assert.equal((await exec(A, alice, [{ type: 'vehicles/offer-transfer', value: { vehicle: car.id, buyer: bob.publicKey } }])).code, ErrorCodes.invalid_state)
  assert.equal((await exec(A, alice, [send('to-b', car.id)])).code, ErrorCodes.invalid_state)
  assert.equal((await exec(A, dmvA, [{ type: 'vehicles/register', value: { vin_commitment: car.id, plate: 'VT-NEW', owner: alice.publicKey, device_key: testKey('vt/other').publicKey } }])).code, ErrorCodes.already_exists)

  // and back to A, under its old record, the history continuing
  const back = await roundTrip(B, A, await ok(B, alice, [send('to-a', car.id)]))
  assert.deepEqual(back.ack, { ok: true })
  assert.deepEqual([vehicle(A, car.id).status, vehicle(A, car.id).origin, vehicle(B, car.id).status], ['active', 'city-b', 'exported'])
  assert.deepEqual(history(A, car.id).history.map((e: { event: string }) => e.event), ['registered', 'export_started', 'exported', 'imported'])
  assert.equal(deviceActive(A, car.device.publicKey), true)
})

test('B refuses a VIN commitment already active there with an error ack; A reverts the export', async () => {
  const car = await registerCar(A, dmvA, 'WVWZZZ1JZXW000002')
  await registerCar(B, dmvB, 'WVWZZZ1JZXW000002') // same VIN commitment, registered in B
  const r = await roundTrip(A, B, await ok(A, alice, [send('to-b', car.id)]))
  assert.ok('error' in r.ack && /already registered/.test(r.ack.error), JSON.stringify(r.ack))
  assert.equal(vehicle(A, car.id).status, 'active')
  assert.deepEqual(history(A, car.id).history.map((e: { event: string }) => e.event), ['registered', 'export_started', 'export_reverted'])
  assert.equal(deviceActive(A, car.device.publicKey), true)
  // the owner can sell it again in A
  await ok(A, alice, [{ type: 'vehicles/offer-transfer', value: { vehicle: car.id, buyer: bob.publicKey } }])
  await ok(A, alice, [{ type: 'vehicles/cancel-offer', value: { vehicle: car.id } }])
})

test('an owner without an account in B gets an error ack and the vehicle back', async () => {
  const car = await registerCar(A, dmvA, 'WVWZZZ1JZXW000003', bob) // bob has no account in B
  const r = await roundTrip(A, B, await ok(A, bob, [send('to-b', car.id)]))
  assert.ok('error' in r.ack, 'expected an error ack')
  assert.equal(vehicle(A, car.id).status, 'active')
  assert.equal(B.engine.app.query({ path: 'vehicles/vehicle', data: Buffer.from(JSON.stringify({ id: toHex(car.id) })) }).code, ErrorCodes.not_found)
})

test('timeout: A reverts the export with a proof that B never received it; B then refuses it as expired', async () => {
  const car = await registerCar(A, dmvA, 'WVWZZZ1JZXW000004')
  const sent = await ok(A, alice, [send('to-b', car.id, B.engine.height + 3n)])
  const [packet] = sentPackets(sent)
  for (let i = 0; i < 4; i++) await emptyBlock(B)
  await ok(A, A.relayer, [await timeoutMsg(A, B, packet!)])
  assert.equal(vehicle(A, car.id).status, 'active')
  assert.equal(history(A, car.id).history.at(-1).reason, 'timed out')
  // ack and timeout exclusive: the late delivery is refused, and a second timeout too
  assert.equal((await exec(B, B.relayer, [await recvMsg(B, A, packet!)])).code, ErrorCodes.expired)
  assert.equal((await exec(A, A.relayer, [await timeoutMsg(A, B, packet!)])).code, ErrorCodes.not_found)
})

test('only the owner may send, only an active vehicle, only through an active client', async () => {
  const car = await registerCar(A, dmvA, 'WVWZZZ1JZXW000005')
  assert.equal((await exec(A, bob, [send('to-b', car.id)])).code, ErrorCodes.unauthorized)
  assert.equal((await exec(A, dmvA, [send('to-b', car.id)])).code, ErrorCodes.unauthorized, 'not even the transport department')
  assert.equal((await exec(A, alice, [send('to-b', vinCommitment('NO-SUCH-VIN'))])).code, ErrorCodes.not_found)
  assert.equal((await exec(A, alice, [send('to-nowhere', car.id)])).code, ErrorCodes.not_found)
  // refused by the packet layer after the export hook ran (no timeout at all): the export is undone with the transaction
  assert.equal((await exec(A, alice, [{ type: 'bridge/transfer-vehicle', value: { client_id: 'to-b', vehicle: car.id } }])).code, ErrorCodes.invalid_message)
  assert.equal(vehicle(A, car.id).status, 'active')
  assert.deepEqual(history(A, car.id).history.map((e: { event: string }) => e.event), ['registered'])
  await ok(A, dmvA, [{ type: 'vehicles/suspend', value: { vehicle: car.id, reason: 'unpaid fines' } }])
  assert.equal((await exec(A, alice, [send('to-b', car.id)])).code, ErrorCodes.invalid_state)
  assert.equal(vehicle(A, car.id).status, 'suspended')
  assert.equal(query(A, 'bridge/packet', { client_id: 'to-b', sequence: '999' }).commitment, null)
})

test('a hostile chain can only import vehicles that are new to B, under its own name; it cannot take over, return or malform', async () => {
  const hostile = async (data: Record<string, unknown>) => {
    const sent = await ok(H, H.city.citizens[0]!, [{ type: 'probe/send-raw', value: { client: 'to-b', payload: encodePayload('vehicle', data as never), timeout_height: 10_000n } }])
    return (await deliver(H, BH, sent)).ack
  }
  const base = (vin: string, plate: string) => ({
    vin_commitment: vinCommitment(vin), plate, owner: alice.publicKey, device: testKey('vt/h/' + vin).publicKey, history_hash: new Uint8Array(32), history_length: 1n,
  })
  // a VIN active in B (registered by B's transport department)
  const local = await registerCar(B, dmvB, 'WVWZZZ1JZXW000006')
  let ack = await hostile(base('WVWZZZ1JZXW000006', 'H-1'))
  assert.ok('error' in ack && /already registered/.test(ack.error))
  assert.equal(vehicle(B, local.id).owner, toHex(alice.publicKey))
  // a vehicle that left B for A cannot be "returned" by H
  const car = await registerCar(B, dmvB, 'WVWZZZ1JZXW000007')
  assert.deepEqual((await roundTrip(B, A, await ok(B, alice, [send('to-a', car.id)]))).ack, { ok: true })
  assert.equal(vehicle(B, car.id).status, 'exported')
  ack = await hostile({ ...base('WVWZZZ1JZXW000007', 'H-2') })
  assert.ok('error' in ack && /come back only from there/.test(ack.error), JSON.stringify(ack))
  assert.equal(vehicle(B, car.id).status, 'exported')
  // a plate or device key in use, an unknown owner, malformed data: error acks
  assert.ok('error' in (await hostile(base('H-VIN-1', local.plate))))
  assert.ok('error' in (await hostile({ ...base('H-VIN-2', 'H-3'), device: local.device.publicKey })))
  assert.ok('error' in (await hostile({ ...base('H-VIN-3', 'H-4'), owner: testKey('vt/nobody').publicKey })))
  assert.ok('error' in (await hostile({ ...base('H-VIN-4', 'bad plate!') })))
  assert.ok('error' in (await hostile({ ...base('H-VIN-5', 'H-5'), extra: 1 })))
  assert.ok('error' in (await hostile({ ...base('H-VIN-6', 'H-6'), history_length: 0n })))
  assert.ok('error' in (await hostile({ ...base('H-VIN-7', 'H-7'), vin_commitment: new Uint8Array(31) })))
  for (const vin of ['H-VIN-1', 'H-VIN-2', 'H-VIN-3', 'H-VIN-4', 'H-VIN-5', 'H-VIN-6']) {
    assert.equal(B.engine.app.query({ path: 'vehicles/vehicle', data: Buffer.from(JSON.stringify({ id: toHex(vinCommitment(vin)) })) }).code, ErrorCodes.not_found)
  }
  // what H can do: register a vehicle new to B, recorded as coming from city-h
  ack = await hostile(base('H-VIN-8', 'H-8'))
  assert.deepEqual(ack, { ok: true })
  assert.equal(vehicle(B, vinCommitment('H-VIN-8')).origin, 'city-h')
})
