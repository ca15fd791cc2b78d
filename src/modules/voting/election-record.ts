/**
 * The public election record (format polis-voting-record/1, docs/VOTING.md §9) from the chain's
 * state: whole for a small election, or in parts for a large one (a 100,000-ballot record is about
 * 330 MB of JSON): the head (everything but the ballots) and the ballots page by page, which a
 * client joins into the same document (src/sdk/voting-record.ts).
 */
import { fail } from '../../base/errors.js'
import type { KVReader } from '../../app/kv.js'
import { recordBallotJson, recordToJson } from '../../voting/record-format.js'
import type { Json } from '../../voting/json-shape.js'
import { ballotsOf, complaintsOf, dealsOf, eligibleAccounts, getAggregateBytes, manifestOf, partialsOf, registrationsOf, type Election } from './keeper.js'
import { CIPHERTEXT_BYTES } from '../../voting/elgamal.js'

/** The most ballots a whole record in one answer may hold; past it, the record is read in pages. */
export const WHOLE_RECORD_MAX_BALLOTS = 5_000
/** The most ballots in one page of `record_ballots`. */
export const RECORD_PAGE_MAX = 1_000

/** The record; `withBallots` false: its head, with an empty ballot list (the pages fill it). */
export function electionRecord(kv: KVReader, e: Election, withBallots = true): Json {
  if (withBallots && e.ballotsCast > WHOLE_RECORD_MAX_BALLOTS) {
    fail('invalid_request', `election "${e.id}" has ${e.ballotsCast} ballots, more than ${WHOLE_RECORD_MAX_BALLOTS} in one answer: read the head (ballots=none) and the ballots in pages (record_ballots), as \`polis voting record\` does`)
  }
  const agg = getAggregateBytes(kv, e.id)!
  let o = 0
  const aggregate = e.questions.map((q) => q.options.map(() => agg.subarray(o, (o += CIPHERTEXT_BYTES))))
  return recordToJson({
    manifest: manifestOf(e, eligibleAccounts(kv, e.id)),
    electionHash: e.electionHash,
    registrations: registrationsOf(kv, e.id).map(([, b]) => b),
    deals: dealsOf(kv, e.id).map(([, b]) => b),
    complaints: complaintsOf(kv, e.id).map((c) => c.bytes),
    jointKey: e.jointKey,
    ballots: withBallots ? ballotsOf(kv, e.id).map((b) => ({ account: b.voter, ballot: b.bytes, trackingCode: b.trackingCode })) : [],
    aggregate,
    partialDecryptions: partialsOf(kv, e.id).map(([, b]) => b),
    result: e.counts ? { counts: e.counts } : null,
  })
}


/** One page of the record's ballots, in the record's order (sequence numbers from `from`). */
export function recordBallotsPage(kv: KVReader, e: Election, height: bigint, from: number, limit: number): Json {
  const page = ballotsOf(kv, e.id, from, Math.min(limit, RECORD_PAGE_MAX))
  const next = from + page.length
  return {
    election: e.id, height: height.toString(), ballots_cast: e.ballotsCast, from,
    next: next < e.ballotsCast ? next : null,
    ballots: page.map((b) => recordBallotJson({ account: b.voter, ballot: b.bytes, trackingCode: b.trackingCode })),
  }
}
