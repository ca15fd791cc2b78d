/** The energy module: a peer-to-peer market of a community microgrid, settled against meter readings. */
import { defineMessage, type Module, type MsgValue, type QueryParams } from '../../app/module.js'
import { onlyFields, pubKeyField, stringField, uintField } from '../../app/fields.js'
import { PolisError, fail } from '../../base/errors.js'
import { toHex } from '../../base/bytes.js'
import { parseAmount } from '../../codec/amount.js'
import { hexParam, optionalStringParam } from '../../app/query-params.js'
import {
  DEFAULT_PARAMS, ESCROW_ADDRESS, MAX_ENERGY_WH, MAX_PRICE, METER_ADMIN_ROLES, METER_ROLE, cancelOrder, endBlock, escrowBalance,
  getMeter, getOrder, getParams, getReading, getSlot, metersOf, ordersOfSlot, postOrder, recordReading, registerMeter, revokeMeter,
  setParams, slotEnd, slotStart, totalsOf, type Meter, type Order, type Params, type Slot,
} from './keeper.js'
import { MODULE } from './types.js'

/** A positive integer up to `max`; above it the typed refusal is `overflow`, not a wrap or a clamp. */
function boundedPositive(v: MsgValue, name: string, max: bigint, allowZero = false): bigint {
  const x = v[name]
  if (typeof x === 'bigint' && x > max) fail('overflow', `${name} ${x} exceeds the maximum ${max}`)
  if (typeof x === 'number' && x > Number(max)) fail('overflow', `${name} ${x} exceeds the maximum ${max}`)
  const n = uintField(v, name)
  if (n === 0n && !allowZero) fail('invalid_message', `${name} must be positive`)
  return n
}

const slotField = (v: MsgValue) => uintField(v, 'slot', (1n << 48n) - 1n)

export function meterJson(m: Meter) {
  return { meter: toHex(m.meter), owner: toHex(m.owner), status: m.status, registered_at: m.registeredAt.toString(), revoked_at: m.revokedAt?.toString() ?? null, reason: m.reason ?? null }
}

export function orderJson(o: Order) {
  return {
    id: o.id.toString(), slot: o.slot.toString(), side: o.side, owner: toHex(o.owner), meter: o.meter ? toHex(o.meter) : null, energy_wh: o.energyWh.toString(),
    price: o.price.toString(), escrow: o.escrow.toString(), status: o.status, matched_wh: o.matchedWh.toString(), cost: o.cost.toString(), height: o.height.toString(),
  }
}

export function slotJson(s: Slot, p: Params) {
  return {
    slot: s.slot.toString(), status: s.status, starts_at: slotStart(p, s.slot).toString(), ends_at: slotEnd(p, s.slot).toString(),
    readings_until: (slotEnd(p, s.slot) + p.settleMs).toString(), bids: s.bids, offers: s.offers, price: s.price?.toString() ?? null,
    volume_wh: s.volumeWh.toString(), pot: s.pot.toString(), delivered_wh: s.deliveredWh.toString(), paid: s.paid.toString(), refunded: s.refunded.toString(),
  }
}

function uintParam(p: QueryParams, name: string): bigint {
  const v = p[name]
  const s = typeof v === 'number' || typeof v === 'string' ? String(v) : ''
  if (!/^(0|[1-9][0-9]{0,19})$/.test(s)) throw new PolisError('invalid_request', `${name} must be a non-negative integer`)
  return BigInt(s)
}

/** Genesis (optional): `{ slot_ms, settle_ms }` as decimal strings; defaults 15 min each. */
export interface EnergyGenesis { slot_ms?: string | number; settle_ms?: string | number }

function parseGenesis(state: unknown): Params {
  if (state === undefined) return DEFAULT_PARAMS
  if (!state || typeof state !== 'object') fail('invalid_genesis', 'energy: must be an object')
  const g = state as EnergyGenesis
  const slotMs = g.slot_ms === undefined ? DEFAULT_PARAMS.slotMs : parseAmount(g.slot_ms, 'slot_ms')
  const settleMs = g.settle_ms === undefined ? DEFAULT_PARAMS.settleMs : parseAmount(g.settle_ms, 'settle_ms')
  if (slotMs < 1000n || slotMs > 86_400_000n) fail('invalid_genesis', 'energy.slot_ms must be between 1000 and 86400000')
  if (settleMs < 1000n || settleMs > 7n * 86_400_000n) fail('invalid_genesis', 'energy.settle_ms must be between 1000 and 604800000')
  return { slotMs, settleMs }
}

export function energyModule(): Module {
  const admins = [...METER_ADMIN_ROLES]
  const order = (side: 'bid' | 'offer') =>
    defineMessage({
      roles: 'any',
      parse: (v) => {
        onlyFields(v, side === 'offer' ? ['slot', 'energy_wh', 'price', 'meter'] : ['slot', 'energy_wh', 'price'])
        return {
          side, slot: slotField(v), energyWh: boundedPositive(v, 'energy_wh', MAX_ENERGY_WH), price: boundedPositive(v, 'price', MAX_PRICE),
          meter: side === 'offer' ? pubKeyField(v, 'meter') : undefined,
        }
      },
      handle: (ctx, m) => {
        postOrder(ctx, m)
      },
    })
  return {
    name: MODULE,
    roles: ['energy', METER_ROLE],
    messages: {
      'register-meter': defineMessage({
        roles: admins,
        parse: (v) => {
          onlyFields(v, ['meter', 'owner'])
          return { meter: pubKeyField(v, 'meter'), owner: pubKeyField(v, 'owner') }
        },
        handle: (ctx, m) => {
          registerMeter(ctx, m.meter, m.owner)
        },
      }),
      'revoke-meter': defineMessage({
        roles: admins,
        parse: (v) => {
          onlyFields(v, ['meter', 'reason'])
          return { meter: pubKeyField(v, 'meter'), reason: stringField(v, 'reason', { min: 1, max: 256 }) }
        },
        handle: (ctx, m) => revokeMeter(ctx, m.meter, m.reason),
      }),
      offer: order('offer'),
      bid: order('bid'),
      cancel: defineMessage({
        roles: 'any',
        parse: (v) => {
          onlyFields(v, ['order'])
          const id = uintField(v, 'order')
          if (id === 0n) fail('invalid_message', 'order must be positive')
          return { order: id }
        },
        handle: (ctx, m) => cancelOrder(ctx, m.order),
      }),
      reading: defineMessage({
        roles: [METER_ROLE],
        parse: (v) => {
          onlyFields(v, ['slot', 'exported_wh', 'imported_wh'])
          return { slot: slotField(v), exportedWh: boundedPositive(v, 'exported_wh', MAX_ENERGY_WH, true), importedWh: boundedPositive(v, 'imported_wh', MAX_ENERGY_WH, true) }
        },
        handle: (ctx, m) => {
          recordReading(ctx, m.slot, m.exportedWh, m.importedWh)
        },
      }),
    },
    queries: {
      params: (ctx) => {
        const p = getParams(ctx.kv)
        return { slot_ms: p.slotMs.toString(), settle_ms: p.settleMs.toString(), escrow: toHex(ESCROW_ADDRESS) }
      },
      meter: (ctx, p) => {
        const m = getMeter(ctx.kv, hexParam(p, 'meter', 32))
        if (!m) throw new PolisError('not_found', 'no such meter')
        return meterJson(m)
      },
      meters: (ctx, p) => ({ meters: metersOf(ctx.kv, hexParam(p, 'owner', 32)).map(meterJson) }),
      order: (ctx, p) => {
        const o = getOrder(ctx.kv, uintParam(p, 'id'))
        if (!o) throw new PolisError('not_found', 'no such order')
        return orderJson(o)
      },
      orders: (ctx, p) => {
        const side = optionalStringParam(p, 'side')
        if (side !== undefined && side !== 'bid' && side !== 'offer') throw new PolisError('invalid_request', 'side must be bid or offer')
        return { orders: ordersOfSlot(ctx.kv, uintParam(p, 'slot')).filter((o) => side === undefined || o.side === side).slice(0, 1000).map(orderJson) }
      },
      slot: (ctx, p) => slotJson(getSlot(ctx.kv, uintParam(p, 'slot')), getParams(ctx.kv)),
      reading: (ctx, p) => {
        const r = getReading(ctx.kv, uintParam(p, 'slot'), hexParam(p, 'meter', 32))
        if (!r) throw new PolisError('not_found', 'no such reading')
        return { slot: r.slot.toString(), meter: toHex(r.meter), exported_wh: r.exportedWh.toString(), imported_wh: r.importedWh.toString(), height: r.height.toString(), time: r.time.toString() }
      },
      totals: (ctx) => {
        const t = totalsOf(ctx.kv)
        const held = t.escrowed - t.refunded - t.paid
        return {
          escrowed: t.escrowed.toString(), refunded: t.refunded.toString(), paid: t.paid.toString(), held: held.toString(),
          escrow_balance: escrowBalance(ctx.kv).toString(), offered_wh: t.offeredWh.toString(), matched_wh: t.matchedWh.toString(), delivered_wh: t.deliveredWh.toString(),
        }
      },
    },
    validateGenesis(state) {
      parseGenesis(state)
    },
    initGenesis(ctx, state) {
      setParams(ctx.kv, parseGenesis(state))
    },
    endBlock,
  }
}
