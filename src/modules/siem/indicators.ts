/**
 * Indicators of compromise taken from a *confirmed* alert, for sharing with other cities
 * (docs/BRIDGE.md, "Threat intelligence"). Nothing is taken on the sender's word:
 *   device     the alert's subject (the device key the correlators agreed on)
 *   ip         `source.ip` / `destination.ip` of an evidence event
 *   file_hash  `file.hash.sha256` of an evidence event (ECS field, or the label of that name
 *              that the JSON parser keeps for a flat key)
 * An evidence event is given as its log entry bytes (the canonical JSON the collector logged);
 * its RFC 9162 leaf hash must be one of the alert's evidence leaves, which the correlators proved
 * included in anchored checkpoints before the alert could be confirmed.
 */
import { isIP } from 'node:net'
import { fail } from '../../base/errors.js'
import type { KVReader } from '../../app/kv.js'
import { bytesEqual, toHex } from '../../base/bytes.js'
import { leafHash } from '../../siem/merkle-log.js'
import { attestersOf, getAlert, type Alert } from './keeper.js'

export const INDICATOR_KINDS = ['device', 'ip', 'file_hash'] as const
export type IndicatorKind = (typeof INDICATOR_KINDS)[number]
export interface Indicator { kind: IndicatorKind; value: string }

const HEX32 = /^[0-9a-f]{64}$/

/** The one spelling of an indicator value (lower-case hex; an IP address as `node:net` accepts it, IPv6 lower-cased), or undefined. */
export function normalizeIndicator(kind: string, value: unknown): Indicator | undefined {
  if (typeof value !== 'string' || value.length > 64) return undefined
  if (kind === 'device' || kind === 'file_hash') {
    const v = value.toLowerCase()
    return HEX32.test(v) ? { kind, value: v } : undefined
  }
  if (kind === 'ip') {
    const v = canonicalIp(value)
    return v === undefined ? undefined : { kind, value: v }
  }
  return undefined
}

/**
 * One spelling per address, so that "2001:DB8:0::1" cannot dodge a listed "2001:db8::1": IPv4 as
 * `isIP` accepts it (dotted decimal, no leading zeros), IPv6 as the WHATWG URL parser serialises
 * it (RFC 5952 style: lower case, longest zero run compressed). Zone ids and spaces are refused.
 */
function canonicalIp(s: string): string | undefined {
  const family = isIP(s)
  if (family === 4) return s
  if (family !== 6 || s.includes('%')) return undefined
  try {
    return new URL(`http://[${s}]/`).hostname.slice(1, -1)
  } catch {
    return undefined
  }
}

export const indicatorKey = (i: Indicator) => `${i.kind}:${i.value}`

function eventIndicators(entry: Uint8Array): Indicator[] {
  let e: unknown
  try {
    e = JSON.parse(Buffer.from(entry).toString('utf8'))
  } catch {
    fail('invalid_message', 'an evidence entry is not JSON')
  }
  const obj = (x: unknown): Record<string, unknown> => (x && typeof x === 'object' && !Array.isArray(x) ? (x as Record<string, unknown>) : {})
  const ev = obj(e)
  const found: Array<Indicator | undefined> = [
    normalizeIndicator('ip', obj(ev.source).ip),
    normalizeIndicator('ip', obj(ev.destination).ip),
    normalizeIndicator('file_hash', obj(obj(obj(ev.file).hash)).sha256),
    normalizeIndicator('file_hash', obj(ev.labels)['file.hash.sha256']),
  ]
  return found.filter((i): i is Indicator => i !== undefined)
}

export interface AlertIndicators { alert: Alert; attesters: Uint8Array[]; indicators: Indicator[] }

/**
 * Everything shareable from the confirmed alert `alertId`, given the log entries of (some of) its
 * evidence events. Refuses an unknown or unconfirmed alert and an entry that is not its evidence.
 */
export function confirmedAlertIndicators(kv: KVReader, alertId: Uint8Array, entries: readonly Uint8Array[]): AlertIndicators {
  const alert = getAlert(kv, alertId)
  if (!alert) fail('not_found', `no alert ${toHex(alertId)}`)
  if (alert.confirmedAt === undefined) fail('invalid_state', `alert ${toHex(alertId)} is not confirmed (${alert.attestations} attestations)`)
  const byKey = new Map<string, Indicator>()
  if (alert.subject) byKey.set(`device:${toHex(alert.subject)}`, { kind: 'device', value: toHex(alert.subject) })
  for (const entry of entries) {
    const leaf = leafHash(entry)
    if (!alert.evidence.some((ev) => bytesEqual(ev.leafHash, leaf))) fail('proof_invalid', `entry with leaf hash ${toHex(leaf)} is not evidence of alert ${toHex(alertId)}`)
    for (const i of eventIndicators(entry)) byKey.set(indicatorKey(i), i)
  }
  const indicators = [...byKey.keys()].sort().map((k) => byKey.get(k)!)
  return { alert, attesters: attestersOf(kv, alertId), indicators }
}
