/**
 * Transport keeper (BITS): per-RSU window submissions and per-vehicle beta reputation.
 *
 * Keys (under "transport/"):
 *   p                      → params (CBOR)
 *   w|rsu|window(8)        → submission: Merkle root of the RSU's reports, vehicles, counts (CBOR)
 *   r|vehicle              → reputation: alpha, beta (fixed point, SCALE = 1 unit), last window (CBOR)
 *   f|vehicle              → window in which the vehicle was flagged (present while flagged)
 *
 * Reputation is a beta reputation in integer arithmetic. Prior Beta(1, 1). Each RSU window adds
 * one unit of evidence per vehicle, split by that RSU's verdicts: alpha += SCALE·ok/(ok+bad),
 * beta += SCALE − that. Before evidence is added, both decay by decay/1000 per window elapsed
 * since the vehicle's last update (old behaviour fades). score = (alpha + S)·1000 / (alpha + beta + 2S),
 * in per mille. A vehicle whose score falls below the threshold, once alpha + beta holds at least
 * `min_evidence` units, is flagged; it is unflagged when its score climbs back to the threshold.
 */
import { decodeTrusted, encodeCanonical } from '../../codec/cbor.js'
import { fail } from '../../app/errors.js'
import type { KV, KVReader } from '../../app/kv.js'
import { moduleReader, moduleStore, type ExecContext } from '../../app/module.js'
import { concatBytes, toHex, utf8 } from '../../crypto/hash.js'

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
}

export const DEFAULT_PARAMS: TransportParams = {
  windowBlocks: 10n, maxLagWindows: 6n, thresholdPermille: 400n, decayPermille: 950n, minEvidence: 2n,
}

export interface VerdictCount {
  vehicle: Uint8Array
  ok: bigint
  bad: bigint
}

export interface Submission {
  rsu: Uint8Array
  window: bigint
  root: Uint8Array
  height: bigint
  verdicts: VerdictCount[]
}

export interface Reputation {
  alpha: bigint
  beta: bigint
  lastWindow: bigint
}

const u64 = (n: bigint) => {
  const b = new Uint8Array(8)
  new DataView(b.buffer).setBigUint64(0, n)
  return b
}
const PARAMS = utf8('p')
const subKey = (rsu: Uint8Array, w: bigint) => concatBytes(utf8('w'), rsu, u64(w))
const repKey = (v: Uint8Array) => concatBytes(utf8('r'), v)
const flagKey = (v: Uint8Array) => concatBytes(utf8('f'), v)
const FLAG_PREFIX = utf8('f')

export function setParams(kv: KV, p: TransportParams): void {
  moduleStore(kv, MODULE).set(PARAMS, encodeCanonical({
    window_blocks: p.windowBlocks, max_lag_windows: p.maxLagWindows, threshold_permille: p.thresholdPermille,
    decay_permille: p.decayPermille, min_evidence: p.minEvidence,
  }))
}

export function getParams(kv: KVReader): TransportParams {
  const b = moduleReader(kv, MODULE).get(PARAMS)
  if (!b) return DEFAULT_PARAMS
  const m = decodeTrusted(b) as Record<string, number | bigint>
  return {
    windowBlocks: BigInt(m.window_blocks!), maxLagWindows: BigInt(m.max_lag_windows!), thresholdPermille: BigInt(m.threshold_permille!),
    decayPermille: BigInt(m.decay_permille!), minEvidence: BigInt(m.min_evidence!),
  }
}

/** The window a height belongs to. */
export const windowOf = (p: TransportParams, height: bigint) => height / p.windowBlocks

export function getSubmission(kv: KVReader, rsu: Uint8Array, window: bigint): Submission | undefined {
  const b = moduleReader(kv, MODULE).get(subKey(rsu, window))
  if (!b) return undefined
  const m = decodeTrusted(b) as { root: Uint8Array; height: number | bigint; verdicts: Array<[Uint8Array, number | bigint, number | bigint]> }
  return {
    rsu, window, root: m.root, height: BigInt(m.height),
    verdicts: m.verdicts.map(([vehicle, ok, bad]) => ({ vehicle, ok: BigInt(ok), bad: BigInt(bad) })),
  }
}

export function getReputation(kv: KVReader, vehicle: Uint8Array): Reputation {
  const b = moduleReader(kv, MODULE).get(repKey(vehicle))
  if (!b) return { alpha: 0n, beta: 0n, lastWindow: 0n }
  const m = decodeTrusted(b) as Record<string, number | bigint>
  return { alpha: BigInt(m.alpha!), beta: BigInt(m.beta!), lastWindow: BigInt(m.last_window!) }
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
    root: s.root, height: ctx.height, verdicts: s.verdicts.map((v) => [v.vehicle, v.ok, v.bad]),
  }))
  let okTotal = 0n, badTotal = 0n
  for (const v of s.verdicts) {
    okTotal += v.ok
    badTotal += v.bad
    const n = v.ok + v.bad
    if (n === 0n) continue
    const r = decayTo(p, getReputation(ctx.kv, v.vehicle), s.window)
    const good = (SCALE * v.ok) / n
    r.alpha += good
    r.beta += SCALE - good
    kv.set(repKey(v.vehicle), encodeCanonical({ alpha: r.alpha, beta: r.beta, last_window: r.lastWindow }))
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
    ok: okTotal.toString(), bad: badTotal.toString(),
  })
}
