/**
 * The voting module's names: its state keys, message types and event names, and typed builders
 * of its messages for clients (docs/VOTING.md, "The voting module").
 *
 * Keys (under "voting/"; ID = the election id's UTF-8 bytes then 0x00):
 *   e|id                      -> Election (CBOR)
 *   v|ID|account(32)          -> 0x01  eligible voter
 *   r|ID|trustee(4)           -> trustee key registration (bytes of src/voting/dkg-bytes.ts)
 *   d|ID|dealer(4)            -> deal (bytes)
 *   k|ID|trustee(4)           -> 0x01  the trustee has checked its shares
 *   c|ID|seq(8)               -> complaint (CBOR: bytes, verdict)
 *   b|ID|seq(8)               -> ballot (CBOR: voter, bytes, tracking code, height, ciphertexts as
 *                                affine points, src/voting/running-aggregate.ts: a re-vote subtracts
 *                                them without decoding)
 *   l|ID|account(32)          -> the voter's last ballot (CBOR: seq, height)
 *   t|tracking code(32)       -> (CBOR: election, seq)
 *   a|id                      -> the aggregate of the counted ballots (64 bytes per option)
 *   x|id                      -> within a block only: the running aggregate in extended coordinates
 *                                (running-aggregate.ts), encoded into a|id and deleted at end-block
 *   p|ID|trustee(4)           -> partial decryption (bytes of src/voting/tally.ts)
 *   w|time(8)|id              -> phase (UTF-8): the phase that ends at this block time
 */
import type { Msg } from '../../app/tx.js'

export const MODULE = 'voting'

export const VOTING_KEY = {
  election: 'e', eligible: 'v', registration: 'r', deal: 'd', checked: 'k', complaint: 'c',
  ballot: 'b', lastBallot: 'l', tracking: 't', aggregate: 'a', aggregateWork: 'x', partial: 'p', deadline: 'w',
} as const

export const VOTING_MSG = {
  create: 'voting/create',
  register: 'voting/register',
  deal: 'voting/deal',
  check: 'voting/check',
  ballot: 'voting/ballot',
  decrypt: 'voting/decrypt',
} as const

/** Events, each with the attribute `election`. */
export const VOTING_EVENT = {
  created: 'voting.created',
  registered: 'voting.trustee_registered',
  dealt: 'voting.deal_posted',
  checked: 'voting.shares_checked',
  complaint: 'voting.complaint',
  phase: 'voting.phase',
  keyReady: 'voting.key_ready',
  failed: 'voting.failed',
  ballot: 'voting.ballot_cast',
  partial: 'voting.partial_decryption',
  tallied: 'voting.tallied',
  sealed: 'voting.sealed',
} as const

/** The role the authority may grant to whoever runs elections. */
export const ELECTIONS_ROLE = 'elections'

export type Phase = 'registration' | 'dealing' | 'checking' | 'ready' | 'failed' | 'tallied' | 'sealed'

export interface QuestionSpec { title: string; options: string[]; minSelections: number; maxSelections: number }

/** When an election's phases end, in block time: register_by ≤ deal_by ≤ check_by ≤ closes_at < tally_by. */
export interface ElectionSchedule {
  opensAt: bigint
  closesAt: bigint
  /** DKG deadlines in block time: register_by ≤ deal_by ≤ check_by ≤ closes_at. */
  registerBy: bigint
  dealBy: bigint
  checkBy: bigint
  /** Partial decryptions are taken until this block time (after closes_at); then fewer than k seals the election. */
  tallyBy: bigint
}

export interface CreateElection extends ElectionSchedule {
  election: string
  title: string
  questions: QuestionSpec[]
  trustees: Uint8Array[]
  threshold: number
  /** Either an explicit list of eligible accounts … */
  voters?: Uint8Array[]
  /** … or everyone holding this role when the election is created (the snapshot height). */
  voterRole?: string
}

export const votingMsgs = {
  create(p: CreateElection): Msg {
    const value: Msg['value'] = {
      election: p.election, title: p.title,
      questions: p.questions.map((q) => ({ title: q.title, options: q.options, min_selections: q.minSelections, max_selections: q.maxSelections })),
      trustees: p.trustees, threshold: p.threshold,
      opens_at: p.opensAt, closes_at: p.closesAt, register_by: p.registerBy, deal_by: p.dealBy, check_by: p.checkBy, tally_by: p.tallyBy,
    }
    if (p.voters !== undefined) value.voters = p.voters
    if (p.voterRole !== undefined) value.voter_role = p.voterRole
    return { type: VOTING_MSG.create, value }
  },
  /** A trustee's encryption key with its proof (src/voting/dkg-bytes.ts encodeRegistration). */
  register(p: { election: string; registration: Uint8Array }): Msg {
    return { type: VOTING_MSG.register, value: { election: p.election, registration: p.registration } }
  },
  /** A trustee's deal: commitments, encrypted shares, proof (encodeDeal). */
  deal(p: { election: string; deal: Uint8Array }): Msg {
    return { type: VOTING_MSG.deal, value: { election: p.election, deal: p.deal } }
  },
  /** A trustee has opened its shares: its complaints (encodeComplaint), none if every share was good. */
  check(p: { election: string; complaints: Uint8Array[] }): Msg {
    return { type: VOTING_MSG.check, value: { election: p.election, complaints: p.complaints } }
  },
  /** An encrypted ballot (src/voting/ballot.ts encodeBallot), cast by the signer. */
  ballot(p: { election: string; ballot: Uint8Array }): Msg {
    return { type: VOTING_MSG.ballot, value: { election: p.election, ballot: p.ballot } }
  },
  /** A trustee's partial decryption of the aggregate (encodePartialDecryption). */
  decrypt(p: { election: string; partial: Uint8Array }): Msg {
    return { type: VOTING_MSG.decrypt, value: { election: p.election, partial: p.partial } }
  },
}
