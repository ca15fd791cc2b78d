/**
 * What every light client of a counterparty chain keeps in this chain's state, whatever its type:
 *   clients/<client>                 -> ClientState (CBOR; no "type" key = solo, as before types existed)
 *   consensus/<client>/<h: u64 BE>   -> ConsensusState (CBOR: app_hash, time, header_hash [, next_validators_hash, time_ns])
 * and the rules common to both types: status (active / frozen / expired), the clock-drift bound,
 * how a verified header is recorded (a different header at a known height freezes the client).
 */
import { decodeCanonical, encodeCanonical } from '../../../codec/cbor.js'
import { fail } from '../../../base/errors.js'
import { prefixEnd, type KV, type KVReader } from '../../../app/kv.js'
import { moduleReader, moduleStore, type ExecContext } from '../../../app/module.js'
import { bytesEqual, concatBytes, toHex, utf8 } from '../../../base/bytes.js'
import type { HashChoice } from '../../../crypto/header-hash.js'
import { u64be as u64 } from '../../../codec/be.js'
import type { Fraction } from '../../../lightclient/types.js'
import { BRIDGE_EVENT, BRIDGE_KEY, CLIENT_ID_PATTERN, MODULE } from '../types.js'

/** Default trusting period: 14 days. */
export const DEFAULT_TRUSTING_PERIOD = 14n * 24n * 3600n * 1000n
export const MAX_TRUSTING_PERIOD = 365n * 24n * 3600n * 1000n
/** Default bound on how far a header's time may be ahead of this chain's block time: 10 s (CometBFT's default). */
export const DEFAULT_MAX_CLOCK_DRIFT = 10_000n
export const MAX_CLOCK_DRIFT = 3_600_000n

export type ClientType = 'solo' | 'cometbft'

interface ClientBase {
  clientId: string
  chainId: string              // the counterparty's chain id
  counterpartyClient: string   // the id of the client of *this* chain kept on the counterparty
  latestHeight: bigint
  frozenHeight?: bigint
  /** ms: the client expires when this chain's block time reaches the latest verified header's time + this */
  trustingPeriod: bigint
  /** ms: a header whose time is more than this ahead of this chain's block time is refused */
  maxClockDrift: bigint
}

export interface SoloClientState extends ClientBase {
  type: 'solo'
  validator: Uint8Array        // the counterparty's validator key
  hash: HashChoice             // the counterparty's header hash choice
}

export interface CometClientState extends ClientBase {
  type: 'cometbft'
  /** Fraction of the trusted validators' power that must sign a header across a skip (1/3 ≤ it ≤ 1). */
  trustLevel: Fraction
}

export type ClientState = SoloClientState | CometClientState

/**
 * What the client verified at one height. `time` is ms (for status, timeouts, pruning); a cometbft
 * consensus state also keeps the exact header time in ns and the hash of the next validator set,
 * from which the next header is verified.
 */
export interface ConsensusState { appHash: Uint8Array; time: bigint; headerHash: Uint8Array; nextValidatorsHash?: Uint8Array; timeNs?: bigint }

const clientKey = (id: string) => utf8(BRIDGE_KEY.client + id)
const consPrefix = (id: string) => utf8(BRIDGE_KEY.consensus + id + '/')
const consKey = (id: string, h: bigint) => concatBytes(consPrefix(id), u64(h))

function encodeClient(c: ClientState): Uint8Array {
  const m: Record<string, unknown> = {
    chain_id: c.chainId, counterparty_client: c.counterpartyClient, latest_height: c.latestHeight, trusting_period: c.trustingPeriod,
  }
  if (c.type === 'solo') {
    m.validator = c.validator
    m.hash = c.hash.params ? { name: c.hash.name, params: c.hash.params } : { name: c.hash.name }
  } else {
    m.type = c.type
    m.trust_level = [c.trustLevel.numerator, c.trustLevel.denominator]
  }
  if (c.maxClockDrift !== DEFAULT_MAX_CLOCK_DRIFT) m.max_clock_drift = c.maxClockDrift
  if (c.frozenHeight !== undefined) m.frozen_height = c.frozenHeight
  return encodeCanonical(m as never)
}

/**
 * Decoded records by the stored bytes they came from. Every packet message reads its client and two
 * of its consensus states; a batch of 31 reads the same records 31 times, and the state hands back
 * the same bytes object while the record is unchanged (a write stores new bytes). The decoding is a
 * pure function of the bytes, so this changes no result; callers get their own copy.
 */
const decodedClients = new WeakMap<Uint8Array, ClientState>()
const decodedConsensus = new WeakMap<Uint8Array, ConsensusState>()

export function getClient(kv: KVReader, id: string): ClientState | undefined {
  const b = moduleReader(kv, MODULE).get(clientKey(id))
  if (!b) return undefined
  let c = decodedClients.get(b)
  if (!c || c.clientId !== id) {
    c = decodeClient(b, id)
    decodedClients.set(b, c)
  }
  return { ...c }
}

function decodeClient(b: Uint8Array, id: string): ClientState {
  const m = decodeCanonical(b, 'invalid_state') as Record<string, any>
  const base: ClientBase = {
    clientId: id, chainId: m.chain_id, counterpartyClient: m.counterparty_client, latestHeight: BigInt(m.latest_height), trustingPeriod: BigInt(m.trusting_period),
    maxClockDrift: m.max_clock_drift === undefined ? DEFAULT_MAX_CLOCK_DRIFT : BigInt(m.max_clock_drift),
  }
  if (m.frozen_height !== undefined) base.frozenHeight = BigInt(m.frozen_height)
  if (m.type === 'cometbft') return { ...base, type: 'cometbft', trustLevel: { numerator: BigInt(m.trust_level[0]), denominator: BigInt(m.trust_level[1]) } }
  return { ...base, type: 'solo', validator: m.validator, hash: m.hash }
}

export function putClient(kv: KV, c: ClientState): void {
  moduleStore(kv, MODULE).set(clientKey(c.clientId), encodeClient(c))
}

export function getConsensusState(kv: KVReader, id: string, h: bigint): ConsensusState | undefined {
  const b = moduleReader(kv, MODULE).get(consKey(id, h))
  if (!b) return undefined
  let cs = decodedConsensus.get(b)
  if (!cs) {
    cs = decodeConsensusState(b)
    decodedConsensus.set(b, cs)
  }
  return { ...cs }
}

function decodeConsensusState(b: Uint8Array): ConsensusState {
  const m = decodeCanonical(b, 'invalid_state') as Record<string, any>
  const cs: ConsensusState = { appHash: m.app_hash, time: BigInt(m.time), headerHash: m.header_hash }
  if (m.next_validators_hash !== undefined) cs.nextValidatorsHash = m.next_validators_hash
  if (m.time_ns !== undefined) cs.timeNs = BigInt(m.time_ns)
  return cs
}

export function putConsensusState(kv: KV, id: string, h: bigint, cs: ConsensusState): void {
  const m: Record<string, unknown> = { app_hash: cs.appHash, time: cs.time, header_hash: cs.headerHash }
  if (cs.nextValidatorsHash) m.next_validators_hash = cs.nextValidatorsHash
  if (cs.timeNs !== undefined) m.time_ns = cs.timeNs
  moduleStore(kv, MODULE).set(consKey(id, h), encodeCanonical(m as never))
}

/** Heights of the client's consensus states, oldest first, at most `limit`. */
export function consensusHeights(kv: KVReader, id: string, limit: number): bigint[] {
  const p = consPrefix(id)
  const out: bigint[] = []
  for (const [k] of moduleReader(kv, MODULE).iterate({ gte: p, lt: concatBytes(p, new Uint8Array(8).fill(0xff), new Uint8Array([0])), limit })) {
    if (k.length === p.length + 8) out.push(Buffer.from(k.subarray(p.length)).readBigUInt64BE())
  }
  return out
}

export function deleteConsensusState(kv: KV, id: string, h: bigint): void {
  moduleStore(kv, MODULE).delete(consKey(id, h))
}

export function listClients(kv: KVReader): ClientState[] {
  const out: ClientState[] = []
  for (const [k] of moduleReader(kv, MODULE).iterate({ gte: utf8(BRIDGE_KEY.client), lt: prefixEnd(utf8(BRIDGE_KEY.client)) })) {
    out.push(getClient(kv, Buffer.from(k.subarray(BRIDGE_KEY.client.length)).toString('utf8'))!)
  }
  return out
}

export function requireClient(kv: KVReader, id: string): ClientState {
  const c = getClient(kv, id)
  if (!c) fail('not_found', `no client ${id}`)
  return c
}

export type ClientStatus = 'active' | 'frozen' | 'expired'

/** 'expired' once `now` (this chain's block time) reaches the latest verified header's time + the trusting period. */
export function clientStatus(kv: KVReader, c: ClientState, now: bigint): ClientStatus {
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

/**
 * One type of light client (solo, cometbft): how a header message is verified against the stored
 * client, and which consensus state holds the root of the counterparty's state after block h
 * (the height a store proof was queried at). Status, drift, recording, freezing, recovery and
 * pruning are common (this file, client-recovery.ts, client-pruning.ts).
 */
export interface LightClientType<S extends ClientState, H> {
  readonly type: S['type']
  /** Verifies `header` for `c` at block time ctx.time; throws proof_invalid / invalid_message. */
  verifyHeader(ctx: ExecContext, c: S, header: H): { height: bigint; consensus: ConsensusState }
  /** Height of the consensus state whose app hash commits to the state after block `h`. */
  stateRootHeight(h: bigint): bigint
}

export function freeze(ctx: ExecContext, c: ClientState, h: bigint): void {
  putClient(ctx.kv, { ...c, frozenHeight: h })
  ctx.emit(BRIDGE_EVENT.clientFrozen, { client_id: c.clientId, height: h.toString() })
}

/** Parameters any new client must have right; throws invalid_message / already_exists. */
export function checkNewClient(ctx: ExecContext, p: { clientId: string; chainId: string; counterpartyClient: string; trustingPeriod: bigint; maxClockDrift: bigint }): void {
  if (p.trustingPeriod <= 0n || p.trustingPeriod > MAX_TRUSTING_PERIOD) fail('invalid_message', `trusting_period must be 1..${MAX_TRUSTING_PERIOD} ms`)
  if (p.maxClockDrift > MAX_CLOCK_DRIFT) fail('invalid_message', `max_clock_drift must be 0..${MAX_CLOCK_DRIFT} ms`)
  if (!CLIENT_ID_PATTERN.test(p.clientId) || !CLIENT_ID_PATTERN.test(p.counterpartyClient)) fail('invalid_message', 'client ids must match ' + CLIENT_ID_PATTERN)
  if (getClient(ctx.kv, p.clientId)) fail('already_exists', `client ${p.clientId} exists`)
  if (p.chainId === ctx.chainId) fail('invalid_message', 'a client tracks another chain, not this one')
}

/**
 * True while the mempool admits a transaction: its context time is then the *last* block's time,
 * which on a chain without empty blocks may be long past; the drift bound is checked against the
 * time of the block that includes the update.
 */
export const admissionOnly = (ctx: object): boolean => (ctx as { checkOnly?: boolean }).checkOnly === true

/** Refuses a header whose time (ms) is more than the client's drift bound ahead of this chain's block time. */
export function checkDrift(ctx: { time: bigint }, c: Pick<ClientBase, 'maxClockDrift'>, headerTime: bigint, height: bigint): void {
  if (admissionOnly(ctx)) return
  if (headerTime > ctx.time + c.maxClockDrift) {
    fail('proof_invalid', `header ${height} is from the future: its time ${headerTime} is more than ${c.maxClockDrift} ms ahead of this chain's block time ${ctx.time}`)
  }
}

/** Stores the first consensus state of a new client. */
export function storeNewClient(ctx: ExecContext, c: ClientState, cs: ConsensusState): void {
  if (cs.time + c.trustingPeriod <= ctx.time) fail('expired', `the trusted header (time ${cs.time}) is older than the trusting period`)
  checkDrift(ctx, c, cs.time, c.latestHeight)
  putClient(ctx.kv, c)
  putConsensusState(ctx.kv, c.clientId, c.latestHeight, cs)
  ctx.emit(BRIDGE_EVENT.createClient, { client_id: c.clientId, chain_id: c.chainId, height: c.latestHeight.toString(), type: c.type })
}

/**
 * Records a header the client's type verified. The same header at a known height is a no-op; a
 * different one there is misbehaviour and freezes the client (the transaction succeeds, so that the
 * freeze is recorded). Otherwise the height must exceed the client's latest, its time must follow the
 * latest's and lie within the drift bound.
 */
export function recordHeader(ctx: ExecContext, c: ClientState, height: bigint, cs: ConsensusState): 'updated' | 'duplicate' | 'frozen' {
  const existing = getConsensusState(ctx.kv, c.clientId, height)
  if (existing) {
    if (bytesEqual(existing.headerHash, cs.headerHash)) return 'duplicate'
    freeze(ctx, c, height)
    return 'frozen'
  }
  if (height <= c.latestHeight) fail('invalid_message', `header height ${height} is not above the client's latest ${c.latestHeight}`)
  const latest = getConsensusState(ctx.kv, c.clientId, c.latestHeight)
  if (latest && cs.time <= latest.time && (cs.timeNs === undefined || latest.timeNs === undefined || cs.timeNs <= latest.timeNs)) {
    fail('proof_invalid', `header time ${cs.time} is not after the time ${latest.time} of height ${c.latestHeight}`)
  }
  checkDrift(ctx, c, cs.time, height)
  putClient(ctx.kv, { ...c, latestHeight: height })
  putConsensusState(ctx.kv, c.clientId, height, cs)
  ctx.emit(BRIDGE_EVENT.updateClient, { client_id: c.clientId, height: height.toString(), app_hash: toHex(cs.appHash) })
  return 'updated'
}
