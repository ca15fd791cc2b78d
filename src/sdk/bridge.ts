/**
 * Builders of the bridge's messages (docs/BRIDGE.md) from what a node serves: signed headers
 * (`GET /v1/headers/{h}`), store proofs (`GET /v1/store/{key}?prove=true&height=h`) and the
 * `bridge.send_packet` / `bridge.recv_packet` events of transactions. The relayer builds on these.
 */
import type { Msg } from '../app/tx.js'
import type { AppEvent } from '../app/types.js'
import { PolisError } from '../base/errors.js'
import { fromHex, utf8 } from '../base/bytes.js'
import type { CborValue } from '../codec/cbor.js'
import { toAddress, toAmount, type AddressLike, type AmountLike } from './msgs.js'
import type { HeaderResponse, StoreResponse } from './types.js'
import type { IndicatorKind } from '../modules/siem/indicators.js'
import { encodeSignedHeader, encodeValidatorSet } from '../lightclient/cbor.js'
import type { Fraction, LightBlock } from '../lightclient/types.js'

export interface BridgePacket {
  sequence: bigint
  sourceClient: string
  destClient: string
  payload: Uint8Array
  timeoutHeight: bigint
  timeoutTime: bigint
}

function bad(msg: string): never {
  throw new PolisError('invalid_request', msg)
}
function hex(s: unknown, what: string): Uint8Array {
  if (typeof s !== 'string' || !/^([0-9a-f]{2})*$/i.test(s)) bad(`${what} must be hex`)
  return fromHex(s.toLowerCase())
}
function uint(s: unknown, what: string): bigint {
  if (typeof s !== 'string' || !/^[0-9]{1,20}$/.test(s)) bad(`${what} must be a decimal integer`)
  return BigInt(s)
}
const attr = (e: AppEvent, k: string) => e.attributes.find((a) => a.key === k)?.value

/** Full store keys (as proved) of the bridge's packet paths. */
export const bridgeKeys = {
  commitment: (sourceClient: string, seq: bigint) => utf8(`bridge/commitments/${sourceClient}/${seq}`),
  receipt: (destClient: string, seq: bigint) => utf8(`bridge/receipts/${destClient}/${seq}`),
  ack: (destClient: string, seq: bigint) => utf8(`bridge/acks/${destClient}/${seq}`),
}

/** The packets sent by a transaction, from its `bridge.send_packet` events. */
export function packetsFromEvents(events: readonly AppEvent[]): BridgePacket[] {
  return events.filter((e) => e.type === 'bridge.send_packet').map((e) => ({
    sequence: uint(attr(e, 'sequence'), 'sequence'),
    sourceClient: attr(e, 'source_client') ?? bad('source_client missing'),
    destClient: attr(e, 'dest_client') ?? bad('dest_client missing'),
    payload: hex(attr(e, 'payload'), 'payload'),
    timeoutHeight: uint(attr(e, 'timeout_height'), 'timeout_height'),
    timeoutTime: uint(attr(e, 'timeout_time'), 'timeout_time'),
  }))
}

/** The acknowledgements written by a transaction, from its `bridge.recv_packet` events. */
export function acksFromEvents(events: readonly AppEvent[]): Array<{ destClient: string; sequence: bigint; ack: Uint8Array }> {
  return events.filter((e) => e.type === 'bridge.recv_packet').map((e) => ({
    destClient: attr(e, 'dest_client') ?? bad('dest_client missing'),
    sequence: uint(attr(e, 'sequence'), 'sequence'),
    ack: hex(attr(e, 'ack'), 'ack'),
  }))
}

const packetValue = (p: BridgePacket): { [k: string]: CborValue } => ({
  sequence: p.sequence, source_client: p.sourceClient, dest_client: p.destClient, payload: p.payload, timeout_height: p.timeoutHeight, timeout_time: p.timeoutTime,
})
function cometHeader(trusted: LightBlock, lb: LightBlock): { [k: string]: CborValue } {
  if (!trusted.nextValidatorSet) bad('the trusted light block lacks its next validator set')
  return {
    signed_header: encodeSignedHeader(lb.signedHeader), validator_set: encodeValidatorSet(lb.validatorSet),
    trusted_height: trusted.signedHeader.header.height, trusted_validators: encodeValidatorSet(trusted.nextValidatorSet),
  }
}
const signed = (h: HeaderResponse) => ({ header: hex(h.header_cbor, 'header_cbor'), signature: hex(h.signature, 'signature') })
function proofOf(s: StoreResponse): { proof: Uint8Array; proof_height: bigint } {
  if (!s.proof) bad('the store response has no proof (ask with prove=true)')
  return { proof: hex(s.proof, 'proof'), proof_height: uint(s.height, 'height') }
}

export const bridge = {
  createClient(p: {
    clientId: string; chainId: string; counterpartyClient: string; validator: AddressLike; header: HeaderResponse
    hash?: { name: string; params?: Record<string, CborValue> }; trustingPeriodMs?: AmountLike
  }): Msg {
    const value: Msg['value'] = {
      client_id: p.clientId, chain_id: p.chainId, counterparty_client: p.counterpartyClient, validator: toAddress(p.validator, 'validator'),
      hash_alg: p.hash?.name ?? 'sha256', ...signed(p.header),
    }
    if (p.hash?.params) value.hash_params = p.hash.params
    if (p.trustingPeriodMs !== undefined) value.trusting_period = toAmount(p.trustingPeriodMs, 'trusting period')
    return { type: 'bridge/create-client', value }
  },
  updateClient(clientId: string, header: HeaderResponse): Msg {
    return { type: 'bridge/update-client', value: { client_id: clientId, ...signed(header) } }
  },
  /** A cometbft client of a CometBFT chain, anchored at `anchor` (a light block from its RPC, e.g. lightclient's rpcProvider). */
  createCometClient(p: { clientId: string; counterpartyClient: string; anchor: LightBlock; trustLevel?: Fraction; trustingPeriodMs?: AmountLike; maxClockDriftMs?: AmountLike }): Msg {
    const value: Msg['value'] = {
      client_id: p.clientId, chain_id: p.anchor.signedHeader.header.chainId, counterparty_client: p.counterpartyClient,
      signed_header: encodeSignedHeader(p.anchor.signedHeader), validator_set: encodeValidatorSet(p.anchor.validatorSet),
    }
    if (p.trustLevel) value.trust_level = [p.trustLevel.numerator, p.trustLevel.denominator]
    if (p.trustingPeriodMs !== undefined) value.trusting_period = toAmount(p.trustingPeriodMs, 'trusting period')
    if (p.maxClockDriftMs !== undefined) value.max_clock_drift = toAmount(p.maxClockDriftMs, 'max clock drift')
    return { type: 'bridge/create-cometbft-client', value }
  },
  /** `header` verified on chain from `trusted`, a height the client holds (its light block, with the next validator set). */
  updateCometClient(clientId: string, trusted: LightBlock, header: LightBlock): Msg {
    return { type: 'bridge/update-cometbft-client', value: { client_id: clientId, ...cometHeader(trusted, header) } }
  },
  /** Two conflicting light blocks at one height, each with the trusted light block it verifies from: freezes the client. */
  cometMisbehaviour(clientId: string, a: { trusted: LightBlock; header: LightBlock }, b: { trusted: LightBlock; header: LightBlock }): Msg {
    return { type: 'bridge/submit-cometbft-misbehaviour', value: { client_id: clientId, header1: cometHeader(a.trusted, a.header), header2: cometHeader(b.trusted, b.header) } }
  },
  /** The authority replaces a frozen or expired client by an active client of the same chain. */
  recoverClient(subject: string, substitute: string, reason: string): Msg {
    return { type: 'bridge/recover-client', value: { subject_client: subject, substitute_client: substitute, reason } }
  },
  /** `commitmentProof`: the source's store response for bridgeKeys.commitment(...) at a height the destination's client verified. */
  recvPacket(packet: BridgePacket, commitmentProof: StoreResponse): Msg {
    return { type: 'bridge/recv-packet', value: { packet: packetValue(packet), ...proofOf(commitmentProof) } }
  },
  acknowledge(packet: BridgePacket, ack: Uint8Array, ackProof: StoreResponse): Msg {
    return { type: 'bridge/acknowledge', value: { packet: packetValue(packet), ack, ...proofOf(ackProof) } }
  },
  /** `receiptAbsence`: the destination's store response (value null) for bridgeKeys.receipt(...). */
  timeout(packet: BridgePacket, receiptAbsence: StoreResponse): Msg {
    if (receiptAbsence.value !== null) bad('the packet was received: it cannot time out')
    return { type: 'bridge/timeout', value: { packet: packetValue(packet), ...proofOf(receiptAbsence) } }
  },
  transfer(p: { clientId: string; amount: AmountLike; receiver: AddressLike; denom?: string; timeoutHeight?: AmountLike; timeoutTimeMs?: AmountLike }): Msg {
    const value: Msg['value'] = { client_id: p.clientId, amount: toAmount(p.amount), receiver: toAddress(p.receiver, 'receiver'), ...timeouts(p, 'a transfer') }
    if (p.denom !== undefined) value.denom = p.denom
    return { type: 'bridge/transfer', value }
  },
  /** The owner sends a vehicle (its id = VIN commitment) to the chain at the other end of `clientId`. */
  transferVehicle(p: { clientId: string; vehicle: Uint8Array | string } & Timeouts): Msg {
    return { type: 'bridge/transfer-vehicle', value: { client_id: p.clientId, vehicle: toAddress(p.vehicle, 'vehicle'), ...timeouts(p, 'a vehicle transfer') } }
  },
  /**
   * Security staff share indicators of a confirmed alert of this chain. `entries`: the log entries
   * (canonical JSON bytes, or their text) of the alert's evidence events that show the IPs and file
   * hashes shared; a device indicator is the alert's subject and needs none. `ttl`: blocks of the destination.
   */
  shareIndicators(p: { clientId: string; alert: Uint8Array | string; indicators: Array<{ kind: IndicatorKind; value: string }>; entries?: Array<Uint8Array | string>; ttl?: AmountLike } & Timeouts): Msg {
    const value: Msg['value'] = {
      client_id: p.clientId, alert: toAddress(p.alert, 'alert'), indicators: p.indicators.map((i) => ({ kind: i.kind, value: i.value })),
      entries: (p.entries ?? []).map((e) => (typeof e === 'string' ? utf8(e) : e)), ...timeouts(p, 'a share'),
    }
    if (p.ttl !== undefined) value.ttl = toAmount(p.ttl, 'ttl')
    return { type: 'threatintel/share', value }
  },
}

export const threatIntel = {
  /** The authority accepts (or stops accepting) indicators arriving over one of its clients. */
  acceptPeer(clientId: string, accept = true): Msg {
    return { type: 'threatintel/accept-peer', value: { client_id: clientId, accept } }
  },
  delist(kind: IndicatorKind, value: string, reason: string): Msg {
    return { type: 'threatintel/delist', value: { kind, value, reason } }
  },
}

interface Timeouts { timeoutHeight?: AmountLike; timeoutTimeMs?: AmountLike }
function timeouts(p: Timeouts, what: string): { timeout_height?: bigint; timeout_time?: bigint } {
  if (p.timeoutHeight === undefined && p.timeoutTimeMs === undefined) bad(`${what} needs a timeout height or a timeout time`)
  const out: { timeout_height?: bigint; timeout_time?: bigint } = {}
  // 0 = no timeout of that kind (the chain wants at least one)
  if (p.timeoutHeight !== undefined) out.timeout_height = toAmount(p.timeoutHeight, 'timeout height', { positive: false })
  if (p.timeoutTimeMs !== undefined) out.timeout_time = toAmount(p.timeoutTimeMs, 'timeout time', { positive: false })
  return out
}
