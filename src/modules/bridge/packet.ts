/**
 * Packets, ICS-04 style. A channel is a pair of light clients: client X on chain A tracks chain B
 * and names its counterparty client Y on B (which tracks A). A packet sent through X is
 * committed on A under
 *   bridge/commitments/<X>/<seq>  = sha256(timeout_height u64be ‖ timeout_time u64be ‖ sha256(payload))
 * B receives it with an ICS-23 proof of that key at a height its client Y verified, records
 *   bridge/receipts/<Y>/<seq> = 0x01      and     bridge/acks/<Y>/<seq> = sha256(ack)
 * A then either acknowledges (proof of the ack) or times the packet out (proof of the receipt's
 * absence at a height at or past the timeout); both delete the commitment, so only one happens.
 * `<seq>` is the decimal sequence number.
 */
import { ics23, iavlSpec, verifyMembership, verifyNonMembership } from '@confio/ics23'
import { decodeCanonical, encodeCanonical, type CborValue } from '../../codec/cbor.js'
import { fail, PolisError } from '../../base/errors.js'
import { CacheKV, type KV, type KVReader } from '../../app/kv.js'
import { moduleReader, moduleStore, type ExecContext } from '../../app/module.js'
import { sha256 } from '../../crypto/hash.js'
import { bytesEqual, concatBytes, toHex, utf8 } from '../../base/bytes.js'
import { MODULE, requireActiveClient, stateRootAt } from './client.js'
import { readU64be, u64be } from '../../codec/be.js'

export interface Packet {
  sequence: bigint
  sourceClient: string
  destClient: string
  payload: Uint8Array      // canonical CBOR { app: tstr, data: {...} }
  timeoutHeight: bigint    // destination height at which it expires (0 = none)
  timeoutTime: bigint      // destination block time (ms) at which it expires (0 = none)
}

export type Ack = { ok: true } | { error: string }

export const commitmentPath = (client: string, seq: bigint) => `commitments/${client}/${seq}`
export const receiptPath = (client: string, seq: bigint) => `receipts/${client}/${seq}`
export const ackPath = (client: string, seq: bigint) => `acks/${client}/${seq}`
const nextSeqPath = (client: string) => `nextseq/${client}`
/** The full store key (as proved by the App's store proofs) of a bridge path. */
export const bridgeStoreKey = (path: string) => utf8(`${MODULE}/${path}`)

export function packetCommitment(p: Pick<Packet, 'timeoutHeight' | 'timeoutTime' | 'payload'>): Uint8Array {
  return sha256(concatBytes(u64be(p.timeoutHeight), u64be(p.timeoutTime), sha256(p.payload)))
}

export function encodeAck(a: Ack): Uint8Array {
  return encodeCanonical(a as never)
}
export function decodeAck(b: Uint8Array): Ack {
  const m = decodeCanonical(b, 'invalid_message') as Record<string, unknown>
  const keys = Object.keys(m)
  if (keys.length === 1 && m.ok === true) return { ok: true }
  if (keys.length === 1 && typeof m.error === 'string') return { error: m.error }
  fail('invalid_message', 'ack must be {ok: true} or {error: string}')
}
export const ackCommitment = (ack: Uint8Array) => sha256(ack)

export function encodePayload(app: string, data: Record<string, CborValue>): Uint8Array {
  return encodeCanonical({ app, data })
}
export function decodePayload(b: Uint8Array): { app: string; data: Record<string, CborValue> } {
  const m = decodeCanonical(b, 'invalid_message') as Record<string, unknown>
  if (typeof m.app !== 'string' || typeof m.data !== 'object' || m.data === null || Array.isArray(m.data) || Object.keys(m).length !== 2) {
    fail('invalid_message', 'packet payload must be {app, data}')
  }
  return m as { app: string; data: Record<string, CborValue> }
}

/** A bridge application (the token transfer is one): what to do on each end of a packet. */
export interface BridgeApp {
  /** Runs on the destination; a thrown PolisError becomes an error ack, and its writes are dropped. */
  onRecv(ctx: ExecContext, packet: Packet, data: Record<string, CborValue>): void
  onAck(ctx: ExecContext, packet: Packet, data: Record<string, CborValue>, ack: Ack): void
  onTimeout(ctx: ExecContext, packet: Packet, data: Record<string, CborValue>): void
}
/**
 * The apps a bridge module serves, by payload `app` name. Each bridge module is built with its own
 * table (no process-wide registry), so which apps a chain runs is fixed by its module list.
 */
export type BridgeApps = ReadonlyMap<string, BridgeApp>
export function bridgeApps(entries: ReadonlyArray<readonly [string, BridgeApp]>): BridgeApps {
  const m = new Map<string, BridgeApp>()
  for (const [name, app] of entries) {
    if (m.has(name)) throw new Error(`bridge app "${name}" given twice`)
    m.set(name, app)
  }
  return m
}
function appOf(apps: BridgeApps, payload: Uint8Array): { app: BridgeApp; data: Record<string, CborValue> } {
  const p = decodePayload(payload)
  const app = apps.get(p.app)
  if (!app) fail('invalid_message', `no bridge app "${p.app}"`)
  return { app, data: p.data }
}

const store = (kv: KV) => moduleStore(kv, MODULE)
const reader = (kv: KVReader) => moduleReader(kv, MODULE)

export function nextSequence(kv: KVReader, client: string): bigint {
  const b = reader(kv).get(utf8(nextSeqPath(client)))
  return b ? readU64be(b) : 1n
}
export function getCommitment(kv: KVReader, client: string, seq: bigint): Uint8Array | undefined {
  return reader(kv).get(utf8(commitmentPath(client, seq)))
}
export function hasReceipt(kv: KVReader, client: string, seq: bigint): boolean {
  return reader(kv).get(utf8(receiptPath(client, seq))) !== undefined
}
export function getAckCommitment(kv: KVReader, client: string, seq: bigint): Uint8Array | undefined {
  return reader(kv).get(utf8(ackPath(client, seq)))
}

/** Commits a packet for the counterparty of `client`; returns it (for the relayer, via events). */
export function sendPacket(ctx: ExecContext, client: string, payload: Uint8Array, timeoutHeight: bigint, timeoutTime: bigint): Packet {
  const c = requireActiveClient(ctx, client)
  if (timeoutHeight === 0n && timeoutTime === 0n) fail('invalid_message', 'a packet needs a timeout height or a timeout time')
  const sequence = nextSequence(ctx.kv, client)
  const packet: Packet = { sequence, sourceClient: client, destClient: c.counterpartyClient, payload, timeoutHeight, timeoutTime }
  store(ctx.kv).set(utf8(nextSeqPath(client)), u64be(sequence + 1n))
  store(ctx.kv).set(utf8(commitmentPath(client, sequence)), packetCommitment(packet))
  ctx.emit('bridge.send_packet', {
    sequence: sequence.toString(), source_client: client, dest_client: c.counterpartyClient, payload: toHex(payload),
    timeout_height: timeoutHeight.toString(), timeout_time: timeoutTime.toString(),
  })
  return packet
}

/**
 * Verifies an ICS-23 proof for `key` (a full store key of the counterparty), queried at the
 * counterparty's height `proofHeight`, against the app hash of the consensus state that commits to
 * that state (stateRootAt: header proofHeight for solo, proofHeight+1 for cometbft). `value`
 * undefined: non-membership.
 */
export function verifyCounterpartyState(
  ctx: { kv: KVReader; time: bigint }, client: string, proofHeight: bigint, proof: Uint8Array, key: Uint8Array, value: Uint8Array | undefined,
): void {
  const kv = ctx.kv
  const c = requireActiveClient(ctx, client)
  const cs = stateRootAt(kv, c, proofHeight)
  if (!cs) fail('proof_invalid', `client ${client} has no verified header at height ${proofHeight}`)
  let p: ics23.CommitmentProof
  try {
    p = ics23.CommitmentProof.decode(proof)
  } catch (e) {
    fail('proof_invalid', `proof is not a protobuf CommitmentProof: ${(e as Error).message}`)
  }
  let ok = false
  try {
    ok = value === undefined ? verifyNonMembership(p, iavlSpec, cs.appHash, key) : verifyMembership(p, iavlSpec, cs.appHash, key, value)
  } catch {
    ok = false
  }
  const what = value === undefined ? 'absence' : 'value'
  if (!ok) fail('proof_invalid', `the ${what} of ${Buffer.from(key).toString('latin1')} does not verify at height ${proofHeight} of client ${client}`)
}

export function recvPacket(ctx: ExecContext, apps: BridgeApps, packet: Packet, proof: Uint8Array, proofHeight: bigint): 'received' | 'duplicate' {
  const c = requireActiveClient(ctx, packet.destClient)
  if (c.counterpartyClient !== packet.sourceClient) fail('invalid_message', `client ${c.clientId} pairs with ${c.counterpartyClient}, not ${packet.sourceClient}`)
  if (hasReceipt(ctx.kv, packet.destClient, packet.sequence)) {
    ctx.emit('bridge.recv_packet_duplicate', { dest_client: packet.destClient, sequence: packet.sequence.toString() })
    return 'duplicate'
  }
  if (packet.timeoutHeight !== 0n && ctx.height >= packet.timeoutHeight) fail('expired', `packet timed out at height ${packet.timeoutHeight}`)
  if (packet.timeoutTime !== 0n && ctx.time >= packet.timeoutTime) fail('expired', `packet timed out at time ${packet.timeoutTime}`)
  verifyCounterpartyState(ctx, packet.destClient, proofHeight, proof, bridgeStoreKey(commitmentPath(packet.sourceClient, packet.sequence)), packetCommitment(packet))
  let ack: Ack
  const scratch = new CacheKV(ctx.kv)
  const events: Array<[string, Record<string, string>]> = []
  try {
    const { app, data } = appOf(apps, packet.payload) // an unknown app or a malformed payload is an error ack too
    app.onRecv({ chainId: ctx.chainId, height: ctx.height, time: ctx.time, kv: scratch, emit: (t, a) => events.push([t, a]) }, packet, data)
    scratch.writeTo(ctx.kv)
    for (const [t, a] of events) ctx.emit(t, a)
    ack = { ok: true }
  } catch (e) {
    if (!(e instanceof PolisError)) throw e
    scratch.discard()
    ack = { error: `${e.errorName}: ${e.message}` }
  }
  const ackBytes = encodeAck(ack)
  store(ctx.kv).set(utf8(receiptPath(packet.destClient, packet.sequence)), new Uint8Array([1]))
  store(ctx.kv).set(utf8(ackPath(packet.destClient, packet.sequence)), ackCommitment(ackBytes))
  ctx.emit('bridge.recv_packet', { dest_client: packet.destClient, sequence: packet.sequence.toString(), ack: toHex(ackBytes) })
  return 'received'
}

function requireCommitment(ctx: { kv: KVReader; time: bigint }, packet: Packet): void {
  const kv = ctx.kv
  const stored = getCommitment(kv, packet.sourceClient, packet.sequence)
  if (!stored) fail('not_found', `no commitment for packet ${packet.sourceClient}/${packet.sequence} (already acknowledged, timed out, or never sent)`)
  if (!bytesEqual(stored, packetCommitment(packet))) fail('invalid_message', 'the packet differs from the one committed')
  const c = requireActiveClient(ctx, packet.sourceClient)
  if (c.counterpartyClient !== packet.destClient) fail('invalid_message', `packet dest_client ${packet.destClient} is not the counterparty ${c.counterpartyClient}`)
}

export function acknowledgePacket(ctx: ExecContext, apps: BridgeApps, packet: Packet, ackBytes: Uint8Array, proof: Uint8Array, proofHeight: bigint): void {
  requireCommitment(ctx, packet)
  const ack = decodeAck(ackBytes)
  verifyCounterpartyState(ctx, packet.sourceClient, proofHeight, proof, bridgeStoreKey(ackPath(packet.destClient, packet.sequence)), ackCommitment(ackBytes))
  store(ctx.kv).delete(utf8(commitmentPath(packet.sourceClient, packet.sequence)))
  const { app, data } = appOf(apps, packet.payload)
  app.onAck(ctx, packet, data, ack)
  ctx.emit('bridge.acknowledge_packet', { source_client: packet.sourceClient, sequence: packet.sequence.toString(), ok: String('ok' in ack) })
}

export function timeoutPacket(ctx: ExecContext, apps: BridgeApps, packet: Packet, proof: Uint8Array, proofHeight: bigint): void {
  requireCommitment(ctx, packet)
  const cs = stateRootAt(ctx.kv, requireActiveClient(ctx, packet.sourceClient), proofHeight)
  if (!cs) fail('proof_invalid', `client ${packet.sourceClient} has no verified header at height ${proofHeight}`)
  const byHeight = packet.timeoutHeight !== 0n && proofHeight >= packet.timeoutHeight
  const byTime = packet.timeoutTime !== 0n && cs.time >= packet.timeoutTime
  if (!byHeight && !byTime) fail('invalid_message', `the packet has not timed out at counterparty height ${proofHeight} (time ${cs.time})`)
  verifyCounterpartyState(ctx, packet.sourceClient, proofHeight, proof, bridgeStoreKey(receiptPath(packet.destClient, packet.sequence)), undefined)
  store(ctx.kv).delete(utf8(commitmentPath(packet.sourceClient, packet.sequence)))
  const { app, data } = appOf(apps, packet.payload)
  app.onTimeout(ctx, packet, data)
  ctx.emit('bridge.timeout_packet', { source_client: packet.sourceClient, sequence: packet.sequence.toString() })
}
