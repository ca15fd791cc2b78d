/** The public election record (format polis-voting-record/1, docs/VOTING.md §9) from the chain's state. */

import type { KVReader } from '../../app/kv.js'
import { recordToJson } from '../../voting/record-format.js'
import type { Json } from '../../voting/json-shape.js'
import { ballotsOf, complaintsOf, dealsOf, eligibleAccounts, getAggregateBytes, manifestOf, partialsOf, registrationsOf, type Election } from './keeper.js'
import { CIPHERTEXT_BYTES } from '../../voting/elgamal.js'

export function electionRecord(kv: KVReader, e: Election): Json {
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
    ballots: ballotsOf(kv, e.id).map((b) => ({ account: b.voter, ballot: b.bytes, trackingCode: b.trackingCode })),
    aggregate,
    partialDecryptions: partialsOf(kv, e.id).map(([, b]) => b),
    result: e.counts ? { counts: e.counts } : null,
  })
}

