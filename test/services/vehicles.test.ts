import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { ErrorCodes } from '../../src/base/errors.js'
import { sha256 } from '../../src/crypto/hash.js'
import { toHex, utf8 } from '../../src/base/bytes.js'
import type { KeyPair } from '../../src/crypto/keys.js'
import { CacheKV } from '../../src/app/kv.js'
import type { ExecContext } from '../../src/app/module.js'
import { vehiclesModule, isActiveVehicle, confirmExport, exportVehicle, importVehicle, revertExport, getVehicle } from '../../src/modules/vehicles/index.js'
import { testKey } from '../../src/kit/genesis-builder.js'
import { serviceChain, sumOfBalances, type ServiceChain } from './helpers.js'

let c: ServiceChain
let alice: KeyPair, bob: KeyPair, carol: KeyPair
const dmv = () => c.staff.dmv!

/** Off chain, at the department: the VIN and a salt; on chain only their commitment. */
const vinCommitment = (vin: string, salt: string) => sha256(utf8(salt), utf8(vin))

before(async () => {
  c = await serviceChain([vehiclesModule()], { dmv: ['transport'] })
  ;[alice, bob, carol] = c.city.citizens as [KeyPair, KeyPair, KeyPair]
})
after(async () => c.close())

const vehicle = (id: Uint8Array) => c.q('vehicles/vehicle', { id: toHex(id) })
const active = (device: KeyPair) => isActiveVehicle(c.engine.app.stateReader(), device.publicKey)

async function register(vin: string, plate: string, owner: KeyPair, device: KeyPair): Promise<Uint8Array> {
  const id = vinCommitment(vin, 'salt:' + vin)
  const r = await c.run(dmv(), { type: 'vehicles/register', value: { vin_commitment: id, plate, owner: owner.publicKey, device_key: device.publicKey } })
  assert.equal(r.code, 0, r.log)
  return id
}

test('the transport department registers a vehicle; its device key is an active vehicle', async () => {
  const dev = testKey('dev/car-1')
  assert.equal(active(dev), false)
  const id = await register('1HGCM82633A004352', 'AB-123-CD', alice, dev)
  const v = vehicle(id)
  assert.deepEqual([v.plate, v.owner, v.device, v.status], ['AB-123-CD', toHex(alice.publicKey), toHex(dev.publicKey), 'active'])
  assert.equal(active(dev), true)
  assert.deepEqual(c.q('identity/account', { address: toHex(dev.publicKey) }).roles, ['vehicle'])
  assert.equal(c.q('vehicles/vehicle', { plate: 'AB-123-CD' }).id, toHex(id))
  assert.equal(c.q('vehicles/by-owner', { owner: toHex(alice.publicKey) }).vehicles.length, 1)
  assert.equal(c.q('vehicles/device-active', { device: toHex(dev.publicKey) }).active, true)
})

test('ownership moves only when the owner offers and the buyer accepts; the price is paid on accept', async () => {
  const dev = testKey('dev/car-2')
  const id = await register('WVWZZZ1JZXW000001', 'XY-999', alice, dev)
  const supply = c.supply()
  const [a0, b0] = [c.balance(alice), c.balance(bob)]
  // not signed by the owner: refused
  assert.equal((await c.run(bob, { type: 'vehicles/offer-transfer', value: { vehicle: id, buyer: bob.publicKey, price: 1n } })).code, ErrorCodes.unauthorized)
  assert.equal((await c.run(bob, { type: 'vehicles/accept-transfer', value: { vehicle: id } })).code, ErrorCodes.invalid_state, 'no offer yet')
  assert.equal((await c.run(alice, { type: 'vehicles/offer-transfer', value: { vehicle: id, buyer: bob.publicKey, price: 5000n } })).code, 0)
  assert.equal(vehicle(id).owner, toHex(alice.publicKey), 'an offer alone changes nothing')
  // someone else than the buyer, or the buyer at another price: refused
  assert.equal((await c.run(carol, { type: 'vehicles/accept-transfer', value: { vehicle: id, price: 5000n } })).code, ErrorCodes.unauthorized)
  assert.equal((await c.run(bob, { type: 'vehicles/accept-transfer', value: { vehicle: id, price: 1n } })).code, ErrorCodes.invalid_request)
  assert.equal(vehicle(id).owner, toHex(alice.publicKey))
  assert.equal(c.balance(bob), b0)
  const r = await c.run(bob, { type: 'vehicles/accept-transfer', value: { vehicle: id, price: 5000n } })
  assert.equal(r.code, 0, r.log)
  const v = vehicle(id)
  assert.equal(v.owner, toHex(bob.publicKey))
  assert.equal(v.offer, null)
  assert.equal(c.balance(alice), a0 + 5000n)
  assert.equal(c.balance(bob), b0 - 5000n)
  assert.equal(c.supply(), supply)
  assert.equal(sumOfBalances(c), c.supply())
  // the old owner can no longer offer it
  assert.equal((await c.run(alice, { type: 'vehicles/offer-transfer', value: { vehicle: id, buyer: carol.publicKey } })).code, ErrorCodes.unauthorized)
  // a buyer without funds: refused, nothing moves
  const bc = c.balance(carol)
  assert.equal((await c.run(bob, { type: 'vehicles/offer-transfer', value: { vehicle: id, buyer: carol.publicKey, price: 10n ** 12n } })).code, 0)
  assert.equal((await c.run(carol, { type: 'vehicles/accept-transfer', value: { vehicle: id, price: 10n ** 12n } })).code, ErrorCodes.insufficient_funds)
  assert.equal(vehicle(id).owner, toHex(bob.publicKey))
  assert.equal(c.balance(carol), bc)
  assert.equal((await c.run(bob, { type: 'vehicles/cancel-offer', value: { vehicle: id } })).code, 0)
  assert.equal((await c.run(carol, { type: 'vehicles/accept-transfer', value: { vehicle: id, price: 10n ** 12n } })).code, ErrorCodes.invalid_state)
  const history = c.q('vehicles/history', { id: toHex(id) }).history.map((e: any) => e.event)
  assert.deepEqual(history, ['registered', 'offered', 'transferred', 'offered', 'offer_cancelled'])
})

test('suspend, reinstate and deregister: the transport module sees the device go inactive', async () => {
  const dev = testKey('dev/car-3')
  const id = await register('JH4KA8260MC000000', 'SUS-1', carol, dev)
  assert.equal((await c.run(alice, { type: 'vehicles/suspend', value: { vehicle: id, reason: 'x' } })).code, ErrorCodes.unauthorized)
  assert.equal((await c.run(dmv(), { type: 'vehicles/suspend', value: { vehicle: id } })).code, ErrorCodes.invalid_message, 'a reason is required')
  assert.equal((await c.run(carol, { type: 'vehicles/offer-transfer', value: { vehicle: id, buyer: alice.publicKey } })).code, 0)
  assert.equal((await c.run(dmv(), { type: 'vehicles/suspend', value: { vehicle: id, reason: 'failed inspection' } })).code, 0)
  assert.equal(active(dev), false)
  assert.equal(vehicle(id).offer, null, 'suspension withdraws a pending offer')
  assert.equal((await c.run(alice, { type: 'vehicles/accept-transfer', value: { vehicle: id } })).code, ErrorCodes.invalid_state)
  assert.equal((await c.run(carol, { type: 'vehicles/offer-transfer', value: { vehicle: id, buyer: alice.publicKey } })).code, ErrorCodes.invalid_state)
  assert.equal((await c.run(dmv(), { type: 'vehicles/suspend', value: { vehicle: id, reason: 'again' } })).code, ErrorCodes.invalid_state)
  assert.equal((await c.run(dmv(), { type: 'vehicles/reinstate', value: { vehicle: id, reason: 'passed re-inspection' } })).code, 0)
  assert.equal(active(dev), true)
  assert.equal((await c.run(dmv(), { type: 'vehicles/deregister', value: { vehicle: id, reason: 'scrapped' } })).code, 0)
  assert.equal(active(dev), false)
  assert.equal(vehicle(id).status, 'deregistered')
  assert.equal((await c.run(dmv(), { type: 'vehicles/reinstate', value: { vehicle: id, reason: 'x' } })).code, ErrorCodes.invalid_state)
  assert.equal((await c.run(dmv(), { type: 'vehicles/deregister', value: { vehicle: id, reason: 'x' } })).code, ErrorCodes.invalid_state)
  // the plate is free again
  const dev2 = testKey('dev/car-3b')
  await register('JH4KA8260MC000001', 'SUS-1', carol, dev2)
})

test('bad registrations are refused with typed errors and change nothing', async () => {
  const dev = testKey('dev/car-4')
  const id = await register('5YJSA1E26HF000001', 'DUP-1', alice, dev)
  const stateBefore = c.state()
  const reg = (over: Record<string, unknown>) => ({
    type: 'vehicles/register',
    value: { vin_commitment: vinCommitment('NEWVIN', 's'), plate: 'NEW-1', owner: alice.publicKey, device_key: testKey('dev/new').publicKey, ...over },
  })
  const cases: Array<[KeyPair, any, number]> = [
    [alice, reg({}), ErrorCodes.unauthorized],
    [dmv(), reg({ vin_commitment: id }), ErrorCodes.already_exists],
    [dmv(), reg({ plate: 'DUP-1' }), ErrorCodes.already_exists],
    [dmv(), reg({ device_key: dev.publicKey }), ErrorCodes.already_exists],
    [dmv(), reg({ device_key: bob.publicKey }), ErrorCodes.invalid_request], // a citizen's key, not a vehicle device
    [dmv(), reg({ device_key: alice.publicKey }), ErrorCodes.invalid_request],
    [dmv(), reg({ owner: testKey('nobody').publicKey }), ErrorCodes.unknown_account],
    [dmv(), reg({ plate: 'lower case' }), ErrorCodes.invalid_message],
    [dmv(), reg({ vin_commitment: utf8('5YJSA1E26HF000001') }), ErrorCodes.invalid_message], // a VIN in clear is not a commitment
    [dmv(), reg({ owner_name: 'Alice' }), ErrorCodes.invalid_message],
    [alice, { type: 'vehicles/offer-transfer', value: { vehicle: id, buyer: alice.publicKey } }, ErrorCodes.invalid_request],
    [alice, { type: 'vehicles/offer-transfer', value: { vehicle: id, buyer: testKey('nobody').publicKey } }, ErrorCodes.unknown_account],
    [alice, { type: 'vehicles/offer-transfer', value: { vehicle: new Uint8Array(32), buyer: bob.publicKey } }, ErrorCodes.not_found],
  ]
  for (const [key, msg, code] of cases) {
    const r = await c.run(key, msg)
    assert.equal(r.code, code, `${msg.type} ${Object.keys(msg.value).join(',')}: ${r.log}`)
  }
  // only nonces moved
  const strip = (s: Array<[Uint8Array, Uint8Array]>) => s.filter(([k]) => !Buffer.from(k).toString('latin1').startsWith('identity/a')).map(([k, v]) => toHex(k) + '=' + toHex(v))
  assert.deepEqual(strip(c.state()), strip(stateBefore))
})

test('bridge hooks: export reserves until the answer, confirm releases, a revert restores, import registers', async () => {
  const dev = testKey('dev/car-5')
  const id = await register('1FTFW1ET5DFC00001', 'BR-1', bob, dev)
  const app = c.engine.app
  const kv = new CacheKV(app.stateReader())
  const ctx: ExecContext = { chainId: c.city.chainId, height: app.info().lastHeight + 1n, time: c.time + 1000n, kv, emit: () => {} }
  const to = (sequence: bigint) => ({ chain: 'city-b', client: 'to-b', sequence })
  assert.throws(() => exportVehicle(ctx, id, alice.publicKey, to(1n)), /only the owner/)
  const rec = exportVehicle(ctx, id, bob.publicKey, to(1n))
  assert.deepEqual([toHex(rec.vinCommitment), rec.plate, toHex(rec.owner)], [toHex(id), 'BR-1', toHex(bob.publicKey)])
  assert.equal(getVehicle(kv, id)!.status, 'exporting')
  assert.equal(isActiveVehicle(kv, dev.publicKey), false)
  assert.throws(() => exportVehicle(ctx, id, bob.publicKey, to(2n)), /exporting/)
  revertExport(ctx, id, 'to-b', 2n, 'not this packet') // another packet's answer changes nothing
  assert.equal(getVehicle(kv, id)!.status, 'exporting')
  revertExport(ctx, id, 'to-b', 1n, 'timed out')
  assert.equal(isActiveVehicle(kv, dev.publicKey), true)
  const again = exportVehicle(ctx, id, bob.publicKey, to(3n))
  confirmExport(ctx, id, 'to-b', 3n)
  assert.equal(getVehicle(kv, id)!.status, 'exported')
  // coming back: only from the city it left for, imported with its origin
  assert.throws(() => importVehicle(ctx, again, 'city-c'), /come back only from there/)
  const back = importVehicle(ctx, again, 'city-b')
  assert.equal(back.origin, 'city-b')
  assert.equal(back.status, 'active')
  assert.equal(isActiveVehicle(kv, dev.publicKey), true)
  assert.throws(() => importVehicle(ctx, again, 'city-b'), /already registered/)
  const fresh = { vinCommitment: vinCommitment('OTHER', 's'), plate: 'IMP-1', owner: testKey('unknown-owner').publicKey, device: testKey('dev/imp').publicKey, historyHash: rec.historyHash, historyLength: 1n }
  assert.throws(() => importVehicle(ctx, fresh, 'city-c'), /not registered/)
})
