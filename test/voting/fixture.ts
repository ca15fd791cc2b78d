/** Elections run end to end with the voting library, for the voting tests (deterministic randomness). */
import { utf8 } from '../../src/base/bytes.js'
import { electionContext, type ElectionContext } from '../../src/voting/context.js'
import { combineShares, dkgContext, evaluatePolynomial, jointPublicKey, makeDeal, qualifiedDealers, receiveShare, registerTrustee, verificationShares, type Deal, type DkgContext, type TrusteeRegistration } from '../../src/voting/dkg.js'
import { encodeDeal, encodeRegistration } from '../../src/voting/dkg-bytes.js'
import { encodePoint, type Point } from '../../src/voting/group.js'
import type { Manifest, Question } from '../../src/voting/manifest.js'
import { seededRandom, type RandomSource } from '../../src/voting/random.js'
import { encodeBallot, encryptBallot, type EncryptedBallot } from '../../src/voting/ballot.js'
import { aggregateBallots, combinePartialDecryptions, encodePartialDecryption, partialDecrypt } from '../../src/voting/tally.js'
import { encodeCiphertext } from '../../src/voting/elgamal.js'
import { recordToJson } from '../../src/voting/record-format.js'
import type { Json } from '../../src/voting/json-shape.js'

export const rngFor = (label: string): RandomSource => seededRandom(utf8(label))

/** Account i: 32 bytes, big-endian i in the first four, so accounts sort by i. */
export function account(i: number, salt = 0): Uint8Array {
  const a = new Uint8Array(32)
  new DataView(a.buffer).setUint32(0, i)
  a[31] = salt
  return a
}

export function makeManifest(opts: { questions?: Question[]; trustees?: number; threshold?: number; voters?: number; electionId?: string } = {}): Manifest {
  const trustees = opts.trustees ?? 3
  return {
    chainId: 'polis-test',
    electionId: opts.electionId ?? 'council-2031',
    title: 'City council budget',
    questions: opts.questions ?? [{ title: 'Which project first?', options: ['park', 'library', 'tram', 'pool', 'bikes'], minSelections: 1, maxSelections: 1 }],
    trustees: Array.from({ length: trustees }, (_, i) => account(1000 + i)),
    threshold: opts.threshold ?? Math.min(2, trustees),
    eligibility: { accounts: Array.from({ length: opts.voters ?? 6 }, (_, i) => account(i + 1)), role: null, snapshotHeight: null },
    opensAt: 1_000n,
    closesAt: 2_000n,
  }
}

export interface DkgRun {
  readonly dctx: DkgContext
  readonly registrations: TrusteeRegistration[]
  readonly encryptionSecrets: bigint[]
  readonly deals: Deal[]
  readonly coefficients: bigint[][]
  readonly qualified: number[]
  readonly jointKey: Point
  /** xⱼ by trustee index - 1 */
  readonly secretShares: bigint[]
  readonly verificationShares: Map<number, Point>
}

/** An honest DKG among all the manifest's trustees. */
export function runDkg(manifest: Manifest, rng: RandomSource): DkgRun {
  const dctx = dkgContext(manifest)
  const n = manifest.trustees.length
  const idx = Array.from({ length: n }, (_, i) => i + 1)
  const regs = idx.map((i) => registerTrustee(dctx, i, rng))
  const registrations = regs.map((r) => r.registration)
  const dealt = idx.map((i) => makeDeal(dctx, i, registrations, rng))
  const deals = dealt.map((d) => d.deal)
  const qualified = qualifiedDealers(dctx, deals, [])
  const secretShares = idx.map((j) =>
    combineShares(
      dealt.map((d, i) => {
        if (i + 1 === j) return evaluatePolynomial(d.coefficients, j)
        const o = receiveShare(dctx, d.deal, j, registrations, regs[j - 1]!.encryptionSecret)
        if (!o.ok) throw new Error(o.reason)
        return o.share
      }),
    ),
  )
  return {
    dctx,
    registrations,
    encryptionSecrets: regs.map((r) => r.encryptionSecret),
    deals,
    coefficients: dealt.map((d) => d.coefficients),
    qualified,
    jointKey: jointPublicKey(deals, qualified),
    secretShares,
    verificationShares: verificationShares(deals, qualified, idx),
  }
}

export interface CastBallot {
  readonly voter: number
  readonly ballot: EncryptedBallot
  readonly trackingCode: Uint8Array
}

export interface ElectionRun {
  readonly manifest: Manifest
  readonly dkg: DkgRun
  readonly ctx: ElectionContext
  readonly cast: CastBallot[]
  /** The choices of the ballot counted for each voter (last one cast). */
  readonly counted: Map<number, number[][]>
  readonly record: Json
  readonly counts: number[][] | null
}

/**
 * Runs an election: honest DKG, the given votes in order (a voter appearing twice re-votes), the
 * tally decrypted by `decryptors` (trustee indices), and the record.
 */
export function runElection(manifest: Manifest, votes: Array<[voter: number, choices: number[][]]>, decryptors: number[], seed = 'election'): ElectionRun {
  const rng = rngFor(seed)
  const dkg = runDkg(manifest, rng)
  const ctx = electionContext(manifest, dkg.jointKey)
  const cast: CastBallot[] = []
  const counted = new Map<number, number[][]>()
  const last = new Map<number, EncryptedBallot>()
  for (const [voter, choices] of votes) {
    const { ballot, trackingCode } = encryptBallot(ctx, account(voter), choices, rng)
    cast.push({ voter, ballot, trackingCode })
    counted.set(voter, choices)
    last.set(voter, ballot)
  }
  const agg = aggregateBallots(ctx, last.values())
  const partials = decryptors.map((j) => partialDecrypt(ctx, j, dkg.secretShares[j - 1]!, agg, rng))
  const counts = partials.length >= manifest.threshold ? combinePartialDecryptions(ctx, agg, partials, last.size) : null
  const record = recordToJson({
    manifest,
    electionHash: ctx.electionHash,
    registrations: dkg.registrations.map(encodeRegistration),
    deals: dkg.deals.map(encodeDeal),
    complaints: [],
    jointKey: encodePoint(dkg.jointKey),
    ballots: cast.map((c) => ({ account: account(c.voter), ballot: encodeBallot(c.ballot), trackingCode: c.trackingCode })),
    aggregate: agg.map((row) => row.map(encodeCiphertext)),
    partialDecryptions: partials.map(encodePartialDecryption),
    result: counts === null ? null : { counts },
  })
  return { manifest, dkg, ctx, cast, counted, record, counts }
}

/** The plain count of the counted ballots' choices. */
export function plainCount(manifest: Manifest, counted: Iterable<number[][]>): number[][] {
  const out = manifest.questions.map((q) => q.options.map(() => 0))
  for (const c of counted) c.forEach((row, qi) => row.forEach((x, oi) => (out[qi]![oi]! += x)))
  return out
}
