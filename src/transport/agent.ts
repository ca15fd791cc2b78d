/**
 * The RSU agent's receiving side: signed vehicle reports in, verified, analysed, grouped into
 * windows of simulated (or real) time, one `RsuWindow` per window.
 *
 * A report is refused, and never reaches the analyser or the chain, when it is malformed or its
 * signature does not verify under its station key (forged: it cannot be blamed on that vehicle
 * either), or when its station is not an active registered vehicle (unregistered, suspended).
 * A flagged vehicle's status messages are still judged (that is how it can earn its way back) but
 * its event reports and its traffic are left out. A report dated in a window the RSU has already
 * closed (a replay from an earlier window, or very late) is refused as late.
 */
import { ReceiverAnalyser, type AnalyserOptions } from './analyser.js'
import { decodeReport, reportSignBytes, receivedOf, eventCode, type Report } from './report.js'
import { verifySignature } from '../crypto/keys.js'
import type { VerifyPool } from '../crypto/verify-pool.js'
import { RsuWindow } from './window.js'
import { fromHex, toHex } from '../base/bytes.js'
import type { Point } from './checks.js'

export type StationStatus = 'active' | 'flagged' | 'suspended' | 'unregistered'
export type RefusalReason = 'malformed' | 'forged' | 'unregistered' | 'suspended' | 'late'

export interface AgentOptions {
  windowSeconds: number
  /** Window k of report time becomes chain window firstWindow + k. */
  firstWindow: bigint
  /** Registry and reputation as the RSU last read them from the chain. */
  status: (station: Uint8Array) => StationStatus
  /** The RSU's position and coverage radius (m): traffic outside it is not reported. */
  at: Point
  radius: number
  analyser?: AnalyserOptions
}

export class RsuAgent {
  readonly windows = new Map<number, RsuWindow>()
  readonly refused: Record<RefusalReason, number> = { malformed: 0, forged: 0, unregistered: 0, suspended: 0, late: 0 }
  /** Windows below this one are closed (submitted): reports for them are refused as late. */
  private open = 0
  private readonly analyser: ReceiverAnalyser
  private readonly ids = new Map<string, number>()
  private messages = 0

  constructor(readonly o: AgentOptions) {
    this.analyser = new ReceiverAnalyser(o.analyser)
    this.analyser.push({ type: 2, rcvTime: 0, pos: [o.at.x, o.at.y, 0], pos_noise: [0, 0, 0], spd: [0, 0, 0], spd_noise: [0, 0, 0] })
  }

  private window(t: number): RsuWindow {
    const k = Math.floor(t / this.o.windowSeconds)
    let w = this.windows.get(k)
    if (!w) this.windows.set(k, (w = this.fresh(k)))
    return w
  }

  private fresh(k: number): RsuWindow {
    return new RsuWindow(this.o.firstWindow + BigInt(k), {
      at: this.o.at, radius: this.o.radius, grid: this.o.analyser?.grid, span: [k * this.o.windowSeconds, (k + 1) * this.o.windowSeconds],
    })
  }

  /**
   * Closes window k (and any before it): returns it for submission, empty when nothing was heard
   * in it (an RSU submits every window: that is how the chain knows it has moved on). Later
   * reports for it are late.
   */
  close(k: number): RsuWindow {
    const w = this.windows.get(k) ?? this.fresh(k)
    for (const key of [...this.windows.keys()]) if (key <= k) this.windows.delete(key)
    if (k + 1 > this.open) this.open = k + 1
    return w
  }

  /** One signed report (hex or bytes) received at `rcvTime` (s). Returns why it was refused, if it was. */
  receive(signed: string | Uint8Array, rcvTime: number): RefusalReason | undefined {
    const d = this.decode(signed)
    if (!d) return 'malformed'
    return this.accept(d.bytes, d.report, verifySignature(d.report.station, reportSignBytes(d.report), d.signature), rcvTime)
  }

  /**
   * Many reports at once, their signatures verified on the worker threads of `pool` (batched),
   * then judged in arrival order exactly as `receive` would.
   */
  async receiveAll(items: ReadonlyArray<{ signed: string | Uint8Array; rcvTime: number }>, pool: VerifyPool): Promise<Array<RefusalReason | undefined>> {
    const decoded = items.map((it) => this.decode(it.signed))
    const ok = decoded.filter((d) => d !== undefined).map((d): [Uint8Array, Uint8Array, Uint8Array] => [d.report.station, reportSignBytes(d.report), d.signature])
    const valid = await pool.verifyMany(ok)
    let j = 0
    return decoded.map((d, i) => (d ? this.accept(d.bytes, d.report, valid[j++]!, items[i]!.rcvTime) : 'malformed'))
  }

  private decode(signed: string | Uint8Array): { bytes: Uint8Array; report: Report; signature: Uint8Array } | undefined {
    try {
      const bytes = typeof signed === 'string' ? fromHex(signed) : signed
      return { bytes, ...decodeReport(bytes) }
    } catch {
      this.refused.malformed++
      return undefined
    }
  }

  private accept(bytes: Uint8Array, report: Report, valid: boolean, rcvTime: number): RefusalReason | undefined {
    if (!valid) return void this.refused.forged++, 'forged'
    const status = this.o.status(report.station)
    if (status === 'unregistered' || status === 'suspended') return void this.refused[status]++, status
    if (Math.floor(report.t / 1000 / this.o.windowSeconds) < this.open) return void this.refused.late++, 'late'
    const win = this.window(report.t / 1000)
    if (report.kind === 'event') {
      if (status === 'active') win.addEvent(eventCode(report.event), report.x / 100, report.y / 100, report.station)
      return undefined
    }
    const key = toHex(report.station)
    let id = this.ids.get(key)
    if (id === undefined) this.ids.set(key, (id = this.ids.size + 1))
    const beacon = receivedOf(report, id, ++this.messages, rcvTime)
    const v = this.analyser.check(beacon)
    win.add(bytes, report.station, v.flagged, status === 'active' && !v.flagged ? beacon : undefined)
    return undefined
  }
}
