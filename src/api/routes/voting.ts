/**
 * Elections (docs/VOTING.md): read-only routes over the `voting` module's queries, with their
 * schemas in the OpenAPI document. Transactions (create, trustee steps, ballots, partial
 * decryptions) go through POST /v1/txs like every other message.
 */
import type { FastifyInstance } from 'fastify'
import { utf8 } from '../../base/bytes.js'
import { MODULE } from '../../modules/voting/types.js'
import type { ApiContext } from '../context.js'
import { parseHeight } from '../convert.js'
import { refusal } from '../problem.js'
import { Hash, Uint, errorResponses, named } from '../schemas.js'

const ElectionId = { type: 'string', pattern: '^[a-z0-9][a-z0-9_.-]{0,63}$', description: 'an election id' }
const Counts = { type: ['array', 'null'], items: { type: 'array', items: { type: 'integer' } }, description: 'per question, per option; null until decrypted' }
const Phase = { type: 'string', enum: ['registration', 'dealing', 'checking', 'ready', 'failed', 'tallied', 'sealed'] }
const Indices = { type: 'array', items: { type: 'integer' }, description: '1-based trustee indices' }

const summaryProperties = {
  election: { type: 'string' }, title: { type: 'string' }, phase: Phase,
  opens_at: Uint, closes_at: Uint, tally_by: Uint, trustees: { type: 'integer' }, threshold: { type: 'integer' }, eligible: { type: 'integer' },
  ballots_cast: { type: 'integer' }, ballots_counted: { type: 'integer' },
}
const ElectionSummary = named('VotingElectionSummary', { type: 'object', additionalProperties: false, required: Object.keys(summaryProperties), properties: summaryProperties })

const ElectionDetail = named('VotingElection', {
  type: 'object', additionalProperties: false,
  required: [...Object.keys(summaryProperties), 'election_hash', 'questions', 'trustee_accounts', 'joint_key', 'counts'],
  properties: {
    ...summaryProperties,
    chain_id: { type: 'string' }, election_hash: Hash,
    questions: {
      type: 'array',
      items: {
        type: 'object', additionalProperties: false, required: ['title', 'options', 'min_selections', 'max_selections'],
        properties: { title: { type: 'string' }, options: { type: 'array', items: { type: 'string' } }, min_selections: { type: 'integer' }, max_selections: { type: 'integer' } },
      },
    },
    trustee_accounts: { type: 'array', items: Hash },
    eligibility: { type: 'object', additionalProperties: false, properties: { role: { type: ['string', 'null'] }, snapshot_height: { type: ['string', 'null'] }, count: { type: 'integer' } } },
    register_by: Uint, deal_by: Uint, check_by: Uint, creator: Hash, created_at: Uint, failure: { type: ['string', 'null'] },
    registered: Indices, dealt: Indices, checked: Indices, disqualified: Indices, qualified: Indices,
    joint_key: { type: ['string', 'null'], description: 'the joint public key (32 bytes hex) once the key generation is done' },
    verification_shares: { type: 'array', items: Hash }, complaints: { type: 'integer' }, decrypted_by: Indices, counts: Counts,
  },
})

const ballotProperties = {
  election: { type: 'string' }, seq: { type: 'integer' }, voter: Hash, tracking_code: Hash, height: Uint,
  counted: { type: 'boolean', description: "false once the voter's later ballot replaced it" },
}
const BallotEntry = named('VotingBallot', {
  type: 'object', additionalProperties: false, required: Object.keys(ballotProperties),
  properties: { ...ballotProperties, ballot: { type: 'string', description: 'the ballot bytes (hex), docs/VOTING.md §7' } },
})

const Manifest = named('VotingManifest', {
  type: 'object', additionalProperties: false, required: ['election_hash', 'manifest'],
  properties: { election_hash: Hash, manifest: { type: 'object', additionalProperties: true, description: 'the manifest in the record JSON form (docs/VOTING.md §9)' } },
})

const ElectionRecord = named('VotingElectionRecord', {
  type: 'object', additionalProperties: true, required: ['format', 'manifest', 'electionHash', 'ballots', 'aggregate', 'result'],
  description: 'the public election record, format polis-voting-record/1 (docs/VOTING.md §9): verify it with `polis voting verify`',
  properties: { format: { type: 'string', enum: ['polis-voting-record/1'] } },
})

const RecordBallot = {
  type: 'object', additionalProperties: false, required: ['account', 'ballot', 'trackingCode'],
  properties: { account: Hash, ballot: { type: 'string', description: 'the ballot bytes (hex), docs/VOTING.md §7' }, trackingCode: Hash },
}
const RecordBallotsPage = named('VotingRecordBallots', {
  type: 'object', additionalProperties: false, required: ['election', 'height', 'ballots_cast', 'from', 'next', 'ballots'],
  properties: {
    election: { type: 'string' }, height: Uint, ballots_cast: { type: 'integer' }, from: { type: 'integer' },
    next: { type: ['integer', 'null'], description: 'the `from` of the next page; null after the last' },
    ballots: { type: 'array', items: RecordBallot, description: "entries of the record's `ballots`, in order" },
  },
})

const json = (schema: object) => ({ 200: schema, ...errorResponses })
const electionParams = { type: 'object', required: ['election'], additionalProperties: false, properties: { election: ElectionId } }
const heightOnly = { type: 'object', additionalProperties: false, properties: { height: Uint } }

export function votingRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const { backend } = ctx
  const query = (name: string, params: Record<string, string | undefined>, height?: string): unknown => {
    const r = backend.query({ path: `${MODULE}/${name}`, data: utf8(JSON.stringify(params)), height: parseHeight(height) })
    if (r.code !== 0) throw refusal(r.code, r.log)
    return JSON.parse(Buffer.from(r.value!).toString('utf8'))
  }
  const tags = ['voting']

  app.get<{ Querystring: { after?: string; limit?: string; height?: string } }>('/v1/voting/elections', {
    schema: {
      summary: 'Elections', description: 'Elections in id order (at most `limit`, default 100, after the id `after`).', tags,
      querystring: { type: 'object', additionalProperties: false, properties: { after: ElectionId, limit: { type: 'string', pattern: '^[1-9][0-9]{0,3}$' }, height: Uint } },
      response: json({ type: 'object', additionalProperties: false, required: ['elections'], properties: { elections: { type: 'array', items: ElectionSummary } } }),
    },
  }, async (req) => query('elections', { after: req.query.after, limit: req.query.limit }, req.query.height))

  app.get<{ Params: { election: string }; Querystring: { height?: string } }>('/v1/voting/elections/:election', {
    schema: {
      summary: 'An election', description: 'Its questions, trustees, deadlines, key-generation progress, joint key, ballot counts and, once decrypted, the result.', tags,
      params: electionParams, querystring: heightOnly, response: json(ElectionDetail),
    },
  }, async (req) => query('election', { election: req.params.election }, req.query.height))

  app.get<{ Params: { election: string }; Querystring: { height?: string } }>('/v1/voting/elections/:election/manifest', {
    schema: {
      summary: "An election's manifest", description: 'Everything fixed when the election was created, with every eligible account; a client recomputes the election hash from it.', tags,
      params: electionParams, querystring: heightOnly, response: json(Manifest),
    },
  }, async (req) => query('manifest', { election: req.params.election }, req.query.height))

  app.get<{ Params: { election: string }; Querystring: { from?: string; limit?: string; height?: string } }>('/v1/voting/elections/:election/ballots', {
    schema: {
      summary: "An election's ballots", description: 'Every accepted ballot in the order the chain accepted it, from the sequence number `from` (default 0), at most `limit`.', tags,
      params: electionParams,
      querystring: { type: 'object', additionalProperties: false, properties: { from: Uint, limit: { type: 'string', pattern: '^[1-9][0-9]{0,3}$' }, height: Uint } },
      response: json({ type: 'object', additionalProperties: false, required: ['ballots'], properties: { ballots: { type: 'array', items: BallotEntry } } }),
    },
  }, async (req) => query('ballots', { election: req.params.election, from: req.query.from, limit: req.query.limit }, req.query.height))

  app.get<{ Params: { election: string }; Querystring: { ballots?: string; height?: string } }>('/v1/voting/elections/:election/record', {
    schema: {
      summary: 'The election record',
      description:
        'Everything public about the election, enough to verify it with no node (`polis voting verify RECORD.json`). ' +
        'Whole up to 5,000 ballots; `ballots=none` gives the head (every field, an empty ballot list) and GET …/record/ballots the ballots page by page, ' +
        'which a client joins into the same document (`polis voting record` does, at one height).',
      tags, params: electionParams,
      querystring: { type: 'object', additionalProperties: false, properties: { ballots: { type: 'string', enum: ['all', 'none'] }, height: Uint } },
      response: json(ElectionRecord),
    },
  }, async (req) => query('record', { election: req.params.election, ballots: req.query.ballots }, req.query.height))

  app.get<{ Params: { election: string }; Querystring: { from?: string; limit?: string; height?: string } }>('/v1/voting/elections/:election/record/ballots', {
    schema: {
      summary: "A page of the election record's ballots",
      description: 'The record\'s `ballots` entries from the sequence number `from` (default 0), at most `limit` (default and maximum 1,000), with the height read and the cursor of the next page (`next`, null after the last). Pass `height` to read every page of one record at the same height.',
      tags, params: electionParams,
      querystring: { type: 'object', additionalProperties: false, properties: { from: Uint, limit: { type: 'string', pattern: '^[1-9][0-9]{0,3}$' }, height: Uint } },
      response: json(RecordBallotsPage),
    },
  }, async (req) => query('record_ballots', { election: req.params.election, from: req.query.from, limit: req.query.limit }, req.query.height))

  app.get<{ Params: { tracking_code: string }; Querystring: { height?: string } }>('/v1/voting/ballots/:tracking_code', {
    schema: {
      summary: 'A ballot by its tracking code', description: 'Lets a voter find the ballot the client showed the tracking code of, and see whether it is the one counted.', tags,
      params: { type: 'object', required: ['tracking_code'], additionalProperties: false, properties: { tracking_code: Hash } },
      querystring: heightOnly, response: json(BallotEntry),
    },
  }, async (req) => query('ballot', { tracking_code: req.params.tracking_code.toLowerCase() }, req.query.height))
}
