/**
 * Signed checkpoints of a collector's RFC 9162 log: (tree size, root) signed with the collector's
 * Ed25519 key over a domain-separated text, so that a checkpoint can be checked off chain too and
 * two signed checkpoints that disagree are proof that the collector rewrote its history.
 */
import { toHex, utf8 } from '../base/bytes.js'
import { verifySignature, type KeyPair } from '../crypto/keys.js'

export interface Checkpoint { size: number; root: Uint8Array }
export interface SignedCheckpoint extends Checkpoint { collector: Uint8Array; sig: Uint8Array }

export const CHECKPOINT_DOMAIN = 'polis/siem-checkpoint/v1'

/** The signed text: domain, chain id, collector key, size and root, one per line. */
export function checkpointSignBytes(chainId: string, collector: Uint8Array, size: number | bigint, root: Uint8Array): Uint8Array {
  return utf8(`${CHECKPOINT_DOMAIN}\n${chainId}\n${toHex(collector)}\n${size.toString()}\n${toHex(root)}\n`)
}

export function signCheckpoint(chainId: string, key: KeyPair, cp: Checkpoint): SignedCheckpoint {
  return { ...cp, collector: key.publicKey, sig: key.sign(checkpointSignBytes(chainId, key.publicKey, cp.size, cp.root)) }
}

export function verifyCheckpointSig(chainId: string, cp: SignedCheckpoint): boolean {
  return verifySignature(cp.collector, checkpointSignBytes(chainId, cp.collector, cp.size, cp.root), cp.sig)
}
