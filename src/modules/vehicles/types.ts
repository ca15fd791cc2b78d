/**
 * The vehicles module's names: its state keys, message types and event names, and typed builders
 * of its messages for clients.
 *
 * Keys (under "vehicles/"):
 *   v|id(32)             -> Vehicle (CBOR); id = the VIN commitment
 *   p|plate              -> id   plates in use (vehicles not deregistered or exported)
 *   k|device(32)         -> id   device keys in use
 *   o|owner(32)|id(32)   -> 0x01 vehicles of an owner
 *   h|id(32)|seq(4)      -> history entry (CBOR): every transition with who, when and why
 */
import type { KVReader } from '../../app/kv.js'
import type { Msg } from '../../app/tx.js'

export const MODULE = 'vehicles'

/** Key prefixes under "vehicles/". */
export const VEHICLES_KEY = { vehicle: 'v', plate: 'p', device: 'k', owner: 'o', history: 'h' } as const

export const VEHICLES_MSG = {
  register: 'vehicles/register',
  offerTransfer: 'vehicles/offer-transfer',
  cancelOffer: 'vehicles/cancel-offer',
  acceptTransfer: 'vehicles/accept-transfer',
  suspend: 'vehicles/suspend',
  reinstate: 'vehicles/reinstate',
  deregister: 'vehicles/deregister',
} as const

export const VEHICLES_EVENT = {
  registered: 'vehicles.registered',
  offered: 'vehicles.offered',
  offerCancelled: 'vehicles.offer_cancelled',
  transferred: 'vehicles.transferred',
  suspended: 'vehicles.suspended',
  reinstated: 'vehicles.reinstated',
  deregistered: 'vehicles.deregistered',
  exportStarted: 'vehicles.export_started',
  exportMismatch: 'vehicles.export_mismatch',
  exported: 'vehicles.exported',
  exportReverted: 'vehicles.export_reverted',
  imported: 'vehicles.imported',
} as const

/**
 * What the vehicle register needs of the threat-intelligence blocklist, given by the composition
 * (the threatintel module implements it; vehicles imports no threatintel code).
 */
export interface ThreatIntelView {
  /** Whether the device key `device` is on the blocklist at `height`. */
  isDeviceListed(kv: KVReader, device: Uint8Array, height: bigint): boolean
}

/** The view of a chain that runs no threat-intelligence module: nothing is listed. */
export const NO_THREAT_INTEL: ThreatIntelView = { isDeviceListed: () => false }

/** The transport department's decisions on a registered vehicle, each with a reason kept on chain. */
export type StatusAction = 'suspend' | 'reinstate' | 'deregister'

export const vehiclesMsgs = {
  /** The transport department registers a vehicle: the VIN as a salted commitment, never in clear. */
  register(p: { vinCommitment: Uint8Array; plate: string; owner: Uint8Array; device: Uint8Array }): Msg {
    return { type: VEHICLES_MSG.register, value: { vin_commitment: p.vinCommitment, plate: p.plate, owner: p.owner, device_key: p.device } }
  },
  /** The owner offers the vehicle to a buyer, at `price` (paid on accepting; none if left out). */
  offerTransfer(p: { vehicle: Uint8Array; buyer: Uint8Array; price?: bigint }): Msg {
    const value: Msg['value'] = { vehicle: p.vehicle, buyer: p.buyer }
    if (p.price !== undefined) value.price = p.price
    return { type: VEHICLES_MSG.offerTransfer, value }
  },
  cancelOffer(p: { vehicle: Uint8Array }): Msg {
    return { type: VEHICLES_MSG.cancelOffer, value: { vehicle: p.vehicle } }
  },
  /** The buyer accepts, agreeing to the offer's price. */
  acceptTransfer(p: { vehicle: Uint8Array; price?: bigint }): Msg {
    const value: Msg['value'] = { vehicle: p.vehicle }
    if (p.price !== undefined) value.price = p.price
    return { type: VEHICLES_MSG.acceptTransfer, value }
  },
  /** suspend, reinstate or deregister a vehicle. */
  status(action: StatusAction, p: { vehicle: Uint8Array; reason: string }): Msg {
    return { type: VEHICLES_MSG[action], value: { vehicle: p.vehicle, reason: p.reason } }
  },
}
