/**
 * Voting keeper: the state of elections (key layout: types.ts). The cryptography is the library in
 * src/voting; this file only stores and reads what the chain accepted. The steps that change an
 * election live beside it: dkg-steps.ts (key generation), ballots.ts (casting), tally-steps.ts
 * (partial decryptions, result, sealing).
 */
import { decodeCanonical, encodeCanonical } from '../../codec/cbor.js'
import { fail } from '../../base/errors.js'
import { prefixEnd, type KV, type KVReader } from '../../app/kv.js'
import { moduleReader, moduleStore, type ExecContext } from '../../app/module.js'
import { concatBytes, toHex, utf8 } from '../../base/bytes.js'
import { readU32be, readU64be, u32be, u64be } from '../../codec/be.js'
import { fixedBase, decodePoint } from '../../voting/group.js'
import type { ElectionContext } from '../../voting/context.js'
import type { Manifest } from '../../voting/manifest.js'
import { MODULE, VOTING_EVENT, VOTING_KEY as K, type ElectionSchedule, type Phase, type QuestionSpec } from './types.js'

export interface Election extends ElectionSchedule {
  id: string
  chainId: string
  title: string
  questions: QuestionSpec[]
  trustees: Uint8Array[]
  threshold: number
  voterRole: string | null
  snapshotHeight: bigint | null
  eligibleCount: number
  electionHash: Uint8Array
  creator: Uint8Array
  createdAt: bigint
  phase: Phase
  /** Why the key generation failed (phase 'failed'). */
  failure: string | null
  /** 1-based indices. */
  registered: number[]
  dealt: number[]
  checked: number[]
  disqualified: number[]
  qualified: number[]
  jointKey: Uint8Array | null
  /** Xⱼ for j = 1..n once the key is ready. */
  verificationShares: Uint8Array[]
  complaints: number
  ballotsCast: number
  ballotsCounted: number
  decryptedBy: number[]
  counts: number[][] | null
}

const ONE = new Uint8Array([1])
const num = (x: unknown) => Number(x as number | bigint)
const big = (x: unknown) => BigInt(x as number | bigint)
const idPart = (id: string) => concatBytes(utf8(id), new Uint8Array([0]))

export const keys = {
  election: (id: string) => utf8(K.election + id),
  eligible: (id: string, account: Uint8Array) => concatBytes(utf8(K.eligible), idPart(id), account),
  eligiblePrefix: (id: string) => concatBytes(utf8(K.eligible), idPart(id)),
  registration: (id: string, i: number) => concatBytes(utf8(K.registration), idPart(id), u32be(i)),
  registrationPrefix: (id: string) => concatBytes(utf8(K.registration), idPart(id)),
  deal: (id: string, i: number) => concatBytes(utf8(K.deal), idPart(id), u32be(i)),
  dealPrefix: (id: string) => concatBytes(utf8(K.deal), idPart(id)),
  complaint: (id: string, seq: number) => concatBytes(utf8(K.complaint), idPart(id), u64be(BigInt(seq))),
  complaintPrefix: (id: string) => concatBytes(utf8(K.complaint), idPart(id)),
  ballot: (id: string, seq: number) => concatBytes(utf8(K.ballot), idPart(id), u64be(BigInt(seq))),
  ballotPrefix: (id: string) => concatBytes(utf8(K.ballot), idPart(id)),
  lastBallot: (id: string, account: Uint8Array) => concatBytes(utf8(K.lastBallot), idPart(id), account),
  tracking: (code: Uint8Array) => concatBytes(utf8(K.tracking), code),
  aggregate: (id: string) => utf8(K.aggregate + id),
  aggregateWork: (id: string) => utf8(K.aggregateWork + id),
  partial: (id: string, i: number) => concatBytes(utf8(K.partial), idPart(id), u32be(i)),
  partialPrefix: (id: string) => concatBytes(utf8(K.partial), idPart(id)),
  deadline: (time: bigint, id: string) => concatBytes(utf8(K.deadline), u64be(time), utf8(id)),
}

// ------------------------------------------------------------------ elections

function encodeElection(e: Election): Uint8Array {
  return encodeCanonical({
    chain_id: e.chainId, title: e.title,
    questions: e.questions.map((q) => ({ title: q.title, options: q.options, min: q.minSelections, max: q.maxSelections })),
    trustees: e.trustees, threshold: e.threshold, voter_role: e.voterRole, snapshot_height: e.snapshotHeight, eligible_count: e.eligibleCount,
    opens_at: e.opensAt, closes_at: e.closesAt, register_by: e.registerBy, deal_by: e.dealBy, check_by: e.checkBy, tally_by: e.tallyBy,
    election_hash: e.electionHash, creator: e.creator, created_at: e.createdAt, phase: e.phase, failure: e.failure,
    registered: e.registered, dealt: e.dealt, checked: e.checked, disqualified: e.disqualified, qualified: e.qualified,
    joint_key: e.jointKey, verification_shares: e.verificationShares, complaints: e.complaints,
    ballots_cast: e.ballotsCast, ballots_counted: e.ballotsCounted, decrypted_by: e.decryptedBy, counts: e.counts,
  })
}

function decodeElection(id: string, b: Uint8Array): Election {
  const m = decodeCanonical(b, 'invalid_state') as Record<string, any>
  const ints = (xs: unknown[]) => xs.map(num)
  return {
    id, chainId: m.chain_id, title: m.title,
    questions: (m.questions as Array<Record<string, any>>).map((q) => ({ title: q.title, options: q.options, minSelections: num(q.min), maxSelections: num(q.max) })),
    trustees: m.trustees, threshold: num(m.threshold), voterRole: m.voter_role ?? null, snapshotHeight: m.snapshot_height == null ? null : big(m.snapshot_height),
    eligibleCount: num(m.eligible_count), opensAt: big(m.opens_at), closesAt: big(m.closes_at), registerBy: big(m.register_by), dealBy: big(m.deal_by),
    checkBy: big(m.check_by), tallyBy: big(m.tally_by), electionHash: m.election_hash, creator: m.creator, createdAt: big(m.created_at),
    phase: m.phase, failure: m.failure ?? null, registered: ints(m.registered), dealt: ints(m.dealt), checked: ints(m.checked),
    disqualified: ints(m.disqualified), qualified: ints(m.qualified), jointKey: m.joint_key ?? null, verificationShares: m.verification_shares,
    complaints: num(m.complaints), ballotsCast: num(m.ballots_cast), ballotsCounted: num(m.ballots_counted), decryptedBy: ints(m.decrypted_by),
    counts: m.counts == null ? null : (m.counts as unknown[][]).map(ints),
  }
}

export function getElection(kv: KVReader, id: string): Election | undefined {
  const b = moduleReader(kv, MODULE).get(keys.election(id))
  return b ? decodeElection(id, b) : undefined
}

export function requireElection(kv: KVReader, id: string): Election {
  const e = getElection(kv, id)
  if (!e) fail('not_found', `no election "${id}"`)
  return e
}

export function putElection(kv: KV, e: Election): void {
  moduleStore(kv, MODULE).set(keys.election(e.id), encodeElection(e))
}

/** Elections in id order, after `after`. */
export function listElections(kv: KVReader, limit: number, after?: string): Election[] {
  const out: Election[] = []
  const base = utf8(K.election)
  const gte = after === undefined ? base : concatBytes(keys.election(after), new Uint8Array([0]))
  for (const [k, v] of moduleReader(kv, MODULE).iterate({ gte, lt: prefixEnd(base), limit })) {
    out.push(decodeElection(Buffer.from(k.subarray(base.length)).toString('utf8'), v))
  }
  return out
}

// ------------------------------------------------------------------ eligibility

export function setEligible(kv: KV, id: string, accounts: readonly Uint8Array[]): void {
  const s = moduleStore(kv, MODULE)
  for (const a of accounts) s.set(keys.eligible(id, a), ONE)
}

export function isEligibleVoter(kv: KVReader, id: string, account: Uint8Array): boolean {
  return moduleReader(kv, MODULE).get(keys.eligible(id, account)) !== undefined
}

/** The eligible accounts, ascending (the manifest's order). */
export function eligibleAccounts(kv: KVReader, id: string, limit?: number, after?: Uint8Array): Uint8Array[] {
  const p = keys.eligiblePrefix(id)
  const gte = after ? concatBytes(p, after, new Uint8Array([0])) : p
  return [...moduleReader(kv, MODULE).iterate({ gte, lt: prefixEnd(p), limit })].map(([k]) => k.subarray(p.length))
}

// ------------------------------------------------------------------ the manifest and the election context

/** The manifest of src/voting with these eligible accounts (all of them for the election hash and the record). */
export function manifestOf(e: Election, voters: readonly Uint8Array[]): Manifest {
  return {
    chainId: e.chainId, electionId: e.id, title: e.title,
    questions: e.questions.map((q) => ({ title: q.title, options: q.options, minSelections: q.minSelections, maxSelections: q.maxSelections })),
    trustees: e.trustees, threshold: e.threshold,
    eligibility: { accounts: voters, role: e.voterRole, snapshotHeight: e.snapshotHeight },
    opensAt: e.opensAt, closesAt: e.closesAt,
  }
}

const contexts = new Map<string, ElectionContext>()
const MAX_CONTEXTS = 16

/**
 * The ballot and tally context of an election whose key is ready. The election hash is the stored
 * one (computed from the full manifest at creation), so the eligible list is not re-read. Cached by
 * content (hash and key), which makes the cache safe whatever block is executed.
 */
export function electionContextOf(e: Election): ElectionContext {
  if (!e.jointKey) fail('invalid_state', `the key generation of election "${e.id}" is not finished`)
  const cacheKey = toHex(e.electionHash) + toHex(e.jointKey)
  let c = contexts.get(cacheKey)
  if (!c) {
    c = { manifest: manifestOf(e, []), electionHash: e.electionHash, publicKey: fixedBase(decodePoint(e.jointKey, 'joint key')) }
    if (contexts.size >= MAX_CONTEXTS) contexts.delete(contexts.keys().next().value!)
    contexts.set(cacheKey, c)
  }
  return c
}

// ------------------------------------------------------------------ protocol objects

export function putRegistration(kv: KV, id: string, i: number, bytes: Uint8Array): void {
  moduleStore(kv, MODULE).set(keys.registration(id, i), bytes)
}
export function putDeal(kv: KV, id: string, i: number, bytes: Uint8Array): void {
  moduleStore(kv, MODULE).set(keys.deal(id, i), bytes)
}
export function putPartial(kv: KV, id: string, i: number, bytes: Uint8Array): void {
  moduleStore(kv, MODULE).set(keys.partial(id, i), bytes)
}
export function getPartial(kv: KVReader, id: string, i: number): Uint8Array | undefined {
  return moduleReader(kv, MODULE).get(keys.partial(id, i))
}

/** Values under a prefix whose keys end in a u32 index: [index, bytes] ascending. */
function indexed(kv: KVReader, prefix: Uint8Array): Array<[number, Uint8Array]> {
  return [...moduleReader(kv, MODULE).iterate({ gte: prefix, lt: prefixEnd(prefix) })].map(([k, v]) => [readU32be(k, prefix.length), v])
}
export const registrationsOf = (kv: KVReader, id: string) => indexed(kv, keys.registrationPrefix(id))
export const dealsOf = (kv: KVReader, id: string) => indexed(kv, keys.dealPrefix(id))
export const partialsOf = (kv: KVReader, id: string) => indexed(kv, keys.partialPrefix(id))

export interface StoredComplaint { seq: number; bytes: Uint8Array; complainer: number; dealer: number; upheld: boolean; reason: string }

export function putComplaint(kv: KV, id: string, c: StoredComplaint): void {
  moduleStore(kv, MODULE).set(keys.complaint(id, c.seq), encodeCanonical({ bytes: c.bytes, complainer: c.complainer, dealer: c.dealer, upheld: c.upheld, reason: c.reason }))
}

export function complaintsOf(kv: KVReader, id: string): StoredComplaint[] {
  const p = keys.complaintPrefix(id)
  return [...moduleReader(kv, MODULE).iterate({ gte: p, lt: prefixEnd(p) })].map(([k, v]) => {
    const m = decodeCanonical(v, 'invalid_state') as Record<string, any>
    return { seq: Number(readU64be(k, p.length)), bytes: m.bytes, complainer: num(m.complainer), dealer: num(m.dealer), upheld: m.upheld, reason: m.reason }
  })
}

// ------------------------------------------------------------------ ballots

export interface StoredBallot {
  seq: number; voter: Uint8Array; bytes: Uint8Array; trackingCode: Uint8Array; height: bigint
  /** The ciphertexts as affine points (src/voting/running-aggregate.ts); absent in ballots stored before they were kept. */
  ciphertexts?: Uint8Array
}

export function putBallot(kv: KV, id: string, b: StoredBallot): void {
  const s = moduleStore(kv, MODULE)
  const entry = { voter: b.voter, bytes: b.bytes, tracking_code: b.trackingCode, height: b.height }
  s.set(keys.ballot(id, b.seq), encodeCanonical(b.ciphertexts ? { ...entry, ciphertexts: b.ciphertexts } : entry))
  s.set(keys.lastBallot(id, b.voter), encodeCanonical({ seq: b.seq, height: b.height }))
  s.set(keys.tracking(b.trackingCode), encodeCanonical({ election: id, seq: b.seq }))
}

const decodeBallotEntry = (seq: number, v: Uint8Array): StoredBallot => {
  const m = decodeCanonical(v, 'invalid_state') as Record<string, any>
  return { seq, voter: m.voter, bytes: m.bytes, trackingCode: m.tracking_code, height: big(m.height), ...(m.ciphertexts ? { ciphertexts: m.ciphertexts } : {}) }
}

export function getBallot(kv: KVReader, id: string, seq: number): StoredBallot | undefined {
  const v = moduleReader(kv, MODULE).get(keys.ballot(id, seq))
  return v ? decodeBallotEntry(seq, v) : undefined
}

/** Ballots in the order the chain accepted them, from `from` (a sequence number). */
export function ballotsOf(kv: KVReader, id: string, from = 0, limit?: number): StoredBallot[] {
  const p = keys.ballotPrefix(id)
  return [...moduleReader(kv, MODULE).iterate({ gte: concatBytes(p, u64be(BigInt(from))), lt: prefixEnd(p), limit })].map(([k, v]) => decodeBallotEntry(Number(readU64be(k, p.length)), v))
}

export function lastBallotOf(kv: KVReader, id: string, voter: Uint8Array): { seq: number; height: bigint } | undefined {
  const v = moduleReader(kv, MODULE).get(keys.lastBallot(id, voter))
  if (!v) return undefined
  const m = decodeCanonical(v, 'invalid_state') as Record<string, any>
  return { seq: num(m.seq), height: big(m.height) }
}

export function findTrackingCode(kv: KVReader, code: Uint8Array): { election: string; seq: number } | undefined {
  const v = moduleReader(kv, MODULE).get(keys.tracking(code))
  if (!v) return undefined
  const m = decodeCanonical(v, 'invalid_state') as Record<string, any>
  return { election: m.election, seq: num(m.seq) }
}

export function getAggregateBytes(kv: KVReader, id: string): Uint8Array | undefined {
  return moduleReader(kv, MODULE).get(keys.aggregate(id))
}
export function putAggregateBytes(kv: KV, id: string, bytes: Uint8Array): void {
  moduleStore(kv, MODULE).set(keys.aggregate(id), bytes)
}

/** The running aggregate of the block being executed (ballots.ts), if a ballot of this election is in it. */
export function getAggregateWork(kv: KVReader, id: string): Uint8Array | undefined {
  return moduleReader(kv, MODULE).get(keys.aggregateWork(id))
}
export function putAggregateWork(kv: KV, id: string, bytes: Uint8Array): void {
  moduleStore(kv, MODULE).set(keys.aggregateWork(id), bytes)
}
export function deleteAggregateWork(kv: KV, id: string): void {
  moduleStore(kv, MODULE).delete(keys.aggregateWork(id))
}
/** The elections with a running aggregate in this block, in id order. */
export function electionsWithAggregateWork(kv: KVReader): string[] {
  const p = utf8(K.aggregateWork)
  return [...moduleReader(kv, MODULE).iterate({ gte: p, lt: prefixEnd(p) })].map(([k]) => Buffer.from(k.subarray(p.length)).toString('utf8'))
}

// ------------------------------------------------------------------ phases and deadlines

/** The block time at which the current phase ends by deadline, or undefined if it has none. */
export function phaseDeadline(e: Election): bigint | undefined {
  switch (e.phase) {
    case 'registration': return e.registerBy
    case 'dealing': return e.dealBy
    case 'checking': return e.checkBy
    case 'ready': return e.tallyBy
    default: return undefined
  }
}

/** Moves the election to `phase`, re-indexing its deadline, and says so. Does not store the election. */
export function enterPhase(ctx: ExecContext, e: Election, phase: Phase): void {
  const s = moduleStore(ctx.kv, MODULE)
  const old = phaseDeadline(e)
  if (old !== undefined) s.delete(keys.deadline(old, e.id))
  e.phase = phase
  const next = phaseDeadline(e)
  if (next !== undefined) s.set(keys.deadline(next, e.id), utf8(phase))
  ctx.emit(VOTING_EVENT.phase, { election: e.id, phase })
}

/** Elections whose phase deadline is at or before `time`, in (deadline, id) order. */
export function dueElections(kv: KVReader, time: bigint, limit: number): Array<{ time: bigint; id: string }> {
  const p = utf8(K.deadline)
  const out: Array<{ time: bigint; id: string }> = []
  for (const [k] of moduleReader(kv, MODULE).iterate({ gte: p, lt: concatBytes(p, u64be(time + 1n)), limit })) {
    out.push({ time: readU64be(k, p.length), id: Buffer.from(k.subarray(p.length + 8)).toString('utf8') })
  }
  return out
}

/** Removes a deadline entry that no longer matches its election's phase (never expected; end-block must not throw). */
export function dropDeadline(kv: KV, time: bigint, id: string): void {
  moduleStore(kv, MODULE).delete(keys.deadline(time, id))
}
