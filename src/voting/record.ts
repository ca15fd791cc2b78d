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
import { checkBallotsCompact, type CompactCheck } from './ballot.js'
import { electionContext, type ElectionContext } from './context.js'
import { jointPublicKey, judgeComplaint, verificationShares, verifyDeal, verifyRegistration, type Deal, type DkgContext, type TrusteeRegistration } from './dkg.js'
import { decodeComplaint, decodeDeal, decodeRegistration } from './dkg-bytes.js'
import { ciphertextEquals, decodeAggregateCiphertext } from './elgamal.js'
import { decodePoint } from './group.js'
import { electionHash, isEligible, manifestFromJson, type Manifest } from './manifest.js'
import { recordFromJson, type ElectionRecord } from './record-format.js'
import { combinePartialDecryptions, decodePartialDecryption, verifyPartialDecryption, type Aggregate, type PartialDecryption } from './tally.js'
import { identity, type XPoint } from './limbs/edwards.js'
import { accumulate, encodePoints, pointsFromCompact } from './running-aggregate.js'

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

/** Ballots are verified in batches of this many (one multi-scalar multiplication each). */
export const BALLOT_BATCH = 256

/** What the ballot step hands on: each account's last decodable ballot, in compact form, in order. */
interface Counted {
  readonly ballots: Map<string, Uint8Array>
  cast: number
}

/** Everything verified before the ballots: the election's context and what the later checks need. */
export interface PreparedRecord {
  readonly rec: ElectionRecord
  readonly manifest: Manifest
  readonly ctx: ElectionContext
  readonly failures: string[]
  readonly base: { electionHash: string; qualifiedTrustees: number[] }
  readonly deals: Deal[]
  readonly qualified: number[]
  readonly counted: Counted
}

function emptyReport(failures: string[], extra: Partial<VerificationReport> = {}): VerificationReport {
  return { ok: failures.length === 0, failures, electionHash: null, qualifiedTrustees: [], ballotsCast: 0, ballotsCounted: 0, decryptedBy: [], counts: null, ...extra }
}

/** Checks 1–3 (shape, manifest, key generation, joint key); a report when they end the verification. */
export function prepareRecord(json: unknown): PreparedRecord | VerificationReport {
  const failures: string[] = []
  const rec = attempt(failures, '', () => recordFromJson(json))
  if (!rec) return emptyReport(failures)
  const manifest: Manifest | undefined = attempt(failures, '', () => manifestFromJson(rec.manifest))
  if (!manifest) return emptyReport(failures)
  const hash = electionHash(manifest)
  if (!bytesEqual(hash, rec.electionHash)) failures.push('election hash: does not match the manifest')
  const dctx: DkgContext = { manifest, electionHash: hash }

  const dkg = verifyDkg(dctx, rec, failures)
  if (!dkg) return emptyReport(failures, { electionHash: toHex(hash) })
  const K = jointPublicKey(dkg.deals, dkg.qualified)
  if (rec.jointKey === null) failures.push('joint key: missing')
  else {
    const given = attempt(failures, 'joint key: ', () => decodePoint(rec.jointKey!, 'joint key'))
    if (given && !given.equals(K)) failures.push('joint key: not the sum of the qualified dealers\' constant commitments')
  }
  const ctx = electionContext(manifest, K)
  return { rec, manifest, ctx, failures, base: { electionHash: toHex(hash), qualifiedTrustees: dkg.qualified }, deals: dkg.deals, qualified: dkg.qualified, counted: { ballots: new Map(), cast: 0 } }
}

/**
 * Check 4 for the record's ballots from `start` on, given their checks (checkBallotsCompact, on
 * this thread or a worker's): eligibility, the tracking codes, the failures, and which ballot of
 * each account counts. Must be called for consecutive ranges in order.
 */
export function takeBallotChecks(p: PreparedRecord, start: number, checks: readonly CompactCheck[]): void {
  checks.forEach((c, j) => {
    const b = p.rec.ballots[start + j]!
    const who = `ballot ${start + j} (tracking code ${toHex(b.trackingCode).slice(0, 16)}…)`
    if (!isEligible(p.manifest, b.account)) p.failures.push(`${who}: account ${toHex(b.account)} is not eligible`)
    for (const f of c.failures) p.failures.push(`${who}: ${f}`)
    if (!bytesEqual(c.trackingCode, b.trackingCode)) p.failures.push(`${who}: the tracking code is not the hash of the ballot`)
    if (!c.ciphertexts) return
    const key = toHex(b.account)
    p.counted.ballots.delete(key) // keep insertion order = order of each account's last ballot
    p.counted.ballots.set(key, c.ciphertexts)
  })
  p.counted.cast += checks.length
}

/** Check 5: the sum of the counted ballots (on limbs), compared with the record's aggregate. */
function verifyAggregate(ctx: ElectionContext, rec: ElectionRecord, ballots: Iterable<Uint8Array>, failures: string[]): Aggregate {
  const qs = ctx.manifest.questions
  const sum: XPoint[] = []
  for (const q of qs) for (let i = 0; i < 2 * q.options.length; i++) sum.push(identity())
  for (const c of ballots) accumulate(sum, pointsFromCompact(c), false)
  const encoded = encodePoints(sum)
  let o = 0
  const agg = qs.map((q) => q.options.map(() => decodeAggregateCiphertext(encoded.subarray(o, (o += 64)), 'aggregate')))
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

/** Checks 5–7 once every ballot was taken. */
export function finishRecord(p: PreparedRecord): VerificationReport {
  const { ctx, rec, manifest, failures, counted } = p
  const report = (extra: Partial<VerificationReport>) => emptyReport(failures, extra)
  const agg = verifyAggregate(ctx, rec, counted.ballots.values(), failures)
  const tallied = { ...p.base, ballotsCast: counted.cast, ballotsCounted: counted.ballots.size }

  const X = verificationShares(p.deals, p.qualified, manifest.trustees.map((_, i) => i + 1))
  const valid: PartialDecryption[] = []
  rec.partialDecryptions.forEach((b, i) => {
    const pd = attempt(failures, `partial decryption ${i}: `, () => decodePartialDecryption(ctx, b))
    if (!pd) return
    const Xj = X.get(pd.trustee)
    if (!Xj) return void failures.push(`partial decryption ${i}: trustee ${pd.trustee} is not a trustee of this election`)
    if (valid.some((v) => v.trustee === pd.trustee)) return void failures.push(`partial decryption ${i}: trustee ${pd.trustee} appears twice`)
    const f = verifyPartialDecryption(ctx, pd, Xj, agg)
    failures.push(...f)
    if (!f.length) valid.push(pd)
  })
  if (!strictlyAscending(valid.map((v) => v.trustee))) failures.push('partial decryptions: not in strictly ascending trustee order')

  if (valid.length < manifest.threshold) {
    if (rec.result !== null) failures.push(`result: given, but only ${valid.length} valid partial decryptions of the ${manifest.threshold} needed`)
    return report({ ...tallied, decryptedBy: valid.map((v) => v.trustee) })
  }
  const counts = attempt(failures, 'result: ', () => combinePartialDecryptions(ctx, agg, valid, counted.ballots.size))
  if (!counts) return report(tallied)
  if (rec.result === null) failures.push('result: missing, though the partial decryptions determine it')
  else if (JSON.stringify(rec.result.counts) !== JSON.stringify(counts)) failures.push(`result: the counts ${JSON.stringify(rec.result.counts)} are not the decryption ${JSON.stringify(counts)}`)
  return report({ ...tallied, decryptedBy: valid.map((v) => v.trustee), counts })
}

/** The whole verification on this thread (record-verify-pool.ts spreads the ballots over workers). */
export function verifyElectionRecord(json: unknown): VerificationReport {
  const p = prepareRecord(json)
  if (!('rec' in p)) return p
  for (let start = 0; start < p.rec.ballots.length; start += BALLOT_BATCH) {
    const chunk = p.rec.ballots.slice(start, start + BALLOT_BATCH)
    takeBallotChecks(p, start, checkBallotsCompact(p.ctx, chunk.map((b) => ({ account: b.account, bytes: b.ballot }))))
  }
  return finishRecord(p)
}

export type { ElectionRecord }
