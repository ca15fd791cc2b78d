/**
 * Schnorr proof of knowledge of x with X = x·G (trustees' key registrations and the constant
 * term of each dealer's polynomial).
 *
 *   prover:   k random, R = k·G, c = H(tag, context…, X, R), s = k + c·x
 *   verifier: s·G = R + c·X
 *   bytes:    R (32) ‖ s (32)
 *
 * The context parts (election hash, trustee index and account, and any message the proof signs)
 * are hashed into the challenge, so the proof is valid for that context only.
 */
import { PolisError } from '../../base/errors.js'
import { G, decodePoint, decodeScalar, encodeScalar, modq, mulG, pointBytes, type Point } from '../group.js'
import { randomScalar, type RandomSource } from '../random.js'
import type { Relation } from '../relations.js'
import { hashToScalar } from '../transcript.js'
import { concatBytes } from '../../base/bytes.js'

export interface SchnorrProof {
  readonly commitment: Point
  readonly response: bigint
}

export const SCHNORR_PROOF_BYTES = 64

function challenge(tag: string, context: readonly Uint8Array[], publicKey: Point, commitment: Point): bigint {
  return hashToScalar(tag, [...context, pointBytes(publicKey), pointBytes(commitment)])
}

export function proveKnowledge(tag: string, context: readonly Uint8Array[], secret: bigint, rng: RandomSource): SchnorrProof {
  const k = randomScalar(rng)
  const commitment = mulG(k)
  const c = challenge(tag, context, mulG(secret), commitment)
  return { commitment, response: modq(k + c * secret) }
}

export function knowledgeRelations(tag: string, context: readonly Uint8Array[], publicKey: Point, proof: SchnorrProof, label: string): Relation[] {
  const c = challenge(tag, context, publicKey, proof.commitment)
  return [{ label, terms: [[proof.response, G], [-c, publicKey], [-1n, proof.commitment]] }]
}

export function encodeSchnorrProof(p: SchnorrProof): Uint8Array {
  return concatBytes(pointBytes(p.commitment), encodeScalar(p.response))
}

export function decodeSchnorrProof(bytes: Uint8Array, what: string): SchnorrProof {
  if (bytes.length !== SCHNORR_PROOF_BYTES) throw new PolisError('invalid_message', `${what}: a Schnorr proof is ${SCHNORR_PROOF_BYTES} bytes`)
  return {
    commitment: decodePoint(bytes.subarray(0, 32), `${what} commitment`),
    response: decodeScalar(bytes.subarray(32, 64), `${what} response`),
  }
}
