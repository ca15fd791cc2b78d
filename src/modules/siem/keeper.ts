/**
 * SIEM keeper: registered collectors and the signed checkpoints of their RFC 9162 event logs.
 * Keys (under "siem/"):
 *   c|pubkey                 -> Collector (CBOR)
 *   k|pubkey|size (u64 BE)   -> StoredCheckpoint (CBOR)
 * Events themselves stay in the collectors' stores; the chain holds only (size, root) per anchor.
 */
import { decodeTrusted, encodeCanonical } from '../../codec/cbor.js'
import { fail } from '../../app/errors.js'
import type { KV, KVReader } from '../../app/kv.js'
import { moduleReader, moduleStore, type ExecContext, type TxContext } from '../../app/module.js'
import { bytesEqual, concatBytes, toHex, utf8 } from '../../crypto/hash.js'
import { getAccount, hasRole, requireActiveAccount } from '../identity/keeper.js'
import { MerkleProofError, verifyConsistency, verifyInclusion } from '../../siem/merkle-log.js'
import { verifyCheckpointSig } from '../../siem/checkpoint.js'

export const MODULE = 'siem'
export const COLLECTOR_ROLES = ['device', 'operator'] as const
export const MAX_PROOF_HASHES = 64
/** Tree sizes stay below 2^53 so that the verifiers' integer arithmetic is exact. */
export const MAX_TREE_SIZE = BigInt(Number.MAX_SAFE_INTEGER)

export interface Collector {
  pubKey: Uint8Array
  name: string
  registeredAt: bigint
  size: bigint // latest anchored tree size (0 = none yet)
  root?: Uint8Array
  anchors: bigint
  forkedAt?: bigint // height at which a history rewrite was proven; no more anchors then
}

export interface StoredCheckpoint {
  collector: Uint8Array
  size: bigint
  root: Uint8Array
  sig: Uint8Array
  height: bigint
  time: bigint
  txHash: Uint8Array
}

const u64 = (n: bigint) => {
  const b = new Uint8Array(8)
  new DataView(b.buffer).setBigUint64(0, n)
  return b
}
const collectorKey = (pk: Uint8Array) => concatBytes(utf8('c|'), pk)
const checkpointPrefix = (pk: Uint8Array) => concatBytes(utf8('k|'), pk, utf8('|'))
const checkpointKey = (pk: Uint8Array, size: bigint) => concatBytes(checkpointPrefix(pk), u64(size))

function encodeCollector(c: Collector): Uint8Array {
  const m: Record<string, unknown> = { name: c.name, registered_at: c.registeredAt, size: c.size, anchors: c.anchors }
  if (c.root) m.root = c.root
  if (c.forkedAt !== undefined) m.forked_at = c.forkedAt
  return encodeCanonical(m)
}
function decodeCollector(pk: Uint8Array, b: Uint8Array): Collector {
  const m = decodeTrusted(b) as Record<string, any>
  const c: Collector = { pubKey: pk, name: m.name, registeredAt: BigInt(m.registered_at), size: BigInt(m.size), anchors: BigInt(m.anchors) }
  if (m.root instanceof Uint8Array) c.root = m.root
  if (m.forked_at !== undefined) c.forkedAt = BigInt(m.forked_at)
  return c
}
function encodeCheckpoint(c: StoredCheckpoint): Uint8Array {
  return encodeCanonical({ size: c.size, root: c.root, sig: c.sig, height: c.height, time: c.time, tx_hash: c.txHash })
}
function decodeCheckpoint(pk: Uint8Array, b: Uint8Array): StoredCheckpoint {
  const m = decodeTrusted(b) as Record<string, any>
  return { collector: pk, size: BigInt(m.size), root: m.root, sig: m.sig, height: BigInt(m.height), time: BigInt(m.time), txHash: m.tx_hash }
}

export function getCollector(kv: KVReader, pk: Uint8Array): Collector | undefined {
  const b = moduleReader(kv, MODULE).get(collectorKey(pk))
  return b ? decodeCollector(pk, b) : undefined
}
function putCollector(kv: KV, c: Collector): void {
  moduleStore(kv, MODULE).set(collectorKey(c.pubKey), encodeCollector(c))
}

export function listCollectors(kv: KVReader, limit = 1000): Collector[] {
  const out: Collector[] = []
  const p = utf8('c|')
  for (const [k, v] of moduleReader(kv, MODULE).iterate({ gte: p, lt: utf8('c}'), limit })) out.push(decodeCollector(k.subarray(p.length), v))
  return out
}

export function getCheckpoint(kv: KVReader, pk: Uint8Array, size: bigint): StoredCheckpoint | undefined {
  const b = moduleReader(kv, MODULE).get(checkpointKey(pk, size))
  return b ? decodeCheckpoint(pk, b) : undefined
}

export function listCheckpoints(kv: KVReader, pk: Uint8Array, limit = 100): StoredCheckpoint[] {
  const p = checkpointPrefix(pk)
  const out: StoredCheckpoint[] = []
  for (const [, v] of moduleReader(kv, MODULE).iterate({ gte: p, lt: concatBytes(p, new Uint8Array(9).fill(0xff)), reverse: true, limit })) out.push(decodeCheckpoint(pk, v))
  return out
}

/** The authority registers a collector: an active account with the device or operator role. */
export function registerCollector(ctx: ExecContext, pk: Uint8Array, name: string): void {
  const a = requireActiveAccount(ctx, pk)
  if (!COLLECTOR_ROLES.some((r) => hasRole(a, r))) fail('unauthorized', `account ${toHex(pk)} needs the device or operator role to be a collector`)
  if (getCollector(ctx.kv, pk)) fail('already_exists', `collector ${toHex(pk)} is already registered`)
  putCollector(ctx.kv, { pubKey: pk, name, registeredAt: ctx.height, size: 0n, anchors: 0n })
  ctx.emit('siem.collector_registered', { collector: toHex(pk), name })
}

export function requireCollector(kv: KVReader, pk: Uint8Array): Collector {
  const c = getCollector(kv, pk)
  if (!c) fail('unauthorized', `account ${toHex(pk)} is not a registered collector`)
  return c
}

const asNumber = (n: bigint, what: string): number => {
  if (n > MAX_TREE_SIZE) fail('invalid_message', `${what} must be below 2^53`)
  return Number(n)
}

/**
 * Anchors a signed checkpoint of the sender's log. The first checkpoint needs no proof; every
 * later one needs an RFC 9162 consistency proof from the previous one. A smaller size, a
 * different root at the same size, or a proof that does not verify is refused: that is a
 * history rewrite, and nothing already anchored changes.
 */
export function anchorCheckpoint(ctx: TxContext, m: { size: bigint; root: Uint8Array; proof: Uint8Array[]; sig: Uint8Array }): void {
  const c = requireCollector(ctx.kv, ctx.sender)
  if (c.forkedAt !== undefined) fail('frozen', `collector ${toHex(c.pubKey)} was proven to rewrite its history at height ${c.forkedAt}`)
  if (m.size === 0n) fail('invalid_message', 'a checkpoint covers at least one event')
  const size = asNumber(m.size, 'size')
  if (!verifyCheckpointSig(ctx.chainId, { collector: ctx.sender, size, root: m.root, sig: m.sig })) fail('bad_signature', 'checkpoint signature does not verify with the collector key')
  if (c.size > 0n) {
    if (m.size < c.size) fail('invalid_state', `checkpoint size ${m.size} is smaller than the anchored ${c.size}: a log only grows`)
    if (m.size === c.size) {
      if (bytesEqual(m.root, c.root!)) fail('already_exists', `checkpoint of size ${m.size} is already anchored`)
      fail('proof_invalid', `a different root for the anchored size ${m.size}: history rewrite`)
    }
    try {
      verifyConsistency(asNumber(c.size, 'size'), size, c.root!, m.root, m.proof)
    } catch (e) {
      if (e instanceof MerkleProofError) fail('proof_invalid', `checkpoint is not consistent with the anchored size ${c.size} (history rewrite?): ${e.message}`)
      throw e
    }
  } else if (m.proof.length !== 0) {
    fail('invalid_message', 'the first checkpoint takes no consistency proof')
  }
  moduleStore(ctx.kv, MODULE).set(
    checkpointKey(ctx.sender, m.size),
    encodeCheckpoint({ collector: ctx.sender, size: m.size, root: m.root, sig: m.sig, height: ctx.height, time: ctx.time, txHash: ctx.txHash }),
  )
  putCollector(ctx.kv, { ...c, size: m.size, root: m.root, anchors: c.anchors + 1n })
  ctx.emit('siem.checkpoint', { collector: toHex(ctx.sender), size: m.size.toString(), root: toHex(m.root) })
}

/**
 * Anyone may prove a rewrite: a checkpoint signed by the collector for a size that is anchored
 * with a different root. The collector is frozen (no more anchors); its anchored history stays.
 */
export function reportFork(ctx: TxContext, m: { collector: Uint8Array; size: bigint; root: Uint8Array; sig: Uint8Array }): void {
  const c = requireCollector(ctx.kv, m.collector)
  if (c.forkedAt !== undefined) fail('already_exists', 'this collector is already frozen for a history rewrite')
  const anchored = getCheckpoint(ctx.kv, m.collector, m.size)
  if (!anchored) fail('not_found', `no anchored checkpoint of size ${m.size} for this collector`)
  if (bytesEqual(anchored.root, m.root)) fail('invalid_message', 'the reported checkpoint matches the anchored one: no fork')
  if (!verifyCheckpointSig(ctx.chainId, { collector: m.collector, size: asNumber(m.size, 'size'), root: m.root, sig: m.sig })) fail('bad_signature', 'the reported checkpoint is not signed by the collector')
  putCollector(ctx.kv, { ...c, forkedAt: ctx.height })
  ctx.emit('siem.fork_proven', { collector: toHex(m.collector), size: m.size.toString(), anchored_root: toHex(anchored.root), reported_root: toHex(m.root), reporter: toHex(ctx.sender) })
}

export type InclusionVerdict = { verified: true; checkpoint: StoredCheckpoint } | { verified: false; reason: string; checkpoint?: StoredCheckpoint }

/**
 * Checks that the leaf (an event's RFC 9162 leaf hash) is at `index` in the collector's log as
 * anchored at `size` (default: the latest anchored checkpoint).
 */
export function verifyEventInclusion(kv: KVReader, collector: Uint8Array, leaf: Uint8Array, index: bigint, proof: Uint8Array[], size?: bigint): InclusionVerdict {
  const c = getCollector(kv, collector)
  if (!c) return { verified: false, reason: 'not a registered collector' }
  if (c.size === 0n) return { verified: false, reason: 'the collector has anchored no checkpoint' }
  const s = size ?? c.size
  const cp = getCheckpoint(kv, collector, s)
  if (!cp) return { verified: false, reason: `no anchored checkpoint of size ${s}` }
  if (s > MAX_TREE_SIZE || index >= s) return { verified: false, reason: `index ${index} is not below size ${s}`, checkpoint: cp }
  try {
    verifyInclusion(Number(index), Number(s), leaf, proof, cp.root)
    return { verified: true, checkpoint: cp }
  } catch (e) {
    if (e instanceof MerkleProofError) return { verified: false, reason: e.message, checkpoint: cp }
    throw e
  }
}

export function isCollectorActive(kv: KVReader, pk: Uint8Array, height: bigint): boolean {
  const c = getCollector(kv, pk)
  const a = getAccount(kv, pk)
  return !!c && !!a && c.forkedAt === undefined && (a.revokedAt === undefined || a.revokedAt >= height)
}
