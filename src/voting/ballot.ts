/**
 * Encrypted ballots: one exponential-ElGamal ciphertext per option with a 0/1 proof, and per
 * question a proof that the number of selections is within [minSelections, maxSelections].
 *
 * Proof contexts (transcript.ts frames; account = the voter's 32-byte account key):
 *   selection q, option o:  tag "selection",       context (electionHash, account, u32(q), u32(o)),
 *                           values [0, 1], parts [the option's ciphertext]
 *   question q:             tag "selection-limit", context (electionHash, account, u32(q)),
 *                           values [min … max], parts [all the question's ciphertexts]
 * The selection-limit proof is left out when the bounds are [0, #options]: the 0/1 proofs already
 * imply them.
 *
 * Bytes: u32be(#questions), then per question u32be(#options), per option ciphertext (64) ‖ 0/1
 * proof (224), then the selection-limit proof (128·(max-min+1) - 32 bytes) when there is one.
 * Tracking code = SHA-256(frame("tracking-code", electionHash, account, ballot bytes)).
 */
import { PolisError } from '../base/errors.js'
import { concatBytes } from '../base/bytes.js'
import { ByteReader } from './byte-reader.js'
import type { ElectionContext } from './context.js'
import { CIPHERTEXT_BYTES, ciphertextEquals, decodeCiphertext, encodeCiphertext, encrypt, type Ciphertext } from './elgamal.js'
import { ORDER, limbsOf, modq, pointBytes } from './group.js'
import { ACCOUNT_BYTES, type Question } from './manifest.js'
import {
  decodeDisjunctiveProof,
  disjunctiveProofBytes,
  encodeDisjunctiveProof,
  oneOfRelations,
  proveOneOf,
  type DisjunctiveProof,
} from './proofs/disjunctive.js'
import { randomScalar, type RandomSource } from './random.js'
import { batchHolds, failedRelations, type Relation } from './relations.js'
import { digest, u32 } from './transcript.js'
import { knownValid, knownValidCiphertexts, verdictKey } from './verdicts.js'
import { compactPoints } from './running-aggregate.js'
import type { XPoint } from './limbs/edwards.js'

export interface EncryptedSelection {
  readonly ciphertext: Ciphertext
  readonly proof: DisjunctiveProof
}

export interface EncryptedQuestion {
  readonly selections: readonly EncryptedSelection[]
  /** null exactly when the question's bounds are [0, #options]. */
  readonly limitProof: DisjunctiveProof | null
}

export interface EncryptedBallot {
  readonly questions: readonly EncryptedQuestion[]
}

/** What opens a ballot for a Benaloh audit: the choices and each ciphertext's randomness. */
export interface BallotOpening {
  readonly selections: ReadonlyArray<readonly number[]>
  readonly randomness: ReadonlyArray<readonly bigint[]>
}

export const SELECTION_PROOF_BYTES = disjunctiveProofBytes(2)

export function limitValues(q: Question): number[] | null {
  if (q.minSelections === 0 && q.maxSelections === q.options.length) return null
  const out: number[] = []
  for (let v = q.minSelections; v <= q.maxSelections; v++) out.push(v)
  return out
}

const selectionContext = (ctx: ElectionContext, account: Uint8Array, q: number, o: number) => [ctx.electionHash, account, u32(q), u32(o)]
const limitContext = (ctx: ElectionContext, account: Uint8Array, q: number) => [ctx.electionHash, account, u32(q)]

function checkAccount(account: Uint8Array): void {
  if (!(account instanceof Uint8Array) || account.length !== ACCOUNT_BYTES) throw new PolisError('invalid_request', `a voter account is ${ACCOUNT_BYTES} bytes`)
}

/** Checks the voter's choices against the manifest (PolisError 'invalid_request'). */
export function validateSelections(ctx: ElectionContext, selections: ReadonlyArray<readonly number[]>): void {
  const qs = ctx.manifest.questions
  if (selections.length !== qs.length) throw new PolisError('invalid_request', `the election has ${qs.length} questions, got ${selections.length}`)
  qs.forEach((q, i) => {
    const s = selections[i]!
    if (s.length !== q.options.length) throw new PolisError('invalid_request', `question ${i} has ${q.options.length} options, got ${s.length}`)
    if (!s.every((x) => x === 0 || x === 1)) throw new PolisError('invalid_request', `question ${i}: each selection is 0 or 1`)
    const n = s.reduce((a: number, b) => a + b, 0)
    if (n < q.minSelections || n > q.maxSelections) {
      throw new PolisError('invalid_request', `question ${i}: ${n} selections, allowed ${q.minSelections} to ${q.maxSelections}`)
    }
  })
}

/** Encrypts the voter's choices (0/1 per option) with every proof. */
export function encryptBallot(
  ctx: ElectionContext,
  account: Uint8Array,
  selections: ReadonlyArray<readonly number[]>,
  rng: RandomSource,
): { ballot: EncryptedBallot; opening: BallotOpening; trackingCode: Uint8Array } {
  checkAccount(account)
  validateSelections(ctx, selections)
  const K = ctx.publicKey
  const randomness: bigint[][] = []
  const questions = ctx.manifest.questions.map((q, qi): EncryptedQuestion => {
    const rs: bigint[] = []
    const chosen = selections[qi]!
    const sel = chosen.map((m, oi): EncryptedSelection => {
      const r = randomScalar(rng)
      rs.push(r)
      const ciphertext = encrypt(K, BigInt(m), r)
      const proof = proveOneOf('selection', selectionContext(ctx, account, qi, oi), { publicKey: K, parts: [ciphertext], values: [0, 1] }, { randomness: r, index: m }, rng)
      return { ciphertext, proof }
    })
    randomness.push(rs)
    const values = limitValues(q)
    let limitProof: DisjunctiveProof | null = null
    if (values) {
      const count = chosen.reduce((a, b) => a + b, 0)
      const r = modq(rs.reduce((a, b) => a + b, 0n))
      limitProof = proveOneOf(
        'selection-limit',
        limitContext(ctx, account, qi),
        { publicKey: K, parts: sel.map((s) => s.ciphertext), values },
        { randomness: r, index: count - q.minSelections },
        rng,
      )
    }
    return { selections: sel, limitProof }
  })
  const ballot = { questions }
  return { ballot, opening: { selections: selections.map((s) => [...s]), randomness }, trackingCode: trackingCode(ctx, account, ballot) }
}

export function encodeBallot(ballot: EncryptedBallot): Uint8Array {
  const parts: Uint8Array[] = [u32(ballot.questions.length)]
  for (const q of ballot.questions) {
    parts.push(u32(q.selections.length))
    for (const s of q.selections) parts.push(encodeCiphertext(s.ciphertext), encodeDisjunctiveProof(s.proof))
    if (q.limitProof) parts.push(encodeDisjunctiveProof(q.limitProof))
  }
  return concatBytes(...parts)
}

/**
 * A proof whose bytes a verified ballot carries (verdicts.ts): decoded on first read (they are
 * known to decode), which the chain's tally never does.
 */
function deferredProof(bytes: Uint8Array, branches: number, what: string): DisjunctiveProof {
  let p: DisjunctiveProof | undefined
  const get = () => (p ??= decodeDisjunctiveProof(bytes, branches, what))
  return {
    get commitments() {
      return get().commitments
    },
    get challenges() {
      return get().challenges
    },
    get responses() {
      return get().responses
    },
  }
}

/**
 * Decodes a ballot for this election: shape must match the manifest, every encoding canonical.
 * `verified` (only for bytes whose verdict is known valid): the proofs are decoded when first read.
 */
export function decodeBallot(ctx: ElectionContext, bytes: Uint8Array, verified = false): EncryptedBallot {
  const proof = verified ? (b: Uint8Array, n: number, what: string) => deferredProof(b.slice(), n, what) : decodeDisjunctiveProof
  const qs = ctx.manifest.questions
  const r = new ByteReader(bytes, 'ballot')
  const need = (n: number, what: string) => r.take(n, what)
  const count = (what: string) => r.u32(what)
  const nq = count('question count')
  if (nq !== qs.length) throw new PolisError('invalid_message', `ballot: the election has ${qs.length} questions, the ballot ${nq}`)
  const questions = qs.map((q, qi): EncryptedQuestion => {
    const no = count(`question ${qi} option count`)
    if (no !== q.options.length) throw new PolisError('invalid_message', `ballot: question ${qi} has ${q.options.length} options, the ballot ${no}`)
    const selections: EncryptedSelection[] = []
    for (let oi = 0; oi < no; oi++) {
      const what = `ballot question ${qi} option ${oi}`
      const ciphertext = decodeCiphertext(need(CIPHERTEXT_BYTES, what), `${what} ciphertext`)
      selections.push({ ciphertext, proof: proof(need(SELECTION_PROOF_BYTES, what), 2, `${what} 0/1 proof`) })
    }
    const values = limitValues(q)
    const limitProof = values
      ? proof(need(disjunctiveProofBytes(values.length), `question ${qi} limit proof`), values.length, `ballot question ${qi} selection-limit proof`)
      : null
    return { selections, limitProof }
  })
  r.end()
  return { questions }
}

export function trackingCode(ctx: ElectionContext, account: Uint8Array, ballot: EncryptedBallot): Uint8Array {
  return digest('tracking-code', [ctx.electionHash, account, encodeBallot(ballot)])
}

/** Every check of a decoded ballot as a linear relation (what verifyBallot batches). */
export function ballotRelations(ctx: ElectionContext, account: Uint8Array, ballot: EncryptedBallot): Relation[] {
  const qs = ctx.manifest.questions
  if (ballot.questions.length !== qs.length) throw new PolisError('invalid_message', `ballot: the election has ${qs.length} questions`)
  const K = ctx.publicKey
  const out: Relation[] = []
  qs.forEach((q, qi) => {
    const bq = ballot.questions[qi]!
    if (bq.selections.length !== q.options.length) throw new PolisError('invalid_message', `ballot: question ${qi} has ${q.options.length} options`)
    bq.selections.forEach((s, oi) => {
      const st = { publicKey: K, parts: [s.ciphertext], values: [0, 1] }
      out.push(...oneOfRelations('selection', selectionContext(ctx, account, qi, oi), st, s.proof, `question ${qi} option ${oi}: 0/1 proof invalid`))
    })
    const values = limitValues(q)
    if ((values === null) !== (bq.limitProof === null)) {
      throw new PolisError('invalid_message', `ballot: question ${qi} ${values ? 'needs' : 'takes no'} selection-limit proof`)
    }
    if (values && bq.limitProof) {
      const st = { publicKey: K, parts: bq.selections.map((s) => s.ciphertext), values }
      out.push(
        ...oneOfRelations('selection-limit', limitContext(ctx, account, qi), st, bq.limitProof, `question ${qi}: selection-limit proof invalid (${q.minSelections} to ${q.maxSelections})`),
      )
    }
  })
  return out
}

/**
 * Checks every proof of a decoded ballot cast by `account`. Returns the failed checks (empty when
 * the ballot is valid). One batched multi-scalar multiplication when the ballot is valid; its
 * weights come from the tracking code (which hashes every byte of the ballot, the election hash
 * and the account) and the joint key. Pass the tracking code if it is already computed.
 */
export function verifyBallot(ctx: ElectionContext, account: Uint8Array, ballot: EncryptedBallot, code?: Uint8Array): string[] {
  checkAccount(account)
  const relations = ballotRelations(ctx, account, ballot)
  const seed = digest('ballot-batch', [code ?? trackingCode(ctx, account, ballot), pointBytes(ctx.publicKey)])
  return failedRelations(relations, seed)
}

/**
 * What the chain does with a ballot transaction: decode (PolisError 'invalid_message' on any
 * malformed or non-canonical byte), compute the tracking code, verify every proof.
 */
export function checkBallot(ctx: ElectionContext, account: Uint8Array, bytes: Uint8Array): { ballot: EncryptedBallot; trackingCode: Uint8Array; failures: string[] } {
  checkAccount(account)
  const code = digest('tracking-code', [ctx.electionHash, account, bytes])
  // Verified ahead (verdicts.ts): decode the ciphertexts, leave the proofs' points encoded until read.
  if (knownValid(verdictKey(ctx, account, bytes))) return { ballot: decodeBallot(ctx, bytes, true), trackingCode: code, failures: [] }
  const ballot = decodeBallot(ctx, bytes)
  return { ballot, trackingCode: code, failures: verifyBallot(ctx, account, ballot, code) }
}

/** A ballot's ciphertext points on limbs, question by question, option by option, α then β. */
export function ciphertextPoints(ballot: EncryptedBallot): XPoint[] {
  const out: XPoint[] = []
  for (const q of ballot.questions) for (const s of q.selections) out.push(limbsOf(s.ciphertext.alpha), limbsOf(s.ciphertext.beta))
  return out
}

/**
 * checkBallot as the chain's aggregate wants it: the ciphertexts in compact form
 * (running-aggregate.ts) instead of group elements. With a verdict that carries them, nothing is
 * decoded at all; else as checkBallot. `ciphertexts` is null when the ballot failed.
 */
export function checkBallotCompact(ctx: ElectionContext, account: Uint8Array, bytes: Uint8Array): { trackingCode: Uint8Array; failures: string[]; ciphertexts: Uint8Array | null } {
  checkAccount(account)
  const known = knownValidCiphertexts(verdictKey(ctx, account, bytes))
  if (known) return { trackingCode: digest('tracking-code', [ctx.electionHash, account, bytes]), failures: [], ciphertexts: known }
  const checked = checkBallot(ctx, account, bytes)
  return { trackingCode: checked.trackingCode, failures: checked.failures, ciphertexts: checked.failures.length ? null : compactPoints(ciphertextPoints(checked.ballot)) }
}

export interface CheckedBallot {
  /** null when the bytes do not decode (the reason is the only failure). */
  readonly ballot: EncryptedBallot | null
  readonly trackingCode: Uint8Array
  readonly failures: string[]
}

/**
 * checkBallot for many ballots at once (a block's, a record's): one batch over all their proofs,
 * about twice as fast per ballot as one by one when they are valid; when the batch fails, each
 * ballot is checked alone to say which failed and why. A ballot that does not decode is reported,
 * not thrown.
 */
export function checkBallots(ctx: ElectionContext, items: ReadonlyArray<{ readonly account: Uint8Array; readonly bytes: Uint8Array }>): CheckedBallot[] {
  const out = items.map(({ account, bytes }): CheckedBallot & { relations?: Relation[] } => {
    const code = digest('tracking-code', [ctx.electionHash, account, bytes])
    try {
      checkAccount(account)
      const ballot = decodeBallot(ctx, bytes)
      return { ballot, trackingCode: code, failures: [], relations: ballotRelations(ctx, account, ballot) }
    } catch (e) {
      if (!(e instanceof PolisError)) throw e
      return { ballot: null, trackingCode: code, failures: [e.message] }
    }
  })
  const decoded = out.filter((x) => x.relations)
  const seed = digest('ballots-batch', [pointBytes(ctx.publicKey), ...decoded.map((x) => x.trackingCode)])
  const all = decoded.flatMap((x) => x.relations!)
  if (!batchHolds(all, seed)) {
    decoded.forEach((x) => x.failures.push(...failedRelations(x.relations!, digest('ballot-batch', [x.trackingCode, pointBytes(ctx.publicKey)]))))
  }
  return out.map(({ ballot, trackingCode, failures }) => ({ ballot, trackingCode, failures }))
}

/** A ballot's check as the record verifier keeps it: its ciphertexts compact (null when it does not decode). */
export interface CompactCheck {
  readonly trackingCode: Uint8Array
  readonly failures: string[]
  readonly ciphertexts: Uint8Array | null
}

/** checkBallots with each decoded ballot's ciphertexts in compact form (running-aggregate.ts). */
export function checkBallotsCompact(ctx: ElectionContext, items: ReadonlyArray<{ readonly account: Uint8Array; readonly bytes: Uint8Array }>): CompactCheck[] {
  return checkBallots(ctx, items).map((c) => ({ trackingCode: c.trackingCode, failures: c.failures, ciphertexts: c.ballot ? compactPoints(ciphertextPoints(c.ballot)) : null }))
}

/** verifyBallot that throws PolisError('proof_invalid') naming the first failed check. */
export function assertValidBallot(ctx: ElectionContext, account: Uint8Array, ballot: EncryptedBallot): void {
  const failed = verifyBallot(ctx, account, ballot)
  if (failed.length) throw new PolisError('proof_invalid', `ballot: ${failed.join('; ')}`)
}

/**
 * Benaloh challenge: checks that the ballot is valid and that each ciphertext encrypts the stated
 * choice with the stated randomness; returns the choices. An audited ballot has revealed its
 * contents and must never be cast: the client encrypts a fresh one.
 */
export function auditBallot(ctx: ElectionContext, account: Uint8Array, ballot: EncryptedBallot, opening: BallotOpening): number[][] {
  assertValidBallot(ctx, account, ballot)
  validateSelections(ctx, opening.selections)
  const K = ctx.publicKey
  ballot.questions.forEach((q, qi) => {
    q.selections.forEach((s, oi) => {
      const r = opening.randomness[qi]?.[oi]
      if (r === undefined || r < 0n || r >= ORDER || !ciphertextEquals(s.ciphertext, encrypt(K, BigInt(opening.selections[qi]![oi]!), r))) {
        throw new PolisError('proof_invalid', `audit: question ${qi} option ${oi} does not encrypt the stated choice`)
      }
    })
  })
  return opening.selections.map((s) => [...s])
}
