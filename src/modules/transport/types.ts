/**
 * The transport module's names: its state keys, message types and event names, and typed builders
 * of its messages for RSUs and the transport department.
 *
 * Keys (under "transport/"):
 *   p                                   → params (CBOR)
 *   w|window(8)|rsu                     → an RSU's submission of a window (CBOR; keeper.ts)
 *   r|vehicle · s|rsu                   → reputation of a vehicle, standing of an RSU (CBOR; keeper.ts)
 *   f|vehicle                           → window in which the vehicle was flagged (present while flagged)
 *   a|rsu · l|rsu                       → an RSU's coverage, the height it was last heard of (areas.ts)
 *   t|rsu · d                           → an RSU's last window, the settled frontier (window-clock.ts)
 *   e|window(8)|cell|rsu · k|cell · c|window(8)|cell → event reports, last confirmations, confirmed events (confirmed-events.ts)
 */
import type { KVReader } from '../../app/kv.js'
import type { Msg } from '../../app/tx.js'

export const MODULE = 'transport'

/** Key prefixes under "transport/". */
export const TRANSPORT_KEY = {
  params: 'p', submission: 'w', reputation: 'r', standing: 's', flagged: 'f', coverage: 'a', lastSeen: 'l', lastWindow: 't', frontier: 'd',
  report: 'e', lastConfirmed: 'k', confirmed: 'c',
} as const

export const TRANSPORT_MSG = {
  registerRsu: 'transport/register-rsu',
  heartbeat: 'transport/heartbeat',
  submitWindow: 'transport/submit-window',
} as const

export const TRANSPORT_EVENT = {
  rsuRegistered: 'transport.rsu_registered',
  window: 'transport.window',
  windowSettled: 'transport.window_settled',
  rsuStanding: 'transport.rsu_standing',
  flagged: 'transport.flagged',
  unflagged: 'transport.unflagged',
  eventConfirmed: 'transport.event_confirmed',
} as const

/** What transport needs of the vehicle register (given by the composition, with the chain's blocklist). */
export interface VehicleRegistry {
  /** Whether `device` is the device key of an active vehicle whose account is active and not blocklisted at `height`. */
  isActiveVehicle(kv: KVReader, device: Uint8Array, height: bigint): boolean
}

type Int = number | bigint

/** What an RSU submits for a window (see module.ts for the rules each part keeps). */
export interface WindowValue {
  window: Int
  root: Uint8Array
  size?: Int
  /** [vehicle key, reports judged plausible, reports judged not], sorted by vehicle key */
  verdicts: Array<[Uint8Array, Int, Int]>
  /** [code 1–3, x, y, [reporting vehicles, sorted]] */
  events?: Array<[Int, Int, Int, Uint8Array[]]>
  /** [x, y, flow, speed cm/s, occupancy ‰] per road segment */
  traffic?: Array<[Int, Int, Int, Int, Int]>
}

export const transportMsgs = {
  /** The transport department (or the authority) registers an RSU and its coverage circle (m, city grid). */
  registerRsu(p: { rsu: Uint8Array; x: bigint; y: bigint; radius: bigint }): Msg {
    return { type: TRANSPORT_MSG.registerRsu, value: { rsu: p.rsu, x: p.x, y: p.y, radius: p.radius } }
  },
  /** A registered RSU says it is alive. */
  heartbeat(): Msg {
    return { type: TRANSPORT_MSG.heartbeat, value: {} }
  },
  submitWindow(w: WindowValue): Msg {
    const value: Msg['value'] = { window: w.window, root: w.root, verdicts: w.verdicts }
    if (w.size !== undefined) value.size = w.size
    if (w.events !== undefined) value.events = w.events
    if (w.traffic !== undefined) value.traffic = w.traffic
    return { type: TRANSPORT_MSG.submitWindow, value }
  },
}
