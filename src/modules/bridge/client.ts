/**
 * Solo light client of a counterparty chain, kept in this chain's state.
 * Keys (under "bridge/"):
 *   clients/<client>                 -> ClientState (CBOR)
 *   consensus/<client>/<h: u64 BE>   -> ConsensusState (CBOR: app_hash, time, header_hash)
 * A client trusts one validator key, one chain id and one header hash choice; it records the
 * app hash and time of every header it verified. Two valid, different headers at one height
 * freeze it for good (the counterparty's validator equivocated).
 */
import { decodeCanonical, encodeCanonical } from '../../codec/cbor.js'
import { fail, PolisError } from '../../app/errors.js'
import type { KV, KVReader } from '../../app/kv.js'
import { moduleReader, moduleStore, type ExecContext } from '../../app/module.js'
import { bytesEqual, concatBytes, toHex, utf8 } from '../../crypto/hash.js'
import { headerHasher, type HeaderHasher } from '../../crypto/header-hash.js'
import { decodeHeader, headerHash, verifySignedHeader, type Header } from '../../engine/solo/header.js'
import type { HashChoice } from '../../app/genesis.js'
import { u64be as u64 } from '../../codec/be.js'

export const MODULE = 'bridge'
export const CLIENT_ID_PATTERN = /^[a-z][a-z0-9-]{0,31}$/

export interface ClientState {
  clientId: string
  chainId: string              // the counterparty's chain id
  counterpartyClient: string   // the id of the client of *this* chain kept on the counterparty
  validator: Uint8Array        // the counterparty's validator key
  hash: HashChoice             // the counterparty's header hash choice
  latestHeight: bigint
  frozenHeight?: bigint
  /** ms: the client expires when this chain's block time reaches the latest verified header's time + this */
  trustingPeriod: bigint
}

/** Default trusting period: 14 days. */
export const DEFAULT_TRUSTING_PERIOD = 14n * 24n * 3600n * 1000n
export const MAX_TRUSTING_PERIOD = 365n * 24n * 3600n * 1000n

export interface ConsensusState { appHash: Uint8Array; time: bigint; headerHash: Uint8Array }

const clientKey = (id: string) => utf8('clients/' + id)
const consKey = (id: string, h: bigint) => concatBytes(utf8('consensus/' + id + '/'), u64(h))

function encodeClient(c: ClientState): Uint8Array {
  const m: Record<string, unknown> = {
    chain_id: c.chainId, counterparty_client: c.counterpartyClient, validator: c.validator,
    hash: c.hash.params ? { name: c.hash.name, params: c.hash.params } : { name: c.hash.name }, latest_height: c.latestHeight,
    trusting_period: c.trustingPeriod,
  }
  if (c.frozenHeight !== undefined) m.frozen_height = c.frozenHeight
  return encodeCanonical(m as never)
}

export function getClient(kv: KVReader, id: string): ClientState | undefined {
  const b = moduleReader(kv, MODULE).get(clientKey(id))
  if (!b) return undefined
  const m = decodeCanonical(b, 'invalid_state') as Record<string, any>
  const c: ClientState = {
    clientId: id, chainId: m.chain_id, counterpartyClient: m.counterparty_client, validator: m.validator,
    hash: m.hash, latestHeight: BigInt(m.latest_height), trustingPeriod: BigInt(m.trusting_period),
  }
  if (m.frozen_height !== undefined) c.frozenHeight = BigInt(m.frozen_height)
  return c
}

function putClient(kv: KV, c: ClientState): void {
  moduleStore(kv, MODULE).set(clientKey(c.clientId), encodeClient(c))
}

export function getConsensusState(kv: KVReader, id: string, h: bigint): ConsensusState | undefined {
  const b = moduleReader(kv, MODULE).get(consKey(id, h))
  if (!b) return undefined
  const m = decodeCanonical(b, 'invalid_state') as Record<string, any>
  return { appHash: m.app_hash, time: BigInt(m.time), headerHash: m.header_hash }
}

function putConsensusState(kv: KV, id: string, h: bigint, cs: ConsensusState): void {
  moduleStore(kv, MODULE).set(consKey(id, h), encodeCanonical({ app_hash: cs.appHash, time: cs.time, header_hash: cs.headerHash }))
}

export function listClients(kv: KVReader): ClientState[] {
  const out: ClientState[] = []
  for (const [k] of moduleReader(kv, MODULE).iterate({ gte: utf8('clients/'), lt: utf8('clients0') })) {
    out.push(getClient(kv, Buffer.from(k.subarray(8)).toString('utf8'))!)
  }
  return out
}

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
export function checkHeader(c: Pick<ClientState, 'chainId' | 'validator' | 'hash'>, headerBytes: Uint8Array, signature: Uint8Array): { header: Header; hash: Uint8Array } {
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

export function createClient(
  ctx: ExecContext,
  p: { clientId: string; chainId: string; counterpartyClient: string; validator: Uint8Array; hash: HashChoice; header: Uint8Array; signature: Uint8Array; trustingPeriod?: bigint },
): void {
  const trustingPeriod = p.trustingPeriod ?? DEFAULT_TRUSTING_PERIOD
  if (trustingPeriod <= 0n || trustingPeriod > MAX_TRUSTING_PERIOD) fail('invalid_message', `trusting_period must be 1..${MAX_TRUSTING_PERIOD} ms`)
  if (!CLIENT_ID_PATTERN.test(p.clientId) || !CLIENT_ID_PATTERN.test(p.counterpartyClient)) fail('invalid_message', 'client ids must match ' + CLIENT_ID_PATTERN)
  if (getClient(ctx.kv, p.clientId)) fail('already_exists', `client ${p.clientId} exists`)
  if (p.chainId === ctx.chainId) fail('invalid_message', 'a client tracks another chain, not this one')
  const { header, hash } = checkHeader(p, p.header, p.signature)
  if (header.time + trustingPeriod <= ctx.time) fail('expired', `the trusted header (time ${header.time}) is older than the trusting period`)
  putClient(ctx.kv, { clientId: p.clientId, chainId: p.chainId, counterpartyClient: p.counterpartyClient, validator: p.validator, hash: p.hash, latestHeight: header.height, trustingPeriod })
  putConsensusState(ctx.kv, p.clientId, header.height, { appHash: header.appHash, time: header.time, headerHash: hash })
  ctx.emit('bridge.create_client', { client_id: p.clientId, chain_id: p.chainId, height: header.height.toString() })
}

export function requireClient(kv: KVReader, id: string): ClientState {
  const c = getClient(kv, id)
  if (!c) fail('not_found', `no client ${id}`)
  return c
}

/** 'expired' once `now` (this chain's block time) reaches the latest verified header's time + the trusting period. */
export function clientStatus(kv: KVReader, c: ClientState, now: bigint): 'active' | 'frozen' | 'expired' {
  if (c.frozenHeight !== undefined) return 'frozen'
  const latest = getConsensusState(kv, c.clientId, c.latestHeight)
  if (!latest || latest.time + c.trustingPeriod <= now) return 'expired'
  return 'active'
}

/** The client, refused unless active (not frozen, not expired) at block time `ctx.time`. */
export function requireActiveClient(ctx: { kv: KVReader; time: bigint }, id: string): ClientState {
  const c = requireClient(ctx.kv, id)
  const status = clientStatus(ctx.kv, c, ctx.time)
  if (status === 'frozen') fail('frozen', `client ${id} is frozen (misbehaviour at height ${c.frozenHeight})`)
  if (status === 'expired') fail('expired', `client ${id} expired: no header verified within its trusting period of ${c.trustingPeriod} ms`)
  return c
}

function freeze(ctx: ExecContext, c: ClientState, h: bigint): void {
  putClient(ctx.kv, { ...c, frozenHeight: h })
  ctx.emit('bridge.client_frozen', { client_id: c.clientId, height: h.toString() })
}

/**
 * Adds a verified header. A header at a height the client already has: the same header is a
 * no-op, a different valid one is misbehaviour and freezes the client (the transaction succeeds so
 * that the freeze is recorded). Otherwise the height must exceed the client's latest.
 */
export function updateClient(ctx: ExecContext, id: string, headerBytes: Uint8Array, signature: Uint8Array): 'updated' | 'duplicate' | 'frozen' {
  const c = requireActiveClient(ctx, id)
  const { header, hash } = checkHeader(c, headerBytes, signature)
  const existing = getConsensusState(ctx.kv, id, header.height)
  if (existing) {
    if (bytesEqual(existing.headerHash, hash)) return 'duplicate'
    freeze(ctx, c, header.height)
    return 'frozen'
  }
  if (header.height <= c.latestHeight) fail('invalid_message', `header height ${header.height} is not above the client's latest ${c.latestHeight}`)
  const latest = getConsensusState(ctx.kv, id, c.latestHeight)
  if (latest && header.time <= latest.time) fail('proof_invalid', `header time ${header.time} is not after the time ${latest.time} of height ${c.latestHeight}`)
  putClient(ctx.kv, { ...c, latestHeight: header.height })
  putConsensusState(ctx.kv, id, header.height, { appHash: header.appHash, time: header.time, headerHash: hash })
  ctx.emit('bridge.update_client', { client_id: id, height: header.height.toString(), app_hash: toHex(header.appHash) })
  return 'updated'
}

/** Two valid headers for one height with different hashes: freezes the client. */
export function submitMisbehaviour(ctx: ExecContext, id: string, h1: { header: Uint8Array; signature: Uint8Array }, h2: { header: Uint8Array; signature: Uint8Array }): void {
  const c = requireActiveClient(ctx, id)
  const a = checkHeader(c, h1.header, h1.signature)
  const b = checkHeader(c, h2.header, h2.signature)
  if (a.header.height !== b.header.height) fail('invalid_message', 'misbehaviour needs two headers of the same height')
  if (bytesEqual(a.hash, b.hash)) fail('invalid_message', 'the two headers are the same')
  freeze(ctx, c, a.header.height)
}
