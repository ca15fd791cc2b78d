/**
 * An RSU's window: the signed reports it received (kept off chain, in arrival order), the
 * analyser's verdict on each, and what goes on chain for it (the `transport/submit-window`
 * message): the Merkle root of the reports, per-vehicle counts of plausible and flagged reports
 * sorted by vehicle key, the events its trusted reporters agree on, and the traffic per road
 * segment from trusted, plausible beacons.
 */
import { compareBytes, toHex } from '../base/bytes.js'
import { auditPath, leafHash, merkleRoot } from './merkle.js'
import type { Point } from './checks.js'
import type { Grid } from './roads.js'
import { trafficState } from './traffic.js'
import type { Received } from './veremi.js'

/** Events are grouped per 100 m cell, as the chain groups them. */
const EVENT_CELL_M = 100

export interface WindowSubmission {
  window: bigint
  root: Uint8Array
  size: number
  verdicts: Array<[Uint8Array, number, number]>
  events: Array<[number, number, number, Uint8Array[]]>
  traffic: Array<[number, number, number, number, number]>
}

export interface WindowArea {
  at: Point
  radius: number
  grid?: Grid
  /** The window's time span [start, end) in seconds, for traffic occupancy. */
  span?: [number, number]
}

export class RsuWindow {
  private readonly reports: Uint8Array[] = []
  private readonly leaves: Uint8Array[] = []
  private readonly counts = new Map<string, { vehicle: Uint8Array; ok: number; bad: number }>()
  private readonly events = new Map<string, { code: number; x: number; y: number; reporters: Map<string, Uint8Array> }>()
  private readonly trusted: Received[] = []

  constructor(readonly window: bigint, private readonly area?: WindowArea) {}

  /** Adds one received report with the analyser's verdict; returns its index in the tree. */
  add(report: Uint8Array, vehicle: Uint8Array, flagged: boolean, trustedBeacon?: Received): number {
    this.reports.push(report)
    this.leaves.push(leafHash(report))
    const k = toHex(vehicle)
    let c = this.counts.get(k)
    if (!c) this.counts.set(k, (c = { vehicle, ok: 0, bad: 0 }))
    if (flagged) c.bad++
    else c.ok++
    if (trustedBeacon) this.trusted.push(trustedBeacon)
    return this.reports.length - 1
  }

  /** A verified event report of a trusted vehicle (code 1–3, position in m). */
  addEvent(code: number, x: number, y: number, vehicle: Uint8Array): void {
    if (!(x >= 0 && y >= 0)) return
    const key = `${code}|${Math.floor(x / EVENT_CELL_M)}|${Math.floor(y / EVENT_CELL_M)}`
    let e = this.events.get(key)
    if (!e) this.events.set(key, (e = { code, x: Math.round(x), y: Math.round(y), reporters: new Map() }))
    e.reporters.set(toHex(vehicle), vehicle)
  }

  get size(): number {
    return this.reports.length
  }
  report(i: number): Uint8Array {
    return this.reports[i]!
  }
  get allReports(): readonly Uint8Array[] {
    return this.reports
  }
  root(): Uint8Array {
    return merkleRoot(this.leaves)
  }
  proof(i: number): Uint8Array[] {
    return auditPath(this.leaves, i)
  }

  private inside(x: number, y: number): boolean {
    return !this.area || Math.hypot(x - this.area.at.x, y - this.area.at.y) <= this.area.radius
  }

  submission(): WindowSubmission {
    const verdicts = [...this.counts.values()]
      .sort((a, b) => compareBytes(a.vehicle, b.vehicle))
      .map((c): [Uint8Array, number, number] => [c.vehicle, c.ok, c.bad])
    const events = [...this.events.values()]
      .filter((e) => this.inside(e.x, e.y))
      .map((e): [number, number, number, Uint8Array[]] => [e.code, e.x, e.y, [...e.reporters.values()].filter((v) => this.counts.has(toHex(v))).sort(compareBytes)])
      .filter((e) => e[3].length > 0)
      .sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2])
    let traffic: WindowSubmission['traffic'] = []
    if (this.area?.grid && this.area.span && this.trusted.length) {
      const [start, end] = this.area.span
      traffic = trafficState(this.trusted, { grid: this.area.grid, start, end, trusted: () => true })
        .map((s): [number, number, number, number, number] => [
          Math.round((s.from[0] + s.to[0]) / 2), Math.round((s.from[1] + s.to[1]) / 2), s.intensity,
          Math.round((s.averageVehicleSpeed / 3.6) * 100), Math.round(s.occupancy * 1000),
        ])
        .filter(([x, y]) => this.inside(x, y))
    }
    return { window: this.window, root: this.root(), size: this.size, verdicts, events, traffic }
  }
}
