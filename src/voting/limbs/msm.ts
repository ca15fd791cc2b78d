/**
 * Multi-scalar multiplication Σ ±sᵢ·Pᵢ on limb points (edwards.ts), for the verifier: Straus'
 * interleaved wNAF (one shared doubling chain) for one ballot's few dozen points, Pippenger's
 * buckets with signed digits for a block's or a record's thousands. Scalars are non-negative
 * bigints below the group order; `minus[i]` subtracts the i-th term instead (relations.ts halves
 * the scalars that way). Variable time: public values only.
 */
import { addCached, addPoints, copyPoint, double, identity, negate, toCached, xpoint, type Cached, type XPoint } from './edwards.js'

function wnaf(k: bigint, w: number): Int8Array {
  const digits: number[] = []
  const W = 1n << BigInt(w)
  const H = W >> 1n
  while (k > 0n) {
    if (k & 1n) {
      let d = k & (W - 1n)
      if (d >= H) d -= W
      digits.push(Number(d))
      k -= d
    } else digits.push(0)
    k >>= 1n
  }
  return Int8Array.from(digits)
}

export function straus(points: readonly XPoint[], scalars: readonly bigint[], minus: readonly boolean[]): XPoint {
  const nafs: Int8Array[] = []
  const tables: Cached[][] = []
  let len = 0
  const twice = xpoint()
  const next = xpoint()
  for (let i = 0; i < points.length; i++) {
    const s = scalars[i]!
    const w = s > 1n << 160n ? 5 : 4
    const naf = wnaf(s, w)
    if (minus[i]) for (let j = 0; j < naf.length; j++) naf[j] = -naf[j]!
    nafs.push(naf)
    if (naf.length > len) len = naf.length
    // Odd multiples P, 3P, 5P, …
    const p = points[i]!
    double(twice, p)
    const cachedTwice = toCached(twice)
    copyPoint(next, p)
    const table = [toCached(p)]
    for (let j = 1; j < 1 << (w - 2); j++) {
      addCached(next, next, cachedTwice, false)
      table.push(toCached(next))
    }
    tables.push(table)
  }
  const acc = identity()
  for (let bit = len - 1; bit >= 0; bit--) {
    double(acc, acc)
    for (let i = 0; i < nafs.length; i++) {
      const d = nafs[i]![bit]
      if (!d) continue
      if (d > 0) addCached(acc, acc, tables[i]![(d - 1) >> 1]!, false)
      else addCached(acc, acc, tables[i]![(-d - 1) >> 1]!, true)
    }
  }
  return acc
}

/** Signed base-2^c digits of s, least significant first, each in [-2^(c-1), 2^(c-1)). */
function signedDigits(s: bigint, c: number, sign: number): Int32Array {
  const mask = BigInt((1 << c) - 1)
  const shift = BigInt(c)
  const half = 1 << (c - 1)
  const d: number[] = []
  for (let k = s; k > 0n; ) {
    let w = Number(k & mask)
    k >>= shift
    if (w >= half) {
      w -= 1 << c
      k += 1n
    }
    d.push(sign * w)
  }
  return Int32Array.from(d)
}

/**
 * The digit width c that minimises the additions: Σᵢ ⌈bitsᵢ / c⌉ into buckets (a batch's weights
 * make most scalars 128 bits, the rest 252) plus about 2^c per window to sum the buckets.
 */
function windowBits(scalars: readonly bigint[]): number {
  const bits = scalars.map((s) => s.toString(2).length)
  const top = Math.max(...bits)
  let best = 4
  let bestCost = Infinity
  for (let c = 4; c <= 16; c++) {
    let cost = Math.ceil((top + 1) / c) * 2 ** c
    for (const b of bits) cost += Math.ceil((b + 1) / c)
    if (cost < bestCost) {
      bestCost = cost
      best = c
    }
  }
  return best
}

export function pippenger(points: readonly XPoint[], scalars: readonly bigint[], minus: readonly boolean[]): XPoint {
  const n = points.length
  const c = windowBits(scalars)
  const half = 1 << (c - 1)
  let windows = 0
  const digits = scalars.map((s, i) => {
    const d = signedDigits(s, c, minus[i] ? -1 : 1)
    if (d.length > windows) windows = d.length
    return d
  })
  const cached = points.map(toCached)
  const buckets = Array.from({ length: half + 1 }, xpoint)
  const used = new Uint8Array(half + 1)
  const running = xpoint()
  const sum = xpoint()
  const acc = identity()
  for (let w = windows - 1; w >= 0; w--) {
    for (let i = 0; i < c; i++) double(acc, acc)
    used.fill(0)
    for (let j = 0; j < n; j++) {
      const d = digits[j]![w]
      if (!d) continue
      const b = d > 0 ? d : -d
      if (used[b]) addCached(buckets[b]!, buckets[b]!, cached[j]!, d < 0)
      else {
        if (d > 0) copyPoint(buckets[b]!, points[j]!)
        else negate(buckets[b]!, points[j]!)
        used[b] = 1
      }
    }
    // Σ b·bucket[b] as the running sums bucket[half] + … + bucket[b], summed for b = half … 1.
    let haveRunning = false
    let haveSum = false
    for (let b = half; b >= 1; b--) {
      if (used[b]) {
        if (haveRunning) addPoints(running, running, buckets[b]!)
        else {
          copyPoint(running, buckets[b]!)
          haveRunning = true
        }
      }
      if (!haveRunning) continue
      if (haveSum) addPoints(sum, sum, running)
      else {
        copyPoint(sum, running)
        haveSum = true
      }
    }
    if (haveSum) addPoints(acc, acc, sum)
  }
  return acc
}

export function limbMsm(points: readonly XPoint[], scalars: readonly bigint[], minus: readonly boolean[]): XPoint {
  if (!points.length) return identity()
  return points.length < 200 ? straus(points, scalars, minus) : pippenger(points, scalars, minus)
}
