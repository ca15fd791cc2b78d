/**
 * Elections from a client: the voter's and the trustees' computations (src/voting) over what the
 * node's `voting` queries return, producing the messages to sign; and a reader of those queries.
 *
 *   const v = new VotingReader(client)
 *   const m = await v.manifest('budget-2027'); const e = await v.election('budget-2027')
 *   const { msg, trackingCode } = prepareBallot(m, e, me.publicKey, [[0, 1, 0]], systemRandom)
 *
 * A trustee's secrets (`TrusteeSecrets`) never go on chain: the caller keeps them (the CLI in the
 * trustee's home, mode 0600). Every function checks the manifest against its election hash first.
 */
import { PolisError } from '../base/errors.js'
import { fromHex, toHex } from '../base/bytes.js'
import type { Msg } from '../app/tx.js'
import { auditBallot, decodeBallot, encodeBallot, encryptBallot, type BallotOpening } from '../voting/ballot.js'
import { electionContext, type ElectionContext } from '../voting/context.js'
import {
  combineShares, dkgContext, evaluatePolynomial, makeComplaint, makeDeal, receiveShare, registerTrustee, type DkgContext, type TrusteeRegistration,
} from '../voting/dkg.js'
import { decodeDeal, decodeRegistration, encodeComplaint, encodeDeal, encodeRegistration } from '../voting/dkg-bytes.js'
import { decodeAggregateCiphertext } from '../voting/elgamal.js'
import { electionHash, manifestFromJson, trusteeIndex, type Manifest } from '../voting/manifest.js'
import type { RandomSource } from '../voting/random.js'
import { encodePartialDecryption, partialDecrypt } from '../voting/tally.js'
import { MODULE, votingMsgs } from '../modules/voting/types.js'
import type { PolisClient } from './polis-client.js'

/** `voting/record_ballots`: a page of the record's ballots, read at `height`. */
export interface RecordBallotsPage {
  election: string
  height: string
  ballots_cast: number
  from: number
  /** The `from` of the next page; null after the last. */
  next: number | null
  ballots: Array<{ account: string; ballot: string; trackingCode: string }>
}

/** `voting/manifest`: the manifest (src/voting record JSON form) and its hash. */
export interface ManifestView { election_hash: string; manifest: unknown }
/** `voting/election` (the fields a client needs). */
export interface ElectionView {
  election: string; phase: string; threshold: number; joint_key: string | null; qualified: number[]; registered: number[]; dealt: number[]
  opens_at: string; closes_at: string; tally_by: string; counts: number[][] | null; decrypted_by: number[]
  [k: string]: unknown
}
/** `voting/dkg`. */
export interface DkgView { registrations: string[]; deals: string[]; complaints: Array<{ complainer: number; dealer: number; verdict: string }> }
/** `voting/aggregate`. */
export interface AggregateView { aggregate: string[][]; ballots_counted: number }

/** What a trustee keeps to itself, from registration to decryption. Hex scalars. */
export interface TrusteeSecrets {
  election: string
  electionHash: string
  trustee: number
  account: string
  encryptionSecret: string
  /** Its polynomial, once it has dealt. */
  coefficients: string[] | null
  /** fᵢ(trustee) received from each dealer whose share checked out, by dealer index. */
  shares: Record<string, string>
}

const scalarHex = (s: bigint) => s.toString(16).padStart(64, '0')
const scalarOf = (h: string) => BigInt('0x' + h)

/** The manifest, checked against the election hash the chain holds. */
export function checkedManifest(view: ManifestView): Manifest {
  const m = manifestFromJson(view.manifest)
  if (toHex(electionHash(m)) !== view.election_hash) throw new PolisError('proof_invalid', 'the manifest the node sent does not hash to the election hash')
  return m
}

function context(view: ManifestView): { manifest: Manifest; dctx: DkgContext } {
  const manifest = checkedManifest(view)
  return { manifest, dctx: dkgContext(manifest) }
}

/** The ballot context: manifest and the joint key of the finished key generation. */
export function ballotContext(m: ManifestView, e: ElectionView): ElectionContext {
  if (!e.joint_key) throw new PolisError('invalid_state', `election "${e.election}" has no joint key yet (phase ${e.phase})`)
  return electionContext(checkedManifest(m), fromHex(e.joint_key))
}

function trusteeOf(manifest: Manifest, account: Uint8Array, election: string): number {
  const i = trusteeIndex(manifest, account)
  if (i === 0) throw new PolisError('unauthorized', `${toHex(account)} is not a trustee of election "${election}"`)
  return i
}

function ownSecrets(s: TrusteeSecrets, m: ManifestView): void {
  if (s.electionHash !== m.election_hash) throw new PolisError('invalid_request', `these trustee secrets belong to another election (hash ${s.electionHash.slice(0, 16)}…)`)
}

const registrationsOf = (dkg: DkgView): TrusteeRegistration[] => dkg.registrations.map((h) => decodeRegistration(fromHex(h)))

// ------------------------------------------------------------------ trustees

export function prepareRegistration(m: ManifestView, account: Uint8Array, rng: RandomSource): { msg: Msg; secrets: TrusteeSecrets } {
  const { manifest, dctx } = context(m)
  const i = trusteeOf(manifest, account, manifest.electionId)
  const { registration, encryptionSecret } = registerTrustee(dctx, i, rng)
  return {
    msg: votingMsgs.register({ election: manifest.electionId, registration: encodeRegistration(registration) }),
    secrets: { election: manifest.electionId, electionHash: m.election_hash, trustee: i, account: toHex(account), encryptionSecret: scalarHex(encryptionSecret), coefficients: null, shares: {} },
  }
}

export function prepareDeal(m: ManifestView, dkg: DkgView, secrets: TrusteeSecrets, rng: RandomSource): { msg: Msg; secrets: TrusteeSecrets } {
  ownSecrets(secrets, m)
  const { dctx } = context(m)
  const { deal, coefficients } = makeDeal(dctx, secrets.trustee, registrationsOf(dkg), rng)
  return { msg: votingMsgs.deal({ election: secrets.election, deal: encodeDeal(deal) }), secrets: { ...secrets, coefficients: coefficients.map(scalarHex) } }
}

/** Opens every share addressed to this trustee: the good ones are kept, a complaint for each bad one. */
export function prepareCheck(m: ManifestView, dkg: DkgView, secrets: TrusteeSecrets, rng: RandomSource): { msg: Msg; secrets: TrusteeSecrets; complaints: number[] } {
  ownSecrets(secrets, m)
  const { dctx } = context(m)
  const regs = registrationsOf(dkg)
  const sk = scalarOf(secrets.encryptionSecret)
  const shares: Record<string, string> = {}
  const complaints: Uint8Array[] = []
  const against: number[] = []
  for (const d of dkg.deals.map((h) => decodeDeal(fromHex(h)))) {
    if (d.dealer === secrets.trustee) continue
    const opened = receiveShare(dctx, d, secrets.trustee, regs, sk)
    if (opened.ok) shares[String(d.dealer)] = scalarHex(opened.share)
    else {
      complaints.push(encodeComplaint(makeComplaint(dctx, d, secrets.trustee, regs, sk, rng)))
      against.push(d.dealer)
    }
  }
  return { msg: votingMsgs.check({ election: secrets.election, complaints }), secrets: { ...secrets, shares }, complaints: against }
}

/** The trustee's partial decryption of the aggregate, with its secret share xⱼ = Σ_{QUAL} fᵢ(j). */
export function preparePartialDecryption(m: ManifestView, e: ElectionView, agg: AggregateView, secrets: TrusteeSecrets, rng: RandomSource): Msg {
  ownSecrets(secrets, m)
  const ec = ballotContext(m, e)
  const parts = e.qualified.map((dealer) => {
    if (dealer === secrets.trustee) {
      if (!secrets.coefficients) throw new PolisError('invalid_state', `trustee ${dealer} is qualified but these secrets hold no polynomial`)
      return evaluatePolynomial(secrets.coefficients.map(scalarOf), secrets.trustee)
    }
    const s = secrets.shares[String(dealer)]
    if (s === undefined) throw new PolisError('invalid_state', `no share from qualified dealer ${dealer} in these secrets`)
    return scalarOf(s)
  })
  const aggregate = agg.aggregate.map((row, qi) => row.map((h, oi) => decodeAggregateCiphertext(fromHex(h), `aggregate question ${qi} option ${oi}`)))
  const partial = partialDecrypt(ec, secrets.trustee, combineShares(parts), aggregate, rng)
  return votingMsgs.decrypt({ election: secrets.election, partial: encodePartialDecryption(partial) })
}

// ------------------------------------------------------------------ voters

export interface PreparedBallot {
  msg: Msg
  trackingCode: string
  ballot: Uint8Array
  opening: BallotOpening
}

/** Encrypts the voter's choices (per question, 0/1 per option) with every proof. */
export function prepareBallot(m: ManifestView, e: ElectionView, voter: Uint8Array, selections: number[][], rng: RandomSource): PreparedBallot {
  const ec = ballotContext(m, e)
  const { ballot, opening, trackingCode } = encryptBallot(ec, voter, selections, rng)
  const bytes = encodeBallot(ballot)
  return { msg: votingMsgs.ballot({ election: e.election, ballot: bytes }), trackingCode: toHex(trackingCode), ballot: bytes, opening }
}

/**
 * Benaloh audit: opens a prepared ballot and checks, on this machine, that it encrypts the stated
 * choices and that its proofs verify. An audited ballot must never be cast: prepare a new one.
 */
export function auditPreparedBallot(m: ManifestView, e: ElectionView, voter: Uint8Array, p: PreparedBallot): number[][] {
  const ec = ballotContext(m, e)
  // decoded from the bytes that would be cast, so the audit covers exactly them
  return auditBallot(ec, voter, decodeBallot(ec, p.ballot), p.opening)
}

/** Parses choices such as "0:Tram" or "1:2" (question:option label or index); a bare option means question 0. */
export function selectionsFrom(manifest: Manifest, choices: readonly string[]): number[][] {
  const out = manifest.questions.map((q) => q.options.map(() => 0))
  for (const c of choices) {
    const m = /^(?:([0-9]{1,2}):)?(.+)$/.exec(c)
    const qi = m && m[1] !== undefined ? Number(m[1]) : 0
    const q = manifest.questions[qi]
    if (!m || !q) throw new PolisError('invalid_request', `choice "${c}": no question ${qi}`)
    const label = m[2]!
    let oi = q.options.indexOf(label)
    if (oi < 0 && /^[0-9]{1,2}$/.test(label)) oi = Number(label)
    if (oi < 0 || oi >= q.options.length) throw new PolisError('invalid_request', `choice "${c}": question ${qi} has options ${q.options.map((o, i) => `${i}:${o}`).join(', ')}`)
    if (out[qi]![oi] === 1) throw new PolisError('invalid_request', `choice "${c}" is given twice`)
    out[qi]![oi] = 1
  }
  return out
}

// ------------------------------------------------------------------ reading the node

export class VotingReader {
  constructor(private readonly client: PolisClient) {}
  private q<T>(name: string, params: Record<string, string | undefined>, height?: bigint): Promise<T> {
    return this.client.query<T>(MODULE, name, params, { height })
  }
  elections(): Promise<{ elections: Array<Record<string, unknown>> }> { return this.q('elections', {}) }
  election(id: string): Promise<ElectionView> { return this.q('election', { election: id }) }
  manifest(id: string): Promise<ManifestView> { return this.q('manifest', { election: id }) }
  dkg(id: string): Promise<DkgView> { return this.q('dkg', { election: id }) }
  aggregate(id: string): Promise<AggregateView> { return this.q('aggregate', { election: id }) }
  ballot(trackingCode: string): Promise<Record<string, unknown>> { return this.q('ballot', { tracking_code: trackingCode }) }
  voter(id: string, account: Uint8Array): Promise<Record<string, unknown>> { return this.q('voter', { election: id, account: toHex(account) }) }
  /** The record's head: every field of the record, with an empty ballot list (the pages fill it). */
  recordHead(id: string, height?: bigint): Promise<Record<string, unknown>> { return this.q('record', { election: id, ballots: 'none' }, height) }
  /** A page of the record's ballots from the sequence number `from` (cursor: the page's `next`). */
  recordBallots(id: string, from: number, opts: { limit?: number; height?: bigint } = {}): Promise<RecordBallotsPage> {
    return this.q('record_ballots', { election: id, from: String(from), limit: opts.limit === undefined ? undefined : String(opts.limit) }, opts.height)
  }
  /**
   * The election record (format polis-voting-record/1), to verify with verifyElectionRecord: the
   * head and every page read at one height. A large record is better streamed to a file
   * (writeElectionRecord, src/sdk/voting-record.ts).
   */
  async record(id: string): Promise<Record<string, unknown>> {
    const first = await this.recordBallots(id, 0)
    const height = BigInt(first.height)
    const head = await this.recordHead(id, height)
    const ballots = [...first.ballots]
    for (let from = first.next; from !== null; ) {
      const page = await this.recordBallots(id, from, { height })
      ballots.push(...page.ballots)
      from = page.next
    }
    return { ...head, ballots }
  }
}
