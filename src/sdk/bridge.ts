/**
 * Builders of the bridge's messages (docs/BRIDGE.md) from what a node serves: signed headers
 * (`GET /v1/headers/{h}`), store proofs (`GET /v1/store/{key}?prove=true&height=h`) and the
 * `send_packet` / `recv_packet` events of transactions, over the modules' typed builders (the
 * bridge's and threatintel's types.ts). The relayer builds on these.
 */
import type { Msg } from '../app/tx.js'
import type { AppEvent } from '../app/types.js'
import { PolisError } from '../base/errors.js'
import { toHex, utf8 } from '../base/bytes.js'
import type { CborValue } from '../codec/cbor.js'
import { toAddress, toAmount, type AddressLike, type AmountLike } from './msgs.js'
import type { HeaderResponse, StoreResponse } from './types.js'
import type { PolisClient } from './polis-client.js'
import { BRIDGE_EVENT, ackPath, bridgeMsgs, bridgeStoreKey, commitmentPath, receiptPath, type CometHeaderMsg, type Packet, type StateProof } from '../modules/bridge/types.js'
import { threatIntelMsgs } from '../modules/threatintel/types.js'
import type { IndicatorKind } from '../modules/siem/indicators.js'
import { encodeSignedHeader, encodeValidatorSet } from '../lightclient/cbor.js'
import type { Fraction, LightBlock } from '../lightclient/types.js'

export type BridgePacket = Packet

function bad(msg: string): never {
  throw new PolisError('invalid_request', msg)
}
/**
 * Hex (either case) to bytes. Buffer stops decoding at the first character that is not a hex pair,
 * so the string is hex exactly when every character was decoded: one pass, no regular expression
 * (a relayer decodes a few megabytes of proofs a second here).
 */
function hex(s: unknown, what: string): Uint8Array {
  if (typeof s !== 'string') bad(`${what} must be hex`)
  const b = Buffer.from(s, 'hex')
  if (b.length * 2 !== s.length) bad(`${what} must be hex`)
  return new Uint8Array(b) // a copy of its own (small Buffers share a pool)
}
function uint(s: unknown, what: string): bigint {
  if (typeof s !== 'string' || !/^[0-9]{1,20}$/.test(s)) bad(`${what} must be a decimal integer`)
  return BigInt(s)
}
const attr = (e: AppEvent, k: string) => e.attributes.find((a) => a.key === k)?.value

/** Full store keys (as proved) of the bridge's packet paths. */
export const bridgeKeys = {
  commitment: (sourceClient: string, seq: bigint) => bridgeStoreKey(commitmentPath(sourceClient, seq)),
  receipt: (destClient: string, seq: bigint) => bridgeStoreKey(receiptPath(destClient, seq)),
  ack: (destClient: string, seq: bigint) => bridgeStoreKey(ackPath(destClient, seq)),
}

/** Keys per `POST /v1/store/proofs` request (the route takes up to 2000). */
const PROOF_KEYS_PER_REQUEST = 1000

/**
 * The values and ICS-23 proofs of many keys at one height (`POST /v1/store/proofs`, in requests of
 * 1000 keys), in the order of `keys`: each entry as `store(key, { height, prove: true })` answers.
 * Each proof still has to be checked (on chain by the bridge, or with verifiedState).
 */
export async function storeProofs(api: PolisClient, keys: Uint8Array[], height: bigint): Promise<StoreResponse[]> {
  const chunks: Uint8Array[][] = []
  for (let i = 0; i < keys.length; i += PROOF_KEYS_PER_REQUEST) chunks.push(keys.slice(i, i + PROOF_KEYS_PER_REQUEST))
  const answers = await Promise.all(chunks.map((c) => api.post<{ height: string; entries: StoreResponse[] }>('/v1/store/proofs', { keys: c.map(toHex), height: height.toString() })))
  const out = answers.flatMap((a) => a.entries)
  if (out.length !== keys.length || out.some((e, i) => e.key !== toHex(keys[i]!) || e.height !== height.toString())) bad('the node answered proofs of other keys or another height')
  return out
}

/** The packets sent by a transaction, from its `send_packet` events. */
export function packetsFromEvents(events: readonly AppEvent[]): BridgePacket[] {
  return events.filter((e) => e.type === BRIDGE_EVENT.sendPacket).map((e) => ({
    sequence: uint(attr(e, 'sequence'), 'sequence'),
    sourceClient: attr(e, 'source_client') ?? bad('source_client missing'),
    destClient: attr(e, 'dest_client') ?? bad('dest_client missing'),
    payload: hex(attr(e, 'payload'), 'payload'),
    timeoutHeight: uint(attr(e, 'timeout_height'), 'timeout_height'),
    timeoutTime: uint(attr(e, 'timeout_time'), 'timeout_time'),
  }))
}

/** The acknowledgements written by a transaction, from its `recv_packet` events. */
export function acksFromEvents(events: readonly AppEvent[]): Array<{ destClient: string; sequence: bigint; ack: Uint8Array }> {
  return events.filter((e) => e.type === BRIDGE_EVENT.recvPacket).map((e) => ({
    destClient: attr(e, 'dest_client') ?? bad('dest_client missing'),
    sequence: uint(attr(e, 'sequence'), 'sequence'),
    ack: hex(attr(e, 'ack'), 'ack'),
  }))
}

function cometHeader(trusted: LightBlock, lb: LightBlock): CometHeaderMsg {
  if (!trusted.nextValidatorSet) bad('the trusted light block lacks its next validator set')
  return {
    signedHeader: encodeSignedHeader(lb.signedHeader), validatorSet: encodeValidatorSet(lb.validatorSet),
    trustedHeight: trusted.signedHeader.header.height, trustedValidators: encodeValidatorSet(trusted.nextValidatorSet),
  }
}
const signed = (h: HeaderResponse) => ({ header: hex(h.header_cbor, 'header_cbor'), signature: hex(h.signature, 'signature') })
function proofOf(s: StoreResponse): StateProof {
  if (!s.proof) bad('the store response has no proof (ask with prove=true)')
  return { proof: hex(s.proof, 'proof'), proofHeight: uint(s.height, 'height') }
}
const optionalAmount = (a: AmountLike | undefined, what: string) => (a === undefined ? undefined : toAmount(a, what))

export const bridge = {
  createClient(p: {
    clientId: string; chainId: string; counterpartyClient: string; validator: AddressLike; header: HeaderResponse
    hash?: { name: string; params?: Record<string, CborValue> }; trustingPeriodMs?: AmountLike
  }): Msg {
    return bridgeMsgs.createClient({
      clientId: p.clientId, chainId: p.chainId, counterpartyClient: p.counterpartyClient, validator: toAddress(p.validator, 'validator'),
      hashAlg: p.hash?.name ?? 'sha256', ...signed(p.header), hashParams: p.hash?.params, trustingPeriod: optionalAmount(p.trustingPeriodMs, 'trusting period'),
    })
  },
  updateClient(clientId: string, header: HeaderResponse): Msg {
    return bridgeMsgs.updateClient({ clientId, ...signed(header) })
  },
  /** A cometbft client of a CometBFT chain, anchored at `anchor` (a light block from its RPC, e.g. lightclient's rpcProvider). */
  createCometClient(p: { clientId: string; counterpartyClient: string; anchor: LightBlock; trustLevel?: Fraction; trustingPeriodMs?: AmountLike; maxClockDriftMs?: AmountLike }): Msg {
    return bridgeMsgs.createCometClient({
      clientId: p.clientId, chainId: p.anchor.signedHeader.header.chainId, counterpartyClient: p.counterpartyClient,
      signedHeader: encodeSignedHeader(p.anchor.signedHeader), validatorSet: encodeValidatorSet(p.anchor.validatorSet), trustLevel: p.trustLevel,
      trustingPeriod: optionalAmount(p.trustingPeriodMs, 'trusting period'), maxClockDrift: optionalAmount(p.maxClockDriftMs, 'max clock drift'),
    })
  },
  /** `header` verified on chain from `trusted`, a height the client holds (its light block, with the next validator set). */
  updateCometClient(clientId: string, trusted: LightBlock, header: LightBlock): Msg {
    return bridgeMsgs.updateCometClient({ clientId, header: cometHeader(trusted, header) })
  },
  /** Two conflicting light blocks at one height, each with the trusted light block it verifies from: freezes the client. */
  cometMisbehaviour(clientId: string, a: { trusted: LightBlock; header: LightBlock }, b: { trusted: LightBlock; header: LightBlock }): Msg {
    return bridgeMsgs.submitCometMisbehaviour({ clientId, header1: cometHeader(a.trusted, a.header), header2: cometHeader(b.trusted, b.header) })
  },
  /** The authority replaces a frozen or expired client by an active client of the same chain. */
  recoverClient(subject: string, substitute: string, reason: string): Msg {
    return bridgeMsgs.recoverClient({ subject, substitute, reason })
  },
  /** `commitmentProof`: the source's store response for bridgeKeys.commitment(...) at a height the destination's client verified. */
  recvPacket(packet: BridgePacket, commitmentProof: StoreResponse): Msg {
    return bridgeMsgs.recvPacket({ packet, ...proofOf(commitmentProof) })
  },
  acknowledge(packet: BridgePacket, ack: Uint8Array, ackProof: StoreResponse): Msg {
    return bridgeMsgs.acknowledge({ packet, ack, ...proofOf(ackProof) })
  },
  /** `receiptAbsence`: the destination's store response (value null) for bridgeKeys.receipt(...). */
  timeout(packet: BridgePacket, receiptAbsence: StoreResponse): Msg {
    if (receiptAbsence.value !== null) bad('the packet was received: it cannot time out')
    return bridgeMsgs.timeout({ packet, ...proofOf(receiptAbsence) })
  },
  transfer(p: { clientId: string; amount: AmountLike; receiver: AddressLike; denom?: string; timeoutHeight?: AmountLike; timeoutTimeMs?: AmountLike }): Msg {
    return bridgeMsgs.transfer({ clientId: p.clientId, amount: toAmount(p.amount), receiver: toAddress(p.receiver, 'receiver'), ...timeouts(p, 'a transfer'), denom: p.denom })
  },
  /** The owner sends a vehicle (its id = VIN commitment) to the chain at the other end of `clientId`. */
  transferVehicle(p: { clientId: string; vehicle: Uint8Array | string } & Timeouts): Msg {
    return bridgeMsgs.transferVehicle({ clientId: p.clientId, vehicle: toAddress(p.vehicle, 'vehicle'), ...timeouts(p, 'a vehicle transfer') })
  },
  /**
   * Security staff share indicators of a confirmed alert of this chain. `entries`: the log entries
   * (canonical JSON bytes, or their text) of the alert's evidence events that show the IPs and file
   * hashes shared; a device indicator is the alert's subject and needs none. `ttl`: blocks of the destination.
   */
  shareIndicators(p: { clientId: string; alert: Uint8Array | string; indicators: Array<{ kind: IndicatorKind; value: string }>; entries?: Array<Uint8Array | string>; ttl?: AmountLike } & Timeouts): Msg {
    return threatIntelMsgs.share({
      clientId: p.clientId, alert: toAddress(p.alert, 'alert'), indicators: p.indicators,
      entries: (p.entries ?? []).map((e) => (typeof e === 'string' ? utf8(e) : e)), ...timeouts(p, 'a share'), ttl: optionalAmount(p.ttl, 'ttl'),
    })
  },
}

export const threatIntel = {
  /** The authority accepts (or stops accepting) indicators arriving over one of its clients. */
  acceptPeer(clientId: string, accept = true): Msg {
    return threatIntelMsgs.acceptPeer({ clientId, accept })
  },
  delist(kind: IndicatorKind, value: string, reason: string): Msg {
    return threatIntelMsgs.delist({ kind, value, reason })
  },
}

interface Timeouts { timeoutHeight?: AmountLike; timeoutTimeMs?: AmountLike }
function timeouts(p: Timeouts, what: string): { timeoutHeight?: bigint; timeoutTime?: bigint } {
  if (p.timeoutHeight === undefined && p.timeoutTimeMs === undefined) bad(`${what} needs a timeout height or a timeout time`)
  // 0 = no timeout of that kind (the chain wants at least one)
  return {
    timeoutHeight: p.timeoutHeight === undefined ? undefined : toAmount(p.timeoutHeight, 'timeout height', { positive: false }),
    timeoutTime: p.timeoutTimeMs === undefined ? undefined : toAmount(p.timeoutTimeMs, 'timeout time', { positive: false }),
  }
}
