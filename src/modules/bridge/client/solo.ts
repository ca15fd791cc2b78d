/**
 * The solo light client: a counterparty run by one validator (the solo engine). It trusts one
 * validator key, one chain id and one header hash choice; a header is verified by that key's
 * signature over its hash. Header h carries the app hash of the state after block h.
 */
import { fail, PolisError } from '../../../base/errors.js'
import type { ExecContext } from '../../../app/module.js'
import { bytesEqual, toHex } from '../../../base/bytes.js'
import { headerHasher, type HashChoice, type HeaderHasher } from '../../../crypto/header-hash.js'
import { decodeHeader, headerHash, verifySignedHeader, type Header } from '../../../lightclient/solo-header.js'
import {
  DEFAULT_MAX_CLOCK_DRIFT, DEFAULT_TRUSTING_PERIOD, checkNewClient, freeze, recordHeader, requireActiveClient, storeNewClient,
  type ConsensusState, type LightClientType, type SoloClientState,
} from './state.js'

function hasherOf(c: { hash: HashChoice }): HeaderHasher {
  try {
    return headerHasher(c.hash)
  } catch (e) {
    throw new PolisError('invalid_message', `header hash: ${(e as Error).message}`)
  }
}

/**
 * Decodes and checks a signed header for the client: chain id, hash choice, proposer = the trusted
 * validator, hash and signature. Returns the header and its hash; throws proof_invalid.
 */
export function checkHeader(c: Pick<SoloClientState, 'chainId' | 'validator' | 'hash'>, headerBytes: Uint8Array, signature: Uint8Array): { header: Header; hash: Uint8Array } {
  let header: Header
  try {
    header = decodeHeader(headerBytes)
  } catch (e) {
    fail('proof_invalid', `header does not decode: ${(e as Error).message}`)
  }
  if (header.chainId !== c.chainId) fail('proof_invalid', `header is for chain "${header.chainId}", the client tracks "${c.chainId}"`)
  if (header.hashAlg !== c.hash.name) fail('proof_invalid', `header hash_alg "${header.hashAlg}" differs from the client's "${c.hash.name}"`)
  if (!bytesEqual(header.proposer, c.validator)) fail('proof_invalid', `header proposer ${toHex(header.proposer)} is not the trusted validator`)
  if (header.height === 0n) fail('proof_invalid', 'header height must be positive')
  if (header.appHash.every((x) => x === 0)) fail('proof_invalid', 'header carries a zero app hash')
  const hasher = hasherOf(c)
  const hash = headerHash(header, hasher)
  if (!verifySignedHeader({ header, hash, signature }, hasher)) fail('proof_invalid', 'header signature does not verify with the trusted validator key')
  return { header, hash }
}

const consensusOf = (v: { header: Header; hash: Uint8Array }): ConsensusState => ({ appHash: v.header.appHash, time: v.header.time, headerHash: v.hash })

export function createClient(
  ctx: ExecContext,
  p: { clientId: string; chainId: string; counterpartyClient: string; validator: Uint8Array; hash: HashChoice; header: Uint8Array; signature: Uint8Array; trustingPeriod?: bigint; maxClockDrift?: bigint },
): void {
  const c: SoloClientState = {
    type: 'solo', clientId: p.clientId, chainId: p.chainId, counterpartyClient: p.counterpartyClient, validator: p.validator, hash: p.hash,
    latestHeight: 0n, trustingPeriod: p.trustingPeriod ?? DEFAULT_TRUSTING_PERIOD, maxClockDrift: p.maxClockDrift ?? DEFAULT_MAX_CLOCK_DRIFT,
  }
  checkNewClient(ctx, c)
  const v = checkHeader(c, p.header, p.signature)
  storeNewClient(ctx, { ...c, latestHeight: v.header.height }, consensusOf(v))
}

function requireSolo(ctx: ExecContext, id: string): SoloClientState {
  const c = requireActiveClient(ctx, id)
  if (c.type !== 'solo') fail('invalid_message', `client ${id} is a ${c.type} client, not a solo one`)
  return c
}

export interface SoloHeaderMsg { header: Uint8Array; signature: Uint8Array }

/** Solo: header h carries the app hash of the state after block h. */
export const soloClientType: LightClientType<SoloClientState, SoloHeaderMsg> = {
  type: 'solo',
  verifyHeader(ctx, c, m) {
    const v = checkHeader(c, m.header, m.signature)
    return { height: v.header.height, consensus: consensusOf(v) }
  },
  stateRootHeight: (h) => h,
}

/** Adds a verified header (see recordHeader: a different header at a known height freezes the client). */
export function updateClient(ctx: ExecContext, id: string, header: Uint8Array, signature: Uint8Array): 'updated' | 'duplicate' | 'frozen' {
  const c = requireSolo(ctx, id)
  const v = soloClientType.verifyHeader(ctx, c, { header, signature })
  return recordHeader(ctx, c, v.height, v.consensus)
}

/** Two valid headers for one height with different hashes: freezes the client. */
export function submitMisbehaviour(ctx: ExecContext, id: string, h1: { header: Uint8Array; signature: Uint8Array }, h2: { header: Uint8Array; signature: Uint8Array }): void {
  const c = requireSolo(ctx, id)
  const a = checkHeader(c, h1.header, h1.signature)
  const b = checkHeader(c, h2.header, h2.signature)
  if (a.header.height !== b.header.height) fail('invalid_message', 'misbehaviour needs two headers of the same height')
  if (bytesEqual(a.hash, b.hash)) fail('invalid_message', 'the two headers are the same')
  freeze(ctx, c, a.header.height)
}
