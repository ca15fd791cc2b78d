/**
 * Event reports (congestion, accident, hazard) confirmed by independent, reputable vehicles.
 *
 * An RSU's window lists, per event it heard of, the event's code, its position (m) and the vehicles
 * whose signed event reports it verified. The chain collects reporters per (code, 100 m cell) over
 * the last `event_span_windows` windows, across RSUs; a reporter counts when it is an active
 * registered vehicle, not flagged, holds at least `min_evidence` units of evidence and a score at
 * or above the threshold. The event is confirmed once `event_quorum` distinct counting vehicles,
 * heard through at least `event_min_rsus` distinct RSUs, agree; it is not confirmed again for that
 * cell within the span. Why this resists Sybils: a pseudonym needs a device key bound by the
 * transport department to a registered VIN, and standing needs windows of RSU-observed plausible
 * driving; an attacker's one vehicle is one reporter, however many reports it signs, and a
 * flagged one none.
 *
 * Keys (under "transport/"):
 *   e|code(1)|cx(8)|cy(8)|vehicle   → { rsu, window }   reporters, pruned once older than the span
 *   k|code(1)|cx(8)|cy(8)           → window of the cell's last confirmation
 *   c|window(8)|code(1)|cx(8)|cy(8) → { x, y, reporters, rsus, height }  confirmed events
 */
import { decodeTrusted, encodeCanonical } from '../../codec/cbor.js'
import type { KVReader } from '../../app/kv.js'
import { moduleReader, moduleStore, type ExecContext } from '../../app/module.js'
import { concatBytes, toHex, utf8 } from '../../base/bytes.js'
import { u64be as u64, readU64be } from '../../codec/be.js'
import { isActiveVehicle } from '../vehicles/keeper.js'
import { SCALE, getParams, getReputation, isFlagged, scorePermille, MODULE } from './keeper.js'

export const EVENT_CELL_M = 100n
export const EVENT_NAMES = ['congestion', 'accident', 'hazard'] as const

export interface WindowEvent {
  code: number
  x: bigint
  y: bigint
  reporters: Uint8Array[]
}

const cellOf = (e: { code: number; x: bigint; y: bigint }) => concatBytes(new Uint8Array([e.code]), u64(e.x / EVENT_CELL_M), u64(e.y / EVENT_CELL_M))
const reporterPrefix = (cell: Uint8Array) => concatBytes(utf8('e'), cell)
const lastKey = (cell: Uint8Array) => concatBytes(utf8('k'), cell)
const confirmedKey = (w: bigint, cell: Uint8Array) => concatBytes(utf8('c'), u64(w), cell)
const end = (p: Uint8Array) => concatBytes(p, new Uint8Array(33).fill(0xff))

/** A reporter counts toward a quorum: active, not flagged, observed enough, at or above the threshold. */
export function reputable(ctx: ExecContext, vehicle: Uint8Array): boolean {
  const p = getParams(ctx.kv)
  if (!isActiveVehicle(ctx.kv, vehicle, ctx.height) || isFlagged(ctx.kv, vehicle)) return false
  const r = getReputation(ctx.kv, vehicle)
  return r.alpha + r.beta >= p.minEvidence * SCALE && scorePermille(r) >= p.thresholdPermille
}

/** Records an RSU's event reporters for a window and confirms events that reach the quorum. */
export function recordEvents(ctx: ExecContext, rsu: Uint8Array, window: bigint, events: WindowEvent[]): void {
  const kv = moduleStore(ctx.kv, MODULE)
  const p = getParams(ctx.kv)
  for (const e of events) {
    const cell = cellOf(e)
    const prefix = reporterPrefix(cell)
    for (const v of e.reporters) {
      const k = concatBytes(prefix, v)
      const old = kv.get(k)
      if (!old || BigInt((decodeTrusted(old) as { window: number | bigint }).window) < window) kv.set(k, encodeCanonical({ rsu, window }))
    }
    const last = kv.get(lastKey(cell))
    if (last && window - BigInt(decodeTrusted(last) as number | bigint) <= p.eventSpanWindows) continue
    const rsus = new Set<string>()
    let count = 0n
    for (const [k, b] of kv.iterate({ gte: prefix, lt: end(prefix) })) {
      const r = decodeTrusted(b) as { rsu: Uint8Array; window: number | bigint }
      if (window - BigInt(r.window) > p.eventSpanWindows || !reputable(ctx, k.subarray(prefix.length))) continue
      count++
      rsus.add(toHex(r.rsu))
    }
    if (count >= p.eventQuorum && BigInt(rsus.size) >= p.eventMinRsus) {
      kv.set(lastKey(cell), encodeCanonical(window))
      kv.set(confirmedKey(window, cell), encodeCanonical({ x: e.x, y: e.y, reporters: count, rsus: rsus.size, height: ctx.height }))
      ctx.emit('transport.event_confirmed', {
        event: EVENT_NAMES[e.code - 1]!, window: window.toString(), x: e.x.toString(), y: e.y.toString(), reporters: count.toString(), rsus: rsus.size.toString(),
      })
    }
  }
}

/** Drops reporters older than the span as of window `w` (confirmed events stay). */
export function pruneEvents(ctx: ExecContext, w: bigint): void {
  const kv = moduleStore(ctx.kv, MODULE)
  const span = getParams(ctx.kv).eventSpanWindows
  const stale: Uint8Array[] = []
  for (const [k, b] of kv.iterate({ gte: utf8('e'), lt: utf8('f') })) {
    if (w - BigInt((decodeTrusted(b) as { window: number | bigint }).window) > span) stale.push(k)
  }
  for (const k of stale) kv.delete(k)
}

export interface ConfirmedEvent { window: bigint; event: string; x: bigint; y: bigint; reporters: bigint; rsus: number; height: bigint }

export function listConfirmed(kv: KVReader, limit = 100): ConfirmedEvent[] {
  const out: ConfirmedEvent[] = []
  for (const [k, b] of moduleReader(kv, MODULE).iterate({ gte: utf8('c'), lt: utf8('d'), limit })) {
    const m = decodeTrusted(b) as Record<string, number | bigint>
    out.push({
      window: readU64be(k, 1), event: EVENT_NAMES[k[9]! - 1] ?? `code ${k[9]}`, x: BigInt(m.x!), y: BigInt(m.y!),
      reporters: BigInt(m.reporters!), rsus: Number(m.rsus), height: BigInt(m.height!),
    })
  }
  return out
}
