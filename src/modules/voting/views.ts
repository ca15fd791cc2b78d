/** JSON views of the module's state for queries (bigints and times as decimal strings, bytes as hex). */
import { toHex } from '../../base/bytes.js'
import type { Election, StoredBallot } from './keeper.js'

export function electionSummaryJson(e: Election) {
  return {
    election: e.id, title: e.title, phase: e.phase, opens_at: e.opensAt.toString(), closes_at: e.closesAt.toString(), tally_by: e.tallyBy.toString(),
    trustees: e.trustees.length, threshold: e.threshold, eligible: e.eligibleCount, ballots_cast: e.ballotsCast, ballots_counted: e.ballotsCounted,
  }
}

export function electionJson(e: Election) {
  return {
    ...electionSummaryJson(e),
    chain_id: e.chainId,
    election_hash: toHex(e.electionHash),
    questions: e.questions.map((q) => ({ title: q.title, options: q.options, min_selections: q.minSelections, max_selections: q.maxSelections })),
    trustee_accounts: e.trustees.map(toHex),
    eligibility: { role: e.voterRole, snapshot_height: e.snapshotHeight === null ? null : e.snapshotHeight.toString(), count: e.eligibleCount },
    register_by: e.registerBy.toString(), deal_by: e.dealBy.toString(), check_by: e.checkBy.toString(),
    creator: toHex(e.creator), created_at: e.createdAt.toString(), failure: e.failure,
    registered: e.registered, dealt: e.dealt, checked: e.checked, disqualified: e.disqualified, qualified: e.qualified,
    joint_key: e.jointKey ? toHex(e.jointKey) : null, verification_shares: e.verificationShares.map(toHex), complaints: e.complaints,
    decrypted_by: e.decryptedBy, counts: e.counts,
  }
}

export function ballotJson(id: string, b: StoredBallot, counted: boolean, withBytes: boolean) {
  return {
    election: id, seq: b.seq, voter: toHex(b.voter), tracking_code: toHex(b.trackingCode), height: b.height.toString(), counted,
    ...(withBytes ? { ballot: toHex(b.bytes) } : {}),
  }
}
