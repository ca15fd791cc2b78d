/**
 * Encryption of a DKG share to its recipient's ristretto255 key (ECIES, deterministic given the
 * dealer's ephemeral scalar):
 *
 *   e random, R = e·G, D = e·E (E the recipient's encryption key; the recipient computes D = sk·R)
 *   okm = HKDF-SHA256(ikm = D, salt = "polis-voting-v1/share",
 *                     info = electionHash ‖ u32(dealer) ‖ u32(recipient) ‖ R ‖ E, 64 bytes)
 *   ciphertext = share (32-byte scalar) XOR okm[0..32]
 *   tag        = HMAC-SHA256(okm[32..64], ciphertext)
 *   bytes: R (32) ‖ ciphertext (32) ‖ tag (32)
 *
 * Each key is used once (a fresh R per share). Because the keys derive from D alone, anyone given D
 * (with a proof that it is right, see the DKG complaint) can open the share: that is how the chain
 * judges a complaint without trusting either side.
 */
import { hkdf } from '@noble/hashes/hkdf.js'
import { hmac } from '@noble/hashes/hmac.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { PolisError } from '../base/errors.js'
import { bytesEqual, concatBytes, utf8 } from '../base/bytes.js'
import { decodePoint, encodeScalar, mul, mulG, pointBytes, ORDER, type Point } from './group.js'
import { randomScalar, type RandomSource } from './random.js'
import { DOMAIN, bytesToBigintLE, u32 } from './transcript.js'

export interface EncryptedShare {
  readonly recipient: number
  readonly ephemeral: Point
  readonly ciphertext: Uint8Array
  readonly tag: Uint8Array
}

export const ENCRYPTED_SHARE_BYTES = 96

export interface ShareRoute {
  readonly electionHash: Uint8Array
  readonly dealer: number
  readonly recipient: number
  /** The recipient's registered encryption key E. */
  readonly recipientKey: Point
}

function keys(dh: Point, route: ShareRoute, ephemeral: Point): { pad: Uint8Array; macKey: Uint8Array } {
  const info = concatBytes(route.electionHash, u32(route.dealer), u32(route.recipient), pointBytes(ephemeral), pointBytes(route.recipientKey))
  const okm = hkdf(sha256, pointBytes(dh), utf8(DOMAIN + 'share'), info, 64)
  return { pad: okm.subarray(0, 32), macKey: okm.subarray(32, 64) }
}

const xor = (a: Uint8Array, b: Uint8Array) => a.map((x, i) => x ^ b[i]!)

export function encryptShare(route: ShareRoute, share: bigint, rng: RandomSource): EncryptedShare {
  const e = randomScalar(rng)
  const ephemeral = mulG(e)
  const { pad, macKey } = keys(mul(route.recipientKey, e), route, ephemeral)
  const ciphertext = xor(encodeScalar(share), pad)
  return { recipient: route.recipient, ephemeral, ciphertext, tag: hmac(sha256, macKey, ciphertext) }
}

export type OpenedShare = { readonly ok: true; readonly share: bigint } | { readonly ok: false; readonly reason: string }

/** Opens a share given the Diffie-Hellman value D (the recipient's sk·R, or one revealed in a complaint). */
export function openShareWithDh(route: ShareRoute, enc: EncryptedShare, dh: Point): OpenedShare {
  const { pad, macKey } = keys(dh, route, enc.ephemeral)
  if (!bytesEqual(hmac(sha256, macKey, enc.ciphertext), enc.tag)) return { ok: false, reason: 'the share does not authenticate (wrong key or tampered ciphertext)' }
  const share = bytesToBigintLE(xor(enc.ciphertext, pad))
  if (share >= ORDER) return { ok: false, reason: 'the share is not a canonical scalar' }
  return { ok: true, share }
}

export function openShare(route: ShareRoute, enc: EncryptedShare, recipientSecret: bigint): OpenedShare {
  return openShareWithDh(route, enc, mul(enc.ephemeral, recipientSecret))
}

export function encodeEncryptedShare(s: EncryptedShare): Uint8Array {
  return concatBytes(pointBytes(s.ephemeral), s.ciphertext, s.tag)
}

export function decodeEncryptedShare(recipient: number, bytes: Uint8Array, what: string): EncryptedShare {
  if (bytes.length !== ENCRYPTED_SHARE_BYTES) throw new PolisError('invalid_message', `${what}: an encrypted share is ${ENCRYPTED_SHARE_BYTES} bytes`)
  return {
    recipient,
    ephemeral: decodePoint(bytes.subarray(0, 32), `${what} ephemeral key`),
    ciphertext: bytes.slice(32, 64),
    tag: bytes.slice(64, 96),
  }
}
