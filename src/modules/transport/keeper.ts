/**
 * Transport keeper (BITS): per-RSU window submissions and per-vehicle beta reputation.
 *
 * Keys (under "transport/"):
 *   p                      → params (CBOR)
 *   w|rsu|window(8)        → submission: Merkle root of the RSU's reports, vehicles, counts (CBOR)
 *   r|vehicle              → reputation: alpha, beta (fixed point, SCALE = 1 unit), last window (CBOR)
 *   f|vehicle              → window in which the vehicle was flagged (present while flagged)
 *   s|rsu                  → the RSU's standing: alpha, beta, last window (CBOR), same arithmetic
 *   v|window(8)|vehicle|rsu → the RSU's bad share of that vehicle's reports, per mille, until the window settles
 *
 * Reputation is a beta reputation in integer arithmetic. Prior Beta(1, 1). Each RSU window adds
 * one unit of evidence per vehicle, split by that RSU's verdicts: alpha += SCALE·ok/(ok+bad),
 * beta += SCALE − that. Before evidence is added, both decay by decay/1000 per window elapsed
 * since the vehicle's last update (old behaviour fades). score = (alpha + S)·1000 / (alpha + beta + 2S),
 * in per mille. A vehicle whose score falls below the threshold, once alpha + beta holds at least
 * `min_evidence` units, is flagged; it is unflagged when its score climbs back to the threshold.
 *
 * Lying RSUs. An RSU's evidence is weighted by its standing: weight = min(1, 2·standing), so a new
 * RSU (standing ½, the prior) counts fully and one whose verdicts keep disagreeing counts less and
 * less. A window settles at the first block of window w + max_lag + 1, when no RSU can submit it any
 * more: for every vehicle that three or more RSUs judged in it, the median of their bad shares is
 * taken, and each of those RSUs agrees when its own share is within AGREE_PERMILLE of the median.
 * Each RSU gains one unit of standing evidence per settled window, split by its agreements.
 * With fewer than three RSUs on a vehicle nobody can tell who lies, and no standing changes.
 */
import { decodeTrusted, encodeCanonical } from '../../codec/cbor.js'
import { fail } from '../../base/errors.js'
import type { KV, KVReader } from '../../app/kv.js'
import { moduleReader, moduleStore, type ExecContext } from '../../app/module.js'
import { concatBytes, toHex, utf8 } from '../../base/bytes.js'
import { u64be as u64 } from '../../codec/be.js'

export const MODULE = 'transport'
export const SCALE = 1000n
/** At most this many windows of decay are applied at once (beyond it, the evidence is ~gone anyway). */
const MAX_DECAY_WINDOWS = 256n

export interface TransportParams {
  windowBlocks: bigint
  /** A window may be submitted up to this many windows after it closed. */
  maxLagWindows: bigint
  thresholdPermille: bigint
  decayPermille: bigint
  /** Units of evidence (alpha + beta, without the prior) needed before a vehicle can be flagged. */
  minEvidence: bigint
  /** Distinct reputable vehicles, and distinct RSUs they were heard through, that confirm an event. */
  eventQuorum: bigint
  eventMinRsus: bigint
  /** Reports of one event count together over this many windows. */
  eventSpanWindows: bigint
}

export const DEFAULT_PARAMS: TransportParams = {
  windowBlocks: 10n, maxLagWindows: 6n, thresholdPermille: 400n, decayPermille: 950n, minEvidence: 2n, eventQuorum: 3n, eventMinRsus: 2n, eventSpanWindows: 6n,
}

export interface VerdictCount {
  vehicle: Uint8Array
  ok: bigint
  bad: bigint
}

/** Traffic on one road segment in a window, from vehicles above the threshold: midpoint (m), flow, mean speed (cm/s), occupancy (‰). */
export interface SegmentTraffic {
  x: bigint
  y: bigint
  flow: bigint
  speed: bigint
  occupancy: bigint
}

export interface Submission {
  rsu: Uint8Array
  window: bigint
  root: Uint8Array
  height: bigint
  verdicts: VerdictCount[]
  /** Reports in the window's Merkle tree. */
  size: bigint
  traffic: SegmentTraffic[]
}

export interface Reputation {
  alpha: bigint
  beta: bigint
  lastWindow: bigint
}

const PARAMS = utf8('p')
const subKey = (rsu: Uint8Array, w: bigint) => concatBytes(utf8('w'), rsu, u64(w))
const repKey = (v: Uint8Array) => concatBytes(utf8('r'), v)
const flagKey = (v: Uint8Array) => concatBytes(utf8('f'), v)
const FLAG_PREFIX = utf8('f')
const standKey = (rsu: Uint8Array) => concatBytes(utf8('s'), rsu)
const shareKey = (w: bigint, vehicle: Uint8Array, rsu: Uint8Array) => concatBytes(utf8('v'), u64(w), vehicle, rsu)
export const AGREE_PERMILLE = 250n

export function setParams(kv: KV, p: TransportParams): void {
  moduleStore(kv, MODULE).set(PARAMS, encodeCanonical({
    window_blocks: p.windowBlocks, max_lag_windows: p.maxLagWindows, threshold_permille: p.thresholdPermille,
    decay_permille: p.decayPermille, min_evidence: p.minEvidence, event_quorum: p.eventQuorum, event_min_rsus: p.eventMinRsus, event_span_windows: p.eventSpanWindows,
  }))
}

export function getParams(kv: KVReader): TransportParams {
  const b = moduleReader(kv, MODULE).get(PARAMS)
  if (!b) return DEFAULT_PARAMS
  const m = decodeTrusted(b) as Record<string, number | bigint>
  return {
    windowBlocks: BigInt(m.window_blocks!), maxLagWindows: BigInt(m.max_lag_windows!), thresholdPermille: BigInt(m.threshold_permille!),
    decayPermille: BigInt(m.decay_permille!), minEvidence: BigInt(m.min_evidence!),
    eventQuorum: BigInt(m.event_quorum ?? DEFAULT_PARAMS.eventQuorum), eventMinRsus: BigInt(m.event_min_rsus ?? DEFAULT_PARAMS.eventMinRsus),
    eventSpanWindows: BigInt(m.event_span_windows ?? DEFAULT_PARAMS.eventSpanWindows),
  }
}

/** The window a height belongs to. */
export const windowOf = (p: TransportParams, height: bigint) => height / p.windowBlocks

export function getSubmission(kv: KVReader, rsu: Uint8Array, window: bigint): Submission | undefined {
  const b = moduleReader(kv, MODULE).get(subKey(rsu, window))
  if (!b) return undefined
  type N = number | bigint
  const m = decodeTrusted(b) as { root: Uint8Array; height: N; size?: N; verdicts: Array<[Uint8Array, N, N]>; traffic?: Array<[N, N, N, N, N]> }
  return {
    rsu, window, root: m.root, height: BigInt(m.height), size: BigInt(m.size ?? 0),
    verdicts: m.verdicts.map(([vehicle, ok, bad]) => ({ vehicle, ok: BigInt(ok), bad: BigInt(bad) })),
    traffic: (m.traffic ?? []).map(([x, y, flow, speed, occupancy]) => ({ x: BigInt(x), y: BigInt(y), flow: BigInt(flow), speed: BigInt(speed), occupancy: BigInt(occupancy) })),
  }
}

function readRep(kv: KVReader, key: Uint8Array): Reputation {
  const b = moduleReader(kv, MODULE).get(key)
  if (!b) return { alpha: 0n, beta: 0n, lastWindow: 0n }
  const m = decodeTrusted(b) as Record<string, number | bigint>
  return { alpha: BigInt(m.alpha!), beta: BigInt(m.beta!), lastWindow: BigInt(m.last_window!) }
}
const writeRep = (kv: KV, key: Uint8Array, r: Reputation) =>
  moduleStore(kv, MODULE).set(key, encodeCanonical({ alpha: r.alpha, beta: r.beta, last_window: r.lastWindow }))

export const getReputation = (kv: KVReader, vehicle: Uint8Array): Reputation => readRep(kv, repKey(vehicle))
/** An RSU's standing (same representation and score as a vehicle's reputation). */
export const getStanding = (kv: KVReader, rsu: Uint8Array): Reputation => readRep(kv, standKey(rsu))
/** Weight of an RSU's evidence, per mille: min(1000, 2 · standing score). */
export function rsuWeight(kv: KVReader, rsu: Uint8Array): bigint {
  const w = 2n * scorePermille(getStanding(kv, rsu))
  return w > 1000n ? 1000n : w
}

/** Score in per mille, with the Beta(1, 1) prior. */
export const scorePermille = (r: Reputation) => ((r.alpha + SCALE) * 1000n) / (r.alpha + r.beta + 2n * SCALE)

export function isFlagged(kv: KVReader, vehicle: Uint8Array): boolean {
  return moduleReader(kv, MODULE).get(flagKey(vehicle)) !== undefined
}

export function listFlagged(kv: KVReader, limit = 1000): Array<{ vehicle: Uint8Array; window: bigint }> {
  const out: Array<{ vehicle: Uint8Array; window: bigint }> = []
  const end = utf8('g')
  for (const [k, v] of moduleReader(kv, MODULE).iterate({ gte: FLAG_PREFIX, lt: end, limit })) {
    out.push({ vehicle: k.subarray(1), window: BigInt(decodeTrusted(v) as number | bigint) })
  }
  return out
}

/** Decays a reputation to `window` (integer, per window: x · decay / 1000). */
export function decayTo(p: TransportParams, r: Reputation, window: bigint): Reputation {
  if (window <= r.lastWindow) return r
  let n = window - r.lastWindow
  if (n > MAX_DECAY_WINDOWS) n = MAX_DECAY_WINDOWS
  let { alpha, beta } = r
  for (let i = 0n; i < n && (alpha > 0n || beta > 0n); i++) {
    alpha = (alpha * p.decayPermille) / 1000n
    beta = (beta * p.decayPermille) / 1000n
  }
  return { alpha, beta, lastWindow: window }
}

/** Records one RSU's window and applies its evidence to each vehicle's reputation. */
export function submitWindow(ctx: ExecContext, s: Submission): void {
  const kv = moduleStore(ctx.kv, MODULE)
  const p = getParams(ctx.kv)
  const current = windowOf(p, ctx.height)
  if (s.window >= current) fail('invalid_message', `window ${s.window} has not closed (current window ${current})`)
  if (current - s.window > p.maxLagWindows) fail('expired', `window ${s.window} is older than ${p.maxLagWindows} windows`)
  if (kv.get(subKey(s.rsu, s.window))) fail('already_exists', `RSU already submitted window ${s.window}`)
  kv.set(subKey(s.rsu, s.window), encodeCanonical({
    root: s.root, height: ctx.height, size: s.size, verdicts: s.verdicts.map((v) => [v.vehicle, v.ok, v.bad]),
    traffic: s.traffic.map((t) => [t.x, t.y, t.flow, t.speed, t.occupancy]),
  }))
  let okTotal = 0n, badTotal = 0n
  const weight = rsuWeight(ctx.kv, s.rsu)
  for (const v of s.verdicts) {
    okTotal += v.ok
    badTotal += v.bad
    const n = v.ok + v.bad
    if (n === 0n) continue
    const r = decayTo(p, getReputation(ctx.kv, v.vehicle), s.window)
    const good = (SCALE * v.ok) / n
    r.alpha += (good * weight) / 1000n
    r.beta += ((SCALE - good) * weight) / 1000n
    writeRep(ctx.kv, repKey(v.vehicle), r)
    kv.set(shareKey(s.window, v.vehicle, s.rsu), encodeCanonical((1000n * v.bad) / n))
    const score = scorePermille(r)
    const flagged = kv.get(flagKey(v.vehicle)) !== undefined
    if (!flagged && score < p.thresholdPermille && r.alpha + r.beta >= p.minEvidence * SCALE) {
      kv.set(flagKey(v.vehicle), encodeCanonical(s.window))
      ctx.emit('transport.flagged', { vehicle: toHex(v.vehicle), score_permille: score.toString(), window: s.window.toString() })
    } else if (flagged && score >= p.thresholdPermille) {
      kv.delete(flagKey(v.vehicle))
      ctx.emit('transport.unflagged', { vehicle: toHex(v.vehicle), score_permille: score.toString(), window: s.window.toString() })
    }
  }
  ctx.emit('transport.window', {
    rsu: toHex(s.rsu), window: s.window.toString(), root: toHex(s.root), vehicles: s.verdicts.length.toString(),
    ok: okTotal.toString(), bad: badTotal.toString(), weight_permille: weight.toString(),
  })
}

/** The window that settles in this block (the first of window w + max_lag + 1), if any. */
export function settlingWindow(ctx: ExecContext): bigint | undefined {
  const p = getParams(ctx.kv)
  if (ctx.height % p.windowBlocks !== 0n) return undefined
  const w = windowOf(p, ctx.height) - p.maxLagWindows - 1n
  return w < 0n ? undefined : w
}

/** End-block: settles the window no RSU can submit any more (see the header). */
export function settleWindows(ctx: ExecContext): void {
  const p = getParams(ctx.kv)
  const w = settlingWindow(ctx)
  if (w === undefined) return
  const kv = moduleStore(ctx.kv, MODULE)
  const prefix = concatBytes(utf8('v'), u64(w))
  const entries: Array<{ key: Uint8Array; vehicle: string; rsu: Uint8Array; share: bigint }> = []
  for (const [k, v] of kv.iterate({ gte: prefix, lt: concatBytes(utf8('v'), u64(w + 1n)) })) {
    entries.push({ key: k, vehicle: toHex(k.subarray(9, 41)), rsu: k.slice(41), share: BigInt(decodeTrusted(v) as number | bigint) })
  }
  if (entries.length === 0) return
  // entries come sorted by vehicle, then RSU
  const tally = new Map<string, { rsu: Uint8Array; agree: bigint; disagree: bigint }>()
  for (let i = 0; i < entries.length;) {
    let j = i
    while (j < entries.length && entries[j]!.vehicle === entries[i]!.vehicle) j++
    const group = entries.slice(i, j)
    if (group.length >= 3) {
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
    i = j
  }
  for (const e of entries) kv.delete(e.key)
  for (const id of [...tally.keys()].sort()) {
    const t = tally.get(id)!
    const r = decayTo(p, getStanding(ctx.kv, t.rsu), w)
    const good = (SCALE * t.agree) / (t.agree + t.disagree)
    r.alpha += good
    r.beta += SCALE - good
    writeRep(ctx.kv, standKey(t.rsu), r)
    ctx.emit('transport.rsu_standing', {
      rsu: id, window: w.toString(), agree: t.agree.toString(), disagree: t.disagree.toString(), score_permille: scorePermille(r).toString(),
    })
  }
}
