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
 * for a block's or a record's thousands (about twice as fast per point there), both on the limb
 * arithmetic of src/voting/limbs.
 *
 * Everything here is variable time: it only ever sees public values.
 */
import { IDENTITY, ORDER, limbsOf, modq, pointFromLimbs, type Point } from './group.js'
import { isIdentity, type XPoint } from './limbs/edwards.js'
import { limbMsm } from './limbs/msm.js'
import { digest512, u32, bytesToBigintLE } from './transcript.js'

export type Term = readonly [scalar: bigint, point: Point]
export interface Relation {
  /** Names the check for error reports ("question 1 option 3: 0/1 proof"). */
  readonly label: string
  readonly terms: readonly Term[]
}

const HALF = ORDER >> 1n

/** The MSM's inputs on limbs: terms with the same point object merged, scalars at most q/2 (by sign). */
function limbTerms(terms: Iterable<Term>): { points: XPoint[]; scalars: bigint[]; minus: boolean[] } {
  const merged = new Map<Point, bigint>()
  for (const [s, p] of terms) merged.set(p, (merged.get(p) ?? 0n) + s)
  const points: XPoint[] = []
  const scalars: bigint[] = []
  const minus: boolean[] = []
  for (const [p, raw] of merged) {
    const s = modq(raw)
    if (s === 0n) continue
    points.push(limbsOf(p))
    minus.push(s > HALF)
    scalars.push(s > HALF ? ORDER - s : s)
  }
  return { points, scalars, minus }
}

/** Σ sᵢ·Pᵢ. */
export function msm(terms: Iterable<Term>): Point {
  const { points, scalars, minus } = limbTerms(terms)
  return points.length ? pointFromLimbs(limbMsm(points, scalars, minus)) : IDENTITY
}

/** Σ sᵢ·Pᵢ = 0, without converting the sum back to a group element. */
export function msmIsZero(terms: Iterable<Term>): boolean {
  const { points, scalars, minus } = limbTerms(terms)
  return !points.length || isIdentity(limbMsm(points, scalars, minus))
}

export function relationHolds(r: Relation): boolean {
  return msmIsZero(r.terms)
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
  return msmIsZero(all)
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
