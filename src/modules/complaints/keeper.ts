/**
 * Complaints keeper: service requests after Open311 GeoReport v2. The authority defines the
 * service list (code, name, group, the department role that handles it, an SLA); a citizen files
 * a request; the department acknowledges, assigns, updates, and resolves or rejects it with a
 * note; the citizen who filed it may reopen it. Every transition is a transaction, logged; each
 * open request has an SLA deadline and is marked overdue by block time at end of block.
 *
 * Key layout: types.ts.
 *
 * Privacy: the description and any citizen note are salted commitments (the text stays with the
 * department, off chain); the location is a public fixed-point coordinate, as in Open311.
 */
import { decodeCanonical, encodeCanonical } from '../../codec/cbor.js'
import { fail } from '../../base/errors.js'
import { prefixEnd, type KV, type KVReader } from '../../app/kv.js'
import { moduleReader, moduleStore, type ExecContext, type TxContext } from '../../app/module.js'
import { bytesEqual, concatBytes, utf8 } from '../../base/bytes.js'
import { getAccount, hasRole, isActiveAt, requireActiveAccount } from '../identity/keeper.js'
import { u64be as u64, u32be as u32, readU64be, readU32be } from '../../codec/be.js'
import { COMPLAINTS_EVENT, COMPLAINTS_KEY as K, MODULE } from './types.js'

export const COMPLAINT_ROLES = ['public-works', 'sanitation'] as const
export const OVERDUE_SCAN_LIMIT = 1000

export type RequestStatus = 'submitted' | 'acknowledged' | 'assigned' | 'in_progress' | 'resolved' | 'rejected' | 'reopened'
export type Action = 'file' | 'acknowledge' | 'assign' | 'update' | 'resolve' | 'reject' | 'reopen'

/** The state machine: from which states each action may be taken, and where it leads. */
export const TRANSITIONS: Record<Exclude<Action, 'file'>, { from: readonly RequestStatus[]; to: RequestStatus }> = {
  acknowledge: { from: ['submitted', 'reopened'], to: 'acknowledged' },
  assign: { from: ['acknowledged', 'assigned', 'in_progress'], to: 'assigned' },
  update: { from: ['assigned', 'in_progress'], to: 'in_progress' },
  resolve: { from: ['acknowledged', 'assigned', 'in_progress'], to: 'resolved' },
  reject: { from: ['submitted', 'acknowledged', 'assigned', 'in_progress', 'reopened'], to: 'rejected' },
  reopen: { from: ['resolved', 'rejected'], to: 'reopened' },
}
const CLOSED: readonly RequestStatus[] = ['resolved', 'rejected']
export const isOpen = (s: RequestStatus) => !CLOSED.includes(s)

/**
 * An Open311 service attribute. Only coded datatypes: a number or keys from a list — free text
 * (Open311's string and datetime attributes) could carry personal data, which stays off chain.
 */
export type AttributeType = 'number' | 'singlevaluelist' | 'multivaluelist'
export interface ServiceAttribute { code: string; datatype: AttributeType; required: boolean; description: string; order: number; values: Array<{ key: string; name: string }> }
/** A request's attribute values: a number, a key, or a list of keys. */
export type AttributeValue = bigint | string | string[]

export interface Service { code: string; name: string; group: string; department: string; slaMs: bigint; keywords: string[]; active: boolean; attributes: ServiceAttribute[] }

export interface Request {
  id: bigint
  service: string
  citizen: Uint8Array
  descriptionHash: Uint8Array
  lat: bigint            // micro-degrees
  long: bigint
  mediaHash?: Uint8Array
  attributes?: Record<string, AttributeValue>
  status: RequestStatus
  assignee?: Uint8Array
  note?: string          // the department's latest public status note
  filedAt: bigint
  updatedAt: bigint
  deadline: bigint
  overdue: boolean
  transitions: number
}

export interface Transition { seq: number; action: Action; from: RequestStatus | null; to: RequestStatus; by: Uint8Array; time: bigint; height: bigint; note?: string; noteHash?: Uint8Array }

const ONE = new Uint8Array([1])
const NEXT = utf8(K.next)
const serviceKey = (code: string) => utf8(K.service + code)
const requestKey = (id: bigint) => concatBytes(utf8(K.request), u64(id))
const deadlineKey = (t: bigint, id: bigint) => concatBytes(utf8(K.deadline), u64(t), u64(id))
const citizenKey = (pk: Uint8Array, id: bigint) => concatBytes(utf8(K.citizen), pk, u64(id))
const transitionKey = (id: bigint, seq: number) => concatBytes(utf8(K.transition), u64(id), u32(seq))
const big = (x: unknown) => BigInt(x as number | bigint)

// ------------------------------------------------------------------ services

export function getService(kv: KVReader, code: string): Service | undefined {
  const b = moduleReader(kv, MODULE).get(serviceKey(code))
  if (!b) return undefined
  const m = decodeCanonical(b, 'invalid_state') as Record<string, any>
  const attributes: ServiceAttribute[] = ((m.attributes ?? []) as Array<Record<string, any>>).map((a) => ({
    code: a.code, datatype: a.datatype, required: a.required, description: a.description, order: Number(a.order),
    values: (a.values as string[][]).map(([key, name]) => ({ key: key!, name: name! })),
  }))
  return { code, name: m.name, group: m.group, department: m.department, slaMs: big(m.sla_ms), keywords: m.keywords, active: m.active, attributes }
}

export function listServices(kv: KVReader): Service[] {
  const out: Service[] = []
  for (const [k] of moduleReader(kv, MODULE).iterate({ gte: utf8(K.service), lt: prefixEnd(utf8(K.service)) })) out.push(getService(kv, Buffer.from(k.subarray(1)).toString('utf8'))!)
  return out
}

export function defineService(ctx: ExecContext, s: Service): void {
  const r: Record<string, unknown> = { name: s.name, group: s.group, department: s.department, sla_ms: s.slaMs, keywords: s.keywords, active: s.active }
  if (s.attributes.length > 0) {
    r.attributes = s.attributes.map((a) => ({ code: a.code, datatype: a.datatype, required: a.required, description: a.description, order: a.order, values: a.values.map((v) => [v.key, v.name]) }))
  }
  moduleStore(ctx.kv, MODULE).set(serviceKey(s.code), encodeCanonical(r))
  ctx.emit(COMPLAINTS_EVENT.serviceDefined, { service_code: s.code, department: s.department, sla_ms: s.slaMs.toString(), active: String(s.active) })
}

// ------------------------------------------------------------------ requests

function encodeRequest(r: Request): Uint8Array {
  const m: Record<string, unknown> = {
    service: r.service, citizen: r.citizen, description_hash: r.descriptionHash, lat: r.lat, long: r.long, status: r.status,
    filed_at: r.filedAt, updated_at: r.updatedAt, deadline: r.deadline, overdue: r.overdue, transitions: r.transitions,
  }
  if (r.mediaHash) m.media_hash = r.mediaHash
  if (r.attributes) m.attributes = r.attributes
  if (r.assignee) m.assignee = r.assignee
  if (r.note !== undefined) m.note = r.note
  return encodeCanonical(m)
}

function decodeRequest(id: bigint, b: Uint8Array): Request {
  const m = decodeCanonical(b, 'invalid_state') as Record<string, any>
  const r: Request = {
    id, service: m.service, citizen: m.citizen, descriptionHash: m.description_hash, lat: big(m.lat), long: big(m.long), status: m.status,
    filedAt: big(m.filed_at), updatedAt: big(m.updated_at), deadline: big(m.deadline), overdue: m.overdue, transitions: Number(m.transitions),
  }
  if (m.media_hash) r.mediaHash = m.media_hash
  if (m.attributes) r.attributes = Object.fromEntries(Object.entries(m.attributes as Record<string, unknown>).map(([k, v]) => [k, typeof v === 'number' ? BigInt(v) : (v as AttributeValue)]))
  if (m.assignee) r.assignee = m.assignee
  if (typeof m.note === 'string') r.note = m.note
  return r
}

export function getRequest(kv: KVReader, id: bigint): Request | undefined {
  const b = moduleReader(kv, MODULE).get(requestKey(id))
  return b ? decodeRequest(id, b) : undefined
}

export function requireRequest(kv: KVReader, id: bigint): Request {
  const r = getRequest(kv, id)
  if (!r) fail('not_found', `no service request ${id}`)
  return r
}

function putRequest(kv: KV, r: Request): void {
  moduleStore(kv, MODULE).set(requestKey(r.id), encodeRequest(r))
}

/** Requests in id order, optionally filtered by service code and Open311 status. */
export function listRequests(kv: KVReader, f: { service?: string; open?: boolean; after?: bigint; limit: number }): Request[] {
  const out: Request[] = []
  const gte = concatBytes(utf8(K.request), u64(f.after === undefined ? 0n : f.after + 1n))
  for (const [k, v] of moduleReader(kv, MODULE).iterate({ gte, lt: prefixEnd(utf8(K.request)) })) {
    const r = decodeRequest(readU64be(k, 1), v)
    if (f.service !== undefined && r.service !== f.service) continue
    if (f.open !== undefined && isOpen(r.status) !== f.open) continue
    out.push(r)
    if (out.length >= f.limit) break
  }
  return out
}

export function transitionsOf(kv: KVReader, id: bigint): Transition[] {
  const out: Transition[] = []
  for (const [k, v] of moduleReader(kv, MODULE).iterate({ gte: concatBytes(utf8(K.transition), u64(id)), lt: concatBytes(utf8(K.transition), u64(id + 1n)) })) {
    const m = decodeCanonical(v, 'invalid_state') as Record<string, any>
    const t: Transition = { seq: readU32be(k, 9), action: m.action, from: m.from, to: m.to, by: m.by, time: big(m.time), height: big(m.height) }
    if (m.note !== undefined) t.note = m.note
    if (m.note_hash !== undefined) t.noteHash = m.note_hash
    out.push(t)
  }
  return out
}

function log(ctx: TxContext, r: Request, action: Action, from: RequestStatus | null, note?: string, noteHash?: Uint8Array): void {
  const m: Record<string, unknown> = { action, from, to: r.status, by: ctx.sender, time: ctx.time, height: ctx.height }
  if (note !== undefined) m.note = note
  if (noteHash !== undefined) m.note_hash = noteHash
  moduleStore(ctx.kv, MODULE).set(transitionKey(r.id, r.transitions), encodeCanonical(m))
  r.transitions++
}

export interface FileRequest { service: string; descriptionHash: Uint8Array; lat: bigint; long: bigint; mediaHash?: Uint8Array; attributes?: Record<string, AttributeValue> }

/** Checks a request's attribute values against its service's definitions (unknown, missing required, bad values refused). */
function checkAttributes(s: Service, given: Record<string, AttributeValue> | undefined): Record<string, AttributeValue> | undefined {
  const values = given ?? {}
  const byCode = new Map(s.attributes.map((a) => [a.code, a]))
  for (const code of Object.keys(values)) if (!byCode.has(code)) fail('invalid_message', `service ${s.code} has no attribute "${code}"`)
  for (const a of s.attributes) {
    const v = values[a.code]
    if (v === undefined) {
      if (a.required) fail('invalid_message', `attribute "${a.code}" is required for ${s.code}`)
      continue
    }
    const keys = new Set(a.values.map((x) => x.key))
    if (a.datatype === 'number' && typeof v !== 'bigint') fail('invalid_message', `attribute "${a.code}" is a number`)
    if (a.datatype === 'singlevaluelist' && (typeof v !== 'string' || !keys.has(v))) fail('invalid_message', `attribute "${a.code}" takes one of ${[...keys].join(', ')}`)
    if (a.datatype === 'multivaluelist' && (!Array.isArray(v) || v.length === 0 || new Set(v).size !== v.length || v.some((x) => !keys.has(x)))) {
      fail('invalid_message', `attribute "${a.code}" takes distinct values among ${[...keys].join(', ')}`)
    }
  }
  return given && Object.keys(given).length > 0 ? given : undefined
}

export function fileRequest(ctx: TxContext, f: FileRequest): Request {
  const s = getService(ctx.kv, f.service)
  if (!s || !s.active) fail('not_found', `no active service "${f.service}"`)
  const attributes = checkAttributes(s, f.attributes)
  const store = moduleStore(ctx.kv, MODULE)
  const nb = store.get(NEXT)
  const id = nb ? readU64be(nb) : 1n
  store.set(NEXT, u64(id + 1n))
  const r: Request = {
    id, service: f.service, citizen: ctx.sender, descriptionHash: f.descriptionHash, lat: f.lat, long: f.long, status: 'submitted',
    filedAt: ctx.time, updatedAt: ctx.time, deadline: ctx.time + s.slaMs, overdue: false, transitions: 0,
  }
  if (f.mediaHash) r.mediaHash = f.mediaHash
  if (attributes) r.attributes = attributes
  log(ctx, r, 'file', null)
  putRequest(ctx.kv, r)
  store.set(deadlineKey(r.deadline, id), ONE)
  store.set(citizenKey(ctx.sender, id), ONE)
  ctx.emit(COMPLAINTS_EVENT.filed, { request: id.toString(), service_code: f.service, deadline: r.deadline.toString() })
  return r
}

/** A department transition or the citizen's reopening, checked against the state machine. */
export function transition(ctx: TxContext, id: bigint, action: Exclude<Action, 'file'>, opts: { note?: string; noteHash?: Uint8Array; assignee?: Uint8Array } = {}): Request {
  const r = requireRequest(ctx.kv, id)
  const s = getService(ctx.kv, r.service)
  if (!s) fail('invalid_state', `service ${r.service} of request ${id} is missing`)
  if (action === 'reopen') {
    if (!bytesEqual(ctx.sender, r.citizen)) fail('unauthorized', `only the citizen who filed request ${id} may reopen it`)
  } else {
    const a = requireActiveAccount(ctx, ctx.sender)
    if (!hasRole(a, s.department)) fail('unauthorized', `request ${id} is handled by the ${s.department} department`)
  }
  const t = TRANSITIONS[action]
  if (!t.from.includes(r.status)) fail('invalid_state', `cannot ${action} request ${id}: it is ${r.status}`)
  if (action === 'assign') {
    const who = opts.assignee ? getAccount(ctx.kv, opts.assignee) : undefined
    if (!who || !isActiveAt(who, ctx.height) || !hasRole(who, s.department)) fail('invalid_request', `the assignee must be an active member of the ${s.department} department`)
    r.assignee = opts.assignee
  }
  const store = moduleStore(ctx.kv, MODULE)
  const from = r.status
  const wasOpen = isOpen(from)
  r.status = t.to
  r.updatedAt = ctx.time
  if (opts.note !== undefined) r.note = opts.note
  if (wasOpen && !isOpen(r.status) && !r.overdue) store.delete(deadlineKey(r.deadline, id))
  if (!wasOpen && isOpen(r.status)) {
    // reopened: a new SLA period starts
    r.deadline = ctx.time + s.slaMs
    r.overdue = false
    delete r.assignee
    store.set(deadlineKey(r.deadline, id), ONE)
  }
  log(ctx, r, action, from, opts.note, opts.noteHash)
  putRequest(ctx.kv, r)
  ctx.emit(COMPLAINTS_EVENT[action], { request: id.toString(), from, to: r.status, service_code: r.service })
  return r
}

export function markOverdue(ctx: ExecContext): void {
  const store = moduleStore(ctx.kv, MODULE)
  const due = [...store.iterate({ gte: utf8(K.deadline), lt: concatBytes(utf8(K.deadline), u64(ctx.time)), limit: OVERDUE_SCAN_LIMIT })]
  for (const [k] of due) {
    store.delete(k)
    const id = readU64be(k, 9)
    const r = requireRequest(ctx.kv, id)
    if (!isOpen(r.status) || r.overdue) continue
    r.overdue = true
    putRequest(ctx.kv, r)
    ctx.emit(COMPLAINTS_EVENT.overdue, { request: id.toString(), service_code: r.service, deadline: r.deadline.toString() })
  }
}

export function requestsOfCitizen(kv: KVReader, citizen: Uint8Array, limit: number): bigint[] {
  const prefix = concatBytes(utf8(K.citizen), citizen)
  const out: bigint[] = []
  for (const [k] of moduleReader(kv, MODULE).iterate({ gte: prefix, lt: concatBytes(prefix, new Uint8Array(8).fill(0xff), ONE), limit })) {
    out.push(readU64be(k, prefix.length))
  }
  return out
}

