/**
 * Distributed key generation for k of n trustees (Pedersen's DKG with Feldman verifiable secret
 * sharing). No party ever holds the election's secret key.
 *
 * 1. Registration. Trustee i publishes an encryption key Eᵢ = skᵢ·G with a Schnorr proof of
 *    knowledge (tag "trustee-key", context electionHash, u32(i), account).
 * 2. Dealing. Trustee i picks fᵢ(x) = aᵢ₀ + aᵢ₁x + … + aᵢ,ₖ₋₁xᵏ⁻¹ and publishes the commitments
 *    Cᵢₜ = aᵢₜ·G, the share fᵢ(j) encrypted to Eⱼ for every other registered trustee j
 *    (share-encryption.ts), and a Schnorr proof of knowledge of aᵢ₀ (tag "deal", context
 *    electionHash, u32(i), account, deal body) which also signs the whole deal, so no byte of it can
 *    change. The proof of knowledge stops a dealer from choosing its Cᵢ₀ as a function of others'
 *    (rogue key).
 * 3. Checking. Trustee j opens fᵢ(j) and checks fᵢ(j)·G = Σₜ jᵗ·Cᵢₜ. If the share does not open or
 *    does not match, j complains by revealing Dᵢⱼ = skⱼ·Rᵢⱼ (the Diffie-Hellman value of that one
 *    share) with a Chaum-Pedersen proof that log_G Eⱼ = log_Rᵢⱼ Dᵢⱼ (tag "complaint"). Anyone can
 *    then open the share and decide: the complaint is upheld (dealer i is disqualified) iff the
 *    share fails to open or to match. A false complaint is rejected and only makes public a share
 *    its complainer already had. A dealer cannot be framed (D is fixed by the proof) nor escape.
 * 4. Result. QUAL = dealers with a valid deal and no upheld complaint; it must have at least k
 *    members, so that with fewer than k dishonest trustees at least one honest dealer is in it.
 *    Joint key K = Σ_{i∈QUAL} Cᵢ₀. Trustee j's secret share xⱼ = Σ_{i∈QUAL} fᵢ(j) and its public
 *    verification share Xⱼ = xⱼ·G = Σₜ jᵗ·(Σ_{i∈QUAL} Cᵢₜ), computable by anyone.
 *
 * Known limit of Pedersen's DKG (Gennaro et al. 1999): a dishonest dealer that sees the others'
 * deals first can bias the distribution of K; for ElGamal encryption this does not help break
 * secrecy (Gennaro et al., CT-RSA 2003). Byte forms of the messages: dkg-bytes.ts.
 */
import { PolisError } from '../base/errors.js'
import { concatBytes } from '../base/bytes.js'
import { IDENTITY, modq, mul, mulG, mulPublic, pointBytes, type Point } from './group.js'
import { electionHash as hashManifest, type Manifest } from './manifest.js'
import { equalityRelations, proveEquality, type EqualityProof } from './proofs/chaum-pedersen.js'
import { knowledgeRelations, proveKnowledge, type SchnorrProof } from './proofs/schnorr.js'
import { randomScalar, type RandomSource } from './random.js'
import { relationHolds, type Relation } from './relations.js'
import { encodeEncryptedShare, encryptShare, openShare, openShareWithDh, type EncryptedShare, type OpenedShare, type ShareRoute } from './share-encryption.js'
import { u32 } from './transcript.js'

export interface DkgContext {
  readonly manifest: Manifest
  readonly electionHash: Uint8Array
}

export function dkgContext(manifest: Manifest): DkgContext {
  return { manifest, electionHash: hashManifest(manifest) }
}

export interface TrusteeRegistration {
  readonly trustee: number
  readonly encryptionKey: Point
  readonly proof: SchnorrProof
}

export interface Deal {
  readonly dealer: number
  /** C₀ … Cₖ₋₁ */
  readonly commitments: readonly Point[]
  /** One per other registered trustee, by ascending recipient index. */
  readonly shares: readonly EncryptedShare[]
  readonly proof: SchnorrProof
}

export interface Complaint {
  readonly complainer: number
  readonly dealer: number
  /** D = sk_complainer · R of the share complained about. */
  readonly dhKey: Point
  readonly proof: EqualityProof
}

function account(ctx: DkgContext, trustee: number): Uint8Array {
  const a = ctx.manifest.trustees[trustee - 1]
  if (!Number.isInteger(trustee) || !a) throw new PolisError('invalid_message', `trustee ${trustee} is not a trustee of this election`)
  return a
}

function holds(relations: Relation[]): boolean {
  return relations.every(relationHolds)
}

// ---- registration ----

const registrationContext = (ctx: DkgContext, trustee: number) => [ctx.electionHash, u32(trustee), account(ctx, trustee)]

export function registerTrustee(ctx: DkgContext, trustee: number, rng: RandomSource): { registration: TrusteeRegistration; encryptionSecret: bigint } {
  registrationContext(ctx, trustee)
  const encryptionSecret = randomScalar(rng)
  const proof = proveKnowledge('trustee-key', registrationContext(ctx, trustee), encryptionSecret, rng)
  return { registration: { trustee, encryptionKey: mulG(encryptionSecret), proof }, encryptionSecret }
}

/** Failed checks of a registration (empty if valid). */
export function verifyRegistration(ctx: DkgContext, reg: TrusteeRegistration): string[] {
  const what = `trustee ${reg.trustee} key registration`
  if (!ctx.manifest.trustees[reg.trustee - 1]) return [`${what}: not a trustee of this election`]
  return holds(knowledgeRelations('trustee-key', registrationContext(ctx, reg.trustee), reg.encryptionKey, reg.proof, what)) ? [] : [`${what}: proof of knowledge invalid`]
}

function keyOf(regs: readonly TrusteeRegistration[], trustee: number): Point {
  const r = regs.find((x) => x.trustee === trustee)
  if (!r) throw new PolisError('invalid_message', `trustee ${trustee} has not registered an encryption key`)
  return r.encryptionKey
}

/** Registered trustees other than `self`, ascending. */
function recipientsOf(regs: readonly TrusteeRegistration[], self: number): number[] {
  return regs.map((r) => r.trustee).filter((t) => t !== self).sort((a, b) => a - b)
}

// ---- dealing ----

/** f(x) = Σ coefficients[t]·xᵗ mod q. */
export function evaluatePolynomial(coefficients: readonly bigint[], x: number): bigint {
  let acc = 0n
  for (let t = coefficients.length - 1; t >= 0; t--) acc = modq(acc * BigInt(x) + coefficients[t]!)
  return acc
}

/** Σₜ xᵗ·Cₜ: the public image f(x)·G of a committed polynomial. */
export function evaluateCommitments(commitments: readonly Point[], x: number): Point {
  let acc = IDENTITY
  for (let t = commitments.length - 1; t >= 0; t--) acc = mulPublic(acc, BigInt(x)).add(commitments[t]!)
  return acc
}

/** The bytes the deal's proof signs (and, followed by the proof, the deal's encoding). */
export function dealBody(d: Pick<Deal, 'dealer' | 'commitments' | 'shares'>): Uint8Array {
  const parts: Uint8Array[] = [u32(d.dealer), u32(d.commitments.length), ...d.commitments.map(pointBytes), u32(d.shares.length)]
  for (const s of d.shares) parts.push(u32(s.recipient), encodeEncryptedShare(s))
  return concatBytes(...parts)
}

const dealContext = (ctx: DkgContext, d: Pick<Deal, 'dealer' | 'commitments' | 'shares'>) => [ctx.electionHash, u32(d.dealer), account(ctx, d.dealer), dealBody(d)]

/** Where a share travels: what its encryption key derivation binds. */
export const shareRoute = (ctx: DkgContext, dealer: number, recipient: number, regs: readonly TrusteeRegistration[]): ShareRoute => ({
  electionHash: ctx.electionHash,
  dealer,
  recipient,
  recipientKey: keyOf(regs, recipient),
})

/**
 * Trustee `dealer`'s deal to every other registered trustee. Keep `coefficients` secret until
 * the DKG ends: the trustee's own share is evaluatePolynomial(coefficients, dealer).
 */
export function makeDeal(ctx: DkgContext, dealer: number, registrations: readonly TrusteeRegistration[], rng: RandomSource): { deal: Deal; coefficients: bigint[] } {
  account(ctx, dealer)
  const k = ctx.manifest.threshold
  const coefficients = Array.from({ length: k }, () => randomScalar(rng))
  const shares = recipientsOf(registrations, dealer).map((j) => encryptShare(shareRoute(ctx, dealer, j, registrations), evaluatePolynomial(coefficients, j), rng))
  return { deal: sealDeal(ctx, dealer, coefficients.map(mulG), shares, coefficients[0]!, rng), coefficients }
}

/**
 * Assembles a deal from its parts and signs it with the proof of knowledge of a₀ (the constant
 * term behind commitments[0]). makeDeal is the honest use; it is exported for tools that build
 * the shares themselves (and for tests that play a dishonest dealer).
 */
export function sealDeal(ctx: DkgContext, dealer: number, commitments: readonly Point[], shares: readonly EncryptedShare[], constantTerm: bigint, rng: RandomSource): Deal {
  const body = { dealer, commitments, shares }
  return { ...body, proof: proveKnowledge('deal', dealContext(ctx, body), constantTerm, rng) }
}

/** Failed checks of a deal against the registrations (empty if valid). */
export function verifyDeal(ctx: DkgContext, deal: Deal, registrations: readonly TrusteeRegistration[]): string[] {
  const what = `deal of trustee ${deal.dealer}`
  if (!ctx.manifest.trustees[deal.dealer - 1]) return [`${what}: not a trustee of this election`]
  if (!registrations.some((r) => r.trustee === deal.dealer)) return [`${what}: the dealer has not registered`]
  const failures: string[] = []
  if (deal.commitments.length !== ctx.manifest.threshold) failures.push(`${what}: ${deal.commitments.length} commitments, the threshold needs ${ctx.manifest.threshold}`)
  const expected = recipientsOf(registrations, deal.dealer)
  if (deal.shares.map((s) => s.recipient).join() !== expected.join()) failures.push(`${what}: shares must go to trustees [${expected.join(', ')}] in order`)
  if (failures.length) return failures
  if (!holds(knowledgeRelations('deal', dealContext(ctx, deal), deal.commitments[0]!, deal.proof, what))) failures.push(`${what}: proof of knowledge invalid`)
  return failures
}

// ---- checking shares, complaints ----

function judgeShare(deal: Deal, recipient: number, opened: OpenedShare): OpenedShare {
  if (!opened.ok) return opened
  if (!mulG(opened.share).equals(evaluateCommitments(deal.commitments, recipient))) return { ok: false, reason: 'the share does not match the dealer\'s commitments' }
  return opened
}

function shareFor(deal: Deal, recipient: number): EncryptedShare {
  const s = deal.shares.find((x) => x.recipient === recipient)
  if (!s) throw new PolisError('invalid_message', `deal of trustee ${deal.dealer} has no share for trustee ${recipient}`)
  return s
}

/** The recipient opens and checks its share of a (verified) deal; a failure is grounds for a complaint. */
export function receiveShare(ctx: DkgContext, deal: Deal, recipient: number, registrations: readonly TrusteeRegistration[], encryptionSecret: bigint): OpenedShare {
  return judgeShare(deal, recipient, openShare(shareRoute(ctx, deal.dealer, recipient, registrations), shareFor(deal, recipient), encryptionSecret))
}

const complaintContext = (ctx: DkgContext, complainer: number, dealer: number, share: EncryptedShare) => [
  ctx.electionHash,
  u32(complainer),
  account(ctx, complainer),
  u32(dealer),
  encodeEncryptedShare(share),
]

export function makeComplaint(
  ctx: DkgContext,
  deal: Deal,
  complainer: number,
  registrations: readonly TrusteeRegistration[],
  encryptionSecret: bigint,
  rng: RandomSource,
): Complaint {
  const share = shareFor(deal, complainer)
  const E = keyOf(registrations, complainer)
  const dhKey = mul(share.ephemeral, encryptionSecret)
  const proof = proveEquality('complaint', complaintContext(ctx, complainer, deal.dealer, share), { publicKey: E, base: share.ephemeral, image: dhKey }, encryptionSecret, rng)
  return { complainer, dealer: deal.dealer, dhKey, proof }
}

export type ComplaintVerdict =
  | { readonly valid: false; readonly reason: string }
  | { readonly valid: true; readonly upheld: boolean; readonly reason: string }

/**
 * Decides a complaint from public data only. An invalid complaint (bad proof, not a recipient) is
 * refused; a valid one is upheld (the dealer is disqualified) iff the share fails to open or to
 * match the commitments.
 */
export function judgeComplaint(ctx: DkgContext, complaint: Complaint, deal: Deal, registrations: readonly TrusteeRegistration[]): ComplaintVerdict {
  const what = `complaint of trustee ${complaint.complainer} against trustee ${complaint.dealer}`
  if (complaint.dealer !== deal.dealer) return { valid: false, reason: `${what}: judged against the wrong deal` }
  const share = deal.shares.find((x) => x.recipient === complaint.complainer)
  if (!share) return { valid: false, reason: `${what}: the complainer received no share in this deal` }
  const E = keyOf(registrations, complaint.complainer)
  const st = { publicKey: E, base: share.ephemeral, image: complaint.dhKey }
  if (!holds(equalityRelations('complaint', complaintContext(ctx, complaint.complainer, deal.dealer, share), st, complaint.proof, what))) {
    return { valid: false, reason: `${what}: proof of the revealed key invalid` }
  }
  const opened = judgeShare(deal, complaint.complainer, openShareWithDh(shareRoute(ctx, deal.dealer, complaint.complainer, registrations), share, complaint.dhKey))
  return opened.ok ? { valid: true, upheld: false, reason: 'the share is correct' } : { valid: true, upheld: true, reason: opened.reason }
}

// ---- result ----

/**
 * QUAL: dealers of the given (verified) deals without an upheld complaint, ascending. Refuses
 * (PolisError 'invalid_state') when fewer than k qualify: the DKG failed and must be rerun.
 */
export function qualifiedDealers(ctx: DkgContext, deals: readonly Deal[], upheldAgainst: Iterable<number>): number[] {
  const out = new Set<number>()
  for (const d of deals) out.add(d.dealer)
  for (const i of upheldAgainst) out.delete(i)
  const qual = [...out].sort((a, b) => a - b)
  if (qual.length < ctx.manifest.threshold) {
    throw new PolisError('invalid_state', `only ${qual.length} qualified dealers [${qual.join(', ')}], the threshold is ${ctx.manifest.threshold}`)
  }
  return qual
}

function qualified(deals: readonly Deal[], qual: readonly number[]): Deal[] {
  return qual.map((i) => {
    const d = deals.find((x) => x.dealer === i)
    if (!d) throw new PolisError('invalid_state', `no deal from qualified dealer ${i}`)
    return d
  })
}

/** K = Σ_{i∈QUAL} Cᵢ₀. */
export function jointPublicKey(deals: readonly Deal[], qual: readonly number[]): Point {
  let K = IDENTITY
  for (const d of qualified(deals, qual)) K = K.add(d.commitments[0]!)
  return K
}

/** Xⱼ = Σₜ jᵗ·(Σ_{i∈QUAL} Cᵢₜ) for each trustee j: what partial decryptions are checked against. */
export function verificationShares(deals: readonly Deal[], qual: readonly number[], trustees: readonly number[]): Map<number, Point> {
  const qd = qualified(deals, qual)
  const k = qd[0]?.commitments.length ?? 0
  const summed: Point[] = []
  for (let t = 0; t < k; t++) summed.push(qd.reduce((acc, d) => acc.add(d.commitments[t]!), IDENTITY))
  return new Map(trustees.map((j) => [j, evaluateCommitments(summed, j)]))
}

/** xⱼ = Σ_{i∈QUAL} fᵢ(j): the trustee's own share (if it is in QUAL) plus those it received. */
export function combineShares(shares: Iterable<bigint>): bigint {
  let x = 0n
  for (const s of shares) x += s
  return modq(x)
}
