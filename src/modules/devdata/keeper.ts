/**
 * Device data exchange with QHF integrity tags (after Abd El-Latif et al. 2021, §4): a registered
 * device anchors the QHF tag of a payload it sends to another registered device; the payload
 * itself travels off chain, by any channel; the receiver checks the payload against the anchored
 * tag and acknowledges on chain. Key layout: types.ts.
 * The sequence per (sender, receiver) pair starts at 1 and must increase by one: no replay, no gap.
 */
import { decodeTrusted, encodeCanonical } from '../../codec/cbor.js'
import { fail } from '../../base/errors.js'
import type { KVReader } from '../../app/kv.js'
import { moduleReader, moduleStore, type ExecContext } from '../../app/module.js'
import { concatBytes, toHex, utf8 } from '../../base/bytes.js'
import { hasRole, requireActiveAccount } from '../identity/keeper.js'
import { u64be as be64, readU64be } from '../../codec/be.js'
import { DEVDATA_EVENT, DEVDATA_KEY as K, MODULE, NO_BLOCKLIST, type DeviceBlocklist } from './types.js'

export const MAX_PAYLOAD_BYTES = 64 * 1024 * 1024

export interface DataRecord {
  from: Uint8Array
  to: Uint8Array
  seq: bigint
  tag: Uint8Array          // QHF(payload) with the chain's QHF parameters
  size: bigint             // payload length in bytes
  topic: string
  postedAt: bigint         // height
  postedTime: bigint       // block time, ms
  ack?: { ok: boolean; height: bigint }
}

const recordKey = (to: Uint8Array, from: Uint8Array, seq: bigint) => concatBytes(utf8(K.record), to, from, be64(seq))
const seqKey = (from: Uint8Array, to: Uint8Array) => concatBytes(utf8(K.nextSeq), from, to)

function encodeRecord(r: DataRecord): Uint8Array {
  const m: Record<string, unknown> = { tag: r.tag, size: r.size, topic: r.topic, posted_at: r.postedAt, posted_time: r.postedTime }
  if (r.ack) m.ack = [r.ack.ok, r.ack.height]
  return encodeCanonical(m)
}

function decodeRecord(from: Uint8Array, to: Uint8Array, seq: bigint, b: Uint8Array): DataRecord {
  const m = decodeTrusted(b) as Record<string, unknown>
  const r: DataRecord = {
    from, to, seq, tag: m.tag as Uint8Array, size: BigInt(m.size as number), topic: m.topic as string,
    postedAt: BigInt(m.posted_at as number), postedTime: BigInt(m.posted_time as number),
  }
  if (Array.isArray(m.ack)) r.ack = { ok: m.ack[0] as boolean, height: BigInt(m.ack[1] as number) }
  return r
}

export function nextSeq(kv: KVReader, from: Uint8Array, to: Uint8Array): bigint {
  const b = moduleReader(kv, MODULE).get(seqKey(from, to))
  return b ? readU64be(b) : 1n
}

export function getRecord(kv: KVReader, from: Uint8Array, to: Uint8Array, seq: bigint): DataRecord | undefined {
  const b = moduleReader(kv, MODULE).get(recordKey(to, from, seq))
  return b ? decodeRecord(from, to, seq, b) : undefined
}

function requireDevice(ctx: ExecContext, pk: Uint8Array, who: string): void {
  const a = requireActiveAccount(ctx, pk)
  if (!hasRole(a, 'device')) fail('unauthorized', `${who} ${toHex(pk)} is not a registered device`)
}

function requireNotListed(ctx: ExecContext, blocklist: DeviceBlocklist, pk: Uint8Array, who: string): void {
  if (blocklist.isDeviceListed(ctx.kv, pk, ctx.height)) fail('unauthorized', `${who} ${toHex(pk)} is on the threat-intelligence blocklist`)
}

export function post(ctx: ExecContext, from: Uint8Array, m: { to: Uint8Array; seq: bigint; tag: Uint8Array; size: bigint; topic: string }, blocklist: DeviceBlocklist = NO_BLOCKLIST): void {
  requireDevice(ctx, m.to, 'receiver')
  requireNotListed(ctx, blocklist, from, 'sender')
  requireNotListed(ctx, blocklist, m.to, 'receiver')
  if (toHex(m.to) === toHex(from)) fail('invalid_message', 'a device does not send data to itself')
  const expected = nextSeq(ctx.kv, from, m.to)
  if (m.seq !== expected) fail('bad_nonce', `sequence ${m.seq} refused: the next for this pair is ${expected}`)
  const store = moduleStore(ctx.kv, MODULE)
  store.set(recordKey(m.to, from, m.seq), encodeRecord({ from, to: m.to, seq: m.seq, tag: m.tag, size: m.size, topic: m.topic, postedAt: ctx.height, postedTime: ctx.time }))
  store.set(seqKey(from, m.to), be64(m.seq + 1n))
  ctx.emit(DEVDATA_EVENT.posted, { from: toHex(from), to: toHex(m.to), seq: m.seq.toString(), tag: toHex(m.tag), topic: m.topic })
}

export function acknowledge(ctx: ExecContext, receiver: Uint8Array, m: { from: Uint8Array; seq: bigint; ok: boolean }, blocklist: DeviceBlocklist = NO_BLOCKLIST): void {
  requireNotListed(ctx, blocklist, receiver, 'receiver')
  const r = getRecord(ctx.kv, m.from, receiver, m.seq)
  if (!r) fail('not_found', `no data record ${m.seq} from ${toHex(m.from)} to this device`)
  if (r.ack) fail('already_exists', 'this record is already acknowledged')
  moduleStore(ctx.kv, MODULE).set(recordKey(receiver, m.from, m.seq), encodeRecord({ ...r, ack: { ok: m.ok, height: ctx.height } }))
  ctx.emit(DEVDATA_EVENT.acknowledged, { from: toHex(m.from), to: toHex(receiver), seq: m.seq.toString(), ok: String(m.ok) })
}

export function inbox(kv: KVReader, to: Uint8Array, limit: number): DataRecord[] {
  const prefix = concatBytes(utf8(K.record), to)
  const end = concatBytes(utf8(K.record), to, new Uint8Array([0xff]))
  const out: DataRecord[] = []
  for (const [k, v] of moduleReader(kv, MODULE).iterate({ gte: prefix, lt: end, limit })) {
    const from = k.subarray(1 + 32, 1 + 64)
    const seq = readU64be(k, 1 + 64)
    out.push(decodeRecord(new Uint8Array(from), to, seq, v))
  }
  return out
}
