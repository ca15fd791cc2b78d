/**
 * Threat-intelligence blocklist: indicators (device keys, IP addresses, file hashes) received from
 * peer cities over the bridge, each with the provenance of every alert that listed it, and the
 * shares this city sent. Key layout: types.ts.
 * An entry is listed from its first provenance until its expiry height (the latest expiry of its
 * provenances) unless this city's authority or security staff delisted it after the last listing.
 */
import { decodeTrusted, encodeCanonical } from '../../codec/cbor.js'
import { fail } from '../../base/errors.js'
import type { KV, KVReader } from '../../app/kv.js'
import { moduleReader, moduleStore, type ExecContext } from '../../app/module.js'
import { toHex, utf8 } from '../../base/bytes.js'
import { indicatorKey, type Indicator, type IndicatorKind } from '../siem/indicators.js'
import { MODULE, THREATINTEL_EVENT, THREATINTEL_KEY as K } from './types.js'

/** The city's security staff: may share indicators of its confirmed alerts and delist received ones. */
export const SECURITY_ROLE = 'security'
/** Expiry bounds, in blocks of the receiving chain. */
export const DEFAULT_TTL = 100_000n
export const MAX_TTL = 10_000_000n
export const MAX_INDICATORS = 64
export const MAX_ATTESTERS = 100

export interface Entry {
  indicator: Indicator
  firstAt: bigint
  lastListedAt: bigint
  expiresAt: bigint
  sources: bigint
  delistedAt?: bigint
  delistReason?: string
}

export interface Provenance {
  indicator: Indicator
  sourceChain: string
  sourceClient: string // the sender's client id (the packet's source_client)
  client: string       // this chain's client of the sender (the packet's dest_client)
  sequence: bigint
  alert: Uint8Array
  rule: string
  ruleVersion: bigint
  confirmedAt: bigint  // height on the source chain
  attesters: Uint8Array[]
  receivedAt: bigint
  expiresAt: bigint
}

const ONE = new Uint8Array([1])
const peerKey = (client: string) => utf8(K.peer + client)
const entryKey = (i: Indicator) => utf8(K.entry + indicatorKey(i))
const provenancePrefix = (i: Indicator) => K.provenance + indicatorKey(i) + '|'
const provenanceKey = (i: Indicator, client: string, alert: Uint8Array) => utf8(provenancePrefix(i) + client + '|' + toHex(alert))
const after = (prefix: string) => utf8(prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1))

const store = (kv: KV) => moduleStore(kv, MODULE)
const reader = (kv: KVReader) => moduleReader(kv, MODULE)

export const isAcceptedPeer = (kv: KVReader, client: string) => reader(kv).get(peerKey(client)) !== undefined

export function setPeerAccepted(ctx: ExecContext, client: string, accepted: boolean): void {
  if (accepted) store(ctx.kv).set(peerKey(client), ONE)
  else store(ctx.kv).delete(peerKey(client))
  ctx.emit(THREATINTEL_EVENT.peer, { client_id: client, accepted: String(accepted) })
}

export function acceptedPeers(kv: KVReader): string[] {
  const out: string[] = []
  for (const [k] of reader(kv).iterate({ gte: utf8(K.peer), lt: after(K.peer) })) out.push(Buffer.from(k).toString('utf8').slice(K.peer.length))
  return out
}

function decodeEntry(b: Uint8Array): Entry {
  const m = decodeTrusted(b) as Record<string, any>
  const e: Entry = {
    indicator: { kind: m.kind, value: m.value }, firstAt: BigInt(m.first_at), lastListedAt: BigInt(m.last_listed_at), expiresAt: BigInt(m.expires_at), sources: BigInt(m.sources),
  }
  if (m.delisted_at !== undefined) e.delistedAt = BigInt(m.delisted_at)
  if (typeof m.delist_reason === 'string') e.delistReason = m.delist_reason
  return e
}
function putEntry(kv: KV, e: Entry): void {
  const m: Record<string, unknown> = {
    kind: e.indicator.kind, value: e.indicator.value, first_at: e.firstAt, last_listed_at: e.lastListedAt, expires_at: e.expiresAt, sources: e.sources,
  }
  if (e.delistedAt !== undefined) m.delisted_at = e.delistedAt
  if (e.delistReason !== undefined) m.delist_reason = e.delistReason
  store(kv).set(entryKey(e.indicator), encodeCanonical(m))
}

export function getEntry(kv: KVReader, i: Indicator): Entry | undefined {
  const b = reader(kv).get(entryKey(i))
  return b ? decodeEntry(b) : undefined
}

/** Listed at `height`: received, not expired, not delisted since. */
export const isEntryActive = (e: Entry, height: bigint) => height < e.expiresAt && e.delistedAt === undefined

export function isListed(kv: KVReader, kind: IndicatorKind, value: string, height: bigint): boolean {
  const e = getEntry(kv, { kind, value })
  return !!e && isEntryActive(e, height)
}

/** The blocklist as other modules see it: the composition gives it to the vehicle register. */
export const threatIntelView = {
  isDeviceListed: (kv: KVReader, device: Uint8Array, height: bigint): boolean => isListed(kv, 'device', toHex(device), height),
}

export function listEntries(kv: KVReader, opts: { kind?: IndicatorKind; height: bigint; includeInactive?: boolean; limit: number }): Entry[] {
  const prefix = opts.kind ? `${K.entry}${opts.kind}:` : K.entry
  const out: Entry[] = []
  for (const [, v] of reader(kv).iterate({ gte: utf8(prefix), lt: after(prefix) })) {
    const e = decodeEntry(v)
    if (opts.includeInactive || isEntryActive(e, opts.height)) out.push(e)
    if (out.length >= opts.limit) break
  }
  return out
}

function decodeProvenance(b: Uint8Array): Provenance {
  const m = decodeTrusted(b) as Record<string, any>
  return {
    indicator: { kind: m.kind, value: m.value }, sourceChain: m.source_chain, sourceClient: m.source_client, client: m.client, sequence: BigInt(m.sequence),
    alert: m.alert, rule: m.rule, ruleVersion: BigInt(m.rule_version), confirmedAt: BigInt(m.confirmed_at), attesters: m.attesters,
    receivedAt: BigInt(m.received_at), expiresAt: BigInt(m.expires_at),
  }
}

export function provenanceOf(kv: KVReader, i: Indicator): Provenance[] {
  const prefix = provenancePrefix(i)
  const out: Provenance[] = []
  for (const [, v] of reader(kv).iterate({ gte: utf8(prefix), lt: after(prefix) })) out.push(decodeProvenance(v))
  return out
}

/**
 * Lists an indicator with one provenance. The same (channel, alert) again changes nothing
 * (returns false): a re-shared or re-delivered alert has no second effect.
 */
export function listIndicator(ctx: ExecContext, p: Provenance): boolean {
  const key = provenanceKey(p.indicator, p.client, p.alert)
  if (reader(ctx.kv).get(key)) return false
  store(ctx.kv).set(key, encodeCanonical({
    kind: p.indicator.kind, value: p.indicator.value, source_chain: p.sourceChain, source_client: p.sourceClient, client: p.client, sequence: p.sequence,
    alert: p.alert, rule: p.rule, rule_version: p.ruleVersion, confirmed_at: p.confirmedAt, attesters: p.attesters, received_at: p.receivedAt, expires_at: p.expiresAt,
  }))
  const old = getEntry(ctx.kv, p.indicator)
  const e: Entry = {
    indicator: p.indicator, firstAt: old?.firstAt ?? ctx.height, lastListedAt: ctx.height,
    expiresAt: old && old.expiresAt > p.expiresAt ? old.expiresAt : p.expiresAt, sources: (old?.sources ?? 0n) + 1n,
  }
  putEntry(ctx.kv, e)
  ctx.emit(THREATINTEL_EVENT.listed, {
    kind: p.indicator.kind, value: p.indicator.value, source_chain: p.sourceChain, client_id: p.client, alert: toHex(p.alert), expires_at: e.expiresAt.toString(),
  })
  return true
}

/** This city's decision that a received indicator no longer applies here (a later listing lists it again). */
export function delistIndicator(ctx: ExecContext, i: Indicator, reason: string): void {
  const e = getEntry(ctx.kv, i)
  if (!e) fail('not_found', `${indicatorKey(i)} is not on the blocklist`)
  if (e.delistedAt !== undefined) fail('invalid_state', `${indicatorKey(i)} is already delisted`)
  putEntry(ctx.kv, { ...e, delistedAt: ctx.height, delistReason: reason })
  ctx.emit(THREATINTEL_EVENT.delisted, { kind: i.kind, value: i.value, reason })
}

export type ShareOutcome = 'pending' | 'accepted' | 'refused' | 'timed_out'
export interface Share { client: string; sequence: bigint; alert: Uint8Array; indicators: bigint; sentAt: bigint; outcome: ShareOutcome; error?: string; settledAt?: bigint }

const shareKey = (client: string, seq: bigint) => utf8(`${K.share}${client}|${seq.toString().padStart(20, '0')}`)

function putShare(kv: KV, x: Share): void {
  const m: Record<string, unknown> = { alert: x.alert, indicators: x.indicators, sent_at: x.sentAt, outcome: x.outcome }
  if (x.error !== undefined) m.error = x.error
  if (x.settledAt !== undefined) m.settled_at = x.settledAt
  store(kv).set(shareKey(x.client, x.sequence), encodeCanonical(m))
}
function decodeShare(k: Uint8Array, b: Uint8Array): Share {
  const [, client, seq] = Buffer.from(k).toString('utf8').split('|') as [string, string, string]
  const m = decodeTrusted(b) as Record<string, any>
  const x: Share = { client, sequence: BigInt(seq), alert: m.alert, indicators: BigInt(m.indicators), sentAt: BigInt(m.sent_at), outcome: m.outcome }
  if (typeof m.error === 'string') x.error = m.error
  if (m.settled_at !== undefined) x.settledAt = BigInt(m.settled_at)
  return x
}

/** The source's record of a share it sent (settled by the ack or the timeout). */
export function recordShare(ctx: ExecContext, client: string, sequence: bigint, alert: Uint8Array, indicators: number): void {
  putShare(ctx.kv, { client, sequence, alert, indicators: BigInt(indicators), sentAt: ctx.height, outcome: 'pending' })
}

export function settleShare(ctx: ExecContext, client: string, sequence: bigint, outcome: Exclude<ShareOutcome, 'pending'>, error?: string): void {
  const b = reader(ctx.kv).get(shareKey(client, sequence))
  if (!b) return // sent before shares were recorded: nothing to settle
  const x = decodeShare(shareKey(client, sequence), b)
  putShare(ctx.kv, { ...x, outcome, settledAt: ctx.height, ...(error === undefined ? {} : { error: error.slice(0, 256) }) })
}

/** Shares sent, newest first (over one client, or all). */
export function listShares(kv: KVReader, opts: { client?: string; limit: number }): Share[] {
  const prefix = opts.client === undefined ? K.share : `${K.share}${opts.client}|`
  const out: Share[] = []
  for (const [k, v] of reader(kv).iterate({ gte: utf8(prefix), lt: after(prefix), reverse: true, limit: opts.limit })) out.push(decodeShare(k, v))
  return out
}
