/**
 * Disjunctive Chaum-Pedersen proof (Cramer-Damgård-Schoenmakers OR-composition): the ciphertext
 * (α, β) = Σ parts encrypts one of the listed values m₀ … m_{L-1} under K, without saying which.
 * With values [0, 1] it is a selection's 0/1 proof; with values [min … max] over all of a
 * question's selections it is the question's range proof (as ElectionGuard's selection limit).
 *
 * Branch j claims (α, β - mⱼ·G) = (r·G, r·K). The prover knows r and the true branch j*; it
 * simulates every other branch with a chosen challenge and response, and answers the true one with
 * the challenge left over:
 *
 *   c = H(tag, context…, K, u32(#parts), α₁, β₁, …, u32(L), u32(m₀), …, a₀, b₀, …, a_{L-1}, b_{L-1})
 *   c_{L-1} = c - (c₀ + … + c_{L-2})                       (the last challenge is not sent)
 *   for every j:  vⱼ·G = aⱼ + cⱼ·α   and   vⱼ·K = bⱼ + cⱼ·(β - mⱼ·G)
 *
 *   bytes: a₀ ‖ b₀ ‖ … ‖ a_{L-1} ‖ b_{L-1} ‖ c₀ ‖ … ‖ c_{L-2} ‖ v₀ ‖ … ‖ v_{L-1}  (128·L - 32 bytes)
 */
import { PolisError } from '../../base/errors.js'
import { concatBytes } from '../../base/bytes.js'
import { G, decodePoint, decodeScalar, encodeScalar, modq, mul, mulG, pointBytes, type Point } from '../group.js'
import type { Ciphertext } from '../elgamal.js'
import { randomScalar, type RandomSource } from '../random.js'
import type { Relation, Term } from '../relations.js'
import { hashToScalar, u32 } from '../transcript.js'

export interface DisjunctiveProof {
  /** (aⱼ, bⱼ) for every branch. */
  readonly commitments: ReadonlyArray<readonly [Point, Point]>
  /** c₀ … c_{L-2}; the last branch's challenge is derived. */
  readonly challenges: readonly bigint[]
  readonly responses: readonly bigint[]
}

export interface DisjunctiveStatement {
  /** The election's joint public key K. */
  readonly publicKey: Point
  /** The ciphertext is the sum of these (one selection, or all selections of a question). */
  readonly parts: readonly Ciphertext[]
  /** The allowed plaintexts, distinct. */
  readonly values: readonly number[]
}

export function disjunctiveProofBytes(branches: number): number {
  return 128 * branches - 32
}

function challenge(tag: string, context: readonly Uint8Array[], st: DisjunctiveStatement, commitments: ReadonlyArray<readonly [Point, Point]>): bigint {
  const parts: Uint8Array[] = [...context, pointBytes(st.publicKey), u32(st.parts.length)]
  for (const c of st.parts) parts.push(pointBytes(c.alpha), pointBytes(c.beta))
  parts.push(u32(st.values.length))
  for (const m of st.values) parts.push(u32(m))
  for (const [a, b] of commitments) parts.push(pointBytes(a), pointBytes(b))
  return hashToScalar(tag, parts)
}

/**
 * `randomness` is the r of the summed ciphertext (the sum of the parts' r) and `index` the true
 * branch. A false witness yields a proof that does not verify (tests use that to forge).
 */
export function proveOneOf(
  tag: string,
  context: readonly Uint8Array[],
  st: DisjunctiveStatement,
  witness: { readonly randomness: bigint; readonly index: number },
  rng: RandomSource,
): DisjunctiveProof {
  const L = st.values.length
  const { randomness: r, index: real } = witness
  if (!(Number.isInteger(real) && real >= 0 && real < L)) throw new RangeError('the true branch is not one of the values')
  const K = st.publicKey
  const mReal = BigInt(st.values[real]!)
  const commitments: Array<readonly [Point, Point]> = []
  const challenges: bigint[] = new Array(L).fill(0n)
  const responses: bigint[] = new Array(L).fill(0n)
  const u = randomScalar(rng)
  for (let j = 0; j < L; j++) {
    if (j === real) {
      commitments.push([mulG(u), mul(K, u)])
      continue
    }
    // Simulated: aⱼ = vⱼ·G - cⱼ·α = (vⱼ - cⱼ·r)·G and bⱼ = vⱼ·K - cⱼ·(β - mⱼ·G) = (vⱼ - cⱼ·r)·K + cⱼ·(mⱼ - m*)·G.
    const c = randomScalar(rng)
    const v = randomScalar(rng)
    const t = modq(v - c * r)
    challenges[j] = c
    responses[j] = v
    commitments.push([mulG(t), mul(K, t).add(mulG(modq(c * (BigInt(st.values[j]!) - mReal))))])
  }
  const total = challenge(tag, context, st, commitments)
  let others = 0n
  for (let j = 0; j < L; j++) if (j !== real) others += challenges[j]!
  challenges[real] = modq(total - others)
  responses[real] = modq(u + challenges[real]! * r)
  return { commitments, challenges: challenges.slice(0, L - 1), responses }
}

export function oneOfRelations(tag: string, context: readonly Uint8Array[], st: DisjunctiveStatement, proof: DisjunctiveProof, label: string): Relation[] {
  const L = st.values.length
  if (proof.commitments.length !== L || proof.challenges.length !== L - 1 || proof.responses.length !== L) {
    throw new PolisError('invalid_message', `${label}: the proof has the wrong number of branches`)
  }
  const total = challenge(tag, context, st, proof.commitments)
  let sum = 0n
  for (const c of proof.challenges) sum += c
  const cs = [...proof.challenges, modq(total - sum)]
  const K = st.publicKey
  const out: Relation[] = []
  for (let j = 0; j < L; j++) {
    const c = cs[j]!
    const v = proof.responses[j]!
    const [a, b] = proof.commitments[j]!
    const ta: Term[] = [[v, G], [-1n, a]]
    const tb: Term[] = [[v, K], [c * BigInt(st.values[j]!), G], [-1n, b]]
    for (const part of st.parts) {
      ta.push([-c, part.alpha])
      tb.push([-c, part.beta])
    }
    out.push({ label, terms: ta }, { label, terms: tb })
  }
  return out
}

export function encodeDisjunctiveProof(p: DisjunctiveProof): Uint8Array {
  const parts: Uint8Array[] = []
  for (const [a, b] of p.commitments) parts.push(pointBytes(a), pointBytes(b))
  for (const c of p.challenges) parts.push(encodeScalar(c))
  for (const v of p.responses) parts.push(encodeScalar(v))
  return concatBytes(...parts)
}

export function decodeDisjunctiveProof(bytes: Uint8Array, branches: number, what: string): DisjunctiveProof {
  if (bytes.length !== disjunctiveProofBytes(branches)) {
    throw new PolisError('invalid_message', `${what}: a proof over ${branches} values is ${disjunctiveProofBytes(branches)} bytes, got ${bytes.length}`)
  }
  const commitments: Array<readonly [Point, Point]> = []
  let o = 0
  for (let j = 0; j < branches; j++, o += 64) {
    commitments.push([decodePoint(bytes.subarray(o, o + 32), `${what} a${j}`), decodePoint(bytes.subarray(o + 32, o + 64), `${what} b${j}`)])
  }
  const challenges: bigint[] = []
  for (let j = 0; j < branches - 1; j++, o += 32) challenges.push(decodeScalar(bytes.subarray(o, o + 32), `${what} c${j}`))
  const responses: bigint[] = []
  for (let j = 0; j < branches; j++, o += 32) responses.push(decodeScalar(bytes.subarray(o, o + 32), `${what} v${j}`))
  return { commitments, challenges, responses }
}
