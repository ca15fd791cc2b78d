/**
 * Event reports (congestion, accident, hazard) confirmed by independent, reputable vehicles.
 *
 * An RSU's window lists, per event it heard of, the event's code, its position (m) and the vehicles
 * whose signed event reports it verified. The chain keeps, per (code, 100 m cell), the set of
 * (reporter, RSU) pairs of the last `event_span_windows` + 1 windows: one record per (window, cell,
 * RSU), written when the window is submitted. Nothing is decided then. When window w settles (after
 * its vehicle evidence: window-settlement.ts), each cell reported in w is judged from the set of
 * pairs of windows w − span … w: a reporter counts when it is an active registered vehicle, not
 * flagged, holds at least `min_evidence` units of evidence and a score at or above the threshold;
 * the event is confirmed once `event_quorum` distinct counting vehicles, heard through at least
 * `event_min_rsus` distinct RSUs, agree. Its position is the median of the positions the RSUs gave.
 * A confirmation is final and the cell is not confirmed again within the span. Windows settle in
 * order and every step works on sets read in key order, so the outcome is a function of the set of
 * submissions, whatever order they came in.
 *
 * Why this resists Sybils: a pseudonym needs a device key bound by the transport department to a
 * registered VIN, and standing needs windows of RSU-observed plausible driving; an attacker's one
 * vehicle is one reporter, however many reports it signs, and a flagged one none.
 *
 * Keys (under "transport/"):
 *   e|window(8)|code(1)|cx(8)|cy(8)|rsu → { x, y, reporters }   an RSU's report, pruned after the span
 *   k|code(1)|cx(8)|cy(8)               → window of the cell's last confirmation
 *   c|window(8)|code(1)|cx(8)|cy(8)     → { x, y, reporters, rsus }  confirmed events
 */
import { decodeTrusted, encodeCanonical } from '../../codec/cbor.js'
import { fail } from '../../base/errors.js'
import { prefixEnd, type KVReader } from '../../app/kv.js'
import { moduleReader, moduleStore, type ExecContext } from '../../app/module.js'
import { concatBytes, toHex, utf8 } from '../../base/bytes.js'
import { u64be as u64, readU64be } from '../../codec/be.js'
import { SCALE, getParams, getReputation, isFlagged, scorePermille } from './keeper.js'
import { MODULE, TRANSPORT_EVENT, TRANSPORT_KEY as K, type VehicleRegistry } from './types.js'

export const EVENT_CELL_M = 100n
export const EVENT_NAMES = ['congestion', 'accident', 'hazard'] as const

export interface WindowEvent {
  code: number
  x: bigint
  y: bigint
  reporters: Uint8Array[]
}

const CELL_BYTES = 17
const cellOf = (e: { code: number; x: bigint; y: bigint }) => concatBytes(new Uint8Array([e.code]), u64(e.x / EVENT_CELL_M), u64(e.y / EVENT_CELL_M))
const windowPrefix = (w: bigint) => concatBytes(utf8(K.report), u64(w))
const reportKey = (w: bigint, cell: Uint8Array, rsu: Uint8Array) => concatBytes(windowPrefix(w), cell, rsu)
const lastKey = (cell: Uint8Array) => concatBytes(utf8(K.lastConfirmed), cell)
const confirmedKey = (w: bigint, cell: Uint8Array) => concatBytes(utf8(K.confirmed), u64(w), cell)
const after = (p: Uint8Array) => concatBytes(p, new Uint8Array(33).fill(0xff))

interface CellReport { rsu: Uint8Array; x: bigint; y: bigint; reporters: Uint8Array[] }

/** A reporter counts toward a quorum: active, not flagged, observed enough, at or above the threshold. */
export function reputable(ctx: ExecContext, vehicles: VehicleRegistry, vehicle: Uint8Array): boolean {
  const p = getParams(ctx.kv)
  if (!vehicles.isActiveVehicle(ctx.kv, vehicle, ctx.height) || isFlagged(ctx.kv, vehicle)) return false
  const r = getReputation(ctx.kv, vehicle)
  return r.alpha + r.beta >= p.minEvidence * SCALE && scorePermille(r) >= p.thresholdPermille
}

/** Keeps an RSU's event reports of a window (submission time: nothing is judged yet). */
export function recordReports(ctx: ExecContext, rsu: Uint8Array, w: bigint, events: WindowEvent[]): void {
  const kv = moduleStore(ctx.kv, MODULE)
  const cells = events.map(cellOf)
  const seen = new Set(cells.map(toHex))
  if (seen.size !== cells.length) fail('invalid_message', 'two events of one kind in one 100 m cell: list them once, with all their reporters')
  events.forEach((e, i) => kv.set(reportKey(w, cells[i]!, rsu), encodeCanonical({ x: e.x, y: e.y, reporters: e.reporters })))
}

function reportsOf(kv: KVReader, w: bigint, cell: Uint8Array): CellReport[] {
  const prefix = concatBytes(windowPrefix(w), cell)
  const out: CellReport[] = []
  for (const [k, b] of moduleReader(kv, MODULE).iterate({ gte: prefix, lt: after(prefix) })) {
    const m = decodeTrusted(b) as { x: number | bigint; y: number | bigint; reporters: Uint8Array[] }
    out.push({ rsu: k.slice(prefix.length), x: BigInt(m.x), y: BigInt(m.y), reporters: m.reporters })
  }
  return out
}

const lowerMedian = (xs: bigint[]) => [...xs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))[(xs.length - 1) >> 1]!

/** Settlement of window w: judges every cell reported in w from its set of (reporter, RSU) pairs. */
export function confirmEvents(ctx: ExecContext, vehicles: VehicleRegistry, w: bigint): void {
  const kv = moduleStore(ctx.kv, MODULE)
  const p = getParams(ctx.kv)
  const prefix = windowPrefix(w)
  const cells = new Map<string, Uint8Array>()
  for (const [k] of kv.iterate({ gte: prefix, lt: concatBytes(utf8(K.report), u64(w + 1n)) })) {
    const cell = k.slice(prefix.length, prefix.length + CELL_BYTES)
    cells.set(toHex(cell), cell)
  }
  const from = w > p.eventSpanWindows ? w - p.eventSpanWindows : 0n
  const counts = new Map<string, boolean>()
  const counting = (v: Uint8Array) => {
    const id = toHex(v)
    let c = counts.get(id)
    if (c === undefined) counts.set(id, (c = reputable(ctx, vehicles, v)))
    return c
  }
  for (const id of [...cells.keys()].sort()) {
    const cell = cells.get(id)!
    const last = kv.get(lastKey(cell))
    if (last && w - BigInt(decodeTrusted(last) as number | bigint) <= p.eventSpanWindows) continue
    const reports: CellReport[] = []
    for (let x = from; x <= w; x++) reports.push(...reportsOf(ctx.kv, x, cell))
    const vehicles = new Set<string>(), rsus = new Set<string>()
    for (const r of reports) {
      for (const v of r.reporters) {
        if (!counting(v)) continue
        vehicles.add(toHex(v))
        rsus.add(toHex(r.rsu))
      }
    }
    if (BigInt(vehicles.size) < p.eventQuorum || BigInt(rsus.size) < p.eventMinRsus) continue
    const x = lowerMedian(reports.map((r) => r.x)), y = lowerMedian(reports.map((r) => r.y))
    kv.set(lastKey(cell), encodeCanonical(w))
    kv.set(confirmedKey(w, cell), encodeCanonical({ x, y, reporters: vehicles.size, rsus: rsus.size }))
    ctx.emit(TRANSPORT_EVENT.eventConfirmed, {
      event: EVENT_NAMES[cell[0]! - 1]!, window: w.toString(), x: x.toString(), y: y.toString(), reporters: vehicles.size.toString(), rsus: rsus.size.toString(),
    })
  }
}

/** Settlement of window w: drops the reports no later settlement can count (older than the span). */
export function pruneReports(ctx: ExecContext, w: bigint): void {
  const span = getParams(ctx.kv).eventSpanWindows
  if (w < span) return
  const kv = moduleStore(ctx.kv, MODULE)
  const stale = [...kv.iterate({ gte: utf8(K.report), lt: windowPrefix(w - span + 1n) })].map(([k]) => k)
  for (const k of stale) kv.delete(k)
}

export interface ConfirmedEvent { window: bigint; event: string; x: bigint; y: bigint; reporters: bigint; rsus: number }

export function listConfirmed(kv: KVReader, limit = 100): ConfirmedEvent[] {
  const out: ConfirmedEvent[] = []
  for (const [k, b] of moduleReader(kv, MODULE).iterate({ gte: utf8(K.confirmed), lt: prefixEnd(utf8(K.confirmed)), limit })) {
    const m = decodeTrusted(b) as Record<string, number | bigint>
    out.push({
      window: readU64be(k, 1), event: EVENT_NAMES[k[9]! - 1] ?? `code ${k[9]}`, x: BigInt(m.x!), y: BigInt(m.y!),
      reporters: BigInt(m.reporters!), rsus: Number(m.rsus),
    })
  }
  return out
}
