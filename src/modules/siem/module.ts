/**
 * The `siem` module (Block SIEM): registered collectors anchor signed checkpoints of their RFC 9162
 * event logs; the chain refuses checkpoints that shrink or rewrite history and answers whether an
 * event is included in an anchored checkpoint. A key on the threat-intelligence blocklist (given by
 * the composition) is neither registered as a collector nor anchors.
 *
 * Messages: siem/register-collector (authority) {collector, name}
 *           siem/anchor (device|operator, a registered collector) {size, root, proof[], sig}
 *           siem/report-fork (any) {collector, size, root, sig}
 *           siem/ack-alert (soc|authority) {id, reason}
 *           siem/close-alert (soc|authority) {id, reason, ? resolution: resolved|false_positive}
 * Queries:  collector?address  collectors  checkpoint?collector[&size]  checkpoints?collector[&limit]
 *           verify-event?collector&index&proof=h1,h2…&(leaf_hash|entry)[&size]
 */
import { defineMessage, type ExecContext, type Module, type MsgValue } from '../../app/module.js'
import { bytesField, onlyFields, pubKeyField, stringField, stringListField, uintField } from '../../app/fields.js'
import { PolisError, fail } from '../../base/errors.js'
import { fromHex, toHex } from '../../base/bytes.js'
import { hexParam, limitParam } from '../../app/query-params.js'
import type { QueryParams } from '../../app/module.js'
import { leafHash } from '../../siem/merkle-log.js'
import { checkRegisteredRuleText } from '../../siem/sigma/rule-text.js'
import {
  COLLECTOR_ROLES, RULE_ACTIONS, anchorCheckpoint, attestAlert, getAlert, getRule, listRules, alertIdsByPrefix, registerCorrelator,
  registerRule, setThreshold, attestersOf, ALERT_STATES, SOC_ROLES, alertState, listAlerts, setAlertStatus, type AlertState, threshold, type Alert, type Evidence, getCheckpoint, getCollector, listCheckpoints, listCollectors,
  registerCollector, reportFork, verifyEventInclusion, type Collector, type StoredCheckpoint,
} from './keeper.js'
import { ALERT_RESOLUTION, MAX_EVIDENCE, MAX_PROOF_HASHES, MODULE, NO_COLLECTOR_BLOCKLIST, type AlertResolution, type CollectorBlocklist } from './types.js'

function hashListField(v: MsgValue, name: string): Uint8Array[] {
  const x = v[name]
  if (x === undefined) return []
  if (!Array.isArray(x) || x.length > MAX_PROOF_HASHES) fail('invalid_message', `${name} must be a list of at most ${MAX_PROOF_HASHES} hashes`)
  return x.map((h) => {
    if (!(h instanceof Uint8Array) || h.length !== 32) fail('invalid_message', `${name} must hold 32-byte hashes`)
    return h
  })
}

function evidenceField(v: MsgValue): Evidence[] {
  const x = v.evidence
  if (!Array.isArray(x) || x.length === 0 || x.length > MAX_EVIDENCE) fail('invalid_message', `evidence must be a list of 1 to ${MAX_EVIDENCE} items`)
  return x.map((item) => {
    if (!item || typeof item !== 'object' || Array.isArray(item) || item instanceof Uint8Array) fail('invalid_message', 'evidence items must be maps')
    const e = item as MsgValue
    onlyFields(e, ['collector', 'index', 'size', 'leaf_hash', 'proof'])
    return { collector: pubKeyField(e, 'collector'), index: uintField(e, 'index'), size: uintField(e, 'size'), leafHash: bytesField(e, 'leaf_hash', 32), proof: hashListField(e, 'proof') }
  })
}

const alertJson = (a: Alert) => ({
  id: toHex(a.id),
  rule: a.rule,
  version: a.version.toString(),
  subject: a.subject ? toHex(a.subject) : null,
  attestations: a.attestations.toString(),
  first_at: a.firstAt.toString(),
  confirmed_at: a.confirmedAt?.toString() ?? null,
  quarantined: a.quarantined,
  status: alertState(a),
  status_reason: a.status?.reason ?? null,
  status_by: a.status ? toHex(a.status.by) : null,
  status_at: a.status?.at.toString() ?? null,
  resolution: a.status?.resolution ?? null,
  evidence: a.evidence.map((e) => ({ collector: toHex(e.collector), size: e.size.toString(), index: e.index.toString(), leaf_hash: toHex(e.leafHash) })),
})

function uintParam(p: QueryParams, name: string, optional: true): bigint | undefined
function uintParam(p: QueryParams, name: string, optional?: false): bigint
function uintParam(p: QueryParams, name: string, optional = false): bigint | undefined {
  const v = p[name]
  if (v === undefined && optional) return undefined
  const s = typeof v === 'number' ? String(v) : v
  if (typeof s !== 'string' || !/^\d{1,20}$/.test(s)) throw new PolisError('invalid_request', `${name} must be an unsigned integer`)
  return BigInt(s)
}

function hashListParam(p: QueryParams, name: string): Uint8Array[] {
  const v = p[name]
  if (v === undefined || v === '') return []
  const items = Array.isArray(v) ? v : typeof v === 'string' ? v.split(',') : null
  if (!items || items.length > MAX_PROOF_HASHES) throw new PolisError('invalid_request', `${name} must be a comma-separated list of at most ${MAX_PROOF_HASHES} hex hashes`)
  return items.map((h) => {
    if (typeof h !== 'string' || !/^[0-9a-fA-F]{64}$/.test(h)) throw new PolisError('invalid_request', `${name} must hold 32-byte hex hashes`)
    return fromHex(h.toLowerCase())
  })
}

const collectorJson = (c: Collector) => ({
  address: toHex(c.pubKey),
  name: c.name,
  registered_at: c.registeredAt.toString(),
  size: c.size.toString(),
  root: c.root ? toHex(c.root) : null,
  anchors: c.anchors.toString(),
  forked_at: c.forkedAt?.toString() ?? null,
})
const checkpointJson = (c: StoredCheckpoint) => ({
  collector: toHex(c.collector),
  size: c.size.toString(),
  root: toHex(c.root),
  sig: toHex(c.sig),
  height: c.height.toString(),
  time: c.time.toString(),
  tx_hash: toHex(c.txHash),
})

const RESOLUTIONS = Object.values(ALERT_RESOLUTION)

function alertStatusMessage(state: 'acknowledged' | 'closed') {
  return defineMessage({
    roles: SOC_ROLES,
    parse: (v) => {
      onlyFields(v, state === 'closed' ? ['id', 'reason', 'resolution'] : ['id', 'reason'])
      const resolution = v.resolution
      if (resolution !== undefined && !(RESOLUTIONS as readonly unknown[]).includes(resolution)) fail('invalid_message', `resolution must be one of ${RESOLUTIONS.join(', ')}`)
      return { id: bytesField(v, 'id', 32), reason: stringField(v, 'reason', { min: 1, max: 256 }), resolution: resolution as AlertResolution | undefined }
    },
    handle: (ctx, m) => setAlertStatus(ctx, m.id, state, m.reason, m.resolution),
  })
}

function refuseListed(ctx: ExecContext, blocklist: CollectorBlocklist, key: Uint8Array): void {
  if (blocklist.isDeviceListed(ctx.kv, key, ctx.height)) fail('unauthorized', `collector key ${toHex(key)} is on the threat-intelligence blocklist`)
}

/** `blocklist`: threat intelligence (a listed key is refused as collector). */
export function siemModule(blocklist: CollectorBlocklist = NO_COLLECTOR_BLOCKLIST): Module {
  return {
    name: MODULE,
    roles: ['soc'],
    messages: {
      'register-collector': defineMessage({
        roles: ['authority'],
        parse: (v) => {
          onlyFields(v, ['collector', 'name'])
          return { collector: pubKeyField(v, 'collector'), name: stringField(v, 'name', { min: 1, max: 64, pattern: /^[A-Za-z0-9._:-]+$/ }) }
        },
        handle: (ctx, m) => {
          refuseListed(ctx, blocklist, m.collector)
          registerCollector(ctx, m.collector, m.name)
        },
      }),
      anchor: defineMessage({
        roles: COLLECTOR_ROLES,
        parse: (v) => {
          onlyFields(v, ['size', 'root', 'proof', 'sig'])
          return { size: uintField(v, 'size'), root: bytesField(v, 'root', 32), proof: hashListField(v, 'proof'), sig: bytesField(v, 'sig', 64) }
        },
        handle: (ctx, m) => {
          refuseListed(ctx, blocklist, ctx.sender)
          anchorCheckpoint(ctx, m)
        },
      }),
      'report-fork': defineMessage({
        roles: 'any',
        parse: (v) => {
          onlyFields(v, ['collector', 'size', 'root', 'sig'])
          return { collector: pubKeyField(v, 'collector'), size: uintField(v, 'size'), root: bytesField(v, 'root', 32), sig: bytesField(v, 'sig', 64) }
        },
        handle: (ctx, m) => reportFork(ctx, m),
      }),
      'register-rule': defineMessage({
        roles: ['authority'],
        parse: (v) => {
          onlyFields(v, ['id', 'version', 'hash', 'action', 'text'])
          return {
            id: stringField(v, 'id', { min: 1, max: 64, pattern: /^[A-Za-z0-9._:-]+$/ }),
            version: uintField(v, 'version'),
            hash: bytesField(v, 'hash', 32),
            action: (stringListField({ a: [v.action ?? 'none'] } as MsgValue, 'a', RULE_ACTIONS, 1)[0] ?? 'none') as (typeof RULE_ACTIONS)[number],
            // the rule file itself, optional: when given, the chain checks it hashes to `hash` and is valid Sigma
            text: v.text === undefined ? undefined : stringField(v, 'text', { min: 1, max: 65536 }),
          }
        },
        handle: (ctx, m) => {
          if (m.text !== undefined) checkRegisteredRuleText(m.text, m.hash)
          registerRule(ctx, m)
        },
      }),
      'set-threshold': defineMessage({
        roles: ['authority'],
        parse: (v) => {
          onlyFields(v, ['k'])
          return { k: uintField(v, 'k', 100n) }
        },
        handle: (ctx, m) => setThreshold(ctx, m.k),
      }),
      'register-correlator': defineMessage({
        roles: ['authority'],
        parse: (v) => {
          onlyFields(v, ['correlator'])
          return { correlator: pubKeyField(v, 'correlator') }
        },
        handle: (ctx, m) => registerCorrelator(ctx, m.correlator),
      }),
      attest: defineMessage({
        roles: ['operator'],
        parse: (v) => {
          onlyFields(v, ['rule', 'version', 'rule_hash', 'subject', 'evidence'])
          return {
            rule: stringField(v, 'rule', { min: 1, max: 64 }),
            version: uintField(v, 'version'),
            ruleHash: bytesField(v, 'rule_hash', 32),
            subject: v.subject === undefined ? undefined : pubKeyField(v, 'subject'),
            evidence: evidenceField(v),
          }
        },
        handle: (ctx, m) => {
          attestAlert(ctx, m)
        },
      }),
      'ack-alert': alertStatusMessage('acknowledged'),
      'close-alert': alertStatusMessage('closed'),
    },
    queries: {
      alerts: (ctx, p) => {
        const state = p.status
        if (state !== undefined && !ALERT_STATES.includes(state as AlertState)) throw new PolisError('invalid_request', `status must be one of ${ALERT_STATES.join(', ')}`)
        const rule = p.rule
        if (rule !== undefined && typeof rule !== 'string') throw new PolisError('invalid_request', 'rule must be a rule id')
        const confirmed = p.confirmed === undefined ? undefined : p.confirmed === 'true' || p.confirmed === true
        return { alerts: listAlerts(ctx.kv, { state: state as AlertState | undefined, rule, confirmed }, limitParam(p)).map(alertJson) }
      },
      rule: (ctx, p) => {
        const id = p.id
        if (typeof id !== 'string') throw new PolisError('invalid_request', 'id is required')
        const r = getRule(ctx.kv, id)
        if (!r) throw new PolisError('not_found', `rule ${id} is not registered`)
        return { id: r.id, version: r.version.toString(), hash: toHex(r.hash), action: r.action }
      },
      rules: (ctx, p) => {
        const after = p.after
        if (after !== undefined && typeof after !== 'string') throw new PolisError('invalid_request', 'after must be a rule id')
        const rules = listRules(ctx.kv, after, limitParam(p, 1000, 1000))
        return { rules: rules.map((r) => ({ id: r.id, version: r.version.toString(), hash: toHex(r.hash), action: r.action })) }
      },
      'alert-ids': (ctx, p) => {
        const prefix = typeof p.prefix === 'string' ? p.prefix.toLowerCase() : ''
        if (!/^[0-9a-f]{1,64}$/.test(prefix)) throw new PolisError('invalid_request', 'prefix must be 1 to 64 hex digits')
        return { ids: alertIdsByPrefix(ctx.kv, prefix, limitParam(p, 10, 100)).map(toHex) }
      },
      alert: (ctx, p) => {
        const a = getAlert(ctx.kv, hexParam(p, 'id', 32))
        if (!a) throw new PolisError('not_found', 'no such alert')
        return { ...alertJson(a), attesters: attestersOf(ctx.kv, a.id).map(toHex) }
      },
      params: (ctx) => ({ k: threshold(ctx.kv).toString() }),
      collector: (ctx, p) => {
        const c = getCollector(ctx.kv, hexParam(p, 'address', 32))
        if (!c) throw new PolisError('not_found', 'not a registered collector')
        return collectorJson(c)
      },
      collectors: (ctx, p) => ({ collectors: listCollectors(ctx.kv, limitParam(p)).map(collectorJson) }),
      checkpoint: (ctx, p) => {
        const pk = hexParam(p, 'collector', 32)
        const c = getCollector(ctx.kv, pk)
        if (!c) throw new PolisError('not_found', 'not a registered collector')
        const size = uintParam(p, 'size', true) ?? c.size
        const cp = size === 0n ? undefined : getCheckpoint(ctx.kv, pk, size)
        if (!cp) throw new PolisError('not_found', `no anchored checkpoint of size ${size}`)
        return checkpointJson(cp)
      },
      checkpoints: (ctx, p) => ({ checkpoints: listCheckpoints(ctx.kv, hexParam(p, 'collector', 32), limitParam(p)).map(checkpointJson) }),
      'verify-event': (ctx, p) => {
        const collector = hexParam(p, 'collector', 32)
        let leaf: Uint8Array
        if (p.leaf_hash !== undefined) leaf = hexParam(p, 'leaf_hash', 32)
        else if (p.entry !== undefined) leaf = leafHash(hexParam(p, 'entry'))
        else throw new PolisError('invalid_request', 'leaf_hash (hex) or entry (hex of the logged event) is required')
        const r = verifyEventInclusion(ctx.kv, collector, leaf, uintParam(p, 'index'), hashListParam(p, 'proof'), uintParam(p, 'size', true))
        return {
          verified: r.verified,
          leaf_hash: toHex(leaf),
          reason: r.verified ? null : r.reason,
          checkpoint: r.checkpoint ? checkpointJson(r.checkpoint) : null,
        }
      },
    },
  }
}
