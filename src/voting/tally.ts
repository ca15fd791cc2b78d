/**
 * The tally: the homomorphic sum of the counted ballots (per question and option), trustees'
 * partial decryptions with Chaum-Pedersen proofs, and their combination by any k of them.
 *
 * Trustee j (secret share xⱼ, verification share Xⱼ = xⱼ·G) posts for every option's aggregate
 * (α, β) the share Mⱼ = xⱼ·α and a proof that log_G Xⱼ = log_α Mⱼ (tag "partial-decryption",
 * context electionHash, u32(j), account, u32(question), u32(option)). With a set S of at least k
 * valid trustees, M = Σ_{j∈S} λⱼ·Mⱼ = x·α where λⱼ = Π_{l∈S, l≠j} l/(l-j) mod q (Lagrange at 0),
 * so β - M = m·G and m is found by a discrete log bounded by the number of counted ballots.
 *
 * Partial decryption bytes: u32(trustee) ‖ u32(#questions) ‖ per question u32(#options) ‖ per
 * option Mⱼ (32) ‖ proof (96). Mⱼ and the proof's b may be the identity (when α is).
 */
import { PolisError } from '../base/errors.js'
import { concatBytes } from '../base/bytes.js'
import type { EncryptedBallot } from './ballot.js'
import { ByteReader } from './byte-reader.js'
import type { ElectionContext } from './context.js'
import { boundedDiscreteLog } from './dlog.js'
import { ZERO_CIPHERTEXT, addCiphertexts, encodeCiphertext, subtractCiphertexts, type Ciphertext } from './elgamal.js'
import { decodeElement, invq, modq, mul, mulG, pointBytes, type Point } from './group.js'
import { decodeEqualityProof, encodeEqualityProof, equalityRelations, proveEquality, EQUALITY_PROOF_BYTES, type EqualityProof } from './proofs/chaum-pedersen.js'
import type { RandomSource } from './random.js'
import { failedRelations, msm, type Relation } from './relations.js'
import { digest, u32 } from './transcript.js'

/** Per question, per option: the sum of the counted ballots' ciphertexts. */
export type Aggregate = ReadonlyArray<readonly Ciphertext[]>

export interface DecryptionShare {
  readonly share: Point
  readonly proof: EqualityProof
}

export interface PartialDecryption {
  readonly trustee: number
  readonly shares: ReadonlyArray<readonly DecryptionShare[]>
}

export function emptyAggregate(ctx: ElectionContext): Aggregate {
  return ctx.manifest.questions.map((q) => q.options.map(() => ZERO_CIPHERTEXT))
}

function combine(agg: Aggregate, ballot: EncryptedBallot, op: (a: Ciphertext, b: Ciphertext) => Ciphertext): Aggregate {
  if (ballot.questions.length !== agg.length) throw new PolisError('invalid_message', 'the ballot does not fit the aggregate')
  return agg.map((row, qi) => {
    const sel = ballot.questions[qi]!.selections
    if (sel.length !== row.length) throw new PolisError('invalid_message', 'the ballot does not fit the aggregate')
    return row.map((c, oi) => op(c, sel[oi]!.ciphertext))
  })
}

/** The aggregate with one more (verified) ballot counted. */
export function addBallot(agg: Aggregate, ballot: EncryptedBallot): Aggregate {
  return combine(agg, ballot, addCiphertexts)
}

/** The aggregate without a ballot counted before (a re-vote replaces the voter's earlier ballot). */
export function removeBallot(agg: Aggregate, ballot: EncryptedBallot): Aggregate {
  return combine(agg, ballot, subtractCiphertexts)
}

export function aggregateBallots(ctx: ElectionContext, ballots: Iterable<EncryptedBallot>): Aggregate {
  const acc = emptyAggregate(ctx).map((row) => row.map((c) => ({ alpha: c.alpha, beta: c.beta })))
  for (const b of ballots) {
    if (b.questions.length !== acc.length) throw new PolisError('invalid_message', 'the ballot does not fit the aggregate')
    b.questions.forEach((q, qi) => {
      const row = acc[qi]!
      if (q.selections.length !== row.length) throw new PolisError('invalid_message', 'the ballot does not fit the aggregate')
      q.selections.forEach((s, oi) => {
        const c = row[oi]!
        c.alpha = c.alpha.add(s.ciphertext.alpha)
        c.beta = c.beta.add(s.ciphertext.beta)
      })
    })
  }
  return acc
}

export function encodeAggregate(agg: Aggregate): Uint8Array {
  return concatBytes(...agg.flatMap((row) => row.map(encodeCiphertext)))
}

function trusteeAccount(ctx: ElectionContext, trustee: number): Uint8Array {
  const a = ctx.manifest.trustees[trustee - 1]
  if (!Number.isInteger(trustee) || !a) throw new PolisError('invalid_message', `trustee ${trustee} is not a trustee of this election`)
  return a
}

const shareContext = (ctx: ElectionContext, trustee: number, q: number, o: number) => [ctx.electionHash, u32(trustee), trusteeAccount(ctx, trustee), u32(q), u32(o)]

/** Trustee `trustee`'s partial decryption of every option's aggregate, with proofs. */
export function partialDecrypt(ctx: ElectionContext, trustee: number, secretShare: bigint, agg: Aggregate, rng: RandomSource): PartialDecryption {
  const Xj = mulG(secretShare)
  const shares = agg.map((row, qi) =>
    row.map((c, oi): DecryptionShare => {
      const share = mul(c.alpha, secretShare)
      const proof = proveEquality('partial-decryption', shareContext(ctx, trustee, qi, oi), { publicKey: Xj, base: c.alpha, image: share }, secretShare, rng)
      return { share, proof }
    }),
  )
  return { trustee, shares }
}

/**
 * Failed checks of a partial decryption against the trustee's verification share and the
 * aggregate (empty if valid); one batched check when valid.
 */
export function verifyPartialDecryption(ctx: ElectionContext, partial: PartialDecryption, verificationShare: Point, agg: Aggregate): string[] {
  const who = `trustee ${partial.trustee} partial decryption`
  if (!ctx.manifest.trustees[partial.trustee - 1]) return [`${who}: not a trustee of this election`]
  if (partial.shares.length !== agg.length || partial.shares.some((row, qi) => row.length !== agg[qi]!.length)) return [`${who}: does not cover every option`]
  const relations: Relation[] = []
  partial.shares.forEach((row, qi) =>
    row.forEach((d, oi) => {
      const st = { publicKey: verificationShare, base: agg[qi]![oi]!.alpha, image: d.share }
      relations.push(...equalityRelations('partial-decryption', shareContext(ctx, partial.trustee, qi, oi), st, d.proof, `${who}: question ${qi} option ${oi} proof invalid`))
    }),
  )
  const seed = digest('partial-batch', [ctx.electionHash, pointBytes(verificationShare), encodeAggregate(agg), encodePartialDecryption(partial)])
  return failedRelations(relations, seed)
}

/** λⱼ = Π_{l∈S, l≠j} l / (l - j) mod q for each j in S: f(0) = Σ λⱼ·f(j). */
export function lagrangeAtZero(indices: readonly number[]): Map<number, bigint> {
  const out = new Map<number, bigint>()
  for (const j of indices) {
    let num = 1n
    let den = 1n
    for (const l of indices) {
      if (l === j) continue
      num = modq(num * BigInt(l))
      den = modq(den * BigInt(l - j))
    }
    out.set(j, modq(num * invq(den)))
  }
  return out
}

/**
 * The counts, from the aggregate and the partial decryptions of at least k distinct trustees
 * (already verified: each proof checked against its verification share). `maxCount` bounds every
 * count: the number of counted ballots. PolisError 'invalid_state' with fewer than k trustees
 * (the election stays sealed) or if a value is not a count (the inputs were not verified).
 */
export function combinePartialDecryptions(ctx: ElectionContext, agg: Aggregate, partials: readonly PartialDecryption[], maxCount: number): number[][] {
  const k = ctx.manifest.threshold
  const trustees = [...new Set(partials.map((p) => p.trustee))].sort((a, b) => a - b)
  if (trustees.length !== partials.length) throw new PolisError('invalid_message', 'a trustee appears twice among the partial decryptions')
  if (trustees.length < k) throw new PolisError('invalid_state', `${trustees.length} partial decryptions, ${k} needed: the election stays sealed`)
  const lambda = lagrangeAtZero(trustees)
  return agg.map((row, qi) =>
    row.map((c, oi) => {
      const M = msm(partials.map((p) => [lambda.get(p.trustee)!, p.shares[qi]![oi]!.share] as const))
      try {
        return boundedDiscreteLog(c.beta.subtract(M), maxCount)
      } catch (e) {
        throw new PolisError('invalid_state', `question ${qi} option ${oi}: ${(e as Error).message}`)
      }
    }),
  )
}

export function encodePartialDecryption(p: PartialDecryption): Uint8Array {
  const parts: Uint8Array[] = [u32(p.trustee), u32(p.shares.length)]
  for (const row of p.shares) {
    parts.push(u32(row.length))
    for (const d of row) parts.push(pointBytes(d.share), encodeEqualityProof(d.proof))
  }
  return concatBytes(...parts)
}

/** Decodes a partial decryption for this election (shape from the manifest, canonical encodings). */
export function decodePartialDecryption(ctx: ElectionContext, bytes: Uint8Array): PartialDecryption {
  const r = new ByteReader(bytes, 'partial decryption')
  const trustee = r.u32('trustee')
  const who = `trustee ${trustee} partial decryption`
  const qs = ctx.manifest.questions
  if (r.u32('question count') !== qs.length) throw new PolisError('invalid_message', `${who}: the election has ${qs.length} questions`)
  const shares = qs.map((q, qi) => {
    if (r.u32(`question ${qi} option count`) !== q.options.length) throw new PolisError('invalid_message', `${who}: question ${qi} has ${q.options.length} options`)
    return q.options.map((_, oi): DecryptionShare => {
      const what = `${who} question ${qi} option ${oi}`
      return {
        share: decodeElement(r.take(32, `${what} share`), `${what} share`),
        proof: decodeEqualityProof(r.take(EQUALITY_PROOF_BYTES, `${what} proof`), `${what} proof`, true),
      }
    })
  })
  r.end()
  return { trustee, shares }
}
