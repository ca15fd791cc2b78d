/**
 * The city's window clock. Windows are numbered by the RSUs from the time their reports carry
 * (simulated or real time divided by the window length), never by block heights: how fast blocks
 * come does not decide which window a submission belongs to. The chain only checks the numbers
 * against bounds, and decides from the RSUs' own progress when a window is final (settled).
 *
 * Each RSU's windows strictly increase: once it submitted window w it has closed every window up
 * to w. A window w settles once every registered RSU has submitted w or a later window, or, when
 * some RSU is silent, once more than half of the registered RSUs are more than `max_lag_windows`
 * past it. Whether a window has settled is a function of the submissions the chain holds, not of
 * the order they came in, and no half of the RSUs can settle windows early on its own.
 *
 * Bounds on a submission of window w by an RSU (refused with a typed error, changing nothing):
 *   w at or below the settled frontier, or below the RSU's own last window → `expired` (late)
 *   w equal to the RSU's last window → `already_exists`
 *   w more than 2·(max_lag_windows + 1) past the settled frontier → `invalid_message` (the
 *   frontier is the clock no half of the RSUs can move alone; before anything settled, any w is accepted)
 *
 * Keys (under "transport/"):  t|rsu → the RSU's last submitted window;  d → the settled frontier
 * (every window up to it is settled).
 */
import { decodeTrusted, encodeCanonical } from '../../codec/cbor.js'
import { fail } from '../../base/errors.js'
import type { KV, KVReader } from '../../app/kv.js'
import { moduleReader, moduleStore } from '../../app/module.js'
import { concatBytes, utf8 } from '../../base/bytes.js'
import { registeredRsus } from './areas.js'
import { type TransportParams } from './keeper.js'
import { MODULE, TRANSPORT_KEY as K } from './types.js'

/** Window numbers stay below 2⁴⁸ (10-second windows of real time: millions of years). */
export const MAX_WINDOW = (1n << 48n) - 1n

const lastKey = (rsu: Uint8Array) => concatBytes(utf8(K.lastWindow), rsu)
const FRONTIER = utf8(K.frontier)

const readWindow = (kv: KVReader, key: Uint8Array): bigint | undefined => {
  const b = moduleReader(kv, MODULE).get(key)
  return b ? BigInt(decodeTrusted(b) as number | bigint) : undefined
}

/** The last window the RSU submitted, if any. */
export const lastWindow = (kv: KVReader, rsu: Uint8Array) => readWindow(kv, lastKey(rsu))
/** Every window up to this one is settled (undefined before the first settles). */
export const settledThrough = (kv: KVReader) => readWindow(kv, FRONTIER)

/** The first window no RSU has submitted or passed and that has not settled (0 on a fresh chain). */
export function nextWindow(kv: KVReader): bigint {
  let next = (settledThrough(kv) ?? -1n) + 1n
  for (const rsu of registeredRsus(kv)) {
    const l = lastWindow(kv, rsu)
    if (l !== undefined && l >= next) next = l + 1n
  }
  return next
}

/** Refuses a window that is late, repeated or far ahead of the city's clock (see the header). */
export function requireOpen(kv: KVReader, p: TransportParams, rsu: Uint8Array, w: bigint): void {
  const last = lastWindow(kv, rsu)
  if (last === w) fail('already_exists', `RSU already submitted window ${w}`)
  if (last !== undefined && w < last) fail('expired', `window ${w} is late: the RSU already submitted window ${last}`)
  const settled = settledThrough(kv)
  if (settled !== undefined && w <= settled) fail('expired', `window ${w} is late: every window up to ${settled} has settled`)
  const ahead = 2n * (p.maxLagWindows + 1n)
  if (settled !== undefined && w - settled > ahead) fail('invalid_message', `window ${w} is from the future: at most ${ahead} windows past the settled window ${settled}`)
}

export function markSubmitted(kv: KV, rsu: Uint8Array, w: bigint): void {
  moduleStore(kv, MODULE).set(lastKey(rsu), encodeCanonical(w))
}

export function setSettledThrough(kv: KV, w: bigint): void {
  moduleStore(kv, MODULE).set(FRONTIER, encodeCanonical(w))
}

/**
 * The highest window that is final now: every registered RSU at or past it, or more than half of
 * them more than `max_lag_windows` past it. Undefined while no window is final.
 */
export function finalThrough(kv: KVReader, p: TransportParams): bigint | undefined {
  const lasts = registeredRsus(kv).map((r) => lastWindow(kv, r) ?? -1n).sort((a, b) => (a > b ? -1 : a < b ? 1 : 0))
  if (lasts.length === 0) return undefined
  const everyone = lasts[lasts.length - 1]!
  // more than half of the RSUs are at or past lasts[⌊n/2⌋] (sorted descending)
  const majority = lasts[lasts.length >> 1]! - p.maxLagWindows - 1n
  const t = everyone > majority ? everyone : majority
  return t < 0n ? undefined : t
}
