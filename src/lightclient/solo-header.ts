/**
 * Solo block headers. The header is canonical CBOR; its hash is the chain's header hash
 * (SHA-256 by default, chosen at genesis) over those bytes; the validator signs
 *   "polis/header/v1" || 0x00 || headerHash
 * with Ed25519. A light client needs only the validator key and the hash choice to check it.
 * The solo engine makes them; the format lives here, below it, for those that check them (the
 * bridge's solo client, the API, the SDK).
 */
import { decodeCanonical, encodeCanonical } from '../codec/cbor.js'
import { PolisError } from '../base/errors.js'
import { bytesEqual, concatBytes, utf8 } from '../base/bytes.js'
import { verifySignature, type KeyPair } from '../crypto/keys.js'
import type { HeaderHasher } from '../crypto/header-hash.js'

export const HEADER_SIGN_DOMAIN = utf8('polis/header/v1\0')

export interface Header {
  chainId: string
  height: bigint
  time: bigint               // ms since epoch
  prevHash: Uint8Array       // hash of the previous header; the genesis hash for height 1
  appHash: Uint8Array        // state root after this block's transactions
  txsHash: Uint8Array        // RFC 6962 Merkle root of the transactions
  resultsHash: Uint8Array    // RFC 6962 Merkle root of the encoded results
  validatorsHash: Uint8Array // SHA-256 of the canonical validator set
  proposer: Uint8Array       // validator public key
  hashAlg: string            // the header hash's name, from genesis
}

export interface SignedHeader { header: Header; hash: Uint8Array; signature: Uint8Array }

export function encodeHeader(h: Header): Uint8Array {
  return encodeCanonical({
    chain_id: h.chainId, height: h.height, time: h.time, prev_hash: h.prevHash, app_hash: h.appHash,
    txs_hash: h.txsHash, results_hash: h.resultsHash, validators_hash: h.validatorsHash, proposer: h.proposer, hash_alg: h.hashAlg,
  })
}

export function decodeHeader(b: Uint8Array): Header {
  const m = decodeCanonical(b, 'invalid_message') as Record<string, unknown>
  const bytes = (k: string, n?: number) => {
    const v = m[k]
    if (!(v instanceof Uint8Array) || (n !== undefined && v.length !== n)) throw new PolisError('invalid_message', `header.${k} malformed`)
    return v
  }
  const uint = (k: string) => {
    const v = m[k]
    if (typeof v === 'number' && v >= 0) return BigInt(v)
    if (typeof v === 'bigint' && v >= 0n) return v
    throw new PolisError('invalid_message', `header.${k} malformed`)
  }
  const str = (k: string) => {
    const v = m[k]
    if (typeof v !== 'string') throw new PolisError('invalid_message', `header.${k} malformed`)
    return v
  }
  if (Object.keys(m).length !== 10) throw new PolisError('invalid_message', 'header has unexpected fields')
  return {
    chainId: str('chain_id'), height: uint('height'), time: uint('time'), prevHash: bytes('prev_hash', 32), appHash: bytes('app_hash', 32),
    txsHash: bytes('txs_hash', 32), resultsHash: bytes('results_hash', 32), validatorsHash: bytes('validators_hash', 32),
    proposer: bytes('proposer', 32), hashAlg: str('hash_alg'),
  }
}

export function headerHash(h: Header, hasher: HeaderHasher): Uint8Array {
  return hasher(encodeHeader(h))
}

export function signHeader(h: Header, hasher: HeaderHasher, key: KeyPair): SignedHeader {
  const hash = headerHash(h, hasher)
  return { header: h, hash, signature: key.sign(concatBytes(HEADER_SIGN_DOMAIN, hash)) }
}

/** Checks the hash and the signature of the header's proposer. Caller decides whether it trusts the proposer key. */
export function verifySignedHeader(s: SignedHeader, hasher: HeaderHasher): boolean {
  const hash = headerHash(s.header, hasher)
  if (!bytesEqual(hash, s.hash)) return false
  return verifySignature(s.header.proposer, concatBytes(HEADER_SIGN_DOMAIN, hash), s.signature)
}
