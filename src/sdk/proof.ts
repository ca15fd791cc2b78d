/**
 * Light-client checks of what a node says, against a genesis the caller trusts:
 *
 *  1. the header at height H: decoded from its canonical CBOR, for the trusted chain id and header
 *     hash, its hash recomputed with the chain's header hasher (`consensus.hash` of genesis), the
 *     validator set hash and the proposer equal to genesis' validator, and the proposer's
 *     Ed25519 signature over "polis/header/v1" || 0x00 || hash;
 *  2. the state value at H: the ICS-23 proof (iavlSpec; src/commitment) of the key's value, or of
 *     its absence, against that header's app_hash.
 *
 * Nothing the node sends is believed before both checks pass; any failure throws
 * PolisError('proof_invalid').
 */
import { PolisError } from '../base/errors.js'
import { genesisHash, parseGenesis, type Genesis } from '../app/genesis.js'
import { encodeCanonical } from '../codec/cbor.js'
import { sha256 } from '../crypto/hash.js'
import { bytesEqual, fromHex, toHex } from '../base/bytes.js'
import { headerHasher, type HeaderHasher } from '../crypto/header-hash.js'
import { decodeHeader, headerHash, verifySignedHeader, type Header, type SignedHeader } from '../lightclient/solo-header.js'
import { verifyStateProof } from '../commitment/verify.js'
import type { HeaderResponse, StoreResponse } from './types.js'

export type { Header, SignedHeader } from '../lightclient/solo-header.js'

/** What a light client of a solo chain takes from a genesis document it trusts. */
export interface TrustedChain {
  chainId: string
  /** The validator's public key (a solo chain has exactly one). */
  validator: Uint8Array
  validatorsHash: Uint8Array
  hashName: string
  hasher: HeaderHasher
  genesisHash: Uint8Array
  /** The bank's native denomination, if genesis has one. */
  nativeDenom?: string
}

function invalid(msg: string): never {
  throw new PolisError('proof_invalid', msg)
}

/** Reads the trust anchor from a genesis document (validated like the node validates it). */
export function trustGenesis(genesis: unknown): TrustedChain {
  const g = parseGenesis(genesis)
  if (g.validators.length !== 1) throw new PolisError('invalid_genesis', 'a solo light client needs a genesis with exactly one validator')
  const bank = (g.doc.app_state as { bank?: { denom?: unknown } }).bank
  return {
    chainId: g.chainId,
    validator: g.validators[0]!.pubKey,
    // as the solo engine computes it: SHA-256 of canonical CBOR [[pub_key, power], …]
    validatorsHash: sha256(encodeCanonical(g.validators.map((v) => [v.pubKey, v.power]))),
    hashName: g.hash.name,
    hasher: headerHasher(g.hash),
    genesisHash: genesisHash(g.doc as Genesis),
    nativeDenom: typeof bank?.denom === 'string' ? bank.denom : undefined,
  }
}

function hexField(v: unknown, what: string, len?: number): Uint8Array {
  if (typeof v !== 'string') invalid(`${what} is missing`)
  let b: Uint8Array
  try {
    b = fromHex(v)
  } catch {
    invalid(`${what} is not hex`)
  }
  if (len !== undefined && b.length !== len) invalid(`${what} must be ${len} bytes`)
  return b
}

/**
 * Checks a signed header as the node served it (`GET /v1/headers/{height}`). Returns the decoded
 * header; throws PolisError('proof_invalid') unless every check passes.
 */
export function verifyHeader(resp: HeaderResponse, trust: TrustedChain, expectedHeight?: bigint): SignedHeader {
  if (typeof resp !== 'object' || resp === null) invalid('header response is not an object')
  let header: Header
  try {
    header = decodeHeader(hexField(resp.header_cbor, 'header_cbor'))
  } catch (e) {
    if (e instanceof PolisError && e.errorName === 'proof_invalid') throw e
    invalid(`header_cbor does not decode: ${(e as Error).message}`)
  }
  const hash = hexField(resp.hash, 'header hash', 32)
  const signature = hexField(resp.signature, 'header signature', 64)
  if (header.chainId !== trust.chainId) invalid(`header is for chain "${header.chainId}", the trusted genesis is for "${trust.chainId}"`)
  if (expectedHeight !== undefined && header.height !== expectedHeight) invalid(`header is for height ${header.height}, expected ${expectedHeight}`)
  if (resp.height !== undefined && String(resp.height) !== header.height.toString()) invalid('the response height differs from the signed header height')
  if (header.hashAlg !== trust.hashName) invalid(`header hash_alg "${header.hashAlg}" differs from genesis' "${trust.hashName}"`)
  if (!bytesEqual(header.proposer, trust.validator)) invalid(`header proposer ${toHex(header.proposer)} is not the trusted validator ${toHex(trust.validator)}`)
  if (!bytesEqual(header.validatorsHash, trust.validatorsHash)) invalid('header validators_hash differs from the trusted validator set')
  if (header.height === 1n && !bytesEqual(header.prevHash, trust.genesisHash)) invalid('header 1 does not link to the trusted genesis')
  const signed: SignedHeader = { header, hash, signature }
  if (!bytesEqual(headerHash(header, trust.hasher), hash)) invalid('header hash does not match the header contents')
  if (!verifySignedHeader(signed, trust.hasher)) invalid('header signature does not verify with the trusted validator key')
  // The JSON copy of the header is for display; if present it must agree with what is signed.
  const j = resp.header
  if (j && typeof j === 'object') {
    if (j.app_hash !== undefined && j.app_hash !== toHex(header.appHash)) invalid('header.app_hash (JSON) differs from the signed header')
    if (j.height !== undefined && String(j.height) !== header.height.toString()) invalid('header.height (JSON) differs from the signed header')
  }
  return signed
}

export interface VerifiedValue {
  key: Uint8Array
  /** The value, or undefined when the proof shows the key absent. */
  value: Uint8Array | undefined
  exists: boolean
}

/**
 * Checks `GET /v1/store/{key}?prove=true` against an app hash (from a verified header): an
 * existence proof for a value, a non-existence proof for null.
 */
export function verifyStoreProof(resp: StoreResponse, appHash: Uint8Array, expectedKey?: Uint8Array): VerifiedValue {
  if (typeof resp !== 'object' || resp === null) invalid('store response is not an object')
  const key = hexField(resp.key, 'key')
  if (expectedKey && !bytesEqual(key, expectedKey)) invalid('the node answered for another key')
  if (resp.proof === undefined || resp.proof === null) invalid('the node sent no proof (ask with prove=true)')
  const proof = hexField(resp.proof, 'proof')
  if (resp.value === null || resp.value === undefined) {
    if (!verifyStateProof(proof, appHash, key, undefined)) invalid(`the absence of key ${toHex(key)} does not verify against app hash ${toHex(appHash)}`)
    return { key, value: undefined, exists: false }
  }
  const value = hexField(resp.value, 'value')
  if (!verifyStateProof(proof, appHash, key, value)) invalid(`the value of key ${toHex(key)} does not verify against app hash ${toHex(appHash)}`)
  return { key, value, exists: true }
}
