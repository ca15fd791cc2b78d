/**
 * Chaum-Pedersen proof that two discrete logarithms are equal: X = x·G and M = x·B for the same
 * (secret) x. Used for partial decryptions (X a trustee's verification share, B an aggregate
 * ciphertext's α, M the trustee's share of the decryption) and for DKG complaints (X the
 * complainer's encryption key, B the share's ephemeral key, M their Diffie-Hellman value).
 *
 *   prover:   u random, a = u·G, b = u·B, c = H(tag, context…, X, B, M, a, b), v = u + c·x
 *   verifier: v·G = a + c·X  and  v·B = b + c·M
 *   bytes:    a (32) ‖ b (32) ‖ v (32)
 */
import { PolisError } from '../../base/errors.js'
import { concatBytes } from '../../base/bytes.js'
import { G, decodeElement, decodePoint, decodeScalar, encodeScalar, modq, mul, mulG, pointBytes, type Point } from '../group.js'
import { randomScalar, type RandomSource } from '../random.js'
import type { Relation } from '../relations.js'
import { hashToScalar } from '../transcript.js'

export interface EqualityProof {
  readonly a: Point
  readonly b: Point
  readonly response: bigint
}

export const EQUALITY_PROOF_BYTES = 96

export interface EqualityStatement {
  /** x·G */
  readonly publicKey: Point
  /** The second base B. */
  readonly base: Point
  /** x·B */
  readonly image: Point
}

function challenge(tag: string, context: readonly Uint8Array[], st: EqualityStatement, a: Point, b: Point): bigint {
  return hashToScalar(tag, [...context, pointBytes(st.publicKey), pointBytes(st.base), pointBytes(st.image), pointBytes(a), pointBytes(b)])
}

export function proveEquality(tag: string, context: readonly Uint8Array[], st: EqualityStatement, secret: bigint, rng: RandomSource): EqualityProof {
  const u = randomScalar(rng)
  const a = mulG(u)
  const b = mul(st.base, u)
  const c = challenge(tag, context, st, a, b)
  return { a, b, response: modq(u + c * secret) }
}

export function equalityRelations(tag: string, context: readonly Uint8Array[], st: EqualityStatement, proof: EqualityProof, label: string): Relation[] {
  const c = challenge(tag, context, st, proof.a, proof.b)
  return [
    { label, terms: [[proof.response, G], [-c, st.publicKey], [-1n, proof.a]] },
    { label, terms: [[proof.response, st.base], [-c, st.image], [-1n, proof.b]] },
  ]
}

export function encodeEqualityProof(p: EqualityProof): Uint8Array {
  return concatBytes(pointBytes(p.a), pointBytes(p.b), encodeScalar(p.response))
}

/**
 * `bMayBeIdentity`: b = u·B is the identity exactly when B is (a partial decryption of an
 * aggregate whose α is the identity); everywhere else it is refused.
 */
export function decodeEqualityProof(bytes: Uint8Array, what: string, bMayBeIdentity = false): EqualityProof {
  if (bytes.length !== EQUALITY_PROOF_BYTES) throw new PolisError('invalid_message', `${what}: a Chaum-Pedersen proof is ${EQUALITY_PROOF_BYTES} bytes`)
  return {
    a: decodePoint(bytes.subarray(0, 32), `${what} commitment a`),
    b: (bMayBeIdentity ? decodeElement : decodePoint)(bytes.subarray(32, 64), `${what} commitment b`),
    response: decodeScalar(bytes.subarray(64, 96), `${what} response`),
  }
}
