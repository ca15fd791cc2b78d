/**
 * The bridge's names: its state keys and paths, message types and event names, what a packet and
 * an ack are, the contract of a bridge app, and typed builders of its messages for relayers and
 * clients.
 *
 * Keys (under "bridge/"):
 *   clients/<client>                 -> ClientState (CBOR)                         client/state.ts
 *   consensus/<client>/<h: u64 BE>   -> ConsensusState (CBOR)                      client/state.ts
 *   recoveries/<subject>/<h: u64 BE> -> a client recovery, on the record           client/recovery.ts
 *   nextseq/<client>                 -> next sequence to send (u64 BE)             keeper.ts
 *   commitments/<client>/<seq>       -> sha256 commitment of a packet sent         keeper.ts
 *   receipts/<client>/<seq>          -> 0x01, a packet received                    keeper.ts
 *   acks/<client>/<seq>              -> sha256 of the ack written                  keeper.ts
 *   traces/<hex>                     -> the denomination trace of a voucher        apps/transfer.ts
 * `<seq>` is the decimal sequence number. Relayers prove the packet paths on the counterparty
 * (bridgeStoreKey).
 */
import type { ExecContext } from '../../app/module.js'
import type { Msg } from '../../app/tx.js'
import { utf8 } from '../../base/bytes.js'
import type { CborValue } from '../../codec/cbor.js'

export const MODULE = 'bridge'

/** A client id: this chain's name for its light client of a counterparty. */
export const CLIENT_ID_PATTERN = /^[a-z][a-z0-9-]{0,31}$/

/** Key prefixes under "bridge/". */
export const BRIDGE_KEY = {
  client: 'clients/', consensus: 'consensus/', recovery: 'recoveries/', nextSeq: 'nextseq/', commitment: 'commitments/', receipt: 'receipts/', ack: 'acks/', trace: 'traces/',
} as const

export const commitmentPath = (client: string, seq: bigint) => `${BRIDGE_KEY.commitment}${client}/${seq}`
export const receiptPath = (client: string, seq: bigint) => `${BRIDGE_KEY.receipt}${client}/${seq}`
export const ackPath = (client: string, seq: bigint) => `${BRIDGE_KEY.ack}${client}/${seq}`
/** The full store key (as the App's store proofs name it) of a bridge path. */
export const bridgeStoreKey = (path: string) => utf8(`${MODULE}/${path}`)

export const BRIDGE_MSG = {
  createClient: 'bridge/create-client',
  updateClient: 'bridge/update-client',
  submitMisbehaviour: 'bridge/submit-misbehaviour',
  createCometClient: 'bridge/create-cometbft-client',
  updateCometClient: 'bridge/update-cometbft-client',
  submitCometMisbehaviour: 'bridge/submit-cometbft-misbehaviour',
  recoverClient: 'bridge/recover-client',
  recvPacket: 'bridge/recv-packet',
  acknowledge: 'bridge/acknowledge',
  timeout: 'bridge/timeout',
  transfer: 'bridge/transfer',
  transferVehicle: 'bridge/transfer-vehicle',
} as const

export const BRIDGE_EVENT = {
  createClient: 'bridge.create_client',
  updateClient: 'bridge.update_client',
  clientFrozen: 'bridge.client_frozen',
  clientRecovered: 'bridge.client_recovered',
  prunedConsensusStates: 'bridge.pruned_consensus_states',
  sendPacket: 'bridge.send_packet',
  recvPacket: 'bridge.recv_packet',
  recvPacketDuplicate: 'bridge.recv_packet_duplicate',
  acknowledgePacket: 'bridge.acknowledge_packet',
  timeoutPacket: 'bridge.timeout_packet',
  transfer: 'bridge.transfer',
  refund: 'bridge.refund',
  vehicleTransfer: 'bridge.vehicle_transfer',
} as const

export interface Packet {
  sequence: bigint
  sourceClient: string
  destClient: string
  payload: Uint8Array      // canonical CBOR { app: tstr, data: {...} }
  timeoutHeight: bigint    // destination height at which it expires (0 = none)
  timeoutTime: bigint      // destination block time (ms) at which it expires (0 = none)
}

export type Ack = { ok: true } | { error: string }

/** A bridge application (the token transfer is one): what to do on each end of a packet. */
export interface BridgeApp {
  /** Runs on the destination; a thrown PolisError becomes an error ack, and its writes are dropped. */
  onRecv(ctx: ExecContext, packet: Packet, data: Record<string, CborValue>): void
  onAck(ctx: ExecContext, packet: Packet, data: Record<string, CborValue>, ack: Ack): void
  onTimeout(ctx: ExecContext, packet: Packet, data: Record<string, CborValue>): void
}

/** The CBOR map form of a packet, as messages carry it. */
export function packetValue(p: Packet): { [key: string]: CborValue } {
  return { sequence: p.sequence, source_client: p.sourceClient, dest_client: p.destClient, payload: p.payload, timeout_height: p.timeoutHeight, timeout_time: p.timeoutTime }
}

/**
 * A header as a relayer submits it to a cometbft client: the signed header, its validator set, and
 * the consensus state to verify it from (canonical CBOR of each, src/lightclient/cbor.ts).
 */
export interface CometHeaderMsg { signedHeader: Uint8Array; validatorSet: Uint8Array; trustedHeight: bigint; trustedValidators: Uint8Array }

const cometHeaderValue = (h: CometHeaderMsg): { [key: string]: CborValue } => ({
  signed_header: h.signedHeader, validator_set: h.validatorSet, trusted_height: h.trustedHeight, trusted_validators: h.trustedValidators,
})

/** A store proof, as a message carries it: the ICS-23 proof and the counterparty height it was queried at. */
export interface StateProof { proof: Uint8Array; proofHeight: bigint }

/** Timeouts of a packet sent: at least one (0 or absent = none of that kind). */
export interface Timeouts { timeoutHeight?: bigint; timeoutTime?: bigint }

function timeoutsValue(t: Timeouts): { timeout_height?: bigint; timeout_time?: bigint } {
  const out: { timeout_height?: bigint; timeout_time?: bigint } = {}
  if (t.timeoutHeight !== undefined) out.timeout_height = t.timeoutHeight
  if (t.timeoutTime !== undefined) out.timeout_time = t.timeoutTime
  return out
}

export const bridgeMsgs = {
  /** The authority creates a solo client from a header of the counterparty signed by its validator. */
  createClient(p: {
    clientId: string; chainId: string; counterpartyClient: string; validator: Uint8Array; hashAlg: string; hashParams?: Record<string, CborValue>
    header: Uint8Array; signature: Uint8Array; trustingPeriod?: bigint; maxClockDrift?: bigint
  }): Msg {
    const value: Msg['value'] = {
      client_id: p.clientId, chain_id: p.chainId, counterparty_client: p.counterpartyClient, validator: p.validator, hash_alg: p.hashAlg, header: p.header, signature: p.signature,
    }
    if (p.hashParams !== undefined) value.hash_params = p.hashParams
    if (p.trustingPeriod !== undefined) value.trusting_period = p.trustingPeriod
    if (p.maxClockDrift !== undefined) value.max_clock_drift = p.maxClockDrift
    return { type: BRIDGE_MSG.createClient, value }
  },
  updateClient(p: { clientId: string; header: Uint8Array; signature: Uint8Array }): Msg {
    return { type: BRIDGE_MSG.updateClient, value: { client_id: p.clientId, header: p.header, signature: p.signature } }
  },
  /** Two signed headers of one height with different hashes: freezes the solo client. */
  submitMisbehaviour(p: { clientId: string; header1: Uint8Array; signature1: Uint8Array; header2: Uint8Array; signature2: Uint8Array }): Msg {
    return { type: BRIDGE_MSG.submitMisbehaviour, value: { client_id: p.clientId, header1: p.header1, signature1: p.signature1, header2: p.header2, signature2: p.signature2 } }
  },
  /** The authority creates a cometbft client from a trusted light block (signed header and validator set, canonical CBOR). */
  createCometClient(p: {
    clientId: string; chainId: string; counterpartyClient: string; signedHeader: Uint8Array; validatorSet: Uint8Array
    trustLevel?: { numerator: bigint; denominator: bigint }; trustingPeriod?: bigint; maxClockDrift?: bigint
  }): Msg {
    const value: Msg['value'] = {
      client_id: p.clientId, chain_id: p.chainId, counterparty_client: p.counterpartyClient, signed_header: p.signedHeader, validator_set: p.validatorSet,
    }
    if (p.trustLevel) value.trust_level = [p.trustLevel.numerator, p.trustLevel.denominator]
    if (p.trustingPeriod !== undefined) value.trusting_period = p.trustingPeriod
    if (p.maxClockDrift !== undefined) value.max_clock_drift = p.maxClockDrift
    return { type: BRIDGE_MSG.createCometClient, value }
  },
  updateCometClient(p: { clientId: string; header: CometHeaderMsg }): Msg {
    return { type: BRIDGE_MSG.updateCometClient, value: { client_id: p.clientId, ...cometHeaderValue(p.header) } }
  },
  /** Two conflicting light blocks of one height, each verifiable from a height the client holds: freezes the client. */
  submitCometMisbehaviour(p: { clientId: string; header1: CometHeaderMsg; header2: CometHeaderMsg }): Msg {
    return { type: BRIDGE_MSG.submitCometMisbehaviour, value: { client_id: p.clientId, header1: cometHeaderValue(p.header1), header2: cometHeaderValue(p.header2) } }
  },
  /** The authority replaces a frozen or expired client by an active client of the same chain. */
  recoverClient(p: { subject: string; substitute: string; reason: string }): Msg {
    return { type: BRIDGE_MSG.recoverClient, value: { subject_client: p.subject, substitute_client: p.substitute, reason: p.reason } }
  },
  /** `proof`: of the packet's commitment on the source, at a height the destination's client verified. */
  recvPacket(p: { packet: Packet } & StateProof): Msg {
    return { type: BRIDGE_MSG.recvPacket, value: { packet: packetValue(p.packet), proof: p.proof, proof_height: p.proofHeight } }
  },
  /** `proof`: of the ack's commitment on the destination. */
  acknowledge(p: { packet: Packet; ack: Uint8Array } & StateProof): Msg {
    return { type: BRIDGE_MSG.acknowledge, value: { packet: packetValue(p.packet), ack: p.ack, proof: p.proof, proof_height: p.proofHeight } }
  },
  /** `proof`: of the receipt's absence on the destination, at a height at or past the timeout. */
  timeout(p: { packet: Packet } & StateProof): Msg {
    return { type: BRIDGE_MSG.timeout, value: { packet: packetValue(p.packet), proof: p.proof, proof_height: p.proofHeight } }
  },
  /** Sends tokens (default: the native denomination) to `receiver` on the chain at the other end of `clientId`. */
  transfer(p: { clientId: string; amount: bigint; receiver: Uint8Array; denom?: string } & Timeouts): Msg {
    const value: Msg['value'] = { client_id: p.clientId, amount: p.amount, receiver: p.receiver, ...timeoutsValue(p) }
    if (p.denom !== undefined) value.denom = p.denom
    return { type: BRIDGE_MSG.transfer, value }
  },
  /** The owner sends a vehicle (its id = the VIN commitment) to the chain at the other end of `clientId`. */
  transferVehicle(p: { clientId: string; vehicle: Uint8Array } & Timeouts): Msg {
    return { type: BRIDGE_MSG.transferVehicle, value: { client_id: p.clientId, vehicle: p.vehicle, ...timeoutsValue(p) } }
  },
}
