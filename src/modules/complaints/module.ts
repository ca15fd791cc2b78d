/** The complaints module: Open311-style service requests, filed by citizens, handled by departments. */
import { defineMessage, type Module, type MsgValue, type QueryParams } from '../../app/module.js'
import { bytesField, onlyFields, optionalBytesField, pubKeyField, stringField, stringListField, uintField } from '../../app/fields.js'
import { PolisError, fail } from '../../base/errors.js'
import { toHex } from '../../base/bytes.js'
import { parseAmount } from '../../codec/amount.js'
import { hexParam, limitParam, optionalStringParam } from '../../app/query-params.js'
import {
  COMPLAINT_ROLES, TRANSITIONS, type AttributeType, type AttributeValue, type ServiceAttribute, defineService, fileRequest, getService, isOpen, listRequests, listServices, markOverdue,
  requestsOfCitizen, requireRequest, transition, transitionsOf, type Request, type Service,
} from './keeper.js'
import { MODULE } from './types.js'

export const SERVICE_CODE_PATTERN = /^[a-z0-9][a-z0-9_.-]{0,31}$/
const ROLE_PATTERN = /^[a-z][a-z0-9_-]{1,31}$/
/** Coordinates in micro-degrees, as signed integers shifted into unsigned range by the field. */
const MAX_LAT = 90_000_000n
const MAX_LONG = 180_000_000n

function coordinate(v: MsgValue, name: string, max: bigint): bigint {
  const x = v[name]
  let n: bigint
  if (typeof x === 'number' && Number.isSafeInteger(x)) n = BigInt(x)
  else if (typeof x === 'bigint') n = x
  else fail('invalid_message', `${name} must be an integer (micro-degrees)`)
  if (n < -max || n > max) fail('invalid_message', `${name} must be between -${max} and ${max} micro-degrees`)
  return n
}

const requestField = (v: MsgValue) => {
  const n = uintField(v, 'request')
  if (n === 0n) fail('invalid_message', 'request must be positive')
  return n
}
const noteField = (v: MsgValue, required: boolean) =>
  required ? stringField(v, 'note', { min: 1, max: 512 }) : v.note === undefined ? undefined : stringField(v, 'note', { min: 1, max: 512 })

const iso = (ms: bigint) => new Date(Number(ms)).toISOString().replace('.000Z', 'Z')

/** Open311 attribute definitions of a service (GET /services/{code}.json). */
export function attributesJson(s: Service) {
  return s.attributes.map((a) => ({
    variable: true, code: a.code, datatype: a.datatype, required: a.required, datatype_description: null, order: a.order, description: a.description, values: a.values,
  }))
}

export function serviceJson(s: Service) {
  return {
    service_code: s.code, service_name: s.name, description: s.name, metadata: s.attributes.length > 0, type: 'realtime', keywords: s.keywords.join(','),
    group: s.group, department: s.department, sla_ms: s.slaMs.toString(), active: s.active, attributes: attributesJson(s),
  }
}

/** A request in the shape of an Open311 GeoReport v2 service request (plus the chain's own fields). */
export function requestJson(r: Request, s: Service | undefined) {
  return {
    service_request_id: r.id.toString(), status: isOpen(r.status) ? 'open' : 'closed', state: r.status, status_notes: r.note ?? null,
    service_name: s?.name ?? null, service_code: r.service, description: null, description_hash: toHex(r.descriptionHash),
    agency_responsible: s?.department ?? null, service_notice: null, requested_datetime: iso(r.filedAt), updated_datetime: iso(r.updatedAt),
    expected_datetime: iso(r.deadline), overdue: r.overdue, address: null, address_id: null, zipcode: null,
    lat: (Number(r.lat) / 1e6).toFixed(6), long: (Number(r.long) / 1e6).toFixed(6), lat_e6: r.lat.toString(), long_e6: r.long.toString(),
    media_url: null, media_hash: r.mediaHash ? toHex(r.mediaHash) : null, citizen: toHex(r.citizen), assignee: r.assignee ? toHex(r.assignee) : null,
    attributes: r.attributes ? Object.fromEntries(Object.entries(r.attributes).map(([k, v]) => [k, typeof v === 'bigint' ? v.toString() : v])) : {},
  }
}

function idParam(p: QueryParams): bigint {
  const v = p.id ?? p.request
  const s = typeof v === 'number' || typeof v === 'string' ? String(v) : ''
  if (!/^[1-9][0-9]{0,19}$/.test(s)) throw new PolisError('invalid_request', 'id must be a positive integer')
  return BigInt(s)
}

/** Genesis: the city's initial service list (sla_ms as a decimal string or integer). */
export interface ComplaintsGenesis {
  services: Array<{ service_code: string; service_name: string; group: string; department: string; sla_ms: string | number; keywords?: string[]; active?: boolean }>
}

function genesisService(s: ComplaintsGenesis['services'][number]): MsgValue {
  if (!s || typeof s !== 'object') fail('invalid_genesis', 'complaints: a service must be an object')
  return { ...(s as unknown as MsgValue), sla_ms: parseAmount(s.sla_ms, 'sla_ms') }
}

const ATTRIBUTE_CODE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/
const ATTRIBUTE_TYPES: readonly AttributeType[] = ['number', 'singlevaluelist', 'multivaluelist']

function parseAttributes(x: unknown): ServiceAttribute[] {
  if (x === undefined) return []
  if (!Array.isArray(x) || x.length > 16) fail('invalid_message', 'attributes must be a list of at most 16')
  const out = x.map((a, i): ServiceAttribute => {
    if (!a || typeof a !== 'object' || Array.isArray(a)) fail('invalid_message', `attributes[${i}] must be a map`)
    const v = a as MsgValue
    onlyFields(v, ['code', 'datatype', 'required', 'description', 'order', 'values', 'variable'])
    const datatype = stringField(v, 'datatype', { max: 32 })
    if (!(ATTRIBUTE_TYPES as readonly string[]).includes(datatype)) {
      fail('invalid_message', `attributes[${i}].datatype must be ${ATTRIBUTE_TYPES.join(', ')} (free text stays off chain)`)
    }
    const required = v.required ?? false
    if (typeof required !== 'boolean') fail('invalid_message', `attributes[${i}].required must be a boolean`)
    const order = uintField(v, 'order', 1000n)
    if (order === 0n) fail('invalid_message', `attributes[${i}].order must be positive`)
    const rawValues = v.values ?? []
    if (!Array.isArray(rawValues) || rawValues.length > 64) fail('invalid_message', `attributes[${i}].values must be a list of at most 64`)
    const values = rawValues.map((y) => {
      const w = y as MsgValue
      if (!w || typeof w !== 'object') fail('invalid_message', `attributes[${i}].values must hold { key, name }`)
      onlyFields(w, ['key', 'name'])
      return { key: stringField(w, 'key', { pattern: ATTRIBUTE_CODE, max: 32 }), name: stringField(w, 'name', { min: 1, max: 64 }) }
    })
    if (datatype === 'number' ? values.length !== 0 : values.length === 0) fail('invalid_message', `attributes[${i}]: list datatypes need values, numbers none`)
    if (new Set(values.map((w) => w.key)).size !== values.length) fail('invalid_message', `attributes[${i}].values has duplicate keys`)
    return { code: stringField(v, 'code', { pattern: ATTRIBUTE_CODE, max: 32 }), datatype: datatype as AttributeType, required, description: stringField(v, 'description', { min: 1, max: 128 }), order: Number(order), values }
  })
  if (new Set(out.map((a) => a.code)).size !== out.length) fail('invalid_message', 'attributes has duplicate codes')
  return out
}

/** A filing's attribute values: `{ code: integer | key | [keys] }`, checked against the service in the handler. */
function parseAttributeValues(x: unknown): Record<string, AttributeValue> | undefined {
  if (x === undefined) return undefined
  if (!x || typeof x !== 'object' || Array.isArray(x) || x instanceof Uint8Array) fail('invalid_message', 'attributes must be a map of code to value')
  const entries = Object.entries(x as Record<string, unknown>)
  if (entries.length > 16) fail('invalid_message', 'at most 16 attributes')
  return Object.fromEntries(entries.map(([k, v]): [string, AttributeValue] => {
    if (!ATTRIBUTE_CODE.test(k)) fail('invalid_message', `attribute code "${k}" has an invalid format`)
    if (typeof v === 'number' && Number.isSafeInteger(v)) return [k, BigInt(v)]
    if (typeof v === 'bigint' || (typeof v === 'string' && ATTRIBUTE_CODE.test(v))) return [k, v]
    if (Array.isArray(v) && v.length <= 64 && v.every((y) => typeof y === 'string' && ATTRIBUTE_CODE.test(y))) return [k, v as string[]]
    fail('invalid_message', `attribute "${k}" must be an integer, a key or a list of keys`)
  }))
}

function parseService(v: MsgValue): Service {
  onlyFields(v, ['service_code', 'service_name', 'group', 'department', 'sla_ms', 'keywords', 'active', 'attributes'])
  const active = v.active === undefined ? true : v.active
  if (typeof active !== 'boolean') fail('invalid_message', 'active must be a boolean')
  const sla = uintField(v, 'sla_ms')
  if (sla === 0n) fail('invalid_message', 'sla_ms must be positive')
  return {
    code: stringField(v, 'service_code', { pattern: SERVICE_CODE_PATTERN, max: 32 }), name: stringField(v, 'service_name', { min: 1, max: 128 }),
    group: stringField(v, 'group', { min: 1, max: 64 }), department: stringField(v, 'department', { pattern: ROLE_PATTERN, max: 32 }),
    slaMs: sla, keywords: v.keywords === undefined ? [] : stringListField(v, 'keywords'), active, attributes: parseAttributes(v.attributes),
  }
}

export function complaintsModule(): Module {
  const departmentTransition = (action: 'acknowledge' | 'update' | 'resolve' | 'reject', noteRequired: boolean) =>
    defineMessage({
      roles: 'any', // the handler checks the service's department role
      parse: (v) => {
        onlyFields(v, ['request', 'note'])
        return { request: requestField(v), note: noteField(v, noteRequired) }
      },
      handle: (ctx, m) => {
        transition(ctx, m.request, action, { note: m.note })
      },
    })
  return {
    name: MODULE,
    roles: [...COMPLAINT_ROLES],
    messages: {
      'define-service': defineMessage({
        roles: ['authority'],
        parse: (v) => parseService(v),
        handle: (ctx, m) => defineService(ctx, m),
      }),
      file: defineMessage({
        roles: 'any',
        parse: (v) => {
          onlyFields(v, ['service_code', 'description_hash', 'lat', 'long', 'media_hash', 'attributes'])
          return {
            service: stringField(v, 'service_code', { pattern: SERVICE_CODE_PATTERN, max: 32 }), descriptionHash: bytesField(v, 'description_hash', 32),
            lat: coordinate(v, 'lat', MAX_LAT), long: coordinate(v, 'long', MAX_LONG), mediaHash: optionalBytesField(v, 'media_hash', 32),
            attributes: parseAttributeValues(v.attributes),
          }
        },
        handle: (ctx, m) => {
          fileRequest(ctx, m)
        },
      }),
      acknowledge: departmentTransition('acknowledge', false),
      update: departmentTransition('update', true),
      resolve: departmentTransition('resolve', true),
      reject: departmentTransition('reject', true),
      assign: defineMessage({
        roles: 'any',
        parse: (v) => {
          onlyFields(v, ['request', 'assignee', 'note'])
          return { request: requestField(v), assignee: pubKeyField(v, 'assignee'), note: noteField(v, false) }
        },
        handle: (ctx, m) => {
          transition(ctx, m.request, 'assign', { assignee: m.assignee, note: m.note })
        },
      }),
      reopen: defineMessage({
        roles: 'any',
        parse: (v) => {
          onlyFields(v, ['request', 'note_hash'])
          return { request: requestField(v), noteHash: bytesField(v, 'note_hash', 32) }
        },
        handle: (ctx, m) => {
          transition(ctx, m.request, 'reopen', { noteHash: m.noteHash })
        },
      }),
    },
    queries: {
      services: (ctx) => ({ services: listServices(ctx.kv).filter((s) => s.active).map(serviceJson) }),
      service: (ctx, p) => {
        const code = optionalStringParam(p, 'service_code') ?? ''
        const s = getService(ctx.kv, code)
        if (!s) throw new PolisError('not_found', `no service "${code}"`)
        return serviceJson(s)
      },
      request: (ctx, p) => {
        const r = requireRequest(ctx.kv, idParam(p))
        return requestJson(r, getService(ctx.kv, r.service))
      },
      requests: (ctx, p) => {
        const status = optionalStringParam(p, 'status')
        if (status !== undefined && status !== 'open' && status !== 'closed') throw new PolisError('invalid_request', 'status must be open or closed')
        const after = p.after === undefined ? undefined : idParam({ id: p.after })
        const rs = p.citizen !== undefined
          ? requestsOfCitizen(ctx.kv, hexParam(p, 'citizen', 32), limitParam(p)).map((id) => requireRequest(ctx.kv, id))
          : listRequests(ctx.kv, { service: optionalStringParam(p, 'service_code'), open: status === undefined ? undefined : status === 'open', after, limit: limitParam(p) })
        return { requests: rs.map((r) => requestJson(r, getService(ctx.kv, r.service))) }
      },
      history: (ctx, p) => {
        const id = idParam(p)
        requireRequest(ctx.kv, id)
        return {
          request: id.toString(),
          transitions: transitionsOf(ctx.kv, id).map((t) => ({
            seq: t.seq, action: t.action, from: t.from, to: t.to, by: toHex(t.by), time: t.time.toString(), height: t.height.toString(),
            note: t.note ?? null, note_hash: t.noteHash ? toHex(t.noteHash) : null,
          })),
        }
      },
      'state-machine': () => ({ transitions: TRANSITIONS }),
    },
    validateGenesis(state) {
      if (state === undefined) return // optional section: services can also be defined by transactions
      const g = state as ComplaintsGenesis
      if (!g || !Array.isArray(g.services)) fail('invalid_genesis', 'complaints.services must be a list')
      const seen = new Set<string>()
      for (const s of g.services) {
        try {
          parseService(genesisService(s))
        } catch (e) {
          fail('invalid_genesis', `complaints: service ${JSON.stringify(s?.service_code)}: ${(e as Error).message}`)
        }
        if (seen.has(s.service_code)) fail('invalid_genesis', `complaints: duplicate service ${s.service_code}`)
        seen.add(s.service_code)
      }
    },
    initGenesis(ctx, state) {
      const g = state as ComplaintsGenesis
      const sorted = [...g.services].sort((a, b) => (a.service_code < b.service_code ? -1 : a.service_code > b.service_code ? 1 : 0))
      for (const s of sorted) defineService(ctx, parseService(genesisService(s)))
    },
    endBlock(ctx) {
      markOverdue(ctx)
    },
  }
}
