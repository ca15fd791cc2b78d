/**
 * Energy keeper: peer-to-peer trading between prosumers of a community microgrid.
 *
 * Smart meters are accounts (role `meter`) registered by the energy department for a prosumer;
 * a meter signs its own interval readings. Time is cut into trading slots of `slot_ms` of block
 * time: slot s is the delivery interval [s·slot_ms, (s+1)·slot_ms). Orders for slot s are taken
 * while the block time is before the slot starts (gate closure); at the end of the first block at
 * or after the start, the slot is cleared (auction.ts) and buyers are refunded what they escrowed
 * beyond their cost. Readings of slot s are taken from its end until `settle_ms` later; at the end
 * of the first block past that, the slot is settled (settlement.ts): sellers are paid for metered
 * delivery, buyers refunded the rest of the pot pro rata.
 *
 * Key layout: types.ts.
 *
 * Invariant (tested): balance(escrow) = Σ escrow of open bids + Σ (pot − settled) of cleared slots
 * = totals.escrowed − totals.refunded − totals.paid.
 */
import { decodeTrusted, encodeCanonical } from '../../codec/cbor.js'
import { fail } from '../../base/errors.js'
import { isoMs, relativeTo } from '../../base/human-time.js'
import type { KV, KVReader } from '../../app/kv.js'
import { moduleReader, moduleStore, type ExecContext, type TxContext } from '../../app/module.js'
import { sha256 } from '../../crypto/hash.js'
import { bytesEqual, concatBytes, toHex, utf8 } from '../../base/bytes.js'
import { balanceOf, nativeDenom, transfer } from '../bank/keeper.js'
import { getAccount, hasRole, isActiveAt, registerAccount, requireActiveAccount, revokeAccount } from '../identity/keeper.js'
import { readU64be, u64be as u64 } from '../../codec/be.js'
import { clearAuction, costCeil, type BookOrder } from './auction.js'
import { settleSlot } from './settlement.js'
import { ENERGY_EVENT, ENERGY_KEY as K, MODULE } from './types.js'

/** Department roles that register and revoke meters. */
export const METER_ADMIN_ROLES = ['electricity', 'energy'] as const
export const METER_ROLE = 'meter'
/** Bounds that keep every product below 2^64: Wh per order or reading, price per kWh. */
export const MAX_ENERGY_WH = 1_000_000_000n
export const MAX_PRICE = 1_000_000_000_000n
/** Orders per slot (both sides): bounds the end-of-block clearing work. */
export const MAX_ORDERS_PER_SLOT = 50_000
/** Orders may be posted at most this many slots ahead. */
export const MAX_SLOTS_AHEAD = 96n
/** Slots cleared, and slots settled, per block at most (and at most about MAX_ORDERS_PER_SLOT orders' worth); the rest in the next blocks. */
export const SLOTS_PER_BLOCK = 4

export interface Params { slotMs: bigint; settleMs: bigint }
export const DEFAULT_PARAMS: Params = { slotMs: 900_000n, settleMs: 900_000n }

export interface Meter { meter: Uint8Array; owner: Uint8Array; status: 'active' | 'revoked'; registeredAt: bigint; revokedAt?: bigint; reason?: string }
export type Side = 'bid' | 'offer'
export type OrderStatus = 'open' | 'cancelled' | 'cleared'
export interface Order {
  id: bigint
  slot: bigint
  side: Side
  owner: Uint8Array
  meter?: Uint8Array    // offers: the meter that will deliver
  energyWh: bigint
  price: bigint
  escrow: bigint        // bids: tokens escrowed at posting
  status: OrderStatus
  matchedWh: bigint
  cost: bigint          // bids: tokens owed at the clearing price (kept in escrow until settlement)
  height: bigint
}
export interface Reading { slot: bigint; meter: Uint8Array; exportedWh: bigint; importedWh: bigint; height: bigint; time: bigint }
export type SlotStatus = 'open' | 'cleared' | 'settled'
export interface Slot {
  slot: bigint; status: SlotStatus; bids: number; offers: number
  price: bigint | null; volumeWh: bigint; pot: bigint; deliveredWh: bigint; paid: bigint; refunded: bigint
}
export interface Totals { escrowed: bigint; refunded: bigint; paid: bigint; matchedWh: bigint; deliveredWh: bigint; offeredWh: bigint }

const ONE = new Uint8Array([1])
const PARAMS = utf8(K.params)
const NEXT = utf8(K.next)
const TOTALS = utf8(K.totals)
const meterKey = (m: Uint8Array) => concatBytes(utf8(K.meter), m)
const ownerKey = (o: Uint8Array, m: Uint8Array) => concatBytes(utf8(K.owner), o, m)
const orderKey = (slot: bigint, id: bigint) => concatBytes(utf8(K.order), u64(slot), u64(id))
const orderSlotKey = (id: bigint) => concatBytes(utf8(K.orderSlot), u64(id))
const readingKey = (slot: bigint, m: Uint8Array) => concatBytes(utf8(K.reading), u64(slot), m)
const slotKey = (slot: bigint) => concatBytes(utf8(K.slot), u64(slot))
const clearKey = (slot: bigint) => concatBytes(utf8(K.toClear), u64(slot))
const settleKey = (slot: bigint) => concatBytes(utf8(K.toSettle), u64(slot))
const fillsKey = (slot: bigint) => concatBytes(utf8(K.fills), u64(slot))
const big = (x: unknown) => BigInt(x as number | bigint)

/** The escrow: a module address no key controls. */
export const ESCROW_ADDRESS = sha256(utf8('polis/energy/escrow'))

// ------------------------------------------------------------------ params and time

export function getParams(kv: KVReader): Params {
  const v = moduleReader(kv, MODULE).get(PARAMS)
  if (!v) return DEFAULT_PARAMS
  const m = decodeTrusted(v) as Record<string, unknown>
  return { slotMs: big(m.slot_ms), settleMs: big(m.settle_ms) }
}

export function setParams(kv: KV, p: Params): void {
  moduleStore(kv, MODULE).set(PARAMS, encodeCanonical({ slot_ms: p.slotMs, settle_ms: p.settleMs }))
}

export const slotStart = (p: Params, slot: bigint) => slot * p.slotMs
export const slotEnd = (p: Params, slot: bigint) => (slot + 1n) * p.slotMs
/** The slot whose delivery interval contains `time`. */
export const slotAt = (p: Params, time: bigint) => time / p.slotMs

// ------------------------------------------------------------------ records

function encodeMeter(m: Meter): Uint8Array {
  const r: Record<string, unknown> = { owner: m.owner, status: m.status, registered_at: m.registeredAt }
  if (m.revokedAt !== undefined) r.revoked_at = m.revokedAt
  if (m.reason !== undefined) r.reason = m.reason
  return encodeCanonical(r)
}

export function getMeter(kv: KVReader, meter: Uint8Array): Meter | undefined {
  const v = moduleReader(kv, MODULE).get(meterKey(meter))
  if (!v) return undefined
  const r = decodeTrusted(v) as Record<string, unknown>
  const m: Meter = { meter, owner: r.owner as Uint8Array, status: r.status as Meter['status'], registeredAt: big(r.registered_at) }
  if (r.revoked_at !== undefined) m.revokedAt = big(r.revoked_at)
  if (typeof r.reason === 'string') m.reason = r.reason
  return m
}

export function metersOf(kv: KVReader, owner: Uint8Array): Meter[] {
  const prefix = concatBytes(utf8(K.owner), owner)
  const out: Meter[] = []
  for (const [k] of moduleReader(kv, MODULE).iterate({ gte: prefix, lt: concatBytes(prefix, new Uint8Array(32).fill(0xff), ONE) })) {
    out.push(getMeter(kv, k.subarray(prefix.length))!)
  }
  return out
}

// An order is stored as posted, in a fixed binary layout (the book of a slot is loaded whole at
// clearing, so decoding must be cheap); what it matched and owes is in the slot's fills record,
// written once at clearing. Layout: side(1) status(1) energy_wh(8) price(8) escrow(8) height(8)
// owner(32) [meter(32), offers only]; integers big-endian (all bounded below 2^64).
const SIDES: readonly Side[] = ['bid', 'offer']

function encodeOrder(o: Order): Uint8Array {
  return concatBytes(
    new Uint8Array([SIDES.indexOf(o.side), o.status === 'cancelled' ? 1 : 0]), u64(o.energyWh), u64(o.price), u64(o.escrow), u64(o.height), o.owner,
    o.meter ?? new Uint8Array(0),
  )
}

type Fills = Map<bigint, { matchedWh: bigint; cost: bigint }>

function decodeOrder(slot: bigint, id: bigint, v: Uint8Array, slotStatus: SlotStatus, fills: Fills): Order {
  if (v.length !== 66 && v.length !== 98) fail('invalid_state', `energy: order ${id} record has ${v.length} bytes`)
  const f = fills.get(id)
  const o: Order = {
    id, slot, side: SIDES[v[0]!]!, owner: v.slice(34, 66), energyWh: readU64be(v, 2), price: readU64be(v, 10), escrow: readU64be(v, 18),
    status: v[1] === 1 ? 'cancelled' : slotStatus === 'open' ? 'open' : 'cleared', matchedWh: f?.matchedWh ?? 0n, cost: f?.cost ?? 0n, height: readU64be(v, 26),
  }
  if (v.length === 98) o.meter = v.slice(66, 98)
  return o
}

const putOrder = (kv: KV, o: Order) => moduleStore(kv, MODULE).set(orderKey(o.slot, o.id), encodeOrder(o))

/** The slot's fills: [order id, matched Wh, cost] of every order that traded, in id order. */
function getFills(kv: KVReader, slot: bigint): Fills {
  const v = moduleReader(kv, MODULE).get(fillsKey(slot))
  const out: Fills = new Map()
  if (v) for (const [id, matchedWh, cost] of decodeTrusted(v) as unknown[][]) out.set(big(id), { matchedWh: big(matchedWh), cost: big(cost) })
  return out
}

export function getOrder(kv: KVReader, id: bigint): Order | undefined {
  const store = moduleReader(kv, MODULE)
  const s = store.get(orderSlotKey(id))
  if (!s) return undefined
  const slot = readU64be(s)
  return decodeOrder(slot, id, store.get(orderKey(slot, id))!, getSlot(kv, slot).status, getFills(kv, slot))
}

export function ordersOfSlot(kv: KVReader, slot: bigint): Order[] {
  const status = getSlot(kv, slot).status
  const fills = getFills(kv, slot)
  const out: Order[] = []
  for (const [k, v] of moduleReader(kv, MODULE).iterate({ gte: concatBytes(utf8(K.order), u64(slot)), lt: concatBytes(utf8(K.order), u64(slot + 1n)) })) {
    out.push(decodeOrder(slot, readU64be(k, 9), v, status, fills))
  }
  return out
}

function encodeSlot(s: Slot): Uint8Array {
  const r: Record<string, unknown> = {
    status: s.status, bids: s.bids, offers: s.offers, volume_wh: s.volumeWh, pot: s.pot, delivered_wh: s.deliveredWh, paid: s.paid, refunded: s.refunded,
  }
  if (s.price !== null) r.price = s.price
  return encodeCanonical(r)
}

export function getSlot(kv: KVReader, slot: bigint): Slot {
  const v = moduleReader(kv, MODULE).get(slotKey(slot))
  if (!v) return { slot, status: 'open', bids: 0, offers: 0, price: null, volumeWh: 0n, pot: 0n, deliveredWh: 0n, paid: 0n, refunded: 0n }
  const r = decodeTrusted(v) as Record<string, unknown>
  return {
    slot, status: r.status as SlotStatus, bids: Number(r.bids), offers: Number(r.offers), price: r.price === undefined ? null : big(r.price),
    volumeWh: big(r.volume_wh), pot: big(r.pot), deliveredWh: big(r.delivered_wh), paid: big(r.paid), refunded: big(r.refunded),
  }
}

const putSlot = (kv: KV, s: Slot) => moduleStore(kv, MODULE).set(slotKey(s.slot), encodeSlot(s))

export function getReading(kv: KVReader, slot: bigint, meter: Uint8Array): Reading | undefined {
  const v = moduleReader(kv, MODULE).get(readingKey(slot, meter))
  if (!v) return undefined
  const r = decodeTrusted(v) as Record<string, unknown>
  return { slot, meter, exportedWh: big(r.exported_wh), importedWh: big(r.imported_wh), height: big(r.height), time: big(r.time) }
}

const TOTAL_FIELDS = ['escrowed', 'refunded', 'paid', 'matchedWh', 'deliveredWh', 'offeredWh'] as const

export function totalsOf(kv: KVReader): Totals {
  const v = moduleReader(kv, MODULE).get(TOTALS)
  const m = v ? (decodeTrusted(v) as Record<string, unknown>) : {}
  const t = {} as Totals
  for (const f of TOTAL_FIELDS) t[f] = m[f] === undefined ? 0n : big(m[f])
  return t
}

function addTotals(kv: KV, d: Partial<Totals>): void {
  const t = totalsOf(kv)
  for (const f of TOTAL_FIELDS) t[f] += d[f] ?? 0n
  moduleStore(kv, MODULE).set(TOTALS, encodeCanonical(t))
}

export function escrowBalance(kv: KVReader): bigint {
  return balanceOf(kv, ESCROW_ADDRESS, nativeDenom(kv))
}

// ------------------------------------------------------------------ meters

function requireAdmin(ctx: TxContext): void {
  const a = requireActiveAccount(ctx, ctx.sender)
  if (!METER_ADMIN_ROLES.some((r) => hasRole(a, r))) fail('unauthorized', `meters are registered by the ${METER_ADMIN_ROLES.join(' or ')} department`)
}

export function registerMeter(ctx: TxContext, meter: Uint8Array, owner: Uint8Array): Meter {
  requireAdmin(ctx)
  if (bytesEqual(meter, owner)) fail('invalid_request', 'a meter cannot own itself')
  const o = requireActiveAccount(ctx, owner)
  if (hasRole(o, METER_ROLE)) fail('invalid_request', 'a meter cannot own a meter')
  if (getMeter(ctx.kv, meter)) fail('already_exists', `meter ${toHex(meter)} is already registered`)
  const a = getAccount(ctx.kv, meter)
  if (!a) registerAccount(ctx, meter, [METER_ROLE])
  else if (!isActiveAt(a, ctx.height)) fail('account_revoked', `meter key ${toHex(meter)} is revoked`)
  else if (!hasRole(a, METER_ROLE) || a.roles.length !== 1) fail('invalid_request', `key ${toHex(meter)} is an account that is not a meter`)
  const m: Meter = { meter, owner, status: 'active', registeredAt: ctx.height }
  const store = moduleStore(ctx.kv, MODULE)
  store.set(meterKey(meter), encodeMeter(m))
  store.set(ownerKey(owner, meter), ONE)
  ctx.emit(ENERGY_EVENT.meterRegistered, { meter: toHex(meter), owner: toHex(owner) })
  return m
}

/** Revokes a meter: its readings and its owner's offers through it are refused from now on. */
export function revokeMeter(ctx: TxContext, meter: Uint8Array, reason: string): void {
  requireAdmin(ctx)
  const m = getMeter(ctx.kv, meter)
  if (!m) fail('not_found', `no meter ${toHex(meter)}`)
  if (m.status === 'revoked') fail('invalid_state', `meter ${toHex(meter)} is already revoked`)
  m.status = 'revoked'
  m.revokedAt = ctx.height
  m.reason = reason
  moduleStore(ctx.kv, MODULE).set(meterKey(meter), encodeMeter(m))
  const a = getAccount(ctx.kv, meter)
  if (a && a.revokedAt === undefined) revokeAccount(ctx, meter, 'meter revoked: ' + reason)
  ctx.emit(ENERGY_EVENT.meterRevoked, { meter: toHex(meter), reason })
}

function requireActiveMeter(kv: KVReader, meter: Uint8Array): Meter {
  const m = getMeter(kv, meter)
  if (!m) fail('not_found', `meter ${toHex(meter)} is not registered`)
  if (m.status !== 'active') fail('account_revoked', `meter ${toHex(meter)} was revoked at height ${m.revokedAt}`)
  return m
}

// ------------------------------------------------------------------ orders

export interface PostOrder { slot: bigint; side: Side; energyWh: bigint; price: bigint; meter?: Uint8Array }

function ensureEscrow(ctx: ExecContext): void {
  if (!getAccount(ctx.kv, ESCROW_ADDRESS)) registerAccount(ctx, ESCROW_ADDRESS, [])
}

export function postOrder(ctx: TxContext, m: PostOrder): Order {
  const p = getParams(ctx.kv)
  if (slotStart(p, m.slot) <= ctx.time) fail('expired', `slot ${m.slot} closed at ${isoMs(slotStart(p, m.slot))}, ${relativeTo(slotStart(p, m.slot), ctx.time)} (block time ${isoMs(ctx.time)})`)
  if (m.slot > slotAt(p, ctx.time) + MAX_SLOTS_AHEAD) fail('invalid_request', `slot ${m.slot} is more than ${MAX_SLOTS_AHEAD} slots ahead`)
  const owner = requireActiveAccount(ctx, ctx.sender)
  if (hasRole(owner, METER_ROLE)) fail('unauthorized', 'a meter does not trade; its owner does')
  if (m.side === 'offer') {
    if (!m.meter) fail('invalid_message', 'an offer names the meter that delivers it')
    const meter = requireActiveMeter(ctx.kv, m.meter)
    if (!bytesEqual(meter.owner, ctx.sender)) fail('unauthorized', `meter ${toHex(m.meter)} does not belong to ${toHex(ctx.sender)}`)
  } else if (m.meter) fail('invalid_message', 'a bid names no meter')
  const slot = getSlot(ctx.kv, m.slot)
  if (slot.bids + slot.offers >= MAX_ORDERS_PER_SLOT) fail('invalid_request', `slot ${m.slot} already holds ${MAX_ORDERS_PER_SLOT} orders`)
  const escrow = m.side === 'bid' ? costCeil(m.energyWh, m.price) : 0n
  if (escrow > 0n) {
    ensureEscrow(ctx)
    transfer(ctx, ctx.sender, ESCROW_ADDRESS, nativeDenom(ctx.kv), escrow) // insufficient_funds refuses the bid
  }
  const store = moduleStore(ctx.kv, MODULE)
  const nb = store.get(NEXT)
  const id = nb ? readU64be(nb) : 1n
  store.set(NEXT, u64(id + 1n))
  const o: Order = { id, slot: m.slot, side: m.side, owner: ctx.sender, energyWh: m.energyWh, price: m.price, escrow, status: 'open', matchedWh: 0n, cost: 0n, height: ctx.height }
  if (m.meter) o.meter = m.meter
  putOrder(ctx.kv, o)
  store.set(orderSlotKey(id), u64(m.slot))
  store.set(clearKey(m.slot), ONE)
  if (m.side === 'bid') slot.bids++
  else slot.offers++
  putSlot(ctx.kv, slot)
  addTotals(ctx.kv, m.side === 'bid' ? { escrowed: escrow } : { offeredWh: m.energyWh })
  ctx.emit(ENERGY_EVENT[m.side], { order: id.toString(), slot: m.slot.toString(), owner: toHex(ctx.sender), energy_wh: m.energyWh.toString(), price: m.price.toString(), escrow: escrow.toString() })
  return o
}

export function cancelOrder(ctx: TxContext, id: bigint): void {
  const o = getOrder(ctx.kv, id)
  if (!o) fail('not_found', `no order ${id}`)
  if (!bytesEqual(o.owner, ctx.sender)) fail('unauthorized', `order ${id} is not yours`)
  if (o.status !== 'open') fail('invalid_state', `order ${id} is ${o.status}`)
  const p = getParams(ctx.kv)
  if (slotStart(p, o.slot) <= ctx.time) fail('expired', `slot ${o.slot} closed at ${isoMs(slotStart(p, o.slot))} (block time ${isoMs(ctx.time)})`)
  if (o.escrow > 0n) transfer(ctx, ESCROW_ADDRESS, o.owner, nativeDenom(ctx.kv), o.escrow)
  o.status = 'cancelled'
  putOrder(ctx.kv, o)
  addTotals(ctx.kv, o.side === 'bid' ? { refunded: o.escrow } : { offeredWh: -o.energyWh })
  ctx.emit(ENERGY_EVENT.cancelled, { order: id.toString(), slot: o.slot.toString(), refunded: o.escrow.toString() })
}

// ------------------------------------------------------------------ readings

export function recordReading(ctx: TxContext, slot: bigint, exportedWh: bigint, importedWh: bigint): Reading {
  requireActiveMeter(ctx.kv, ctx.sender)
  const p = getParams(ctx.kv)
  if (ctx.time < slotEnd(p, slot)) fail('invalid_request', `slot ${slot} is not over until ${isoMs(slotEnd(p, slot))}, ${relativeTo(slotEnd(p, slot), ctx.time)} of block time (block time ${isoMs(ctx.time)})`)
  if (ctx.time >= slotEnd(p, slot) + p.settleMs) fail('expired', `readings of slot ${slot} closed at ${isoMs(slotEnd(p, slot) + p.settleMs)}, ${relativeTo(slotEnd(p, slot) + p.settleMs, ctx.time)} (block time ${isoMs(ctx.time)})`)
  const store = moduleStore(ctx.kv, MODULE)
  if (store.get(readingKey(slot, ctx.sender))) fail('already_exists', `meter ${toHex(ctx.sender)} already reported slot ${slot}`)
  const r: Reading = { slot, meter: ctx.sender, exportedWh, importedWh, height: ctx.height, time: ctx.time }
  store.set(readingKey(slot, ctx.sender), encodeCanonical({ exported_wh: exportedWh, imported_wh: importedWh, height: ctx.height, time: ctx.time }))
  ctx.emit(ENERGY_EVENT.reading, { meter: toHex(ctx.sender), slot: slot.toString(), exported_wh: exportedWh.toString(), imported_wh: importedWh.toString() })
  return r
}

// ------------------------------------------------------------------ end of block

/** Pays `amounts` (hex owner -> tokens) out of the escrow, in owner key order. */
function payOut(ctx: ExecContext, amounts: Map<string, { to: Uint8Array; amount: bigint }>): void {
  const denom = nativeDenom(ctx.kv)
  for (const k of [...amounts.keys()].sort()) {
    const { to, amount } = amounts.get(k)!
    if (amount > 0n) transfer(ctx, ESCROW_ADDRESS, to, denom, amount)
  }
}

function addTo(m: Map<string, { to: Uint8Array; amount: bigint }>, to: Uint8Array, amount: bigint): void {
  const k = toHex(to)
  const e = m.get(k)
  if (e) e.amount += amount
  else m.set(k, { to, amount })
}

/** Clears one slot: the auction, then every bid's escrow beyond its cost back to its owner. */
export function clearSlot(ctx: ExecContext, slotId: bigint): Slot {
  const orders = ordersOfSlot(ctx.kv, slotId).filter((o) => o.status === 'open')
  const bids: BookOrder[] = []
  const offers: BookOrder[] = []
  for (const o of orders) (o.side === 'bid' ? bids : offers).push(o)
  const res = clearAuction(bids, offers)
  const slot = getSlot(ctx.kv, slotId)
  const refunds = new Map<string, { to: Uint8Array; amount: bigint }>()
  let pot = 0n
  let refunded = 0n
  const fills: unknown[][] = []
  for (const o of orders) {
    o.matchedWh = res.fills.get(o.id) ?? 0n
    if (o.side === 'bid') {
      o.cost = res.price === null ? 0n : costCeil(o.matchedWh, res.price)
      pot += o.cost
      refunded += o.escrow - o.cost
      addTo(refunds, o.owner, o.escrow - o.cost)
    }
    if (o.matchedWh > 0n) fills.push([o.id, o.matchedWh, o.cost]) // orders come in id order (their keys)
  }
  if (fills.length > 0) moduleStore(ctx.kv, MODULE).set(fillsKey(slotId), encodeCanonical(fills))
  payOut(ctx, refunds)
  Object.assign(slot, { status: res.volumeWh === 0n ? 'settled' : 'cleared', price: res.price, volumeWh: res.volumeWh, pot, refunded })
  putSlot(ctx.kv, slot)
  if (res.volumeWh > 0n) moduleStore(ctx.kv, MODULE).set(settleKey(slotId), ONE)
  addTotals(ctx.kv, { refunded, matchedWh: res.volumeWh })
  ctx.emit(ENERGY_EVENT.cleared, {
    slot: slotId.toString(), price: res.price?.toString() ?? '', volume_wh: res.volumeWh.toString(), bids: String(bids.length), offers: String(offers.length), pot: pot.toString(),
  })
  return slot
}

/** Settles one cleared slot against the meter readings of its delivery interval. */
export function settleSlotState(ctx: ExecContext, slotId: bigint): Slot {
  const slot = getSlot(ctx.kv, slotId)
  const orders = ordersOfSlot(ctx.kv, slotId).filter((o) => o.status === 'cleared' && o.matchedWh > 0n)
  const byMeter = new Map<string, { meter: Uint8Array; owner: Uint8Array; matchedWh: bigint }>()
  const buyers: Order[] = []
  for (const o of orders) {
    if (o.side === 'bid') {
      buyers.push(o)
      continue
    }
    const k = toHex(o.meter!)
    const e = byMeter.get(k)
    if (e) e.matchedWh += o.matchedWh
    else byMeter.set(k, { meter: o.meter!, owner: o.owner, matchedWh: o.matchedWh })
  }
  const sellers = [...byMeter.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, s]) => ({
    key, matchedWh: s.matchedWh, exportedWh: getReading(ctx.kv, slotId, s.meter)?.exportedWh ?? 0n,
  }))
  const res = settleSlot(slot.price ?? 0n, slot.pot, sellers, buyers.map((b) => ({ id: b.id, matchedWh: b.matchedWh })))
  const out = new Map<string, { to: Uint8Array; amount: bigint }>()
  for (const [k, s] of res.sellers) addTo(out, byMeter.get(k)!.owner, s.paid)
  for (const b of buyers) addTo(out, b.owner, res.buyers.get(b.id)!.refund)
  payOut(ctx, out)
  Object.assign(slot, { status: 'settled', deliveredWh: res.deliveredWh, paid: res.paid, refunded: slot.refunded + res.refunded })
  putSlot(ctx.kv, slot)
  moduleStore(ctx.kv, MODULE).delete(settleKey(slotId))
  addTotals(ctx.kv, { paid: res.paid, refunded: res.refunded, deliveredWh: res.deliveredWh })
  ctx.emit(ENERGY_EVENT.settled, { slot: slotId.toString(), delivered_wh: res.deliveredWh.toString(), paid: res.paid.toString(), refunded: res.refunded.toString() })
  return slot
}

export function endBlock(ctx: ExecContext): void {
  const p = getParams(ctx.kv)
  const store = moduleStore(ctx.kv, MODULE)
  // slots whose start is at or before the block time: slot <= time / slot_ms
  const toClear = [...store.iterate({ gte: utf8(K.toClear), lt: concatBytes(utf8(K.toClear), u64(slotAt(p, ctx.time) + 1n)), limit: SLOTS_PER_BLOCK })]
  let work = 0
  for (const [k] of toClear) {
    if (work >= MAX_ORDERS_PER_SLOT) break // a block clears at most about one full slot's orders; the rest next block
    store.delete(k)
    const s = clearSlot(ctx, readU64be(k, 1))
    work += s.bids + s.offers
  }
  // slots whose reading window is over: (slot + 1) * slot_ms + settle_ms <= time
  const lastSettled = ctx.time < p.slotMs + p.settleMs ? -1n : (ctx.time - p.settleMs) / p.slotMs - 1n
  if (lastSettled < 0n) return
  const toSettle = [...store.iterate({ gte: utf8(K.toSettle), lt: concatBytes(utf8(K.toSettle), u64(lastSettled + 1n)), limit: SLOTS_PER_BLOCK })]
  work = 0
  for (const [k] of toSettle) {
    if (work >= MAX_ORDERS_PER_SLOT) break
    const s = settleSlotState(ctx, readU64be(k, 1))
    work += s.bids + s.offers
  }
}
