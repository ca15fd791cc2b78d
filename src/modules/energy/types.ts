/**
 * The energy module's names: its state keys, message types and event names, and typed builders
 * of its messages for clients.
 *
 * Keys (under "energy/"):
 *   p                       -> Params (CBOR)
 *   n                       -> next order id (u64)
 *   m|meter(32)             -> Meter (CBOR)
 *   w|owner(32)|meter(32)   -> 0x01  meters of a prosumer
 *   o|slot(8)|id(8)         -> Order as posted (fixed binary layout, see encodeOrder)
 *   f|slot(8)               -> the slot's fills: [[id, matched Wh, cost], …] of the orders that traded
 *   i|id(8)                 -> slot(8)  where an order lives
 *   r|slot(8)|meter(32)     -> Reading (CBOR)
 *   s|slot(8)               -> Slot (CBOR)
 *   c|slot(8)               -> 0x01  slots with orders, not yet cleared
 *   d|slot(8)               -> 0x01  cleared slots with trades, not yet settled
 *   t                       -> Totals (CBOR)
 */
import type { Msg } from '../../app/tx.js'

export const MODULE = 'energy'

/** Key prefixes under "energy/". */
export const ENERGY_KEY = {
  params: 'p', next: 'n', meter: 'm', owner: 'w', order: 'o', fills: 'f', orderSlot: 'i', reading: 'r', slot: 's', toClear: 'c', toSettle: 'd', totals: 't',
} as const

export const ENERGY_MSG = {
  registerMeter: 'energy/register-meter',
  revokeMeter: 'energy/revoke-meter',
  offer: 'energy/offer',
  bid: 'energy/bid',
  cancel: 'energy/cancel',
  reading: 'energy/reading',
} as const

/** Events; an order posted is named by its side (offer, bid). */
export const ENERGY_EVENT = {
  meterRegistered: 'energy.meter_registered',
  meterRevoked: 'energy.meter_revoked',
  offer: 'energy.offer',
  bid: 'energy.bid',
  cancelled: 'energy.cancelled',
  reading: 'energy.reading',
  cleared: 'energy.cleared',
  settled: 'energy.settled',
} as const

export const energyMsgs = {
  /** The energy (or electricity) department registers a smart meter for a prosumer. */
  registerMeter(p: { meter: Uint8Array; owner: Uint8Array }): Msg {
    return { type: ENERGY_MSG.registerMeter, value: { meter: p.meter, owner: p.owner } }
  },
  revokeMeter(p: { meter: Uint8Array; reason: string }): Msg {
    return { type: ENERGY_MSG.revokeMeter, value: { meter: p.meter, reason: p.reason } }
  },
  /** An offer of `energyWh` in `slot` at `price` tokens per kWh, delivered through `meter`. */
  offer(p: { slot: bigint; energyWh: bigint; price: bigint; meter: Uint8Array }): Msg {
    return { type: ENERGY_MSG.offer, value: { slot: p.slot, energy_wh: p.energyWh, price: p.price, meter: p.meter } }
  },
  /** A bid for `energyWh` in `slot` at up to `price` tokens per kWh (its cost ceiling is escrowed). */
  bid(p: { slot: bigint; energyWh: bigint; price: bigint }): Msg {
    return { type: ENERGY_MSG.bid, value: { slot: p.slot, energy_wh: p.energyWh, price: p.price } }
  },
  cancel(p: { order: bigint }): Msg {
    return { type: ENERGY_MSG.cancel, value: { order: p.order } }
  },
  /** A meter's reading of an ended slot, signed by the meter's key. */
  reading(p: { slot: bigint; exportedWh: bigint; importedWh: bigint }): Msg {
    return { type: ENERGY_MSG.reading, value: { slot: p.slot, exported_wh: p.exportedWh, imported_wh: p.importedWh } }
  },
}
