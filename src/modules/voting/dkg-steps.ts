/**
 * Creating an election and running its key generation on chain (docs/VOTING.md §6):
 * registration → dealing → checking → ready (or failed). A phase ends early when every trustee
 * who can act has acted, else at its deadline (end-block). Every proof is checked before anything
 * is stored; a refusal throws a typed PolisError and the transaction changes nothing.
 */
import { fail } from '../../base/errors.js'
import { toHex } from '../../base/bytes.js'
import type { ExecContext, TxContext } from '../../app/module.js'
import { accountExists, listRoleMembers } from '../identity/keeper.js'
import { judgeComplaint, jointPublicKey, verificationShares, verifyDeal, verifyRegistration, type Deal, type DkgContext, type TrusteeRegistration } from '../../voting/dkg.js'
import { decodeComplaint, decodeDeal, decodeRegistration } from '../../voting/dkg-bytes.js'
import { pointBytes } from '../../voting/group.js'
import { electionHash, trusteeIndex } from '../../voting/manifest.js'
import { CIPHERTEXT_BYTES } from '../../voting/elgamal.js'
import {
  dealsOf, enterPhase, getElection, manifestOf, putAggregateBytes, putComplaint, putDeal, putElection, putRegistration, registrationsOf, requireElection, setEligible,
  type Election,
} from './keeper.js'
import { VOTING_EVENT, type CreateElection } from './types.js'

/** At most this many eligible accounts (a role's holders are resolved into the manifest). */
export const MAX_ELIGIBLE = 100_000

const sortedInsert = (xs: number[], x: number) => [...xs, x].sort((a, b) => a - b)

export function createElection(ctx: TxContext, c: CreateElection): Election {
  if (getElection(ctx.kv, c.election)) fail('already_exists', `election "${c.election}" already exists`)
  if (c.registerBy <= ctx.time) fail('invalid_request', `register_by (${c.registerBy}) must be after the block time ${ctx.time}`)
  for (const t of c.trustees) if (!accountExists(ctx.kv, t)) fail('unknown_account', `trustee ${toHex(t)} is not a registered account`)
  let voters: Uint8Array[]
  if (c.voterRole !== undefined) {
    voters = listRoleMembers(ctx.kv, c.voterRole, MAX_ELIGIBLE + 1)
    if (voters.length > MAX_ELIGIBLE) fail('invalid_request', `more than ${MAX_ELIGIBLE} accounts hold the role "${c.voterRole}"`)
    if (voters.length === 0) fail('invalid_request', `nobody holds the role "${c.voterRole}": nobody would be eligible`)
  } else voters = c.voters!
  const e: Election = {
    id: c.election, chainId: ctx.chainId, title: c.title, questions: c.questions, trustees: c.trustees, threshold: c.threshold,
    voterRole: c.voterRole ?? null, snapshotHeight: c.voterRole !== undefined ? ctx.height : null, eligibleCount: voters.length,
    opensAt: c.opensAt, closesAt: c.closesAt, registerBy: c.registerBy, dealBy: c.dealBy, checkBy: c.checkBy, tallyBy: c.tallyBy,
    electionHash: new Uint8Array(32), creator: ctx.sender, createdAt: ctx.height, phase: 'registration', failure: null,
    registered: [], dealt: [], checked: [], disqualified: [], qualified: [], jointKey: null, verificationShares: [], complaints: 0,
    ballotsCast: 0, ballotsCounted: 0, decryptedBy: [], counts: null,
  }
  const manifest = manifestOf(e, voters)
  e.electionHash = electionHash(manifest) // validates the manifest (PolisError invalid_message)
  setEligible(ctx.kv, e.id, voters)
  // no ballot yet: every option's sum is (identity, identity), whose encoding is all zero bytes
  putAggregateBytes(ctx.kv, e.id, new Uint8Array(CIPHERTEXT_BYTES * e.questions.reduce((n, q) => n + q.options.length, 0)))
  ctx.emit(VOTING_EVENT.created, {
    election: e.id, election_hash: toHex(e.electionHash), trustees: String(e.trustees.length), threshold: String(e.threshold), eligible: String(voters.length),
    opens_at: e.opensAt.toString(), closes_at: e.closesAt.toString(),
  })
  e.phase = 'failed' // enterPhase drops the deadline of the phase it leaves: there is none yet
  enterPhase(ctx, e, 'registration')
  putElection(ctx.kv, e)
  return e
}

// ------------------------------------------------------------------ who may act

export function dkgContextOf(e: Election): DkgContext {
  return { manifest: manifestOf(e, []), electionHash: e.electionHash }
}

/** The sender's trustee index, refused (unauthorized) if the sender is not a trustee. */
export function senderTrustee(ctx: TxContext, e: Election): number {
  const i = trusteeIndex(manifestOf(e, []), ctx.sender)
  if (i === 0) fail('unauthorized', `account ${toHex(ctx.sender)} is not a trustee of election "${e.id}"`)
  return i
}

function requirePhase(ctx: TxContext, e: Election, phase: Election['phase'], deadline: bigint): void {
  if (e.phase !== phase) fail('invalid_state', `election "${e.id}" is in phase ${e.phase}, not ${phase}`)
  if (ctx.time >= deadline) fail('expired', `the ${phase} phase of election "${e.id}" ended at ${deadline}`)
}

function requireOwnIndex(claimed: number, own: number, what: string): void {
  if (claimed !== own) fail('unauthorized', `${what} is for trustee ${claimed}, but the signer is trustee ${own}`)
}

export function registrations(kv: ExecContext['kv'], id: string): TrusteeRegistration[] {
  return registrationsOf(kv, id).map(([, b]) => decodeRegistration(b))
}

function deals(kv: ExecContext['kv'], id: string): Deal[] {
  return dealsOf(kv, id).map(([, b]) => decodeDeal(b))
}

// ------------------------------------------------------------------ the three steps

export function registerTrusteeKey(ctx: TxContext, id: string, bytes: Uint8Array): void {
  const e = requireElection(ctx.kv, id)
  const i = senderTrustee(ctx, e)
  requirePhase(ctx, e, 'registration', e.registerBy)
  const reg = decodeRegistration(bytes)
  requireOwnIndex(reg.trustee, i, 'the registration')
  if (e.registered.includes(i)) fail('already_exists', `trustee ${i} has already registered its key`)
  const failures = verifyRegistration(dkgContextOf(e), reg)
  if (failures.length) fail('proof_invalid', failures.join('; '))
  putRegistration(ctx.kv, id, i, bytes)
  e.registered = sortedInsert(e.registered, i)
  ctx.emit(VOTING_EVENT.registered, { election: id, trustee: String(i), account: toHex(ctx.sender) })
  if (e.registered.length === e.trustees.length) endRegistration(ctx, e)
  putElection(ctx.kv, e)
}

export function postDeal(ctx: TxContext, id: string, bytes: Uint8Array): void {
  const e = requireElection(ctx.kv, id)
  const i = senderTrustee(ctx, e)
  requirePhase(ctx, e, 'dealing', e.dealBy)
  if (!e.registered.includes(i)) fail('invalid_state', `trustee ${i} did not register a key in time`)
  const deal = decodeDeal(bytes)
  requireOwnIndex(deal.dealer, i, 'the deal')
  if (e.dealt.includes(i)) fail('already_exists', `trustee ${i} has already dealt`)
  const failures = verifyDeal(dkgContextOf(e), deal, registrations(ctx.kv, id))
  if (failures.length) fail(failures.some((f) => f.endsWith('proof of knowledge invalid')) ? 'proof_invalid' : 'invalid_message', failures.join('; '))
  putDeal(ctx.kv, id, i, bytes)
  e.dealt = sortedInsert(e.dealt, i)
  ctx.emit(VOTING_EVENT.dealt, { election: id, trustee: String(i) })
  if (e.dealt.length === e.registered.length) endDealing(ctx, e)
  putElection(ctx.kv, e)
}

/** A trustee has opened its shares: its complaints, each decided by the chain now. */
export function checkShares(ctx: TxContext, id: string, complaintBytes: readonly Uint8Array[]): void {
  const e = requireElection(ctx.kv, id)
  const i = senderTrustee(ctx, e)
  requirePhase(ctx, e, 'checking', e.checkBy)
  if (!e.registered.includes(i)) fail('invalid_state', `trustee ${i} did not register a key and received no shares`)
  if (e.checked.includes(i)) fail('already_exists', `trustee ${i} has already checked its shares`)
  const dctx = dkgContextOf(e)
  const regs = registrations(ctx.kv, id)
  const all = deals(ctx.kv, id)
  const against = new Set<number>()
  const decided = complaintBytes.map((bytes) => {
    const c = decodeComplaint(bytes)
    requireOwnIndex(c.complainer, i, 'the complaint')
    if (against.has(c.dealer)) fail('invalid_message', `two complaints against trustee ${c.dealer}`)
    against.add(c.dealer)
    const deal = all.find((d) => d.dealer === c.dealer)
    if (!deal) fail('invalid_message', `trustee ${c.dealer} posted no deal to complain about`)
    const verdict = judgeComplaint(dctx, c, deal, regs)
    if (!verdict.valid) fail('proof_invalid', verdict.reason)
    return { bytes, complainer: i, dealer: c.dealer, upheld: verdict.upheld, reason: verdict.reason }
  })
  for (const d of decided) {
    putComplaint(ctx.kv, id, { seq: e.complaints++, ...d })
    if (d.upheld && !e.disqualified.includes(d.dealer)) e.disqualified = sortedInsert(e.disqualified, d.dealer)
    ctx.emit(VOTING_EVENT.complaint, { election: id, complainer: String(i), dealer: String(d.dealer), verdict: d.upheld ? 'upheld' : 'rejected', reason: d.reason })
  }
  e.checked = sortedInsert(e.checked, i)
  ctx.emit(VOTING_EVENT.checked, { election: id, trustee: String(i), complaints: String(decided.length) })
  if (e.checked.length === e.registered.length) endChecking(ctx, e)
  putElection(ctx.kv, e)
}

// ------------------------------------------------------------------ phase ends

function failKeyGeneration(ctx: ExecContext, e: Election, reason: string): void {
  enterPhase(ctx, e, 'failed')
  e.failure = reason
  ctx.emit(VOTING_EVENT.failed, { election: e.id, reason })
}

export function endRegistration(ctx: ExecContext, e: Election): void {
  if (e.registered.length < e.threshold) return failKeyGeneration(ctx, e, `${e.registered.length} trustees registered a key, the threshold is ${e.threshold}`)
  enterPhase(ctx, e, 'dealing')
}

export function endDealing(ctx: ExecContext, e: Election): void {
  if (e.dealt.length < e.threshold) return failKeyGeneration(ctx, e, `${e.dealt.length} trustees dealt, the threshold is ${e.threshold}`)
  enterPhase(ctx, e, 'checking')
}

export function endChecking(ctx: ExecContext, e: Election): void {
  const qual = e.dealt.filter((i) => !e.disqualified.includes(i))
  if (qual.length < e.threshold) return failKeyGeneration(ctx, e, `${qual.length} qualified dealers [${qual.join(', ')}], the threshold is ${e.threshold}`)
  const all = deals(ctx.kv, e.id)
  const K = jointPublicKey(all, qual)
  if (K.is0()) return failKeyGeneration(ctx, e, 'the joint key is the identity element')
  const X = verificationShares(all, qual, e.trustees.map((_, j) => j + 1))
  e.qualified = qual
  e.jointKey = new Uint8Array(pointBytes(K))
  e.verificationShares = e.trustees.map((_, j) => new Uint8Array(pointBytes(X.get(j + 1)!)))
  enterPhase(ctx, e, 'ready')
  ctx.emit(VOTING_EVENT.keyReady, { election: e.id, joint_key: toHex(e.jointKey), qualified: qual.join(',') })
}
