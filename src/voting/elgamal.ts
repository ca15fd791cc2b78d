/**
 * Exponential ElGamal on ristretto255: Enc(K, m; r) = (α, β) = (r·G, m·G + r·K) for the joint
 * public key K. It is additively homomorphic, (α₁+α₂, β₁+β₂) encrypts m₁+m₂, so the chain sums
 * ballots without decrypting any; only the final sums are decrypted, and since m sits in the
 * exponent, recovering it needs a discrete logarithm bounded by the number of voters (dlog.ts).
 *
 * Bytes: α (32) ‖ β (32).
 */
import { PolisError } from '../base/errors.js'
import { concatBytes } from '../base/bytes.js'
import { IDENTITY, decodeElement, decodePoint, mul, mulG, pointBytes, type Point } from './group.js'

export interface Ciphertext {
  readonly alpha: Point
  readonly beta: Point
}

export const CIPHERTEXT_BYTES = 64
export const ZERO_CIPHERTEXT: Ciphertext = Object.freeze({ alpha: IDENTITY, beta: IDENTITY })

/** (r·G, m·G + r·K); m and r are secret, so both products are constant time. */
export function encrypt(publicKey: Point, m: bigint, r: bigint): Ciphertext {
  return { alpha: mulG(r), beta: mulG(m).add(mul(publicKey, r)) }
}

export function addCiphertexts(x: Ciphertext, y: Ciphertext): Ciphertext {
  return { alpha: x.alpha.add(y.alpha), beta: x.beta.add(y.beta) }
}

export function subtractCiphertexts(x: Ciphertext, y: Ciphertext): Ciphertext {
  return { alpha: x.alpha.subtract(y.alpha), beta: x.beta.subtract(y.beta) }
}

export function ciphertextEquals(x: Ciphertext, y: Ciphertext): boolean {
  return x.alpha.equals(y.alpha) && x.beta.equals(y.beta)
}

export function encodeCiphertext(c: Ciphertext): Uint8Array {
  return concatBytes(pointBytes(c.alpha), pointBytes(c.beta))
}

function decode(bytes: Uint8Array, what: string, identityAllowed: boolean): Ciphertext {
  if (bytes.length !== CIPHERTEXT_BYTES) throw new PolisError('invalid_message', `${what}: a ciphertext is ${CIPHERTEXT_BYTES} bytes`)
  const d = identityAllowed ? decodeElement : decodePoint
  return { alpha: d(bytes.subarray(0, 32), `${what} alpha`), beta: d(bytes.subarray(32, 64), `${what} beta`) }
}

/** A ballot's ciphertext: neither component may be the identity. */
export function decodeCiphertext(bytes: Uint8Array, what: string): Ciphertext {
  return decode(bytes, what, false)
}

/** A sum of ciphertexts (an aggregate), which may be the identity (no ballots yet). */
export function decodeAggregateCiphertext(bytes: Uint8Array, what: string): Ciphertext {
  return decode(bytes, what, true)
}
