/**
 * The `threatintel` module: share indicators of confirmed SIEM alerts with peer cities over the
 * bridge, and keep the blocklist of indicators received from them (docs/BRIDGE.md).
 *
 * Messages: threatintel/share (security|authority) {client_id, alert, indicators[], ? entries[], ? ttl, ? timeout_height, ? timeout_time}
 *           threatintel/accept-peer (authority) {client_id, accept: bool}
 *           threatintel/delist (security|authority) {kind, value, reason}
 * Queries:  blocklist?[kind][&all][&limit]  indicator?kind&value  peers  shared?[client_id][&limit]
 */
import { defineMessage, type Module, type MsgValue, type QueryParams } from '../../app/module.js'
import { bytesField, onlyFields, stringField, uintField } from '../../app/fields.js'
import { PolisError, fail } from '../../base/errors.js'
import { toHex } from '../../base/bytes.js'
import { limitParam, optionalStringParam } from '../../app/query-params.js'
import { CLIENT_ID_PATTERN } from '../bridge/types.js'
import { INDICATOR_KINDS, normalizeIndicator, type Indicator, type IndicatorKind } from '../siem/indicators.js'
import { parseIndicators, shareIndicators } from './bridge-app.js'
import { MODULE, type BridgeChannels } from './types.js'
import {
  DEFAULT_TTL, MAX_TTL, SECURITY_ROLE, acceptedPeers, delistIndicator, getEntry, isEntryActive, listEntries, listShares, provenanceOf, setPeerAccepted,
  type Entry, type Provenance, type Share,
} from './keeper.js'

const MAX_ENTRIES = 32
const MAX_ENTRY_BYTES = 16 * 1024

const clientIdField = (v: MsgValue) => stringField(v, 'client_id', { min: 1, max: 32, pattern: CLIENT_ID_PATTERN })

function entriesField(v: MsgValue): Uint8Array[] {
  const x = v.entries
  if (x === undefined) return []
  if (!Array.isArray(x) || x.length > MAX_ENTRIES) fail('invalid_message', `entries must be a list of at most ${MAX_ENTRIES} log entries`)
  return x.map((e) => {
    if (!(e instanceof Uint8Array) || e.length === 0 || e.length > MAX_ENTRY_BYTES) fail('invalid_message', `entries must be byte strings of 1 to ${MAX_ENTRY_BYTES} bytes`)
    return e
  })
}

function indicatorParam(p: QueryParams): Indicator {
  const kind = optionalStringParam(p, 'kind')
  const i = kind === undefined ? undefined : normalizeIndicator(kind, p.value)
  if (!i) throw new PolisError('invalid_request', `kind (${INDICATOR_KINDS.join(', ')}) and a value of that kind are required`)
  return i
}

const entryJson = (e: Entry, height: bigint) => ({
  kind: e.indicator.kind, value: e.indicator.value, active: isEntryActive(e, height), first_at: e.firstAt.toString(), last_listed_at: e.lastListedAt.toString(),
  expires_at: e.expiresAt.toString(), sources: e.sources.toString(), delisted_at: e.delistedAt?.toString() ?? null, delist_reason: e.delistReason ?? null,
})
const provenanceJson = (p: Provenance) => ({
  source_chain: p.sourceChain, source_client: p.sourceClient, client_id: p.client, sequence: p.sequence.toString(), alert: toHex(p.alert), rule: p.rule,
  rule_version: p.ruleVersion.toString(), confirmed_at: p.confirmedAt.toString(), attesters: p.attesters.map(toHex), received_at: p.receivedAt.toString(),
  expires_at: p.expiresAt.toString(),
})

const shareJson = (x: Share) => ({
  client_id: x.client, sequence: x.sequence.toString(), alert: toHex(x.alert), indicators: x.indicators.toString(), sent_at: x.sentAt.toString(),
  outcome: x.outcome, error: x.error ?? null, settled_at: x.settledAt?.toString() ?? null,
})

/** `bridge`: the channels to peer cities, given by the composition. */
export function threatIntelModule(bridge: BridgeChannels): Module {
  const staff = [SECURITY_ROLE, 'authority']
  return {
    name: MODULE,
    roles: [SECURITY_ROLE],
    messages: {
      share: defineMessage({
        roles: staff,
        parse: (v) => {
          onlyFields(v, ['client_id', 'alert', 'indicators', 'entries', 'ttl', 'timeout_height', 'timeout_time'])
          return {
            client: clientIdField(v), alert: bytesField(v, 'alert', 32), indicators: parseIndicators(v.indicators), entries: entriesField(v),
            ttl: v.ttl === undefined ? DEFAULT_TTL : uintField(v, 'ttl', MAX_TTL),
            timeoutHeight: v.timeout_height === undefined ? 0n : uintField(v, 'timeout_height'), timeoutTime: v.timeout_time === undefined ? 0n : uintField(v, 'timeout_time'),
          }
        },
        handle: (ctx, m) => void shareIndicators(ctx, bridge, m),
      }),
      'accept-peer': defineMessage({
        roles: ['authority'],
        parse: (v) => {
          onlyFields(v, ['client_id', 'accept'])
          if (typeof v.accept !== 'boolean') fail('invalid_message', 'accept must be true or false')
          return { client: clientIdField(v), accept: v.accept }
        },
        handle: (ctx, m) => {
          bridge.counterpartyChain(ctx.kv, m.client) // refuses an unknown client
          setPeerAccepted(ctx, m.client, m.accept)
        },
      }),
      delist: defineMessage({
        roles: staff,
        parse: (v) => {
          onlyFields(v, ['kind', 'value', 'reason'])
          const i = normalizeIndicator(stringField(v, 'kind', { max: 16 }), v.value)
          if (!i) fail('invalid_message', 'kind and value must name a device key, IP address or file hash')
          return { indicator: i, reason: stringField(v, 'reason', { min: 1, max: 256 }) }
        },
        handle: (ctx, m) => delistIndicator(ctx, m.indicator, m.reason),
      }),
    },
    queries: {
      blocklist: (ctx, p) => {
        const kind = optionalStringParam(p, 'kind')
        if (kind !== undefined && !(INDICATOR_KINDS as readonly string[]).includes(kind)) throw new PolisError('invalid_request', `kind must be one of ${INDICATOR_KINDS.join(', ')}`)
        const all = p.all === true || p.all === 'true'
        const entries = listEntries(ctx.kv, { kind: kind as IndicatorKind | undefined, height: ctx.height + 1n, includeInactive: all, limit: limitParam(p) })
        return { height: ctx.height.toString(), entries: entries.map((e) => entryJson(e, ctx.height + 1n)) }
      },
      indicator: (ctx, p) => {
        const i = indicatorParam(p)
        const e = getEntry(ctx.kv, i)
        if (!e) return { kind: i.kind, value: i.value, listed: false, entry: null, provenance: [] }
        return { kind: i.kind, value: i.value, listed: isEntryActive(e, ctx.height + 1n), entry: entryJson(e, ctx.height + 1n), provenance: provenanceOf(ctx.kv, i).map(provenanceJson) }
      },
      peers: (ctx) => ({ accepted: acceptedPeers(ctx.kv) }),
      shared: (ctx, p) => {
        const client = optionalStringParam(p, 'client_id')
        if (client !== undefined && !CLIENT_ID_PATTERN.test(client)) throw new PolisError('invalid_request', 'bad client_id')
        return { shares: listShares(ctx.kv, { client, limit: limitParam(p) }).map(shareJson) }
      },
    },
  }
}
