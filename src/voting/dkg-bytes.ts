/**
 * Byte forms of the key-generation messages (transaction payloads and record entries):
 *
 *   registration = u32(trustee) ‖ E (32) ‖ Schnorr proof (64)
 *   deal         = u32(dealer) ‖ u32(k) ‖ C₀ … Cₖ₋₁ ‖ u32(#shares) ‖ (u32(recipient) ‖ encrypted share (96))… ‖ Schnorr proof (64)
 *   complaint    = u32(complainer) ‖ u32(dealer) ‖ D (32) ‖ Chaum-Pedersen proof (96)
 *
 * Decoding refuses non-canonical and identity elements, scalars ≥ q, truncation and trailing bytes.
 */
import { PolisError } from '../base/errors.js'
import { concatBytes } from '../base/bytes.js'
import { ByteReader } from './byte-reader.js'
import { dealBody, type Complaint, type Deal, type TrusteeRegistration } from './dkg.js'
import { decodePoint, pointBytes } from './group.js'
import { MAX_TRUSTEES } from './manifest.js'
import { decodeEqualityProof, encodeEqualityProof, EQUALITY_PROOF_BYTES } from './proofs/chaum-pedersen.js'
import { decodeSchnorrProof, encodeSchnorrProof, SCHNORR_PROOF_BYTES } from './proofs/schnorr.js'
import { ENCRYPTED_SHARE_BYTES, decodeEncryptedShare } from './share-encryption.js'
import { u32 } from './transcript.js'

export function encodeRegistration(r: TrusteeRegistration): Uint8Array {
  return concatBytes(u32(r.trustee), pointBytes(r.encryptionKey), encodeSchnorrProof(r.proof))
}

export function decodeRegistration(bytes: Uint8Array): TrusteeRegistration {
  const r = new ByteReader(bytes, 'trustee key registration')
  const trustee = r.u32('trustee')
  const reg = {
    trustee,
    encryptionKey: decodePoint(r.take(32, 'key'), `trustee ${trustee} encryption key`),
    proof: decodeSchnorrProof(r.take(SCHNORR_PROOF_BYTES, 'proof'), `trustee ${trustee} key proof`),
  }
  r.end()
  return reg
}

export function encodeDeal(d: Deal): Uint8Array {
  return concatBytes(dealBody(d), encodeSchnorrProof(d.proof))
}

export function decodeDeal(bytes: Uint8Array): Deal {
  const r = new ByteReader(bytes, 'deal')
  const dealer = r.u32('dealer')
  const what = `deal of trustee ${dealer}`
  const k = r.u32('threshold')
  if (k < 1 || k > MAX_TRUSTEES) throw new PolisError('invalid_message', `${what}: ${k} commitments`)
  const commitments = Array.from({ length: k }, (_, t) => decodePoint(r.take(32, `commitment ${t}`), `${what} commitment ${t}`))
  const n = r.u32('share count')
  if (n > MAX_TRUSTEES) throw new PolisError('invalid_message', `${what}: ${n} shares`)
  const shares = Array.from({ length: n }, (_, i) => {
    const recipient = r.u32(`share ${i} recipient`)
    return decodeEncryptedShare(recipient, r.take(ENCRYPTED_SHARE_BYTES, `share ${i}`), `${what} share for trustee ${recipient}`)
  })
  const proof = decodeSchnorrProof(r.take(SCHNORR_PROOF_BYTES, 'proof'), `${what} proof`)
  r.end()
  return { dealer, commitments, shares, proof }
}

export function encodeComplaint(c: Complaint): Uint8Array {
  return concatBytes(u32(c.complainer), u32(c.dealer), pointBytes(c.dhKey), encodeEqualityProof(c.proof))
}

export function decodeComplaint(bytes: Uint8Array): Complaint {
  const r = new ByteReader(bytes, 'complaint')
  const complainer = r.u32('complainer')
  const dealer = r.u32('dealer')
  const what = `complaint of trustee ${complainer} against trustee ${dealer}`
  const c = {
    complainer,
    dealer,
    dhKey: decodePoint(r.take(32, 'key'), `${what} revealed key`),
    proof: decodeEqualityProof(r.take(EQUALITY_PROOF_BYTES, 'proof'), `${what} proof`),
  }
  r.end()
  return c
}
