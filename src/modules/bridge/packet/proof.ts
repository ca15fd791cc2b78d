/**
 * Where a light client meets a store proof: a counterparty's state is checked against the app hash
 * of the consensus state that this chain's client of it verified.
 */
import { verifyStateProof } from '../../../commitment/verify.js'
import { fail } from '../../../base/errors.js'
import type { KVReader } from '../../../app/kv.js'
import { requireActiveClient } from '../client/state.js'
import { stateRootAt } from '../client/state-root.js'

/**
 * Verifies an ICS-23 proof for `key` (a full store key of the counterparty), queried at the
 * counterparty's height `proofHeight`, against the app hash of the consensus state that commits to
 * that state (stateRootAt: header proofHeight for solo, proofHeight+1 for cometbft). `value`
 * undefined: non-membership.
 */
export function verifyCounterpartyState(
  ctx: { kv: KVReader; time: bigint }, client: string, proofHeight: bigint, proof: Uint8Array, key: Uint8Array, value: Uint8Array | undefined,
): void {
  const kv = ctx.kv
  const c = requireActiveClient(ctx, client)
  const cs = stateRootAt(kv, c, proofHeight)
  if (!cs) fail('proof_invalid', `client ${client} has no verified header at height ${proofHeight}`)
  const ok = verifyStateProof(proof, cs.appHash, key, value)
  const what = value === undefined ? 'absence' : 'value'
  if (!ok) fail('proof_invalid', `the ${what} of ${Buffer.from(key).toString('latin1')} does not verify at height ${proofHeight} of client ${client}`)
}
