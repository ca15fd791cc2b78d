/**
 * Times and durations for people: ISO 8601 instants ("2026-12-04T18:45:00Z") and durations
 * ("4 min 10 s", "5 days"). Pure functions of their arguments (no clock), so that state
 * transitions may put them in error messages derived from block time.
 */

const UNITS: Array<[bigint, string, string]> = [
  [86_400_000n, 'day', 'days'],
  [3_600_000n, 'h', 'h'],
  [60_000n, 'min', 'min'],
  [1000n, 's', 's'],
]

/** An instant given in ms since the epoch, in ISO 8601 UTC (whole seconds without ".000"). */
export function isoMs(ms: bigint | number | string): string {
  const n = Number(ms)
  if (!Number.isFinite(n) || Math.abs(n) > 8.64e15) return String(ms)
  return new Date(n).toISOString().replace('.000Z', 'Z')
}

/** A duration in ms as its two largest units: "4 min 10 s", "2 h", "5 days", "1 day 6 h", "250 ms". */
export function humanDuration(ms: bigint | number | string): string {
  let rest = BigInt(ms)
  if (rest < 0n) rest = -rest
  if (rest < 1000n) return `${rest} ms`
  const parts: string[] = []
  for (const [size, one, many] of UNITS) {
    if (parts.length === 2) break
    const q = rest / size
    rest %= size
    if (q > 0n) parts.push(`${q} ${q === 1n ? one : many}`)
    else if (parts.length) break
  }
  return parts.join(' ')
}

/** `target` relative to `now` (both ms): "in 4 min 10 s", "4 min 10 s ago", or "now". */
export function relativeTo(target: bigint, now: bigint): string {
  if (target === now) return 'now'
  return target > now ? `in ${humanDuration(target - now)}` : `${humanDuration(now - target)} ago`
}
