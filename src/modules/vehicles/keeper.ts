/**
 * Vehicle registry keeper. The transport department registers a vehicle: the VIN as a salted
 * commitment (SHA-256 of salt and VIN, computed off chain; the VIN itself never enters state),
 * the plate, the owner's account and the vehicle's device key (the key the transport module
 * accepts reports from). Ownership changes hands only when the owner offers and the buyer accepts,
 * each with their own signed transaction; an offer may carry a price paid through the bank on accept.
 *
 * Keys (under "vehicles/"):
 *   v|id(32)             -> Vehicle (CBOR); id = the VIN commitment
 *   p|plate              -> id   plates in use (vehicles not deregistered or exported)
 *   k|device(32)         -> id   device keys in use
 *   o|owner(32)|id(32)   -> 0x01 vehicles of an owner
 *   h|id(32)|seq(4)      -> history entry (CBOR): every transition with who, when and why
 */
import { decodeCanonical, encodeCanonical } from '../../codec/cbor.js'
import { fail } from '../../app/errors.js'
import type { KV, KVReader } from '../../app/kv.js'
import { moduleReader, moduleStore, type ExecContext, type TxContext } from '../../app/module.js'
import { bytesEqual, concatBytes, toHex, utf8 } from '../../crypto/hash.js'
import { nativeDenom, transfer } from '../bank/keeper.js'
import { getAccount, hasRole, isActiveAt, registerAccount, requireActiveAccount } from '../identity/keeper.js'
import { u32be as u32, readU32be } from '../../codec/be.js'

export const MODULE = 'vehicles'
export const TRANSPORT_ROLE = 'transport'
/** Plates: upper-case letters, digits and dashes (a registry code, not personal data). */
export const PLATE_PATTERN = /^[A-Z0-9][A-Z0-9-]{0,11}$/

export type VehicleStatus = 'active' | 'suspended' | 'deregistered' | 'exported'

export interface TransferOffer { buyer: Uint8Array; price: bigint; offeredAt: bigint }

export interface Vehicle {
  id: Uint8Array          // the VIN commitment
  plate: string
  owner: Uint8Array
  device: Uint8Array
  status: VehicleStatus
  registeredAt: bigint    // height
  offer?: TransferOffer
  origin?: string         // chain id it was imported from
  history: number
}

/** What crosses the bridge when a vehicle moves to another city. */
export interface VehicleRecord {
  vinCommitment: Uint8Array
  plate: string
  owner: Uint8Array
  device: Uint8Array
}

const ONE = new Uint8Array([1])
const vehicleKey = (id: Uint8Array) => concatBytes(utf8('v'), id)
const plateKey = (plate: string) => utf8('p' + plate)
const deviceKey = (pk: Uint8Array) => concatBytes(utf8('k'), pk)
const ownerKey = (owner: Uint8Array, id: Uint8Array) => concatBytes(utf8('o'), owner, id)
const historyKey = (id: Uint8Array, seq: number) => concatBytes(utf8('h'), id, u32(seq))
const big = (x: unknown) => BigInt(x as number | bigint)

function encodeVehicle(v: Vehicle): Uint8Array {
  const m: Record<string, unknown> = { plate: v.plate, owner: v.owner, device: v.device, status: v.status, registered_at: v.registeredAt, history: v.history }
  if (v.offer) m.offer = { buyer: v.offer.buyer, price: v.offer.price, offered_at: v.offer.offeredAt }
  if (v.origin !== undefined) m.origin = v.origin
  return encodeCanonical(m)
}

function decodeVehicle(id: Uint8Array, b: Uint8Array): Vehicle {
  const m = decodeCanonical(b, 'invalid_state') as Record<string, any>
  const v: Vehicle = {
    id, plate: m.plate, owner: m.owner, device: m.device, status: m.status, registeredAt: big(m.registered_at), history: Number(m.history),
  }
  if (m.offer) v.offer = { buyer: m.offer.buyer, price: big(m.offer.price), offeredAt: big(m.offer.offered_at) }
  if (typeof m.origin === 'string') v.origin = m.origin
  return v
}

export function getVehicle(kv: KVReader, id: Uint8Array): Vehicle | undefined {
  const b = moduleReader(kv, MODULE).get(vehicleKey(id))
  return b ? decodeVehicle(id, b) : undefined
}

export function requireVehicle(kv: KVReader, id: Uint8Array): Vehicle {
  const v = getVehicle(kv, id)
  if (!v) fail('not_found', `no vehicle ${toHex(id)}`)
  return v
}

function putVehicle(kv: KV, v: Vehicle): void {
  moduleStore(kv, MODULE).set(vehicleKey(v.id), encodeVehicle(v))
}

export function vehicleByPlate(kv: KVReader, plate: string): Vehicle | undefined {
  const id = moduleReader(kv, MODULE).get(plateKey(plate))
  return id ? getVehicle(kv, id) : undefined
}

export function vehicleByDevice(kv: KVReader, device: Uint8Array): Vehicle | undefined {
  const id = moduleReader(kv, MODULE).get(deviceKey(device))
  return id ? getVehicle(kv, id) : undefined
}

/**
 * For the transport module: true when `device` is the device key of a registered vehicle that is
 * active (not suspended, deregistered or exported) and whose device account is not revoked at `height`
 * (when given).
 */
export function isActiveVehicle(kv: KVReader, device: Uint8Array, height?: bigint): boolean {
  const v = vehicleByDevice(kv, device)
  if (!v || v.status !== 'active') return false
  if (height === undefined) return true
  const a = getAccount(kv, device)
  return !!a && isActiveAt(a, height)
}

export function vehiclesOf(kv: KVReader, owner: Uint8Array, limit = 100): Vehicle[] {
  const prefix = concatBytes(utf8('o'), owner)
  const out: Vehicle[] = []
  for (const [k] of moduleReader(kv, MODULE).iterate({ gte: prefix, lt: concatBytes(prefix, new Uint8Array(32).fill(0xff), ONE), limit })) {
    out.push(requireVehicle(kv, k.subarray(prefix.length)))
  }
  return out
}

export interface HistoryEntry { seq: number; event: string; by: Uint8Array; height: bigint; time: bigint; reason?: string; owner?: Uint8Array; price?: bigint; chain?: string }

function record(ctx: ExecContext, v: Vehicle, by: Uint8Array, event: string, extra: { reason?: string; owner?: Uint8Array; price?: bigint; chain?: string } = {}): void {
  const m: Record<string, unknown> = { event, by, height: ctx.height, time: ctx.time }
  for (const [k, x] of Object.entries(extra)) if (x !== undefined) m[k] = x
  moduleStore(ctx.kv, MODULE).set(historyKey(v.id, v.history), encodeCanonical(m))
  v.history++
}

export function historyOf(kv: KVReader, id: Uint8Array): HistoryEntry[] {
  const prefix = concatBytes(utf8('h'), id)
  const out: HistoryEntry[] = []
  for (const [k, b] of moduleReader(kv, MODULE).iterate({ gte: prefix, lt: concatBytes(prefix, new Uint8Array([0xff, 0xff, 0xff, 0xff]), ONE) })) {
    const m = decodeCanonical(b, 'invalid_state') as Record<string, any>
    const e: HistoryEntry = { seq: readU32be(k, prefix.length), event: m.event, by: m.by, height: big(m.height), time: big(m.time) }
    if (m.reason !== undefined) e.reason = m.reason
    if (m.owner !== undefined) e.owner = m.owner
    if (m.price !== undefined) e.price = big(m.price)
    if (m.chain !== undefined) e.chain = m.chain
    out.push(e)
  }
  return out
}

// ------------------------------------------------------------------ transitions

function requireTransport(ctx: TxContext): void {
  const a = requireActiveAccount(ctx, ctx.sender)
  if (!hasRole(a, TRANSPORT_ROLE)) fail('unauthorized', `account ${toHex(ctx.sender)} is not in the transport department`)
}

/** Binds the device key: registers it as a vehicle device, or checks an existing account fits. */
function bindDevice(ctx: ExecContext, device: Uint8Array): void {
  if (moduleReader(ctx.kv, MODULE).get(deviceKey(device))) fail('already_exists', `device key ${toHex(device)} belongs to another vehicle`)
  const a = getAccount(ctx.kv, device)
  if (!a) registerAccount(ctx, device, ['vehicle'])
  else {
    if (!isActiveAt(a, ctx.height)) fail('account_revoked', `device key ${toHex(device)} is revoked`)
    if (!hasRole(a, 'vehicle')) fail('invalid_request', `device key ${toHex(device)} is an account without the vehicle role`)
  }
}

function addVehicle(ctx: ExecContext, r: VehicleRecord, by: Uint8Array, origin?: string): Vehicle {
  if (!PLATE_PATTERN.test(r.plate)) fail('invalid_message', `plate ${JSON.stringify(r.plate)} has an invalid format`)
  const existing = getVehicle(ctx.kv, r.vinCommitment)
  if (existing && existing.status !== 'exported') fail('already_exists', `vehicle ${toHex(r.vinCommitment)} is already registered`)
  if (moduleReader(ctx.kv, MODULE).get(plateKey(r.plate))) fail('already_exists', `plate ${r.plate} is in use`)
  requireActiveAccount(ctx, r.owner)
  if (bytesEqual(r.owner, r.device)) fail('invalid_request', 'the device key cannot be the owner')
  bindDevice(ctx, r.device)
  const v: Vehicle = { id: r.vinCommitment, plate: r.plate, owner: r.owner, device: r.device, status: 'active', registeredAt: ctx.height, history: existing?.history ?? 0 }
  if (origin !== undefined) v.origin = origin
  const store = moduleStore(ctx.kv, MODULE)
  store.set(plateKey(v.plate), v.id)
  store.set(deviceKey(v.device), v.id)
  store.set(ownerKey(v.owner, v.id), ONE)
  record(ctx, v, by, origin === undefined ? 'registered' : 'imported', { owner: v.owner, chain: origin })
  putVehicle(ctx.kv, v)
  return v
}

export function registerVehicle(ctx: TxContext, r: VehicleRecord): Vehicle {
  requireTransport(ctx)
  const v = addVehicle(ctx, r, ctx.sender)
  ctx.emit('vehicles.registered', { vehicle: toHex(v.id), plate: v.plate, owner: toHex(v.owner), device: toHex(v.device) })
  return v
}

function requireOwner(ctx: TxContext, id: Uint8Array): Vehicle {
  const v = requireVehicle(ctx.kv, id)
  if (!bytesEqual(v.owner, ctx.sender)) fail('unauthorized', `only the owner of vehicle ${toHex(id)} may do this`)
  return v
}

export function offerTransfer(ctx: TxContext, id: Uint8Array, buyer: Uint8Array, price: bigint): void {
  const v = requireOwner(ctx, id)
  if (v.status !== 'active') fail('invalid_state', `vehicle ${toHex(id)} is ${v.status}`)
  if (bytesEqual(buyer, v.owner)) fail('invalid_request', 'the buyer is already the owner')
  requireActiveAccount(ctx, buyer)
  v.offer = { buyer, price, offeredAt: ctx.height }
  record(ctx, v, ctx.sender, 'offered', { owner: buyer, price })
  putVehicle(ctx.kv, v)
  ctx.emit('vehicles.offered', { vehicle: toHex(id), seller: toHex(v.owner), buyer: toHex(buyer), price: price.toString() })
}

export function cancelOffer(ctx: TxContext, id: Uint8Array): void {
  const v = requireOwner(ctx, id)
  if (!v.offer) fail('invalid_state', `vehicle ${toHex(id)} has no pending offer`)
  delete v.offer
  record(ctx, v, ctx.sender, 'offer_cancelled')
  putVehicle(ctx.kv, v)
  ctx.emit('vehicles.offer_cancelled', { vehicle: toHex(id) })
}

/** The buyer accepts the pending offer (at the price it names: the buyer consents to that price). */
export function acceptTransfer(ctx: TxContext, id: Uint8Array, price: bigint): void {
  const v = requireVehicle(ctx.kv, id)
  if (!v.offer) fail('invalid_state', `vehicle ${toHex(id)} has no pending offer`)
  if (!bytesEqual(v.offer.buyer, ctx.sender)) fail('unauthorized', `the offer for vehicle ${toHex(id)} is not addressed to ${toHex(ctx.sender)}`)
  if (v.status !== 'active') fail('invalid_state', `vehicle ${toHex(id)} is ${v.status}`)
  if (price !== v.offer.price) fail('invalid_request', `the offer is at ${v.offer.price}, not ${price}`)
  requireActiveAccount(ctx, v.owner)
  const seller = v.owner
  if (price > 0n) transfer(ctx, ctx.sender, seller, nativeDenom(ctx.kv), price)
  const store = moduleStore(ctx.kv, MODULE)
  store.delete(ownerKey(seller, id))
  store.set(ownerKey(ctx.sender, id), ONE)
  v.owner = ctx.sender
  delete v.offer
  record(ctx, v, ctx.sender, 'transferred', { owner: ctx.sender, price })
  putVehicle(ctx.kv, v)
  ctx.emit('vehicles.transferred', { vehicle: toHex(id), seller: toHex(seller), buyer: toHex(ctx.sender), price: price.toString() })
}

export function suspendVehicle(ctx: TxContext, id: Uint8Array, reason: string): void {
  requireTransport(ctx)
  const v = requireVehicle(ctx.kv, id)
  if (v.status !== 'active') fail('invalid_state', `vehicle ${toHex(id)} is ${v.status}`)
  v.status = 'suspended'
  delete v.offer
  record(ctx, v, ctx.sender, 'suspended', { reason })
  putVehicle(ctx.kv, v)
  ctx.emit('vehicles.suspended', { vehicle: toHex(id), reason })
}

export function reinstateVehicle(ctx: TxContext, id: Uint8Array, reason: string): void {
  requireTransport(ctx)
  const v = requireVehicle(ctx.kv, id)
  if (v.status !== 'suspended') fail('invalid_state', `vehicle ${toHex(id)} is ${v.status}, not suspended`)
  v.status = 'active'
  record(ctx, v, ctx.sender, 'reinstated', { reason })
  putVehicle(ctx.kv, v)
  ctx.emit('vehicles.reinstated', { vehicle: toHex(id), reason })
}

function release(kv: KV, v: Vehicle): void {
  const store = moduleStore(kv, MODULE)
  store.delete(plateKey(v.plate))
  store.delete(deviceKey(v.device))
  store.delete(ownerKey(v.owner, v.id))
}

export function deregisterVehicle(ctx: TxContext, id: Uint8Array, reason: string): void {
  requireTransport(ctx)
  const v = requireVehicle(ctx.kv, id)
  if (v.status === 'deregistered' || v.status === 'exported') fail('invalid_state', `vehicle ${toHex(id)} is ${v.status}`)
  release(ctx.kv, v)
  v.status = 'deregistered'
  delete v.offer
  record(ctx, v, ctx.sender, 'deregistered', { reason })
  putVehicle(ctx.kv, v)
  ctx.emit('vehicles.deregistered', { vehicle: toHex(id), reason })
}

// ------------------------------------------------------------------ bridge hooks

/**
 * Export hook for the bridge's cross-city vehicle transfer: the caller (the bridge's message
 * handler) has checked that `by` is the owner's signed request. The vehicle must be active with
 * no pending offer; it leaves this registry (status exported, plate and device released) and its
 * record is returned for the packet.
 */
export function exportVehicle(ctx: ExecContext, id: Uint8Array, by: Uint8Array, destination: string): VehicleRecord {
  const v = requireVehicle(ctx.kv, id)
  if (!bytesEqual(v.owner, by)) fail('unauthorized', `only the owner of vehicle ${toHex(id)} may export it`)
  if (v.status !== 'active') fail('invalid_state', `vehicle ${toHex(id)} is ${v.status}`)
  if (v.offer) fail('invalid_state', `vehicle ${toHex(id)} has a pending transfer offer`)
  release(ctx.kv, v)
  v.status = 'exported'
  record(ctx, v, by, 'exported', { chain: destination })
  putVehicle(ctx.kv, v)
  ctx.emit('vehicles.exported', { vehicle: toHex(id), destination })
  return { vinCommitment: v.id, plate: v.plate, owner: v.owner, device: v.device }
}

/** Undoes an export whose packet timed out or failed on the destination (the bridge refunds). */
export function revertExport(ctx: ExecContext, id: Uint8Array): void {
  const v = requireVehicle(ctx.kv, id)
  if (v.status !== 'exported') fail('invalid_state', `vehicle ${toHex(id)} is ${v.status}, not exported`)
  const store = moduleStore(ctx.kv, MODULE)
  if (store.get(plateKey(v.plate)) || store.get(deviceKey(v.device))) fail('invalid_state', `plate or device of vehicle ${toHex(id)} was reused`)
  store.set(plateKey(v.plate), v.id)
  store.set(deviceKey(v.device), v.id)
  store.set(ownerKey(v.owner, v.id), ONE)
  v.status = 'active'
  record(ctx, v, v.owner, 'export_reverted')
  putVehicle(ctx.kv, v)
  ctx.emit('vehicles.export_reverted', { vehicle: toHex(id) })
}

/**
 * Import hook: registers a vehicle arriving from `source` (a proven packet, checked by the bridge).
 * The owner must hold an account here; the device key is bound as on registration. A vehicle that
 * once left this city comes back under its old record.
 */
export function importVehicle(ctx: ExecContext, r: VehicleRecord, source: string): Vehicle {
  if (r.vinCommitment.length !== 32) fail('invalid_message', 'vin commitment must be 32 bytes')
  const v = addVehicle(ctx, r, r.owner, source)
  ctx.emit('vehicles.imported', { vehicle: toHex(v.id), plate: v.plate, owner: toHex(v.owner), source })
  return v
}
