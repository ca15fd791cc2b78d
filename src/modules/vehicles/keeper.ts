/**
 * Vehicle registry keeper. The transport department registers a vehicle: the VIN as a salted
 * commitment (SHA-256 of salt and VIN, computed off chain; the VIN itself never enters state),
 * the plate, the owner's account and the vehicle's device key (the key the transport module
 * accepts reports from). Ownership changes hands only when the owner offers and the buyer accepts,
 * each with their own signed transaction; an offer may carry a price paid through the bank on accept.
 *
 * Key layout: types.ts.
 * The history hash of a vehicle chains its entries: h_0 = 32 zero bytes,
 * h_n = sha256(h_{n-1} ‖ sha256(entry_n CBOR)); a vehicle crossing the bridge carries it, and the
 * importing city records it in its "imported" entry, so each city's history commits to the last.
 */
import { decodeCanonical, encodeCanonical } from '../../codec/cbor.js'
import { fail } from '../../base/errors.js'
import type { KV, KVReader } from '../../app/kv.js'
import { moduleReader, moduleStore, type ExecContext, type TxContext } from '../../app/module.js'
import { sha256 } from '../../crypto/hash.js'
import { bytesEqual, concatBytes, toHex, utf8 } from '../../base/bytes.js'
import { nativeDenom, transfer } from '../bank/keeper.js'
import { getAccount, hasRole, isActiveAt, registerAccount, requireActiveAccount } from '../identity/keeper.js'
import { u32be as u32, readU32be } from '../../codec/be.js'
import { NO_THREAT_INTEL, VEHICLES_EVENT, VEHICLES_KEY as K, MODULE, type ThreatIntelView } from './types.js'

export const TRANSPORT_ROLE = 'transport'
/** Plates: upper-case letters, digits and dashes (a registry code, not personal data). */
export const PLATE_PATTERN = /^[A-Z0-9][A-Z0-9-]{0,11}$/

/** exporting: sent over the bridge, awaiting the destination's answer (plate and device still reserved here). */
export type VehicleStatus = 'active' | 'suspended' | 'deregistered' | 'exporting' | 'exported'

export interface TransferOffer { buyer: Uint8Array; price: bigint; offeredAt: bigint }

/** Where a vehicle is going (exporting) or went (exported): the destination chain and the packet. */
export interface ExportInfo { chain: string; client: string; sequence: bigint }

export interface Vehicle {
  id: Uint8Array          // the VIN commitment
  plate: string
  owner: Uint8Array
  device: Uint8Array
  status: VehicleStatus
  registeredAt: bigint    // height
  offer?: TransferOffer
  origin?: string         // chain id it was imported from
  export?: ExportInfo
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
const vehicleKey = (id: Uint8Array) => concatBytes(utf8(K.vehicle), id)
const plateKey = (plate: string) => utf8(K.plate + plate)
const deviceKey = (pk: Uint8Array) => concatBytes(utf8(K.device), pk)
const ownerKey = (owner: Uint8Array, id: Uint8Array) => concatBytes(utf8(K.owner), owner, id)
const historyKey = (id: Uint8Array, seq: number) => concatBytes(utf8(K.history), id, u32(seq))
const big = (x: unknown) => BigInt(x as number | bigint)

function encodeVehicle(v: Vehicle): Uint8Array {
  const m: Record<string, unknown> = { plate: v.plate, owner: v.owner, device: v.device, status: v.status, registered_at: v.registeredAt, history: v.history }
  if (v.offer) m.offer = { buyer: v.offer.buyer, price: v.offer.price, offered_at: v.offer.offeredAt }
  if (v.origin !== undefined) m.origin = v.origin
  if (v.export) m.export = { chain: v.export.chain, client: v.export.client, sequence: v.export.sequence }
  return encodeCanonical(m)
}

function decodeVehicle(id: Uint8Array, b: Uint8Array): Vehicle {
  const m = decodeCanonical(b, 'invalid_state') as Record<string, any>
  const v: Vehicle = {
    id, plate: m.plate, owner: m.owner, device: m.device, status: m.status, registeredAt: big(m.registered_at), history: Number(m.history),
  }
  if (m.offer) v.offer = { buyer: m.offer.buyer, price: big(m.offer.price), offeredAt: big(m.offer.offered_at) }
  if (typeof m.origin === 'string') v.origin = m.origin
  if (m.export) v.export = { chain: m.export.chain, client: m.export.client, sequence: big(m.export.sequence) }
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
 * active (not suspended, deregistered, exporting or exported) and, at `height` (when given), whose
 * device account is not revoked and whose key is not on the threat-intelligence blocklist.
 */
export function isActiveVehicle(kv: KVReader, device: Uint8Array, height?: bigint, threatIntel: ThreatIntelView = NO_THREAT_INTEL): boolean {
  const v = vehicleByDevice(kv, device)
  if (!v || v.status !== 'active') return false
  if (height === undefined) return true
  const a = getAccount(kv, device)
  return !!a && isActiveAt(a, height) && !threatIntel.isDeviceListed(kv, device, height)
}

/** The register as the transport module sees it (the composition gives it, with the chain's blocklist). */
export const activeVehicles = (threatIntel: ThreatIntelView = NO_THREAT_INTEL) => ({
  isActiveVehicle: (kv: KVReader, device: Uint8Array, height: bigint): boolean => isActiveVehicle(kv, device, height, threatIntel),
})

export function vehiclesOf(kv: KVReader, owner: Uint8Array, limit = 100): Vehicle[] {
  const prefix = concatBytes(utf8(K.owner), owner)
  const out: Vehicle[] = []
  for (const [k] of moduleReader(kv, MODULE).iterate({ gte: prefix, lt: concatBytes(prefix, new Uint8Array(32).fill(0xff), ONE), limit })) {
    out.push(requireVehicle(kv, k.subarray(prefix.length)))
  }
  return out
}

export interface HistoryEntry {
  seq: number; event: string; by: Uint8Array; height: bigint; time: bigint; reason?: string; owner?: Uint8Array; price?: bigint; chain?: string
  /** on "imported": the history hash and length the vehicle arrived with */
  historyHash?: Uint8Array; historyLength?: bigint
}
type HistoryExtra = { reason?: string; owner?: Uint8Array; price?: bigint; chain?: string; history_hash?: Uint8Array; history_length?: bigint }

function record(ctx: ExecContext, v: Vehicle, by: Uint8Array, event: string, extra: HistoryExtra = {}): void {
  const m: Record<string, unknown> = { event, by, height: ctx.height, time: ctx.time }
  for (const [k, x] of Object.entries(extra)) if (x !== undefined) m[k] = x
  moduleStore(ctx.kv, MODULE).set(historyKey(v.id, v.history), encodeCanonical(m))
  v.history++
}

export function historyOf(kv: KVReader, id: Uint8Array): HistoryEntry[] {
  const prefix = concatBytes(utf8(K.history), id)
  const out: HistoryEntry[] = []
  for (const [k, b] of moduleReader(kv, MODULE).iterate({ gte: prefix, lt: concatBytes(prefix, new Uint8Array([0xff, 0xff, 0xff, 0xff]), ONE) })) {
    const m = decodeCanonical(b, 'invalid_state') as Record<string, any>
    const e: HistoryEntry = { seq: readU32be(k, prefix.length), event: m.event, by: m.by, height: big(m.height), time: big(m.time) }
    if (m.reason !== undefined) e.reason = m.reason
    if (m.owner !== undefined) e.owner = m.owner
    if (m.price !== undefined) e.price = big(m.price)
    if (m.chain !== undefined) e.chain = m.chain
    if (m.history_hash !== undefined) e.historyHash = m.history_hash
    if (m.history_length !== undefined) e.historyLength = big(m.history_length)
    out.push(e)
  }
  return out
}

/** The vehicle's history hash (see the header comment) and its number of entries. */
export function historyHash(kv: KVReader, id: Uint8Array): { hash: Uint8Array; length: bigint } {
  const prefix = concatBytes(utf8(K.history), id)
  let h: Uint8Array = new Uint8Array(32)
  let n = 0n
  for (const [, b] of moduleReader(kv, MODULE).iterate({ gte: prefix, lt: concatBytes(prefix, new Uint8Array([0xff, 0xff, 0xff, 0xff]), ONE) })) {
    h = sha256(concatBytes(h, sha256(b)))
    n++
  }
  return { hash: h, length: n }
}

// ------------------------------------------------------------------ transitions

function requireTransport(ctx: TxContext): void {
  const a = requireActiveAccount(ctx, ctx.sender)
  if (!hasRole(a, TRANSPORT_ROLE)) fail('unauthorized', `account ${toHex(ctx.sender)} is not in the transport department`)
}

/** Binds the device key: registers it as a vehicle device, or checks an existing account fits. */
function bindDevice(ctx: ExecContext, device: Uint8Array, threatIntel: ThreatIntelView): void {
  if (moduleReader(ctx.kv, MODULE).get(deviceKey(device))) fail('already_exists', `device key ${toHex(device)} belongs to another vehicle`)
  if (threatIntel.isDeviceListed(ctx.kv, device, ctx.height)) fail('unauthorized', `device key ${toHex(device)} is on the threat-intelligence blocklist`)
  const a = getAccount(ctx.kv, device)
  if (!a) registerAccount(ctx, device, ['vehicle'])
  else {
    if (!isActiveAt(a, ctx.height)) fail('account_revoked', `device key ${toHex(device)} is revoked`)
    if (!hasRole(a, 'vehicle')) fail('invalid_request', `device key ${toHex(device)} is an account without the vehicle role`)
  }
}

interface Arrival { chain: string; historyHash: Uint8Array; historyLength: bigint }

function addVehicle(ctx: ExecContext, r: VehicleRecord, by: Uint8Array, threatIntel: ThreatIntelView, arrival?: Arrival): Vehicle {
  if (!PLATE_PATTERN.test(r.plate)) fail('invalid_message', `plate ${JSON.stringify(r.plate)} has an invalid format`)
  const existing = getVehicle(ctx.kv, r.vinCommitment)
  if (existing && existing.status !== 'exported') fail('already_exists', `vehicle ${toHex(r.vinCommitment)} is already registered (${existing.status})`)
  // a vehicle that left comes back only from the city it left for (another could not know it is there)
  if (existing && existing.export?.chain !== arrival?.chain) {
    fail('already_exists', `vehicle ${toHex(r.vinCommitment)} left for ${existing.export?.chain}; it can come back only from there`)
  }
  if (moduleReader(ctx.kv, MODULE).get(plateKey(r.plate))) fail('already_exists', `plate ${r.plate} is in use`)
  requireActiveAccount(ctx, r.owner)
  if (bytesEqual(r.owner, r.device)) fail('invalid_request', 'the device key cannot be the owner')
  bindDevice(ctx, r.device, threatIntel)
  const v: Vehicle = { id: r.vinCommitment, plate: r.plate, owner: r.owner, device: r.device, status: 'active', registeredAt: ctx.height, history: existing?.history ?? 0 }
  if (arrival !== undefined) v.origin = arrival.chain
  const store = moduleStore(ctx.kv, MODULE)
  store.set(plateKey(v.plate), v.id)
  store.set(deviceKey(v.device), v.id)
  store.set(ownerKey(v.owner, v.id), ONE)
  if (arrival === undefined) record(ctx, v, by, 'registered', { owner: v.owner })
  else record(ctx, v, by, 'imported', { owner: v.owner, chain: arrival.chain, history_hash: arrival.historyHash, history_length: arrival.historyLength })
  putVehicle(ctx.kv, v)
  return v
}

export function registerVehicle(ctx: TxContext, r: VehicleRecord, threatIntel: ThreatIntelView = NO_THREAT_INTEL): Vehicle {
  requireTransport(ctx)
  const v = addVehicle(ctx, r, ctx.sender, threatIntel)
  ctx.emit(VEHICLES_EVENT.registered, { vehicle: toHex(v.id), plate: v.plate, owner: toHex(v.owner), device: toHex(v.device) })
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
  ctx.emit(VEHICLES_EVENT.offered, { vehicle: toHex(id), seller: toHex(v.owner), buyer: toHex(buyer), price: price.toString() })
}

export function cancelOffer(ctx: TxContext, id: Uint8Array): void {
  const v = requireOwner(ctx, id)
  if (!v.offer) fail('invalid_state', `vehicle ${toHex(id)} has no pending offer`)
  delete v.offer
  record(ctx, v, ctx.sender, 'offer_cancelled')
  putVehicle(ctx.kv, v)
  ctx.emit(VEHICLES_EVENT.offerCancelled, { vehicle: toHex(id) })
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
  ctx.emit(VEHICLES_EVENT.transferred, { vehicle: toHex(id), seller: toHex(seller), buyer: toHex(ctx.sender), price: price.toString() })
}

export function suspendVehicle(ctx: TxContext, id: Uint8Array, reason: string): void {
  requireTransport(ctx)
  const v = requireVehicle(ctx.kv, id)
  if (v.status !== 'active') fail('invalid_state', `vehicle ${toHex(id)} is ${v.status}`)
  v.status = 'suspended'
  delete v.offer
  record(ctx, v, ctx.sender, 'suspended', { reason })
  putVehicle(ctx.kv, v)
  ctx.emit(VEHICLES_EVENT.suspended, { vehicle: toHex(id), reason })
}

export function reinstateVehicle(ctx: TxContext, id: Uint8Array, reason: string): void {
  requireTransport(ctx)
  const v = requireVehicle(ctx.kv, id)
  if (v.status !== 'suspended') fail('invalid_state', `vehicle ${toHex(id)} is ${v.status}, not suspended`)
  v.status = 'active'
  record(ctx, v, ctx.sender, 'reinstated', { reason })
  putVehicle(ctx.kv, v)
  ctx.emit(VEHICLES_EVENT.reinstated, { vehicle: toHex(id), reason })
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
  if (v.status === 'deregistered' || v.status === 'exporting' || v.status === 'exported') fail('invalid_state', `vehicle ${toHex(id)} is ${v.status}`)
  release(ctx.kv, v)
  v.status = 'deregistered'
  delete v.offer
  record(ctx, v, ctx.sender, 'deregistered', { reason })
  putVehicle(ctx.kv, v)
  ctx.emit(VEHICLES_EVENT.deregistered, { vehicle: toHex(id), reason })
}


// ------------------------------------------------------------------ bridge hooks

export interface Departure extends VehicleRecord { historyHash: Uint8Array; historyLength: bigint }

/**
 * Export hook for the bridge's vehicle transfer: `by` signed the request and must be the owner.
 * The vehicle must be active with no pending offer; it becomes `exporting` (no reports, sales,
 * suspension or second export) with its plate and device still reserved until the destination
 * answers. Returns what the packet carries, the history hash covering the "export_started" entry.
 */
export function exportVehicle(ctx: ExecContext, id: Uint8Array, by: Uint8Array, to: ExportInfo): Departure {
  const v = requireVehicle(ctx.kv, id)
  if (!bytesEqual(v.owner, by)) fail('unauthorized', `only the owner of vehicle ${toHex(id)} may export it`)
  if (v.status !== 'active') fail('invalid_state', `vehicle ${toHex(id)} is ${v.status}`)
  if (v.offer) fail('invalid_state', `vehicle ${toHex(id)} has a pending transfer offer`)
  v.status = 'exporting'
  v.export = to
  record(ctx, v, by, 'export_started', { chain: to.chain })
  putVehicle(ctx.kv, v)
  ctx.emit(VEHICLES_EVENT.exportStarted, { vehicle: toHex(id), destination: to.chain, client_id: to.client, sequence: to.sequence.toString() })
  const h = historyHash(ctx.kv, id)
  return { vinCommitment: v.id, plate: v.plate, owner: v.owner, device: v.device, historyHash: h.hash, historyLength: h.length }
}

/** The vehicle exporting through packet (client, sequence), or undefined (then the hook has nothing to do). */
function exportingBy(ctx: ExecContext, id: Uint8Array, client: string, sequence: bigint): Vehicle | undefined {
  const v = getVehicle(ctx.kv, id)
  if (v?.status === 'exporting' && v.export?.client === client && v.export.sequence === sequence) return v
  ctx.emit(VEHICLES_EVENT.exportMismatch, { vehicle: toHex(id), client_id: client, sequence: sequence.toString() })
  return undefined
}

/** The destination registered it: the vehicle leaves this registry (plate and device released). */
export function confirmExport(ctx: ExecContext, id: Uint8Array, client: string, sequence: bigint): void {
  const v = exportingBy(ctx, id, client, sequence)
  if (!v) return
  release(ctx.kv, v)
  v.status = 'exported'
  record(ctx, v, v.owner, 'exported', { chain: v.export!.chain })
  putVehicle(ctx.kv, v)
  ctx.emit(VEHICLES_EVENT.exported, { vehicle: toHex(id), destination: v.export!.chain })
}

/** The destination refused it or the packet timed out: the vehicle is active here again. */
export function revertExport(ctx: ExecContext, id: Uint8Array, client: string, sequence: bigint, reason: string): void {
  const v = exportingBy(ctx, id, client, sequence)
  if (!v) return
  v.status = 'active'
  delete v.export
  record(ctx, v, v.owner, 'export_reverted', { reason: reason.slice(0, 256) })
  putVehicle(ctx.kv, v)
  ctx.emit(VEHICLES_EVENT.exportReverted, { vehicle: toHex(id), reason: reason.slice(0, 256) })
}

/**
 * Import hook: registers a vehicle arriving from chain `from` (a proven packet, checked by the
 * bridge) with the history hash it carries. The owner must hold an active account here; the device
 * key is bound as on registration (refused if in use or blocklisted). A vehicle that once left this
 * city comes back under its old record, but only from the city it left for.
 */
export function importVehicle(ctx: ExecContext, r: Departure, from: string, threatIntel: ThreatIntelView = NO_THREAT_INTEL): Vehicle {
  if (r.vinCommitment.length !== 32) fail('invalid_message', 'vin commitment must be 32 bytes')
  const v = addVehicle(ctx, r, r.owner, threatIntel, { chain: from, historyHash: r.historyHash, historyLength: r.historyLength })
  ctx.emit(VEHICLES_EVENT.imported, { vehicle: toHex(v.id), plate: v.plate, owner: toHex(v.owner), source: from })
  return v
}
