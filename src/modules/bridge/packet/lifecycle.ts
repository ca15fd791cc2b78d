/**
 * A packet's life, ICS-04 style. A channel is a pair of light clients: client X on chain A tracks
 * chain B and names its counterparty client Y on B (which tracks A). A packet sent through X is
 * committed on A under
 *   bridge/commitments/<X>/<seq>  = sha256(timeout_height u64be ‖ timeout_time u64be ‖ sha256(payload))
 * B receives it with an ICS-23 proof of that key at a height its client Y verified, records
 *   bridge/receipts/<Y>/<seq> = 0x01      and     bridge/acks/<Y>/<seq> = sha256(ack)
 * A then either acknowledges (proof of the ack) or times the packet out (proof of the receipt's
 * absence at a height at or past the timeout); both delete the commitment, so only one happens.
 * `<seq>` is the decimal sequence number.
 */
import { fail, PolisError } from '../../../base/errors.js'
import { CacheKV, type KVReader } from '../../../app/kv.js'
import type { ExecContext } from '../../../app/module.js'
import { bytesEqual, toHex } from '../../../base/bytes.js'
import { requireActiveClient, type ClientState } from '../client/state.js'
import { deleteCommitment, getCommitment, hasReceipt, nextSequence, putCommitment, putReceiptAndAck, setNextSequence } from '../keeper.js'
import { BRIDGE_EVENT, ackPath, bridgeStoreKey, commitmentPath, receiptPath, type Ack, type Packet } from '../types.js'
import { appOf, type BridgeApps } from './apps.js'
import { ackCommitment, decodeAck, encodeAck, packetCommitment } from './codec.js'
import { requireStateRoot, verifyCounterpartyState } from './proof.js'

/** Commits a packet for the counterparty of `client`; returns it (for the relayer, via events). */
export function sendPacket(ctx: ExecContext, client: string, payload: Uint8Array, timeoutHeight: bigint, timeoutTime: bigint): Packet {
  const c = requireActiveClient(ctx, client)
  if (timeoutHeight === 0n && timeoutTime === 0n) fail('invalid_message', 'a packet needs a timeout height or a timeout time')
  const sequence = nextSequence(ctx.kv, client)
  const packet: Packet = { sequence, sourceClient: client, destClient: c.counterpartyClient, payload, timeoutHeight, timeoutTime }
  setNextSequence(ctx.kv, client, sequence + 1n)
  putCommitment(ctx.kv, client, sequence, packetCommitment(packet))
  ctx.emit(BRIDGE_EVENT.sendPacket, {
    sequence: sequence.toString(), source_client: client, dest_client: c.counterpartyClient, payload: toHex(payload),
    timeout_height: timeoutHeight.toString(), timeout_time: timeoutTime.toString(),
  })
  return packet
}

export function recvPacket(ctx: ExecContext, apps: BridgeApps, packet: Packet, proof: Uint8Array, proofHeight: bigint): 'received' | 'duplicate' {
  const c = requireActiveClient(ctx, packet.destClient)
  if (c.counterpartyClient !== packet.sourceClient) fail('invalid_message', `client ${c.clientId} pairs with ${c.counterpartyClient}, not ${packet.sourceClient}`)
  if (hasReceipt(ctx.kv, packet.destClient, packet.sequence)) {
    ctx.emit(BRIDGE_EVENT.recvPacketDuplicate, { dest_client: packet.destClient, sequence: packet.sequence.toString() })
    return 'duplicate'
  }
  if (packet.timeoutHeight !== 0n && ctx.height >= packet.timeoutHeight) fail('expired', `packet timed out at height ${packet.timeoutHeight}`)
  if (packet.timeoutTime !== 0n && ctx.time >= packet.timeoutTime) fail('expired', `packet timed out at time ${packet.timeoutTime}`)
  verifyCounterpartyState(c, requireStateRoot(ctx.kv, c, proofHeight), proofHeight, proof, bridgeStoreKey(commitmentPath(packet.sourceClient, packet.sequence)), packetCommitment(packet))
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
  putReceiptAndAck(ctx.kv, packet.destClient, packet.sequence, ackCommitment(ackBytes))
  ctx.emit(BRIDGE_EVENT.recvPacket, { dest_client: packet.destClient, sequence: packet.sequence.toString(), ack: toHex(ackBytes) })
  return 'received'
}

/** The packet's commitment is here and equal; returns the active client it was sent through. */
function requireCommitment(ctx: { kv: KVReader; time: bigint }, packet: Packet): ClientState {
  const kv = ctx.kv
  const stored = getCommitment(kv, packet.sourceClient, packet.sequence)
  if (!stored) fail('not_found', `no commitment for packet ${packet.sourceClient}/${packet.sequence} (already acknowledged, timed out, or never sent)`)
  if (!bytesEqual(stored, packetCommitment(packet))) fail('invalid_message', 'the packet differs from the one committed')
  const c = requireActiveClient(ctx, packet.sourceClient)
  if (c.counterpartyClient !== packet.destClient) fail('invalid_message', `packet dest_client ${packet.destClient} is not the counterparty ${c.counterpartyClient}`)
  return c
}

export function acknowledgePacket(ctx: ExecContext, apps: BridgeApps, packet: Packet, ackBytes: Uint8Array, proof: Uint8Array, proofHeight: bigint): void {
  const c = requireCommitment(ctx, packet)
  const ack = decodeAck(ackBytes)
  verifyCounterpartyState(c, requireStateRoot(ctx.kv, c, proofHeight), proofHeight, proof, bridgeStoreKey(ackPath(packet.destClient, packet.sequence)), ackCommitment(ackBytes))
  deleteCommitment(ctx.kv, packet.sourceClient, packet.sequence)
  const { app, data } = appOf(apps, packet.payload)
  app.onAck(ctx, packet, data, ack)
  ctx.emit(BRIDGE_EVENT.acknowledgePacket, { source_client: packet.sourceClient, sequence: packet.sequence.toString(), ok: String('ok' in ack) })
}

export function timeoutPacket(ctx: ExecContext, apps: BridgeApps, packet: Packet, proof: Uint8Array, proofHeight: bigint): void {
  const c = requireCommitment(ctx, packet)
  const cs = requireStateRoot(ctx.kv, c, proofHeight)
  const byHeight = packet.timeoutHeight !== 0n && proofHeight >= packet.timeoutHeight
  const byTime = packet.timeoutTime !== 0n && cs.time >= packet.timeoutTime
  if (!byHeight && !byTime) fail('invalid_message', `the packet has not timed out at counterparty height ${proofHeight} (time ${cs.time})`)
  verifyCounterpartyState(c, cs, proofHeight, proof, bridgeStoreKey(receiptPath(packet.destClient, packet.sequence)), undefined)
  deleteCommitment(ctx.kv, packet.sourceClient, packet.sequence)
  const { app, data } = appOf(apps, packet.payload)
  app.onTimeout(ctx, packet, data)
  ctx.emit(BRIDGE_EVENT.timeoutPacket, { source_client: packet.sourceClient, sequence: packet.sequence.toString() })
}
