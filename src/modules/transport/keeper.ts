/**
 * Transport keeper (BITS): per-RSU window submissions and per-vehicle beta reputation.
 *
 * Key layout: types.ts. A submission (w|window|rsu) is the Merkle root of the RSU's reports, its
 * vehicles and counts; a reputation (r|vehicle) or standing (s|rsu) is alpha, beta (fixed point,
 * SCALE = 1 unit) and the last window; a flag (f|vehicle) holds the window it was raised in.
 *
 * A submission changes nothing but its own record until its window settles (window-clock.ts);
 * then window-settlement.ts applies the window's evidence, in key order, with this arithmetic.
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
 * less. When a window settles, for every vehicle that three or more RSUs judged in it, the median
 * of their bad shares is taken, and each of those RSUs agrees when its own share is within
 * AGREE_PERMILLE of the median. Each RSU gains one unit of standing evidence per settled window,
 * split by its agreements; the window's evidence about vehicles is then weighted by the standing
 * the window earned. With fewer than three RSUs on a vehicle nobody can tell who lies, and no
 * standing changes.
 */
import { decodeTrusted, encodeCanonical } from '../../codec/cbor.js'
import { prefixEnd, type KV, type KVReader } from '../../app/kv.js'
import { moduleReader, moduleStore } from '../../app/module.js'
import { concatBytes, utf8 } from '../../base/bytes.js'
import { readU64be, u64be as u64 } from '../../codec/be.js'
import { MODULE, TRANSPORT_KEY as K } from './types.js'

export const SCALE = 1000n
/** At most this many windows of decay are applied at once (beyond it, the evidence is ~gone anyway). */
const MAX_DECAY_WINDOWS = 256n

export interface TransportParams {
  /** A window settles at the latest once more than half of the RSUs are more than this many windows past it. */
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
  maxLagWindows: 6n, thresholdPermille: 400n, decayPermille: 950n, minEvidence: 2n, eventQuorum: 3n, eventMinRsus: 2n, eventSpanWindows: 6n,
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

const PARAMS = utf8(K.params)
const subKey = (w: bigint, rsu: Uint8Array) => concatBytes(utf8(K.submission), u64(w), rsu)
const repKey = (v: Uint8Array) => concatBytes(utf8(K.reputation), v)
const flagKey = (v: Uint8Array) => concatBytes(utf8(K.flagged), v)
const FLAG_PREFIX = utf8(K.flagged)
const standKey = (rsu: Uint8Array) => concatBytes(utf8(K.standing), rsu)
export const AGREE_PERMILLE = 250n

export function setParams(kv: KV, p: TransportParams): void {
  moduleStore(kv, MODULE).set(PARAMS, encodeCanonical({
    max_lag_windows: p.maxLagWindows, threshold_permille: p.thresholdPermille,
    decay_permille: p.decayPermille, min_evidence: p.minEvidence, event_quorum: p.eventQuorum, event_min_rsus: p.eventMinRsus, event_span_windows: p.eventSpanWindows,
  }))
}

export function getParams(kv: KVReader): TransportParams {
  const b = moduleReader(kv, MODULE).get(PARAMS)
  if (!b) return DEFAULT_PARAMS
  const m = decodeTrusted(b) as Record<string, number | bigint>
  return {
    maxLagWindows: BigInt(m.max_lag_windows!), thresholdPermille: BigInt(m.threshold_permille!),
    decayPermille: BigInt(m.decay_permille!), minEvidence: BigInt(m.min_evidence!),
    eventQuorum: BigInt(m.event_quorum ?? DEFAULT_PARAMS.eventQuorum), eventMinRsus: BigInt(m.event_min_rsus ?? DEFAULT_PARAMS.eventMinRsus),
    eventSpanWindows: BigInt(m.event_span_windows ?? DEFAULT_PARAMS.eventSpanWindows),
  }
}

type N = number | bigint
function decodeSubmission(rsu: Uint8Array, window: bigint, b: Uint8Array): Submission {
  const m = decodeTrusted(b) as { root: Uint8Array; size?: N; verdicts: Array<[Uint8Array, N, N]>; traffic?: Array<[N, N, N, N, N]> }
  return {
    rsu, window, root: m.root, size: BigInt(m.size ?? 0),
    verdicts: m.verdicts.map(([vehicle, ok, bad]) => ({ vehicle, ok: BigInt(ok), bad: BigInt(bad) })),
    traffic: (m.traffic ?? []).map(([x, y, flow, speed, occupancy]) => ({ x: BigInt(x), y: BigInt(y), flow: BigInt(flow), speed: BigInt(speed), occupancy: BigInt(occupancy) })),
  }
}

export function getSubmission(kv: KVReader, rsu: Uint8Array, window: bigint): Submission | undefined {
  const b = moduleReader(kv, MODULE).get(subKey(window, rsu))
  return b ? decodeSubmission(rsu, window, b) : undefined
}

/** Stores an RSU's window (the caller has checked it is open: window-clock.ts). */
export function putSubmission(kv: KV, s: Submission): void {
  moduleStore(kv, MODULE).set(subKey(s.window, s.rsu), encodeCanonical({
    root: s.root, size: s.size, verdicts: s.verdicts.map((v) => [v.vehicle, v.ok, v.bad]),
    traffic: s.traffic.map((t) => [t.x, t.y, t.flow, t.speed, t.occupancy]),
  }))
}

/** A window's submissions, in RSU key order. */
export function submissionsOf(kv: KVReader, w: bigint): Submission[] {
  const prefix = concatBytes(utf8(K.submission), u64(w))
  const out: Submission[] = []
  for (const [k, b] of moduleReader(kv, MODULE).iterate({ gte: prefix, lt: concatBytes(utf8(K.submission), u64(w + 1n)) })) out.push(decodeSubmission(k.slice(prefix.length), w, b))
  return out
}

/** The windows in [from, to] that hold at least one submission, ascending. */
export function submittedWindows(kv: KVReader, from: bigint, to: bigint): bigint[] {
  const out: bigint[] = []
  const r = moduleReader(kv, MODULE)
  for (let w = from; w <= to;) {
    const next = [...r.iterate({ gte: concatBytes(utf8(K.submission), u64(w)), lt: concatBytes(utf8(K.submission), u64(to + 1n)), limit: 1 })][0]
    if (!next) break
    const found = readU64be(next[0], 1)
    out.push(found)
    w = found + 1n
  }
  return out
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
export const setReputation = (kv: KV, vehicle: Uint8Array, r: Reputation) => writeRep(kv, repKey(vehicle), r)
/** An RSU's standing (same representation and score as a vehicle's reputation). */
export const getStanding = (kv: KVReader, rsu: Uint8Array): Reputation => readRep(kv, standKey(rsu))
export const setStanding = (kv: KV, rsu: Uint8Array, r: Reputation) => writeRep(kv, standKey(rsu), r)
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
export const setFlagged = (kv: KV, vehicle: Uint8Array, window: bigint) => moduleStore(kv, MODULE).set(flagKey(vehicle), encodeCanonical(window))
export const clearFlagged = (kv: KV, vehicle: Uint8Array) => moduleStore(kv, MODULE).delete(flagKey(vehicle))

export function listFlagged(kv: KVReader, limit = 1000): Array<{ vehicle: Uint8Array; window: bigint }> {
  const out: Array<{ vehicle: Uint8Array; window: bigint }> = []
  const end = prefixEnd(FLAG_PREFIX)
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
