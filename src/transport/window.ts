/**
 * An RSU's window: the reports it received (kept off chain, in arrival order), the analyser's
 * verdict on each, and what goes on chain for it — the Merkle root of the reports and per-vehicle
 * counts of plausible and flagged reports, sorted by vehicle key (the `transport/submit-window` message).
 */
import { compareBytes, toHex } from '../crypto/hash.js'
import { auditPath, leafHash, merkleRoot } from './merkle.js'

export interface WindowSubmission {
  window: bigint
  root: Uint8Array
  verdicts: Array<[Uint8Array, number, number]>
}

export class RsuWindow {
  private readonly reports: Uint8Array[] = []
  private readonly leaves: Uint8Array[] = []
  private readonly counts = new Map<string, { vehicle: Uint8Array; ok: number; bad: number }>()

  constructor(readonly window: bigint) {}

  /** Adds one received report with the analyser's verdict; returns its index in the tree. */
  add(report: Uint8Array, vehicle: Uint8Array, flagged: boolean): number {
    this.reports.push(report)
    this.leaves.push(leafHash(report))
    const k = toHex(vehicle)
    let c = this.counts.get(k)
    if (!c) this.counts.set(k, (c = { vehicle, ok: 0, bad: 0 }))
    if (flagged) c.bad++
    else c.ok++
    return this.reports.length - 1
  }

  get size(): number {
    return this.reports.length
  }
  report(i: number): Uint8Array {
    return this.reports[i]!
  }
  root(): Uint8Array {
    return merkleRoot(this.leaves)
  }
  proof(i: number): Uint8Array[] {
    return auditPath(this.leaves, i)
  }

  submission(): WindowSubmission {
    const verdicts = [...this.counts.values()]
      .sort((a, b) => compareBytes(a.vehicle, b.vehicle))
      .map((c): [Uint8Array, number, number] => [c.vehicle, c.ok, c.bad])
    return { window: this.window, root: this.root(), verdicts }
  }
}
