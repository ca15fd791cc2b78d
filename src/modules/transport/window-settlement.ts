/**
 * Accepting RSU windows and settling them. A submission is checked against the window clock
 * (window-clock.ts) and stored with its event reports; nothing else changes until its window
 * settles. Then, in one step and in key order: the RSUs' standing from how their verdicts agree
 * (keeper.ts, lying RSUs), the vehicles' reputation from the window's verdicts weighted by the
 * standing just earned, each vehicle's flag decided once, and the window's events judged
 * (confirmed-events.ts). So what the chain records for a window depends on the set of its
 * submissions and on the windows settled before it, never on the order the submissions landed in
 * blocks nor on how many blocks they took.
 */
import type { ExecContext } from '../../app/module.js'
import { toHex } from '../../base/bytes.js'
import { confirmEvents, pruneReports, recordReports, type WindowEvent } from './confirmed-events.js'
import {
  AGREE_PERMILLE, SCALE, clearFlagged, decayTo, getParams, getReputation, getStanding, isFlagged, putSubmission, rsuWeight, scorePermille,
  setFlagged, setReputation, setStanding, submissionsOf, submittedWindows, type Submission, type TransportParams,
} from './keeper.js'
import { finalThrough, markSubmitted, requireOpen, setSettledThrough, settledThrough } from './window-clock.js'
import { TRANSPORT_EVENT, type VehicleRegistry } from './types.js'

/** An RSU's window: refused if late, repeated or too far ahead; stored; then whatever became final settles. */
export function acceptWindow(ctx: ExecContext, vehicles: VehicleRegistry, s: Submission, events: WindowEvent[]): void {
  const p = getParams(ctx.kv)
  requireOpen(ctx.kv, p, s.rsu, s.window)
  putSubmission(ctx.kv, s)
  recordReports(ctx, s.rsu, s.window, events)
  markSubmitted(ctx.kv, s.rsu, s.window)
  let ok = 0n, bad = 0n
  for (const v of s.verdicts) ok += v.ok, bad += v.bad
  ctx.emit(TRANSPORT_EVENT.window, {
    rsu: toHex(s.rsu), window: s.window.toString(), root: toHex(s.root), vehicles: s.verdicts.length.toString(), ok: ok.toString(), bad: bad.toString(),
  })
  settleFinal(ctx, vehicles, p)
}

/** Settles, in order, every window that has become final since the last settlement. */
function settleFinal(ctx: ExecContext, vehicles: VehicleRegistry, p: TransportParams): void {
  const target = finalThrough(ctx.kv, p)
  const settled = settledThrough(ctx.kv)
  if (target === undefined || (settled !== undefined && target <= settled)) return
  for (const w of submittedWindows(ctx.kv, settled === undefined ? 0n : settled + 1n, target)) settleWindow(ctx, vehicles, p, w)
  setSettledThrough(ctx.kv, target)
}

function settleWindow(ctx: ExecContext, vehicles: VehicleRegistry, p: TransportParams, w: bigint): void {
  const subs = submissionsOf(ctx.kv, w)
  settleStanding(ctx, p, w, subs)
  applyEvidence(ctx, p, w, subs)
  confirmEvents(ctx, vehicles, w)
  pruneReports(ctx, w)
  ctx.emit(TRANSPORT_EVENT.windowSettled, { window: w.toString(), rsus: subs.length.toString() })
}

/** Lying RSUs: per vehicle three or more RSUs judged, each RSU's bad share against the median. */
function settleStanding(ctx: ExecContext, p: TransportParams, w: bigint, subs: Submission[]): void {
  const byVehicle = new Map<string, Array<{ rsu: Uint8Array; share: bigint }>>()
  for (const s of subs) {
    for (const v of s.verdicts) {
      const id = toHex(v.vehicle)
      let group = byVehicle.get(id)
      if (!group) byVehicle.set(id, (group = []))
      group.push({ rsu: s.rsu, share: (1000n * v.bad) / (v.ok + v.bad) })
    }
  }
  const tally = new Map<string, { rsu: Uint8Array; agree: bigint; disagree: bigint }>()
  for (const group of byVehicle.values()) {
    if (group.length < 3) continue
    const shares = group.map((e) => e.share).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    const median = shares[(shares.length - 1) >> 1]!
    for (const e of group) {
      const id = toHex(e.rsu)
      let t = tally.get(id)
      if (!t) tally.set(id, (t = { rsu: e.rsu, agree: 0n, disagree: 0n }))
      const d = e.share > median ? e.share - median : median - e.share
      if (d <= AGREE_PERMILLE) t.agree++
      else t.disagree++
    }
  }
  for (const id of [...tally.keys()].sort()) {
    const t = tally.get(id)!
    const r = decayTo(p, getStanding(ctx.kv, t.rsu), w)
    const good = (SCALE * t.agree) / (t.agree + t.disagree)
    r.alpha += good
    r.beta += SCALE - good
    setStanding(ctx.kv, t.rsu, r)
    ctx.emit(TRANSPORT_EVENT.rsuStanding, {
      rsu: id, window: w.toString(), agree: t.agree.toString(), disagree: t.disagree.toString(), score_permille: scorePermille(r).toString(),
    })
  }
}

/** Each RSU's verdicts, weighted by its standing, into the vehicles' reputation; then each vehicle's flag, once. */
function applyEvidence(ctx: ExecContext, p: TransportParams, w: bigint, subs: Submission[]): void {
  const heard = new Map<string, Uint8Array>()
  for (const s of subs) {
    const weight = rsuWeight(ctx.kv, s.rsu)
    for (const v of s.verdicts) {
      const r = decayTo(p, getReputation(ctx.kv, v.vehicle), w)
      const good = (SCALE * v.ok) / (v.ok + v.bad)
      r.alpha += (good * weight) / 1000n
      r.beta += ((SCALE - good) * weight) / 1000n
      setReputation(ctx.kv, v.vehicle, r)
      heard.set(toHex(v.vehicle), v.vehicle)
    }
  }
  for (const id of [...heard.keys()].sort()) {
    const vehicle = heard.get(id)!
    const r = getReputation(ctx.kv, vehicle)
    const score = scorePermille(r)
    const flagged = isFlagged(ctx.kv, vehicle)
    if (!flagged && score < p.thresholdPermille && r.alpha + r.beta >= p.minEvidence * SCALE) {
      setFlagged(ctx.kv, vehicle, w)
      ctx.emit(TRANSPORT_EVENT.flagged, { vehicle: id, score_permille: score.toString(), window: w.toString() })
    } else if (flagged && score >= p.thresholdPermille) {
      clearFlagged(ctx.kv, vehicle)
      ctx.emit(TRANSPORT_EVENT.unflagged, { vehicle: id, score_permille: score.toString(), window: w.toString() })
    }
  }
}
