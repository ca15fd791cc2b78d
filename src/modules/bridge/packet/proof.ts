/**
 * Where a light client meets a store proof: a counterparty's state is checked against the app hash
 * of the consensus state that this chain's client of it verified.
 */
import { verifyStateProof } from '../../../commitment/verify.js'
import { fail } from '../../../base/errors.js'
import type { KVReader } from '../../../app/kv.js'
import type { ClientState, ConsensusState } from '../client/state.js'
import { stateRootAt } from '../client/state-root.js'

/** The consensus state of client `c` that commits to the counterparty's state at `proofHeight` (see stateRootAt), or proof_invalid. */
export function requireStateRoot(kv: KVReader, c: ClientState, proofHeight: bigint): ConsensusState {
  const cs = stateRootAt(kv, c, proofHeight)
  if (!cs) fail('proof_invalid', `client ${c.clientId} has no verified header at height ${proofHeight}`)
  return cs
}

/**
 * Verifies an ICS-23 proof for `key` (a full store key of the counterparty), queried at the
 * counterparty's height `proofHeight`, against the app hash of the consensus state `cs` of client
 * `c` that commits to that state (requireStateRoot). `c` is the client as the caller found it
 * active in this same message. `value` undefined: non-membership.
 */
export function verifyCounterpartyState(c: ClientState, cs: ConsensusState, proofHeight: bigint, proof: Uint8Array, key: Uint8Array, value: Uint8Array | undefined): void {
  const ok = verifyStateProof(proof, cs.appHash, key, value)
  const what = value === undefined ? 'absence' : 'value'
  if (!ok) fail('proof_invalid', `the ${what} of ${Buffer.from(key).toString('latin1')} does not verify at height ${proofHeight} of client ${c.clientId}`)
}
