/**
 * Casting a ballot: the election's key is ready, the block time is in the window, the signer is
 * eligible and has no other ballot in this block, every proof verifies (src/voting/ballot.ts
 * checkBallot), and the tracking code is new. The aggregate is updated at once: the voter's
 * earlier ballot, if any, is subtracted and the new one added (a re-vote replaces). Within a block
 * the sum is kept in extended coordinates (key x|id) and encoded once at end-block
 * (settleAggregates), so a ballot costs point additions, not ten encodings.
 */
import { fail } from '../../base/errors.js'
import { toHex } from '../../base/bytes.js'
import type { ExecContext, TxContext } from '../../app/module.js'
import { checkBallotCompact, ciphertextPoints, decodeBallot } from '../../voting/ballot.js'
import type { ElectionContext } from '../../voting/context.js'
import { decodeAggregateCiphertext, CIPHERTEXT_BYTES } from '../../voting/elgamal.js'
import type { Aggregate } from '../../voting/tally.js'
import { accumulate, compactPoints, encodePoints, pointsFromAggregate, pointsFromCompact, pointsFromWork, workBytes } from '../../voting/running-aggregate.js'
import {
  deleteAggregateWork, electionContextOf, electionsWithAggregateWork, findTrackingCode, getAggregateBytes, getAggregateWork, getBallot, isEligibleVoter, lastBallotOf,
  putAggregateBytes, putAggregateWork, putBallot, putElection, requireElection, type Election, type StoredBallot,
} from './keeper.js'
import { VOTING_EVENT } from './types.js'

/** Decodes a stored aggregate (identity allowed). */
export function decodeAggregate(ctx: ElectionContext, bytes: Uint8Array): Aggregate {
  let o = 0
  return ctx.manifest.questions.map((q, qi) =>
    q.options.map((_, oi) => {
      const c = decodeAggregateCiphertext(bytes.subarray(o, o + CIPHERTEXT_BYTES), `aggregate question ${qi} option ${oi}`)
      o += CIPHERTEXT_BYTES
      return c
    }),
  )
}

/** The window and eligibility checks, before any cryptography (cheap refusals first). */
export function ballotPrecheck(kv: TxContext['kv'], time: bigint, height: bigint, id: string, voter: Uint8Array): Election {
  const e = requireElection(kv, id)
  if (e.phase !== 'ready') fail('invalid_state', `election "${id}" takes no ballots: it is in phase ${e.phase}`)
  if (time < e.opensAt) fail('invalid_state', `election "${id}" opens at ${e.opensAt}; the block time is ${time}`)
  if (time >= e.closesAt) fail('expired', `election "${id}" closed at ${e.closesAt}; the block time is ${time}`)
  if (!isEligibleVoter(kv, id, voter)) fail('unauthorized', `account ${toHex(voter)} is not eligible in election "${id}"`)
  const last = lastBallotOf(kv, id, voter)
  if (last && last.height === height) fail('already_exists', `account ${toHex(voter)} already cast a ballot in election "${id}" in this block`)
  return e
}

export function castBallot(ctx: TxContext, id: string, bytes: Uint8Array): { trackingCode: Uint8Array; replaced: boolean } {
  const e = ballotPrecheck(ctx.kv, ctx.time, ctx.height, id, ctx.sender)
  const ec = electionContextOf(e)
  const checked = checkBallotCompact(ec, ctx.sender, bytes) // invalid_message on any malformed or non-canonical byte
  if (checked.failures.length || !checked.ciphertexts) fail('proof_invalid', `ballot: ${checked.failures.join('; ')}`)
  if (findTrackingCode(ctx.kv, checked.trackingCode)) fail('already_exists', `a ballot with tracking code ${toHex(checked.trackingCode)} was already cast`)

  // The sum stays in extended coordinates for the block (no square root per ballot); end-block encodes it.
  const work = getAggregateWork(ctx.kv, id)
  const sum = work ? pointsFromWork(work) : pointsFromAggregate(getAggregateBytes(ctx.kv, id)!)
  const last = lastBallotOf(ctx.kv, id, ctx.sender)
  if (last) accumulate(sum, pointsFromCompact(storedCiphertexts(ec, getBallot(ctx.kv, id, last.seq)!)), true)
  accumulate(sum, pointsFromCompact(checked.ciphertexts), false)
  putAggregateWork(ctx.kv, id, workBytes(sum))

  const seq = e.ballotsCast++
  if (!last) e.ballotsCounted++
  putBallot(ctx.kv, id, { seq, voter: ctx.sender, bytes, trackingCode: checked.trackingCode, height: ctx.height, ciphertexts: checked.ciphertexts })
  putElection(ctx.kv, e)
  ctx.emit(VOTING_EVENT.ballot, { election: id, voter: toHex(ctx.sender), tracking_code: toHex(checked.trackingCode), seq: String(seq), replaced: String(!!last) })
  return { trackingCode: checked.trackingCode, replaced: !!last }
}

/** A stored ballot's ciphertexts in compact form (decoded, ciphertexts only, for a ballot stored without them). */
function storedCiphertexts(ec: ElectionContext, b: StoredBallot): Uint8Array {
  return b.ciphertexts ?? compactPoints(ciphertextPoints(decodeBallot(ec, b.bytes, true)))
}

/** End-block: each running aggregate of this block encoded once into the committed aggregate. */
export function settleAggregates(ctx: ExecContext): void {
  for (const id of electionsWithAggregateWork(ctx.kv)) {
    putAggregateBytes(ctx.kv, id, encodePoints(pointsFromWork(getAggregateWork(ctx.kv, id)!)))
    deleteAggregateWork(ctx.kv, id)
  }
}
