/**
 * The independent verifier: checks a whole election from its public record alone and lists every
 * check that fails, each named precisely ("ballot 17 (tracking code 3f2a…): question 0 option 3:
 * 0/1 proof invalid"). Checks, in order:
 *
 *  1. the record's shape; the manifest is valid and hashes to electionHash;
 *  2. every trustee key registration's proof; every deal (commitments, recipients, proof);
 *     every complaint's proof, and its verdict recomputed; QUAL (at least k dealers);
 *  3. the joint key is Σ_{QUAL} Cᵢ₀;
 *  4. every ballot: eligible account, canonical bytes, every proof, its tracking code; the counted
 *     ballots are the last of each account;
 *  5. the aggregate is the sum of the counted ballots;
 *  6. every partial decryption's proofs against the trustee's verification share;
 *  7. with at least k valid partial decryptions the result is their combination; with fewer the
 *     result must be absent (the election is sealed).
 */
import { PolisError } from '../base/errors.js'
import { bytesEqual, toHex } from '../base/bytes.js'
import { checkBallots, type EncryptedBallot } from './ballot.js'
import { electionContext, type ElectionContext } from './context.js'
import { jointPublicKey, judgeComplaint, verificationShares, verifyDeal, verifyRegistration, type Deal, type DkgContext, type TrusteeRegistration } from './dkg.js'
import { decodeComplaint, decodeDeal, decodeRegistration } from './dkg-bytes.js'
import { ciphertextEquals, decodeAggregateCiphertext } from './elgamal.js'
import { decodePoint } from './group.js'
import { electionHash, isEligible, manifestFromJson, type Manifest } from './manifest.js'
import { recordFromJson, type ElectionRecord } from './record-format.js'
import { aggregateBallots, combinePartialDecryptions, decodePartialDecryption, verifyPartialDecryption, type PartialDecryption } from './tally.js'

export interface VerificationReport {
  readonly ok: boolean
  /** Every failed check; empty when the record verifies. */
  readonly failures: string[]
  readonly electionHash: string | null
  readonly qualifiedTrustees: number[]
  readonly ballotsCast: number
  readonly ballotsCounted: number
  readonly decryptedBy: number[]
  /** The verified counts, or null if the election is sealed or did not verify that far. */
  readonly counts: number[][] | null
}

const message = (e: unknown) => (e instanceof PolisError ? e.message : `unexpected error: ${(e as Error).message}`)

/** Runs `f`, turning a thrown refusal into a failure line; undefined if it threw. */
function attempt<T>(failures: string[], prefix: string, f: () => T): T | undefined {
  try {
    return f()
  } catch (e) {
    failures.push(prefix + message(e))
    return undefined
  }
}

function strictlyAscending(xs: number[]): boolean {
  return xs.every((x, i) => i === 0 || xs[i - 1]! < x)
}

interface DkgOutcome {
  readonly registrations: TrusteeRegistration[]
  readonly deals: Deal[]
  readonly qualified: number[]
}

function verifyDkg(ctx: DkgContext, rec: ElectionRecord, failures: string[]): DkgOutcome | null {
  const registrations: TrusteeRegistration[] = []
  rec.registrations.forEach((b, i) => {
    const r = attempt(failures, `registration ${i}: `, () => decodeRegistration(b))
    if (!r) return
    const f = verifyRegistration(ctx, r)
    failures.push(...f)
    if (!f.length) registrations.push(r)
  })
  if (!strictlyAscending(registrations.map((r) => r.trustee))) failures.push('registrations: not in strictly ascending trustee order')

  const deals: Deal[] = []
  rec.deals.forEach((b, i) => {
    const d = attempt(failures, `deal ${i}: `, () => decodeDeal(b))
    if (!d) return
    const f = attempt(failures, `deal ${i}: `, () => verifyDeal(ctx, d, registrations))
    if (!f) return
    failures.push(...f)
    if (!f.length) deals.push(d)
  })
  if (!strictlyAscending(deals.map((d) => d.dealer))) failures.push('deals: not in strictly ascending dealer order')

  const upheld = new Set<number>()
  const seen = new Set<string>()
  rec.complaints.forEach((b, i) => {
    const c = attempt(failures, `complaint ${i}: `, () => decodeComplaint(b))
    if (!c) return
    const what = `complaint ${i} (trustee ${c.complainer} against trustee ${c.dealer})`
    const pair = `${c.complainer}/${c.dealer}`
    if (seen.has(pair)) return void failures.push(`${what}: a repeated complaint`)
    seen.add(pair)
    const deal = deals.find((d) => d.dealer === c.dealer)
    if (!deal) return void failures.push(`${what}: there is no valid deal from trustee ${c.dealer}`)
    const verdict = attempt(failures, `${what}: `, () => judgeComplaint(ctx, c, deal, registrations))
    if (!verdict) return
    if (!verdict.valid) failures.push(`${what}: ${verdict.reason}`)
    else if (verdict.upheld) upheld.add(c.dealer)
  })

  const qualified = deals.map((d) => d.dealer).filter((i) => !upheld.has(i))
  if (qualified.length < ctx.manifest.threshold) {
    failures.push(`key generation failed: ${qualified.length} qualified dealers [${qualified.join(', ')}], the threshold is ${ctx.manifest.threshold}`)
    return null
  }
  return { registrations, deals, qualified }
}

interface Counted {
  readonly ballots: Map<string, EncryptedBallot>
  readonly cast: number
}

/** Ballots are verified in batches of this many (one multi-scalar multiplication each). */
const BALLOT_BATCH = 256

function verifyBallots(ctx: ElectionContext, rec: ElectionRecord, failures: string[]): Counted {
  const counted = new Map<string, EncryptedBallot>()
  for (let start = 0; start < rec.ballots.length; start += BALLOT_BATCH) {
    const chunk = rec.ballots.slice(start, start + BALLOT_BATCH)
    const checked = checkBallots(ctx, chunk.map((b) => ({ account: b.account, bytes: b.ballot })))
    chunk.forEach((b, j) => {
      const who = `ballot ${start + j} (tracking code ${toHex(b.trackingCode).slice(0, 16)}…)`
      const c = checked[j]!
      if (!isEligible(ctx.manifest, b.account)) failures.push(`${who}: account ${toHex(b.account)} is not eligible`)
      for (const f of c.failures) failures.push(`${who}: ${f}`)
      if (!bytesEqual(c.trackingCode, b.trackingCode)) failures.push(`${who}: the tracking code is not the hash of the ballot`)
      if (!c.ballot) return
      const key = toHex(b.account)
      counted.delete(key) // keep insertion order = order of each account's last ballot
      counted.set(key, c.ballot)
    })
  }
  return { ballots: counted, cast: rec.ballots.length }
}

function verifyAggregate(ctx: ElectionContext, rec: ElectionRecord, ballots: Iterable<EncryptedBallot>, failures: string[]) {
  const agg = aggregateBallots(ctx, ballots)
  const qs = ctx.manifest.questions
  if (rec.aggregate.length !== qs.length || rec.aggregate.some((row, qi) => row.length !== qs[qi]!.options.length)) {
    failures.push('aggregate: does not have one ciphertext per question and option')
    return agg
  }
  rec.aggregate.forEach((row, qi) =>
    row.forEach((bytes, oi) => {
      const c = attempt(failures, `aggregate question ${qi} option ${oi}: `, () => decodeAggregateCiphertext(bytes, 'ciphertext'))
      if (c && !ciphertextEquals(c, agg[qi]![oi]!)) failures.push(`aggregate question ${qi} option ${oi}: not the sum of the counted ballots`)
    }),
  )
  return agg
}

export function verifyElectionRecord(json: unknown): VerificationReport {
  const failures: string[] = []
  const report = (extra: Partial<VerificationReport> = {}): VerificationReport => ({
    ok: failures.length === 0,
    failures,
    electionHash: null,
    qualifiedTrustees: [],
    ballotsCast: 0,
    ballotsCounted: 0,
    decryptedBy: [],
    counts: null,
    ...extra,
  })
  const rec = attempt(failures, '', () => recordFromJson(json))
  if (!rec) return report()
  const manifest: Manifest | undefined = attempt(failures, '', () => manifestFromJson(rec.manifest))
  if (!manifest) return report()
  const hash = electionHash(manifest)
  if (!bytesEqual(hash, rec.electionHash)) failures.push('election hash: does not match the manifest')
  const dctx: DkgContext = { manifest, electionHash: hash }

  const dkg = verifyDkg(dctx, rec, failures)
  if (!dkg) return report({ electionHash: toHex(hash) })
  const K = jointPublicKey(dkg.deals, dkg.qualified)
  if (rec.jointKey === null) failures.push('joint key: missing')
  else {
    const given = attempt(failures, 'joint key: ', () => decodePoint(rec.jointKey!, 'joint key'))
    if (given && !given.equals(K)) failures.push('joint key: not the sum of the qualified dealers\' constant commitments')
  }
  const ctx = electionContext(manifest, K)
  const base = { electionHash: toHex(hash), qualifiedTrustees: dkg.qualified }

  const counted = verifyBallots(ctx, rec, failures)
  const agg = verifyAggregate(ctx, rec, counted.ballots.values(), failures)
  const tallied = { ...base, ballotsCast: counted.cast, ballotsCounted: counted.ballots.size }

  const X = verificationShares(dkg.deals, dkg.qualified, manifest.trustees.map((_, i) => i + 1))
  const valid: PartialDecryption[] = []
  rec.partialDecryptions.forEach((b, i) => {
    const p = attempt(failures, `partial decryption ${i}: `, () => decodePartialDecryption(ctx, b))
    if (!p) return
    const Xj = X.get(p.trustee)
    if (!Xj) return void failures.push(`partial decryption ${i}: trustee ${p.trustee} is not a trustee of this election`)
    if (valid.some((v) => v.trustee === p.trustee)) return void failures.push(`partial decryption ${i}: trustee ${p.trustee} appears twice`)
    const f = verifyPartialDecryption(ctx, p, Xj, agg)
    failures.push(...f)
    if (!f.length) valid.push(p)
  })
  if (!strictlyAscending(valid.map((p) => p.trustee))) failures.push('partial decryptions: not in strictly ascending trustee order')

  if (valid.length < manifest.threshold) {
    if (rec.result !== null) failures.push(`result: given, but only ${valid.length} valid partial decryptions of the ${manifest.threshold} needed`)
    return report({ ...tallied, decryptedBy: valid.map((p) => p.trustee) })
  }
  const counts = attempt(failures, 'result: ', () => combinePartialDecryptions(ctx, agg, valid, counted.ballots.size))
  if (!counts) return report(tallied)
  if (rec.result === null) failures.push('result: missing, though the partial decryptions determine it')
  else if (JSON.stringify(rec.result.counts) !== JSON.stringify(counts)) failures.push(`result: the counts ${JSON.stringify(rec.result.counts)} are not the decryption ${JSON.stringify(counts)}`)
  return report({ ...tallied, decryptedBy: valid.map((p) => p.trustee), counts })
}

export type { ElectionRecord }
