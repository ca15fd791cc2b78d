/**
 * The voting module: verifiable secret-ballot elections (docs/VOTING.md). The authority, or an
 * account holding the `elections` role, creates an election; its trustees run the key generation
 * on chain; eligible voters cast encrypted ballots whose proofs the chain checks; after the window
 * the trustees' partial decryptions reveal only the sums.
 */
import { defineMessage, type ExecContext, type Module, type MsgValue, type QueryParams } from '../../app/module.js'
import { bytesField, onlyFields, stringField, uintField } from '../../app/fields.js'
import { fail } from '../../base/errors.js'
import { compareBytes, toHex } from '../../base/bytes.js'
import type { CborValue } from '../../codec/cbor.js'
import { hexParam, limitParam, optionalStringParam } from '../../app/query-params.js'
import { manifestToJson, MAX_OPTIONS, MAX_QUESTIONS, MAX_TRUSTEES } from '../../voting/manifest.js'
import { castBallot, settleAggregates } from './ballots.js'
import { preverifyBallot } from '../../voting/ballot-verify-pool.js'
import { checkShares, createElection, endChecking, endDealing, endRegistration, postDeal, registerTrusteeKey } from './dkg-steps.js'
import { electionRecord, recordBallotsPage, RECORD_PAGE_MAX } from './election-record.js'
import {
  ballotsOf, complaintsOf, dealsOf, dropDeadline, dueElections, eligibleAccounts, findTrackingCode, getAggregateBytes, getBallot, isEligibleVoter, lastBallotOf, listElections,
  electionContextOf, manifestOf, partialsOf, phaseDeadline, putElection, registrationsOf, requireElection,
} from './keeper.js'
import { postPartialDecryption, seal } from './tally-steps.js'
import { ballotJson, electionJson, electionSummaryJson } from './views.js'
import { ELECTIONS_ROLE, MODULE, type CreateElection, type QuestionSpec } from './types.js'

export const ELECTION_ID_PATTERN = /^[a-z0-9][a-z0-9_.-]{0,63}$/
const ROLE_PATTERN = /^[a-z][a-z0-9_-]{1,31}$/
/** Explicit voter lists are bounded by the transaction size (64 KiB) anyway; larger electorates use a role. */
const MAX_LISTED_VOTERS = 1800
/** Bounds of one ballot, partial decryption, deal or complaint list in a message. */
const MAX_OBJECT_BYTES = 60_000
const MAX_COMPLAINTS = MAX_TRUSTEES

const electionField = (v: MsgValue) => stringField(v, 'election', { pattern: ELECTION_ID_PATTERN, max: 64 })
const objectField = (v: MsgValue, name: string) => {
  const b = bytesField(v, name)
  if (b.length === 0 || b.length > MAX_OBJECT_BYTES) fail('invalid_message', `${name} must be 1 to ${MAX_OBJECT_BYTES} bytes`)
  return b
}

function list(v: MsgValue, name: string, min: number, max: number): CborValue[] {
  const x = v[name]
  if (!Array.isArray(x) || x.length < min || x.length > max) fail('invalid_message', `${name} must be a list of ${min} to ${max} items`)
  return x
}

function accountList(v: MsgValue, name: string, max: number, sort: boolean): Uint8Array[] {
  const xs = list(v, name, 1, max).map((a) => {
    if (!(a instanceof Uint8Array) || a.length !== 32) fail('invalid_message', `${name}: every account is 32 bytes`)
    return a
  })
  const sorted = sort ? [...xs].sort(compareBytes) : xs
  const seen = new Set(sorted.map(toHex))
  if (seen.size !== xs.length) fail('invalid_message', `${name}: an account is listed twice`)
  return sorted
}

function parseQuestion(x: CborValue, i: number): QuestionSpec {
  if (!x || typeof x !== 'object' || Array.isArray(x) || x instanceof Uint8Array) fail('invalid_message', `questions[${i}] must be a map`)
  const q = x as MsgValue
  onlyFields(q, ['title', 'options', 'min_selections', 'max_selections'])
  const options = list(q, 'options', 1, MAX_OPTIONS).map((o) => {
    if (typeof o !== 'string' || o.length < 1 || o.length > 128) fail('invalid_message', `questions[${i}].options: each option is a label of 1 to 128 characters`)
    return o
  })
  return {
    title: stringField(q, 'title', { min: 1, max: 256 }), options,
    minSelections: Number(uintField(q, 'min_selections', BigInt(MAX_OPTIONS))), maxSelections: Number(uintField(q, 'max_selections', BigInt(MAX_OPTIONS))),
  }
}

export function parseCreate(v: MsgValue): CreateElection {
  onlyFields(v, ['election', 'title', 'questions', 'trustees', 'threshold', 'voters', 'voter_role', 'opens_at', 'closes_at', 'register_by', 'deal_by', 'check_by', 'tally_by'])
  if ((v.voters === undefined) === (v.voter_role === undefined)) fail('invalid_message', 'eligibility: give either voters (a list of accounts) or voter_role')
  const c: CreateElection = {
    election: electionField(v), title: stringField(v, 'title', { min: 1, max: 256 }),
    questions: list(v, 'questions', 1, MAX_QUESTIONS).map(parseQuestion),
    trustees: accountList(v, 'trustees', MAX_TRUSTEES, false), threshold: Number(uintField(v, 'threshold', BigInt(MAX_TRUSTEES))),
    opensAt: uintField(v, 'opens_at'), closesAt: uintField(v, 'closes_at'), registerBy: uintField(v, 'register_by'), dealBy: uintField(v, 'deal_by'),
    checkBy: uintField(v, 'check_by'), tallyBy: uintField(v, 'tally_by'),
  }
  if (v.voters !== undefined) c.voters = accountList(v, 'voters', MAX_LISTED_VOTERS, true)
  else c.voterRole = stringField(v, 'voter_role', { pattern: ROLE_PATTERN, max: 32 })
  if (!(c.registerBy < c.dealBy && c.dealBy < c.checkBy && c.checkBy <= c.closesAt)) fail('invalid_message', 'need register_by < deal_by < check_by ≤ closes_at')
  if (!(c.opensAt < c.closesAt && c.closesAt < c.tallyBy)) fail('invalid_message', 'need opens_at < closes_at < tally_by')
  return c
}

const byElection = (v: MsgValue, field: string) => {
  onlyFields(v, ['election', field])
  return { election: electionField(v), bytes: objectField(v, field) }
}

/** Phase ends by deadline: at most this many per block (the rest in the next blocks). */
const DUE_PER_BLOCK = 64

function endPhases(ctx: ExecContext): void {
  for (const { time, id } of dueElections(ctx.kv, ctx.time, DUE_PER_BLOCK)) {
    const e = requireElection(ctx.kv, id)
    if (phaseDeadline(e) !== time) {
      dropDeadline(ctx.kv, time, id)
      continue
    }
    if (e.phase === 'registration') endRegistration(ctx, e)
    else if (e.phase === 'dealing') endDealing(ctx, e)
    else if (e.phase === 'checking') endChecking(ctx, e)
    else seal(ctx, e) // 'ready': the tally deadline passed with fewer than k partial decryptions
    putElection(ctx.kv, e)
  }
}

const electionParam = (p: QueryParams) => {
  const id = optionalStringParam(p, 'election')
  if (id === undefined || !ELECTION_ID_PATTERN.test(id)) fail('invalid_request', 'election is required (an election id)')
  return id
}
const seqParam = (p: QueryParams, name: string) => {
  const v = optionalStringParam(p, name)
  if (v === undefined) return 0
  if (!/^(0|[1-9][0-9]{0,14})$/.test(v)) fail('invalid_request', `${name} must be a non-negative integer`)
  return Number(v)
}

export function votingModule(): Module {
  return {
    name: MODULE,
    roles: [ELECTIONS_ROLE],
    messages: {
      create: defineMessage({
        roles: ['authority', ELECTIONS_ROLE],
        parse: parseCreate,
        handle: (ctx, m) => {
          createElection(ctx, m)
        },
      }),
      register: defineMessage({ roles: 'any', parse: (v) => byElection(v, 'registration'), handle: (ctx, m) => registerTrusteeKey(ctx, m.election, m.bytes) }),
      deal: defineMessage({ roles: 'any', parse: (v) => byElection(v, 'deal'), handle: (ctx, m) => postDeal(ctx, m.election, m.bytes) }),
      check: defineMessage({
        roles: 'any',
        parse: (v) => {
          onlyFields(v, ['election', 'complaints'])
          const complaints = list(v, 'complaints', 0, MAX_COMPLAINTS).map((c) => {
            if (!(c instanceof Uint8Array) || c.length === 0 || c.length > MAX_OBJECT_BYTES) fail('invalid_message', 'complaints: each is a byte string')
            return c
          })
          return { election: electionField(v), complaints }
        },
        handle: (ctx, m) => checkShares(ctx, m.election, m.complaints),
      }),
      ballot: defineMessage({
        roles: 'any',
        parse: (v) => byElection(v, 'ballot'),
        // admission: the election exists and the signer may vote in it (the window and proofs are the block's)
        precheck: (kv, m, sender) => {
          const e = requireElection(kv, m.election)
          if (!isEligibleVoter(kv, m.election, sender)) fail('unauthorized', `account ${toHex(sender)} is not eligible in election "${m.election}"`)
          // verify once: the proofs are checked now on a worker thread and the block reuses the verdict
          if (e.phase === 'ready' && e.jointKey) preverifyBallot(electionContextOf(e), sender, m.bytes)
        },
        handle: (ctx, m) => {
          castBallot(ctx, m.election, m.bytes)
        },
      }),
      decrypt: defineMessage({ roles: 'any', parse: (v) => byElection(v, 'partial'), handle: (ctx, m) => postPartialDecryption(ctx, m.election, m.bytes) }),
    },
    queries: {
      elections: (ctx, p) => ({ elections: listElections(ctx.kv, limitParam(p), optionalStringParam(p, 'after')).map(electionSummaryJson) }),
      election: (ctx, p) => electionJson(requireElection(ctx.kv, electionParam(p))),
      manifest: (ctx, p) => {
        const e = requireElection(ctx.kv, electionParam(p))
        return { election_hash: toHex(e.electionHash), manifest: manifestToJson(manifestOf(e, eligibleAccounts(ctx.kv, e.id))) }
      },
      dkg: (ctx, p) => {
        const e = requireElection(ctx.kv, electionParam(p))
        return {
          election: e.id, phase: e.phase,
          registrations: registrationsOf(ctx.kv, e.id).map(([, b]) => toHex(b)),
          deals: dealsOf(ctx.kv, e.id).map(([, b]) => toHex(b)),
          complaints: complaintsOf(ctx.kv, e.id).map((c) => ({ complaint: toHex(c.bytes), complainer: c.complainer, dealer: c.dealer, verdict: c.upheld ? 'upheld' : 'rejected', reason: c.reason })),
        }
      },
      ballots: (ctx, p) => {
        const e = requireElection(ctx.kv, electionParam(p))
        const bs = ballotsOf(ctx.kv, e.id, seqParam(p, 'from'), limitParam(p))
        return { ballots: bs.map((b) => ballotJson(e.id, b, lastBallotOf(ctx.kv, e.id, b.voter)?.seq === b.seq, false)) }
      },
      ballot: (ctx, p) => {
        const found = findTrackingCode(ctx.kv, hexParam(p, 'tracking_code', 32))
        if (!found) fail('not_found', 'no ballot has this tracking code')
        const b = getBallot(ctx.kv, found.election, found.seq)!
        return ballotJson(found.election, b, lastBallotOf(ctx.kv, found.election, b.voter)?.seq === b.seq, true)
      },
      voter: (ctx, p) => {
        const e = requireElection(ctx.kv, electionParam(p))
        const account = hexParam(p, 'account', 32)
        const last = lastBallotOf(ctx.kv, e.id, account)
        const b = last ? getBallot(ctx.kv, e.id, last.seq)! : undefined
        return { election: e.id, account: toHex(account), eligible: isEligibleVoter(ctx.kv, e.id, account), voted: !!b, tracking_code: b ? toHex(b.trackingCode) : null, height: b ? b.height.toString() : null }
      },
      aggregate: (ctx, p) => {
        const e = requireElection(ctx.kv, electionParam(p))
        const agg = getAggregateBytes(ctx.kv, e.id)!
        let o = 0
        return { election: e.id, ballots_counted: e.ballotsCounted, aggregate: e.questions.map((q) => q.options.map(() => toHex(agg.subarray(o, (o += 64))))) }
      },
      partials: (ctx, p) => {
        const e = requireElection(ctx.kv, electionParam(p))
        return { election: e.id, partials: partialsOf(ctx.kv, e.id).map(([trustee, b]) => ({ trustee, partial: toHex(b) })) }
      },
      record: (ctx, p) => {
        const ballots = optionalStringParam(p, 'ballots') ?? 'all'
        if (ballots !== 'all' && ballots !== 'none') fail('invalid_request', 'ballots must be "all" or "none"')
        return electionRecord(ctx.kv, requireElection(ctx.kv, electionParam(p)), ballots === 'all')
      },
      record_ballots: (ctx, p) => recordBallotsPage(ctx.kv, requireElection(ctx.kv, electionParam(p)), ctx.height, seqParam(p, 'from'), limitParam(p, RECORD_PAGE_MAX, RECORD_PAGE_MAX)),
    },
    endBlock(ctx) {
      settleAggregates(ctx)
      endPhases(ctx)
    },
  }
}

