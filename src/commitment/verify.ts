/**
 * ICS-23 proof checking, in one place: the bridge checks a counterparty's state with it, the SDK a
 * node's answers. A proof is a protobuf CommitmentProof of the IAVL-style store (src/store/proof.ts
 * makes them; `iavlSpec`), of a key's value or of its absence, against a state root (app hash).
 */
import { ics23, iavlSpec, verifyMembership, verifyNonMembership } from '@confio/ics23'
import { ensureSpec } from '@confio/ics23/build/proofs.js'
import { PolisError } from '../base/errors.js'
import { bytesEqual } from '../base/bytes.js'
import { existenceComputesRoot } from './existence-root.js'

/**
 * True when `proof` shows that `key` holds `value` (value undefined: that `key` is absent) in the
 * state whose root is `root`; false when it does not. Bytes that are no CommitmentProof throw
 * PolisError('proof_invalid').
 */
export function verifyStateProof(proof: Uint8Array, root: Uint8Array, key: Uint8Array, value: Uint8Array | undefined): boolean {
  let p: ics23.CommitmentProof
  try {
    p = ics23.CommitmentProof.decode(proof)
  } catch (e) {
    throw new PolisError('proof_invalid', `proof is not a protobuf CommitmentProof: ${(e as Error).message}`)
  }
  try {
    if (value === undefined) return verifyNonMembership(p, iavlSpec, root, key)
    if (p.exist && !p.batch && !p.compressed) return existenceHolds(p.exist, root, key, value)
    return verifyMembership(p, iavlSpec, root, key, value)
  } catch {
    return false
  }
}

/**
 * @confio/ics23's verifyExistence for a single existence proof, as a boolean: the proof meets
 * iavlSpec, is of `key` = `value`, and computes `root` (existence-root.ts computes it faster).
 */
function existenceHolds(e: ics23.IExistenceProof, root: Uint8Array, key: Uint8Array, value: Uint8Array): boolean {
  if (!e.key || !e.value || !e.leaf) return false
  if (!bytesEqual(e.key, key) || !bytesEqual(e.value, value)) return false
  ensureSpec(e, iavlSpec)
  return existenceComputesRoot(e.leaf.prefix ?? new Uint8Array(0), e.path ?? [], key, value, root)
}

