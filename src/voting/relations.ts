/**
 * Linear relations Σ sᵢ·Pᵢ = 0 in the group, which is what every proof verification reduces to,
 * and their batch check.
 *
 * Batch: relations R₀ … Rₙ₋₁ all hold iff (with overwhelming probability) Σ zⱼ·Rⱼ = 0 for random
 * 128-bit weights zⱼ (Bellare-Garay-Rabin small-exponent test: a failing set passes with
 * probability ≤ 2⁻¹²⁸). The weights are derived by hashing a seed that the caller computes over
 * every byte the relations depend on (the whole ballot and its context), so the check stays
 * deterministic for the chain and a prover cannot choose the weights: each attempt to make a bad
 * ballot pass succeeds with probability 2⁻¹²⁸. The whole batch is one multi-scalar multiplication
 * in which every point shared between relations (a ciphertext, the generator, the joint key)
 * appears once: Straus' interleaved wNAF for one ballot's few dozen points, Pippenger's buckets
 * for a block's or a record's thousands (about twice as fast per point there).
 *
 * Everything here is variable time: it only ever sees public values.
 */
import { IDENTITY, ORDER, isFixedBase, modq, type Point } from './group.js'
import { digest512, u32, bytesToBigintLE } from './transcript.js'

export type Term = readonly [scalar: bigint, point: Point]
export interface Relation {
  /** Names the check for error reports ("question 1 option 3: 0/1 proof"). */
  readonly label: string
  readonly terms: readonly Term[]
}

const HALF = ORDER >> 1n

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

/** Straus' interleaved wNAF: one shared doubling chain for all points. */
function straus(points: Point[], scalars: bigint[]): Point {
  const nafs: Int8Array[] = []
  const tables: Point[][] = []
  let len = 0
  for (let i = 0; i < points.length; i++) {
    const s = scalars[i]!
    const w = s > 1n << 160n ? 5 : 4
    const naf = wnaf(s, w)
    nafs.push(naf)
    if (naf.length > len) len = naf.length
    const p = points[i]!
    const table = [p]
    const twice = p.double()
    for (let j = 1; j < 1 << (w - 2); j++) table.push(table[j - 1]!.add(twice))
    tables.push(table)
  }
  let acc = IDENTITY
  for (let bit = len - 1; bit >= 0; bit--) {
    acc = acc.double()
    for (let i = 0; i < nafs.length; i++) {
      const d = nafs[i]![bit]
      if (!d) continue
      acc = d > 0 ? acc.add(tables[i]![(d - 1) >> 1]!) : acc.subtract(tables[i]![(-d - 1) >> 1]!)
    }
  }
  return acc
}

/** Pippenger's bucket method with signed c-bit digits (2^(c-1) buckets per window). */
function pippenger(points: Point[], scalars: bigint[]): Point {
  const n = points.length
  const c = n < 512 ? 7 : n < 2048 ? 9 : n < 8192 ? 11 : 13
  const half = 1 << (c - 1)
  const mask = BigInt((1 << c) - 1)
  const shift = BigInt(c)
  let windows = 0
  const digits = scalars.map((s) => {
    const d: number[] = []
    for (let k = s; k > 0n; ) {
      let w = Number(k & mask)
      k >>= shift
      if (w >= half) {
        w -= 1 << c
        k += 1n
      }
      d.push(w)
    }
    if (d.length > windows) windows = d.length
    return d
  })
  const negated: Array<Point | undefined> = new Array(n)
  let acc = IDENTITY
  for (let w = windows - 1; w >= 0; w--) {
    for (let i = 0; i < c; i++) acc = acc.double()
    const buckets: Array<Point | undefined> = new Array(half + 1)
    for (let j = 0; j < n; j++) {
      const d = digits[j]![w]
      if (!d) continue
      const p = d > 0 ? points[j]! : (negated[j] ??= points[j]!.negate())
      const b = d > 0 ? d : -d
      const cur = buckets[b]
      buckets[b] = cur ? cur.add(p) : p
    }
    let running: Point | undefined
    let sum: Point | undefined
    for (let b = half; b >= 1; b--) {
      const x = buckets[b]
      if (x) running = running ? running.add(x) : x
      if (running) sum = sum ? sum.add(running) : running
    }
    if (sum) acc = acc.add(sum)
  }
  return acc
}

/** Σ sᵢ·Pᵢ, terms with the same point object merged. */
export function msm(terms: Iterable<Term>): Point {
  const merged = new Map<Point, bigint>()
  for (const [s, p] of terms) merged.set(p, (merged.get(p) ?? 0n) + s)
  let acc = IDENTITY
  const points: Point[] = []
  const scalars: bigint[] = []
  for (const [p, raw] of merged) {
    let s = modq(raw)
    if (s === 0n) continue
    if (isFixedBase(p)) {
      acc = acc.add(p.multiplyUnsafe(s))
      continue
    }
    if (s > HALF) {
      points.push(p.negate())
      scalars.push(ORDER - s)
    } else {
      points.push(p)
      scalars.push(s)
    }
  }
  if (!points.length) return acc
  return acc.add(points.length < 200 ? straus(points, scalars) : pippenger(points, scalars))
}

export function relationHolds(r: Relation): boolean {
  return msm(r.terms).is0()
}

function weights(seed: Uint8Array, n: number): bigint[] {
  const out: bigint[] = []
  for (let block = 0; out.length < n; block++) {
    const h = digest512('batch-weights', [seed, u32(block)])
    for (let j = 0; j < 4 && out.length < n; j++) {
      const z = bytesToBigintLE(h.subarray(16 * j, 16 * j + 16))
      out.push(z === 0n ? 1n : z)
    }
  }
  return out
}

/** True iff (with probability ≥ 1 - 2⁻¹²⁸ per seed) every relation holds. */
export function batchHolds(relations: readonly Relation[], seed: Uint8Array): boolean {
  if (relations.length === 0) return true
  if (relations.length === 1) return relationHolds(relations[0]!)
  const z = weights(seed, relations.length)
  const all: Term[] = []
  relations.forEach((r, i) => {
    for (const [s, p] of r.terms) all.push([s * z[i]!, p])
  })
  return msm(all).is0()
}

/**
 * The labels of the relations that do not hold, in order and without repeats: one batch check
 * when everything is right (the common case), one check per relation to name the culprit otherwise.
 */
export function failedRelations(relations: readonly Relation[], seed: Uint8Array): string[] {
  if (batchHolds(relations, seed)) return []
  const failed: string[] = []
  for (const r of relations) if (!relationHolds(r) && !failed.includes(r.label)) failed.push(r.label)
  // A batch that fails while every single relation holds cannot happen (the batch is a linear
  // combination of them); report it rather than assume.
  return failed.length ? failed : ['batch verification']
}
