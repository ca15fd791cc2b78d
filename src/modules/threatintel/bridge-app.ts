/**
 * The threat-intelligence bridge app (`app = "threatintel"`, docs/BRIDGE.md): the source shares
 * indicators of one of its confirmed SIEM alerts, checked against its own state; the destination
 * lists them with their provenance if it accepts indicators from that channel. The bridge is
 * reached through BridgeChannels (types.ts), which the composition gives.
 */
import type { CborValue } from '../../codec/cbor.js'
import { fail } from '../../base/errors.js'
import type { TxContext } from '../../app/module.js'
import { toHex } from '../../base/bytes.js'
import type { BridgeApp, Packet } from '../bridge/types.js'
import { confirmedAlertIndicators, indicatorKey, normalizeIndicator, type Indicator } from '../siem/indicators.js'
import { ALERT_RESOLUTION } from '../siem/types.js'
import { MAX_ATTESTERS, MAX_INDICATORS, MAX_TTL, isAcceptedPeer, listIndicator, recordShare, settleShare } from './keeper.js'
import { THREATINTEL_APP, THREATINTEL_EVENT, type BridgeChannels } from './types.js'

export interface ShareRequest {
  client: string
  alert: Uint8Array
  indicators: Indicator[]
  entries: Uint8Array[]
  ttl: bigint
  timeoutHeight: bigint
  timeoutTime: bigint
}

/** Checks every indicator against the confirmed alert in this chain's state, then sends the packet. */
export function shareIndicators(ctx: TxContext, bridge: BridgeChannels, r: ShareRequest): Packet {
  if (r.ttl < 1n || r.ttl > MAX_TTL) fail('invalid_message', `ttl must be between 1 and ${MAX_TTL} blocks`)
  const found = confirmedAlertIndicators(ctx.kv, r.alert, r.entries)
  if (found.alert.status?.resolution === ALERT_RESOLUTION.falsePositive) {
    fail('invalid_state', `alert ${toHex(r.alert)} was closed as a false positive (${found.alert.status.reason}): its indicators are not shared`)
  }
  const have = new Set(found.indicators.map(indicatorKey))
  for (const i of r.indicators) {
    if (!have.has(indicatorKey(i))) fail('proof_invalid', `${indicatorKey(i)} is not an indicator of alert ${toHex(r.alert)} (its subject or an evidence entry given)`)
  }
  const a = found.alert
  const data: Record<string, CborValue> = {
    alert: a.id, rule: a.rule, rule_version: a.version, confirmed_at: a.confirmedAt!, attesters: found.attesters.slice(0, MAX_ATTESTERS),
    indicators: r.indicators.map((i) => ({ kind: i.kind, value: i.value })), ttl: r.ttl,
  }
  const packet = bridge.sendPacket(ctx, r.client, THREATINTEL_APP, data, r.timeoutHeight, r.timeoutTime)
  recordShare(ctx, r.client, packet.sequence, a.id, r.indicators.length)
  ctx.emit(THREATINTEL_EVENT.shared, { client_id: r.client, sequence: packet.sequence.toString(), alert: toHex(a.id), indicators: r.indicators.length.toString() })
  return packet
}

/** Indicators of a message or packet: 1..MAX_INDICATORS maps {kind, value}, each in its one spelling, no repeats. */
export function parseIndicators(x: unknown): Indicator[] {
  if (!Array.isArray(x) || x.length === 0 || x.length > MAX_INDICATORS) fail('invalid_message', `indicators must be a list of 1 to ${MAX_INDICATORS} items`)
  const seen = new Set<string>()
  return x.map((item) => {
    const m = item as Record<string, unknown>
    if (!m || typeof m !== 'object' || Array.isArray(m) || m instanceof Uint8Array || Object.keys(m).sort().join(',') !== 'kind,value') {
      fail('invalid_message', 'an indicator is {kind, value}')
    }
    const i = normalizeIndicator(String(m.kind), m.value)
    if (!i || i.value !== m.value) fail('invalid_message', `indicator ${String(m.kind)}:${String(m.value)} is not a device key, IP address or file hash in its canonical form`)
    if (seen.has(indicatorKey(i))) fail('invalid_message', `indicator ${indicatorKey(i)} is given twice`)
    seen.add(indicatorKey(i))
    return i
  })
}

interface ShareData { alert: Uint8Array; rule: string; ruleVersion: bigint; confirmedAt: bigint; attesters: Uint8Array[]; indicators: Indicator[]; ttl: bigint }

const uint = (x: unknown, what: string): bigint => {
  if (typeof x === 'bigint' && x >= 0n) return x
  if (typeof x === 'number' && Number.isSafeInteger(x) && x >= 0) return BigInt(x)
  fail('invalid_message', `threatintel ${what} must be an unsigned integer`)
}
const bytes32 = (x: unknown, what: string): Uint8Array => {
  if (!(x instanceof Uint8Array) || x.length !== 32) fail('invalid_message', `threatintel ${what} must be 32 bytes`)
  return x
}

function parseData(d: Record<string, CborValue>): ShareData {
  if (Object.keys(d).sort().join(',') !== 'alert,attesters,confirmed_at,indicators,rule,rule_version,ttl') {
    fail('invalid_message', 'threatintel data must be {alert, rule, rule_version, confirmed_at, attesters, indicators, ttl}')
  }
  if (typeof d.rule !== 'string' || d.rule.length === 0 || d.rule.length > 64) fail('invalid_message', 'threatintel rule must be a string of 1 to 64 characters')
  if (!Array.isArray(d.attesters) || d.attesters.length === 0 || d.attesters.length > MAX_ATTESTERS) fail('invalid_message', `threatintel attesters must be 1 to ${MAX_ATTESTERS} keys`)
  const ttl = uint(d.ttl, 'ttl')
  if (ttl < 1n || ttl > MAX_TTL) fail('invalid_message', `threatintel ttl must be between 1 and ${MAX_TTL}`)
  return {
    alert: bytes32(d.alert, 'alert'), rule: d.rule, ruleVersion: uint(d.rule_version, 'rule_version'), confirmedAt: uint(d.confirmed_at, 'confirmed_at'),
    attesters: d.attesters.map((a) => bytes32(a, 'attester')), indicators: parseIndicators(d.indicators), ttl,
  }
}

/** The app's handlers on each end of a packet. */
export const threatIntelApp = (bridge: BridgeChannels): BridgeApp => ({
  onRecv(ctx, packet, data) {
    if (!isAcceptedPeer(ctx.kv, packet.destClient)) fail('unauthorized', `this city does not accept threat intelligence over client ${packet.destClient}`)
    const d = parseData(data)
    const sourceChain = bridge.counterpartyChain(ctx.kv, packet.destClient)
    let added = 0
    for (const indicator of d.indicators) {
      const fresh = listIndicator(ctx, {
        indicator, sourceChain, sourceClient: packet.sourceClient, client: packet.destClient, sequence: packet.sequence, alert: d.alert, rule: d.rule,
        ruleVersion: d.ruleVersion, confirmedAt: d.confirmedAt, attesters: d.attesters, receivedAt: ctx.height, expiresAt: ctx.height + d.ttl,
      })
      if (fresh) added++
    }
    ctx.emit(THREATINTEL_EVENT.received, { client_id: packet.destClient, sequence: packet.sequence.toString(), alert: toHex(d.alert), listed: String(added) })
  },
  onAck(ctx, packet, data, ack) {
    // nothing was escrowed: the outcome is only recorded
    settleShare(ctx, packet.sourceClient, packet.sequence, 'ok' in ack ? 'accepted' : 'refused', 'error' in ack ? ack.error : undefined)
    const alert = data.alert instanceof Uint8Array ? toHex(data.alert) : ''
    ctx.emit(THREATINTEL_EVENT.shareResult, { client_id: packet.sourceClient, sequence: packet.sequence.toString(), alert, ok: String('ok' in ack), error: 'error' in ack ? ack.error : '' })
  },
  onTimeout(ctx, packet, data) {
    settleShare(ctx, packet.sourceClient, packet.sequence, 'timed_out')
    const alert = data.alert instanceof Uint8Array ? toHex(data.alert) : ''
    ctx.emit(THREATINTEL_EVENT.shareResult, { client_id: packet.sourceClient, sequence: packet.sequence.toString(), alert, ok: 'false', error: 'timeout' })
  },
})
