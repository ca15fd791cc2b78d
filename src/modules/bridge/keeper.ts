/**
 * The bridge's packet records (ICS-04 style): per client, the next sequence to send, the
 * commitments of packets sent and not yet acknowledged or timed out, and the receipts and ack
 * commitments of packets received. Key layout: types.ts. The light clients keep their own state
 * (client/state.ts), the token transfer its denomination traces (apps/transfer.ts).
 */
import type { KV, KVReader } from '../../app/kv.js'
import { moduleReader, moduleStore } from '../../app/module.js'
import { utf8 } from '../../base/bytes.js'
import { readU64be, u64be } from '../../codec/be.js'
import { BRIDGE_KEY, MODULE, ackPath, commitmentPath, receiptPath } from './types.js'

const nextSeqKey = (client: string) => utf8(BRIDGE_KEY.nextSeq + client)
const store = (kv: KV) => moduleStore(kv, MODULE)
const reader = (kv: KVReader) => moduleReader(kv, MODULE)

export function nextSequence(kv: KVReader, client: string): bigint {
  const b = reader(kv).get(nextSeqKey(client))
  return b ? readU64be(b) : 1n
}
export function setNextSequence(kv: KV, client: string, seq: bigint): void {
  store(kv).set(nextSeqKey(client), u64be(seq))
}

export function getCommitment(kv: KVReader, client: string, seq: bigint): Uint8Array | undefined {
  return reader(kv).get(utf8(commitmentPath(client, seq)))
}
export function putCommitment(kv: KV, client: string, seq: bigint, commitment: Uint8Array): void {
  store(kv).set(utf8(commitmentPath(client, seq)), commitment)
}
export function deleteCommitment(kv: KV, client: string, seq: bigint): void {
  store(kv).delete(utf8(commitmentPath(client, seq)))
}

export function hasReceipt(kv: KVReader, client: string, seq: bigint): boolean {
  return reader(kv).get(utf8(receiptPath(client, seq))) !== undefined
}
export function getAckCommitment(kv: KVReader, client: string, seq: bigint): Uint8Array | undefined {
  return reader(kv).get(utf8(ackPath(client, seq)))
}
/** Records that packet `seq` arrived through `client`, and the commitment of the ack written for it. */
export function putReceiptAndAck(kv: KV, client: string, seq: bigint, ackCommitment: Uint8Array): void {
  store(kv).set(utf8(receiptPath(client, seq)), new Uint8Array([1]))
  store(kv).set(utf8(ackPath(client, seq)), ackCommitment)
}
