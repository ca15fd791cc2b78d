/**
 * Browser version of src/crypto/keys.ts for the console bundle: Ed25519 (RFC 8032) with
 * @noble/curves instead of node:crypto; seeds from crypto.getRandomValues.
 */
import { ed25519 } from '@noble/curves/ed25519.js'
import { PolisError } from '../../../src/base/errors.ts'
import type { KeyPair } from '../../../src/crypto/keys.ts'

export type { KeyPair } from '../../../src/crypto/keys.ts'

export function keyPairFromSeed(seed: Uint8Array): KeyPair {
  if (seed.length !== 32) throw new PolisError('invalid_request', 'an Ed25519 seed is 32 bytes')
  const secret = new Uint8Array(seed)
  return {
    publicKey: ed25519.getPublicKey(secret),
    seed: secret,
    sign: (message) => ed25519.sign(message, secret),
  }
}

export function generateKeyPair(): KeyPair {
  return keyPairFromSeed(crypto.getRandomValues(new Uint8Array(32)))
}

/** Verifies an Ed25519 signature; false (never a throw) for malformed keys or signatures. */
export function verifySignature(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== 32 || signature.length !== 64) return false
  try {
    return ed25519.verify(signature, message, publicKey, { zip215: false })
  } catch {
    return false
  }
}
