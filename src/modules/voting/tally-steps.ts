/**
 * The tally on chain: after the window closes, trustees post partial decryptions of the aggregate
 * with Chaum-Pedersen proofs; as soon as k of them verify, the chain combines them (Lagrange in the
 * exponent), recovers the counts (bounded discrete log) and records the result. If the tally
 * deadline passes with fewer than k, the election is sealed: nobody can learn the result.
 */
import { fail } from '../../base/errors.js'
import type { ExecContext, TxContext } from '../../app/module.js'
import { decodePoint } from '../../voting/group.js'
import { combinePartialDecryptions, decodePartialDecryption, verifyPartialDecryption } from '../../voting/tally.js'
import { decodeAggregate } from './ballots.js'
import { senderTrustee } from './dkg-steps.js'
import { electionContextOf, enterPhase, getAggregateBytes, getPartial, partialsOf, putElection, putPartial, requireElection, type Election } from './keeper.js'
import { VOTING_EVENT } from './types.js'

export function postPartialDecryption(ctx: TxContext, id: string, bytes: Uint8Array): void {
  const e = requireElection(ctx.kv, id)
  const i = senderTrustee(ctx, e)
  if (e.phase === 'tallied') fail('invalid_state', `election "${id}" is already decrypted`)
  if (e.phase === 'sealed') fail('expired', `election "${id}" is sealed: the tally deadline ${e.tallyBy} passed with fewer than ${e.threshold} partial decryptions`)
  if (e.phase !== 'ready') fail('invalid_state', `election "${id}" is in phase ${e.phase}: there is nothing to decrypt`)
  if (ctx.time < e.closesAt) fail('invalid_state', `election "${id}" is open until ${e.closesAt}: the aggregate is decrypted only after the window closes`)
  if (ctx.time >= e.tallyBy) fail('expired', `the tally deadline of election "${id}" was ${e.tallyBy}`)
  if (!e.registered.includes(i)) fail('invalid_state', `trustee ${i} registered no key and holds no share`)
  if (getPartial(ctx.kv, id, i)) fail('already_exists', `trustee ${i} has already posted its partial decryption`)
  const ec = electionContextOf(e)
  const partial = decodePartialDecryption(ec, bytes)
  if (partial.trustee !== i) fail('unauthorized', `the partial decryption is for trustee ${partial.trustee}, but the signer is trustee ${i}`)
  const agg = decodeAggregate(ec, getAggregateBytes(ctx.kv, id)!)
  const failures = verifyPartialDecryption(ec, partial, decodePoint(e.verificationShares[i - 1]!, 'verification share'), agg)
  if (failures.length) fail('proof_invalid', failures.join('; '))
  putPartial(ctx.kv, id, i, bytes)
  e.decryptedBy = [...e.decryptedBy, i].sort((a, b) => a - b)
  ctx.emit(VOTING_EVENT.partial, { election: id, trustee: String(i), partials: String(e.decryptedBy.length), threshold: String(e.threshold) })
  if (e.decryptedBy.length >= e.threshold) {
    const partials = partialsOf(ctx.kv, id).map(([, b]) => decodePartialDecryption(ec, b))
    e.counts = combinePartialDecryptions(ec, agg, partials, e.ballotsCounted)
    enterPhase(ctx, e, 'tallied')
    ctx.emit(VOTING_EVENT.tallied, { election: id, counts: JSON.stringify(e.counts), ballots_counted: String(e.ballotsCounted), decrypted_by: e.decryptedBy.join(',') })
  }
  putElection(ctx.kv, e)
}

/** The tally deadline passed with fewer than k partial decryptions: the election stays sealed. */
export function seal(ctx: ExecContext, e: Election): void {
  enterPhase(ctx, e, 'sealed')
  ctx.emit(VOTING_EVENT.sealed, { election: e.id, partials: String(e.decryptedBy.length), threshold: String(e.threshold) })
}
