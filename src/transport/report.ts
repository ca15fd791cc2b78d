/**
 * Vehicle-signed reports: a status message in the shape of an ETSI cooperative awareness message
 * (position, speed, heading, acceleration, timestamp) or an event report (congestion, accident,
 * hazard), signed with the vehicle's device key (the key the vehicle registry binds to it).
 *
 * Wire form: canonical CBOR `[report, signature]`; the Ed25519 signature covers
 * DOMAIN ‖ canonical CBOR of the report, so a report signature can never pass for a transaction or
 * any other Polis signature. Fields are integers, as in a CAM: time in ms, position in cm east/north
 * of the city origin, speed in cm/s, heading in 0.1° clockwise from north, acceleration in cm/s².
 * These bytes are the leaves of an RSU window's Merkle tree, so anyone holding a report and its
 * audit path can check both the vehicle's signature and its inclusion under the root on chain.
 */
import { decodeCanonical, encodeCanonical } from '../codec/cbor.js'
import { PolisError } from '../base/errors.js'
import { sha256 } from '../crypto/hash.js'
import { concatBytes, utf8 } from '../base/bytes.js'
import { keyPairFromSeed, verifySignature, type KeyPair } from '../crypto/keys.js'
import type { Received } from './veremi.js'

export const REPORT_DOMAIN = utf8('polis/transport/report/v1\0')
export const EVENT_TYPES = ['congestion', 'accident', 'hazard'] as const
export type EventType = (typeof EVENT_TYPES)[number]
/** Event codes on chain: index in EVENT_TYPES + 1. */
export const eventCode = (e: EventType) => EVENT_TYPES.indexOf(e) + 1

export interface Cam {
  kind: 'cam'
  station: Uint8Array
  t: number
  x: number
  y: number
  speed: number
  heading: number
  accel: number
}
export interface EventReport {
  kind: 'event'
  station: Uint8Array
  t: number
  x: number
  y: number
  event: EventType
}
export type Report = Cam | EventReport

const LIMIT_CM = 10_000_000 // ±100 km from the origin
const MAX_T = 2 ** 47

function bad(msg: string): never {
  throw new PolisError('invalid_message', `report: ${msg}`)
}
const int = (v: unknown, name: string, lo: number, hi: number): number => {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < lo || v > hi) bad(`${name} must be an integer in [${lo}, ${hi}]`)
  return v
}

function toMap(r: Report): Record<string, unknown> {
  const base = { v: 1, kind: r.kind, station: r.station, t: r.t, x: r.x, y: r.y }
  return r.kind === 'cam' ? { ...base, speed: r.speed, heading: r.heading, accel: r.accel } : { ...base, event: r.event }
}

function fromMap(m: unknown): Report {
  if (!m || typeof m !== 'object' || Array.isArray(m) || m instanceof Uint8Array) bad('not a map')
  const o = m as Record<string, unknown>
  if (o.v !== 1) bad('unknown version')
  if (!(o.station instanceof Uint8Array) || o.station.length !== 32) bad('station must be a 32-byte key')
  const t = int(o.t, 't', 0, MAX_T), x = int(o.x, 'x', -LIMIT_CM, LIMIT_CM), y = int(o.y, 'y', -LIMIT_CM, LIMIT_CM)
  const keys = Object.keys(o).sort().join(',')
  if (o.kind === 'cam') {
    if (keys !== 'accel,heading,kind,speed,station,t,v,x,y') bad('unexpected fields')
    return { kind: 'cam', station: o.station, t, x, y, speed: int(o.speed, 'speed', 0, 16_383), heading: int(o.heading, 'heading', 0, 3599), accel: int(o.accel, 'accel', -16_000, 16_000) }
  }
  if (o.kind === 'event') {
    if (keys !== 'event,kind,station,t,v,x,y') bad('unexpected fields')
    if (!EVENT_TYPES.includes(o.event as EventType)) bad(`event must be one of ${EVENT_TYPES.join(', ')}`)
    return { kind: 'event', station: o.station, t, x, y, event: o.event as EventType }
  }
  bad('kind must be cam or event')
}

export const reportSignBytes = (r: Report) => concatBytes(REPORT_DOMAIN, encodeCanonical(toMap(r)))

export function signReport(r: Report, key: KeyPair): Uint8Array {
  return encodeCanonical([toMap(r), key.sign(reportSignBytes(r))])
}

export interface OpenedReport {
  report: Report
  /** The signature verifies under the report's own station key. */
  valid: boolean
}

/** Decodes a signed report (untrusted bytes: a typed error if malformed) without checking the signature. */
export function decodeReport(bytes: Uint8Array): { report: Report; signature: Uint8Array } {
  const v = decodeCanonical(bytes, 'invalid_message')
  if (!Array.isArray(v) || v.length !== 2 || !(v[1] instanceof Uint8Array)) bad('must be [report, signature]')
  return { report: fromMap(v[0]), signature: v[1] }
}

/** Decodes a signed report (a typed error if malformed) and checks its signature. */
export function openReport(bytes: Uint8Array): OpenedReport {
  const { report, signature } = decodeReport(bytes)
  return { report, valid: verifySignature(report.station, reportSignBytes(report), signature) }
}

/** A CAM from a beacon's claims (metres, m/s) at time t (s). */
export function camOf(station: Uint8Array, t: number, pos: readonly number[], spd: readonly number[], accel = 0): Cam {
  const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v))
  const speed = Math.hypot(spd[0]!, spd[1]!)
  let heading = Math.round((Math.atan2(spd[0]!, spd[1]!) * 1800) / Math.PI)
  if (heading < 0) heading += 3600
  return {
    kind: 'cam', station, t: Math.round(t * 1000), x: Math.round(clamp(pos[0]!, -1e5, 1e5) * 100), y: Math.round(clamp(pos[1]!, -1e5, 1e5) * 100),
    speed: Math.round(clamp(speed * 100, 0, 16_383)), heading: heading % 3600, accel: Math.round(clamp(accel * 100, -16_000, 16_000)),
  }
}

/** The analyser's view of a CAM (metres, m/s, s); `sender` is the receiver's local number for the station. */
export function receivedOf(c: Cam, sender: number, messageID: number, rcvTime: number): Received {
  const s = c.speed / 100, h = (c.heading * Math.PI) / 1800
  return {
    type: 3, rcvTime, sendTime: c.t / 1000, sender, messageID, pos: [c.x / 100, c.y / 100, 0], pos_noise: [0, 0, 0],
    spd: [s * Math.sin(h), s * Math.cos(h), 0], spd_noise: [0, 0, 0], RSSI: 0,
  }
}

/**
 * Keys of a simulation's vehicles (and Sybil pseudonyms) and RSUs: derived from the seed, so that
 * whoever replays a simulated city against a chain can register them. Simulation only.
 */
export const simVehicleKey = (seed: number, sender: number) => keyPairFromSeed(sha256(utf8(`polis/sim/${seed}/vehicle/${sender}`)))
export const simRsuKey = (seed: number, index: number) => keyPairFromSeed(sha256(utf8(`polis/sim/${seed}/rsu/${index}`)))
