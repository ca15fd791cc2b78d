/**
 * SIEM keeper: registered collectors and the signed checkpoints of their RFC 9162 event logs.
 * Key layout: types.ts. Events themselves stay in the collectors' stores; the chain holds only (size, root) per anchor.
 */
import { decodeTrusted, encodeCanonical } from '../../codec/cbor.js'
import { fail } from '../../base/errors.js'
import { prefixEnd, type KV, type KVReader } from '../../app/kv.js'
import { moduleReader, moduleStore, type ExecContext, type TxContext } from '../../app/module.js'
import { sha256 } from '../../crypto/hash.js'
import { bytesEqual, concatBytes, toHex, utf8 } from '../../base/bytes.js'
import { getAccount, hasRole, requireActiveAccount, revokeAccount } from '../identity/keeper.js'
import { MerkleProofError, verifyConsistency, verifyInclusion } from '../../siem/merkle-log.js'
import { verifyCheckpointSig } from '../../siem/checkpoint.js'
import { u64be as u64 } from '../../codec/be.js'
import { ALERT_RESOLUTION, MODULE, SIEM_EVENT, SIEM_KEY as K, type AlertResolution } from './types.js'

export const COLLECTOR_ROLES = ['device', 'operator'] as const
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

const collectorKey = (pk: Uint8Array) => concatBytes(utf8(K.collector), pk)
const checkpointPrefix = (pk: Uint8Array) => concatBytes(utf8(K.checkpoint), pk, utf8('|'))
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
  const p = utf8(K.collector)
  for (const [k, v] of moduleReader(kv, MODULE).iterate({ gte: p, lt: prefixEnd(p), limit })) out.push(decodeCollector(k.subarray(p.length), v))
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
  ctx.emit(SIEM_EVENT.collectorRegistered, { collector: toHex(pk), name })
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
  ctx.emit(SIEM_EVENT.checkpoint, { collector: toHex(ctx.sender), size: m.size.toString(), root: toHex(m.root) })
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
  ctx.emit(SIEM_EVENT.forkProven, { collector: toHex(m.collector), size: m.size.toString(), anchored_root: toHex(anchored.root), reported_root: toHex(m.root), reporter: toHex(ctx.sender) })
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

// ---------- rule registry, correlators, k-of-n alerts, quarantine ----------

export const RULE_ACTIONS = ['none', 'quarantine'] as const
export const DEFAULT_THRESHOLD = 2n

export interface Rule { id: string; version: bigint; hash: Uint8Array; action: (typeof RULE_ACTIONS)[number] }
export interface Evidence { collector: Uint8Array; index: bigint; size: bigint; leafHash: Uint8Array; proof: Uint8Array[] }
export interface Alert {
  id: Uint8Array
  rule: string
  version: bigint
  subject?: Uint8Array
  evidence: Array<{ collector: Uint8Array; size: bigint; index: bigint; leafHash: Uint8Array }>
  attestations: bigint
  firstAt: bigint
  confirmedAt?: bigint
  quarantined: boolean
  /** the SOC's triage: absent = open; set by siem/ack-alert and siem/close-alert */
  status?: { state: 'acknowledged' | 'closed'; reason: string; by: Uint8Array; at: bigint; resolution?: AlertResolution }
}

const ONE = new Uint8Array([1])
const attestPrefix = (id: Uint8Array) => concatBytes(utf8(K.attestation), id, utf8('|'))
const ruleKey = (id: string) => utf8(K.rule + id)
const correlatorKey = (pk: Uint8Array) => concatBytes(utf8(K.correlator), pk)
const alertKey = (id: Uint8Array) => concatBytes(utf8(K.alert), id)
const attestKey = (id: Uint8Array, pk: Uint8Array) => concatBytes(attestPrefix(id), pk)

export function getRule(kv: KVReader, id: string): Rule | undefined {
  const b = moduleReader(kv, MODULE).get(ruleKey(id))
  if (!b) return undefined
  const m = decodeTrusted(b) as Record<string, any>
  return { id, version: BigInt(m.version), hash: m.hash, action: m.action }
}

/** Registered rules in id order, from the first id after `after` (a page of at most `limit`). */
export function listRules(kv: KVReader, after: string | undefined, limit = 1000): Rule[] {
  const p = utf8(K.rule)
  const out: Rule[] = []
  const from = after === undefined ? p : concatBytes(ruleKey(after), new Uint8Array([0])) // the first key after `after`
  for (const [k, v] of moduleReader(kv, MODULE).iterate({ gte: from, lt: prefixEnd(p), limit })) {
    const m = decodeTrusted(v) as Record<string, any>
    out.push({ id: new TextDecoder().decode(k.subarray(p.length)), version: BigInt(m.version), hash: m.hash, action: m.action })
  }
  return out
}

export function registerRule(ctx: ExecContext, r: Rule): void {
  const old = getRule(ctx.kv, r.id)
  if (old && r.version <= old.version) fail('invalid_state', `rule ${r.id} is at version ${old.version}; a new registration needs a higher version`)
  moduleStore(ctx.kv, MODULE).set(ruleKey(r.id), encodeCanonical({ version: r.version, hash: r.hash, action: r.action }))
  ctx.emit(SIEM_EVENT.ruleRegistered, { rule: r.id, version: r.version.toString(), hash: toHex(r.hash), action: r.action })
}

export function threshold(kv: KVReader): bigint {
  const b = moduleReader(kv, MODULE).get(utf8(K.threshold))
  return b ? BigInt(decodeTrusted(b) as number | bigint) : DEFAULT_THRESHOLD
}
export function setThreshold(ctx: ExecContext, k: bigint): void {
  if (k < 1n || k > 100n) fail('invalid_message', 'k must be between 1 and 100')
  moduleStore(ctx.kv, MODULE).set(utf8(K.threshold), encodeCanonical(k))
  ctx.emit(SIEM_EVENT.threshold, { k: k.toString() })
}

export const isCorrelator = (kv: KVReader, pk: Uint8Array) => moduleReader(kv, MODULE).get(correlatorKey(pk)) !== undefined
export function registerCorrelator(ctx: ExecContext, pk: Uint8Array): void {
  const a = requireActiveAccount(ctx, pk)
  if (!hasRole(a, 'operator')) fail('unauthorized', `account ${toHex(pk)} needs the operator role to be a correlator`)
  if (isCorrelator(ctx.kv, pk)) fail('already_exists', 'correlator already registered')
  moduleStore(ctx.kv, MODULE).set(correlatorKey(pk), ONE)
  ctx.emit(SIEM_EVENT.correlatorRegistered, { correlator: toHex(pk) })
}

function encodeAlert(a: Alert): Uint8Array {
  const m: Record<string, unknown> = {
    rule: a.rule, version: a.version, attestations: a.attestations, first_at: a.firstAt, quarantined: a.quarantined,
    evidence: a.evidence.map((e) => ({ collector: e.collector, size: e.size, index: e.index, leaf: e.leafHash })),
  }
  if (a.subject) m.subject = a.subject
  if (a.confirmedAt !== undefined) m.confirmed_at = a.confirmedAt
  if (a.status) {
    const s: Record<string, unknown> = { state: a.status.state, reason: a.status.reason, by: a.status.by, at: a.status.at }
    if (a.status.resolution !== undefined) s.resolution = a.status.resolution
    m.status = s
  }
  return encodeCanonical(m)
}
/** Ids of the alerts whose hex id starts with `hexPrefix` (lower-case hex, 1..64 digits), at most `limit`, in id order. */
export function alertIdsByPrefix(kv: KVReader, hexPrefix: string, limit: number): Uint8Array[] {
  const odd = hexPrefix.length % 2 === 1
  const lo = concatBytes(utf8(K.alert), Buffer.from(odd ? hexPrefix + '0' : hexPrefix, 'hex'))
  const hi = prefixEnd(concatBytes(utf8(K.alert), Buffer.from(odd ? hexPrefix + 'f' : hexPrefix, 'hex')))
  const n = utf8(K.alert).length
  const out: Uint8Array[] = []
  for (const [k] of moduleReader(kv, MODULE).iterate({ gte: lo, lt: hi, limit })) out.push(k.slice(n))
  return out
}

export function getAlert(kv: KVReader, id: Uint8Array): Alert | undefined {
  const b = moduleReader(kv, MODULE).get(alertKey(id))
  if (!b) return undefined
  const m = decodeTrusted(b) as Record<string, any>
  const a: Alert = {
    id, rule: m.rule, version: BigInt(m.version), attestations: BigInt(m.attestations), firstAt: BigInt(m.first_at), quarantined: m.quarantined === true,
    evidence: (m.evidence as any[]).map((e) => ({ collector: e.collector, size: BigInt(e.size), index: BigInt(e.index), leafHash: e.leaf })),
  }
  if (m.subject instanceof Uint8Array) a.subject = m.subject
  if (m.confirmed_at !== undefined) a.confirmedAt = BigInt(m.confirmed_at)
  if (m.status) {
    a.status = { state: m.status.state, reason: m.status.reason, by: m.status.by, at: BigInt(m.status.at) }
    if (m.status.resolution !== undefined) a.status.resolution = m.status.resolution
  }
  return a
}

/** Alerts (newest first by first attestation height), filtered by triage state and rule; scans at most `scan` alerts. */
export function listAlerts(kv: KVReader, f: { state?: AlertState; rule?: string; confirmed?: boolean }, limit = 100, scan = 10_000): Alert[] {
  const out: Alert[] = []
  const p = utf8(K.alert)
  for (const [k] of moduleReader(kv, MODULE).iterate({ gte: p, lt: prefixEnd(p), limit: scan })) {
    const a = getAlert(kv, k.slice(p.length))!
    if (f.state && alertState(a) !== f.state) continue
    if (f.rule && a.rule !== f.rule) continue
    if (f.confirmed !== undefined && (a.confirmedAt !== undefined) !== f.confirmed) continue
    out.push(a)
  }
  return out.sort((x, y) => (x.firstAt === y.firstAt ? (toHex(x.id) < toHex(y.id) ? -1 : 1) : x.firstAt > y.firstAt ? -1 : 1)).slice(0, limit)
}

export const ALERT_STATES = ['open', 'acknowledged', 'closed'] as const
export type AlertState = (typeof ALERT_STATES)[number]
/** Who triages alerts: the SOC analysts (role `soc`) and the authority. */
export const SOC_ROLES = ['soc', 'authority'] as const
export const alertState = (a: Alert): AlertState => a.status?.state ?? 'open'

/**
 * A SOC analyst acknowledges or closes an alert with a reason (kept on chain, and in the event).
 * open -> acknowledged -> closed, or open -> closed; a closed alert stays closed. A close says
 * how (`resolution`, default resolved): an alert closed as a false positive is never shared.
 */
export function setAlertStatus(ctx: TxContext, id: Uint8Array, state: 'acknowledged' | 'closed', reason: string, resolution?: AlertResolution): void {
  const a = getAlert(ctx.kv, id)
  if (!a) fail('not_found', `no alert ${toHex(id)}`)
  const from = alertState(a)
  if (from === 'closed') fail('invalid_state', `alert ${toHex(id)} is closed`)
  if (from === state) fail('invalid_state', `alert ${toHex(id)} is already ${state}`)
  a.status = { state, reason, by: ctx.sender, at: ctx.height }
  if (state === 'closed') a.status.resolution = resolution ?? ALERT_RESOLUTION.resolved
  moduleStore(ctx.kv, MODULE).set(alertKey(id), encodeAlert(a))
  ctx.emit(SIEM_EVENT.alertStatus, { alert: toHex(id), from, to: state, reason, by: toHex(ctx.sender), ...(a.status.resolution ? { resolution: a.status.resolution } : {}) })
}

/** The correlators that attested an alert, in key order. */
export function attestersOf(kv: KVReader, id: Uint8Array): Uint8Array[] {
  const prefix = attestPrefix(id)
  const out: Uint8Array[] = []
  for (const [k] of moduleReader(kv, MODULE).iterate({ gte: prefix, lt: concatBytes(prefix, new Uint8Array(33).fill(0xff)) })) out.push(k.slice(prefix.length))
  return out
}

/** The alert's identity: what correlators must agree on (rule, version, subject, evidence leaves). */
export function alertId(rule: string, version: bigint, subject: Uint8Array | undefined, evidence: Array<{ collector: Uint8Array; leafHash: Uint8Array }>): Uint8Array {
  const ev = evidence.map((e) => toHex(e.collector) + ':' + toHex(e.leafHash)).sort()
  return sha256(encodeCanonical({ rule, version, subject: subject ?? new Uint8Array(), evidence: ev }))
}

/**
 * A registered correlator attests an alert. Every evidence item must be proven included in an
 * anchored checkpoint of its collector. Once k distinct correlators attest the same alert it is
 * confirmed; a rule with the quarantine action then revokes the subject device's key.
 */
export function attestAlert(ctx: TxContext, m: { rule: string; version: bigint; ruleHash: Uint8Array; subject?: Uint8Array; evidence: Evidence[] }): Uint8Array {
  if (!isCorrelator(ctx.kv, ctx.sender)) fail('unauthorized', `account ${toHex(ctx.sender)} is not a registered correlator`)
  const rule = getRule(ctx.kv, m.rule)
  if (!rule) fail('not_found', `rule ${m.rule} is not registered`)
  if (rule.version !== m.version || !bytesEqual(rule.hash, m.ruleHash)) fail('invalid_state', `rule ${m.rule}: attested version/hash differ from the registered version ${rule.version}`)
  const seen = new Set<string>()
  for (const e of m.evidence) {
    const k = toHex(e.collector) + ':' + toHex(e.leafHash)
    if (seen.has(k)) fail('invalid_message', 'duplicate evidence item')
    seen.add(k)
    const v = verifyEventInclusion(ctx.kv, e.collector, e.leafHash, e.index, e.proof, e.size)
    if (!v.verified) fail('proof_invalid', `evidence ${k} at index ${e.index}: ${v.reason}`)
  }
  const id = alertId(m.rule, m.version, m.subject, m.evidence)
  const store = moduleStore(ctx.kv, MODULE)
  if (store.get(attestKey(id, ctx.sender))) fail('already_exists', 'this correlator already attested this alert')
  const a: Alert = getAlert(ctx.kv, id) ?? {
    id, rule: m.rule, version: m.version, subject: m.subject, attestations: 0n, firstAt: ctx.height, quarantined: false,
    evidence: [...m.evidence].map((e) => ({ collector: e.collector, size: e.size, index: e.index, leafHash: e.leafHash })).sort((x, y) => (toHex(x.collector) + toHex(x.leafHash) < toHex(y.collector) + toHex(y.leafHash) ? -1 : 1)),
  }
  a.attestations += 1n
  store.set(attestKey(id, ctx.sender), ONE)
  ctx.emit(SIEM_EVENT.alertAttested, { alert: toHex(id), rule: m.rule, correlator: toHex(ctx.sender), attestations: a.attestations.toString() })
  if (a.confirmedAt === undefined && a.attestations >= threshold(ctx.kv)) {
    a.confirmedAt = ctx.height
    ctx.emit(SIEM_EVENT.alertConfirmed, { alert: toHex(id), rule: m.rule, subject: a.subject ? toHex(a.subject) : '' })
    if (rule.action === 'quarantine' && a.subject) {
      const dev = getAccount(ctx.kv, a.subject)
      if (dev && hasRole(dev, 'device') && dev.revokedAt === undefined) {
        revokeAccount(ctx, a.subject, `siem alert ${toHex(id)} (${m.rule})`)
        a.quarantined = true
        ctx.emit(SIEM_EVENT.quarantine, { alert: toHex(id), device: toHex(a.subject) })
      }
    }
  }
  store.set(alertKey(id), encodeAlert(a))
  return id
}
