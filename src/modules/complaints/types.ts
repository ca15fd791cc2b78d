/**
 * The complaints module's names: its state keys, message types and event names, and typed
 * builders of its messages for clients.
 *
 * Keys (under "complaints/"):
 *   n                    -> next request id (u64)
 *   s|code               -> Service (CBOR)
 *   q|id(8)              -> Request (CBOR)
 *   d|deadline(8)|id(8)  -> 0x01  open requests not yet overdue
 *   c|citizen(32)|id(8)  -> 0x01  requests of a citizen
 *   u|id(8)|seq(4)       -> Transition (CBOR)
 */
import type { Msg } from '../../app/tx.js'
import type { CborValue } from '../../codec/cbor.js'

export const MODULE = 'complaints'

/** Key prefixes under "complaints/". */
export const COMPLAINTS_KEY = { next: 'n', service: 's', request: 'q', deadline: 'd', citizen: 'c', transition: 'u' } as const

export const COMPLAINTS_MSG = {
  defineService: 'complaints/define-service',
  file: 'complaints/file',
  acknowledge: 'complaints/acknowledge',
  update: 'complaints/update',
  resolve: 'complaints/resolve',
  reject: 'complaints/reject',
  assign: 'complaints/assign',
  reopen: 'complaints/reopen',
} as const

/** Events: a service defined, a request filed, each transition (named by its action), a deadline missed. */
export const COMPLAINTS_EVENT = {
  serviceDefined: 'complaints.service_defined',
  filed: 'complaints.filed',
  acknowledge: 'complaints.acknowledge',
  assign: 'complaints.assign',
  update: 'complaints.update',
  resolve: 'complaints.resolve',
  reject: 'complaints.reject',
  reopen: 'complaints.reopen',
  overdue: 'complaints.overdue',
} as const

/** A filing's attribute values: an integer, a key, or a list of keys (see the service's attributes). */
export type AttributeValues = Record<string, bigint | string | string[]>

/** The department's transitions that carry only an optional (or, but for acknowledge, required) public note. */
export type NoteAction = 'acknowledge' | 'update' | 'resolve' | 'reject'

export const complaintsMsgs = {
  /** The authority defines (or redefines) a service citizens can file requests for. */
  defineService(p: {
    code: string; name: string; group: string; department: string; slaMs: bigint; keywords?: string[]; active?: boolean
    attributes?: Array<{ code: string; datatype: string; required: boolean; description: string; order: number; values: Array<{ key: string; name: string }> }>
  }): Msg {
    const value: Msg['value'] = { service_code: p.code, service_name: p.name, group: p.group, department: p.department, sla_ms: p.slaMs }
    if (p.keywords !== undefined) value.keywords = p.keywords
    if (p.active !== undefined) value.active = p.active
    if (p.attributes !== undefined) value.attributes = p.attributes
    return { type: COMPLAINTS_MSG.defineService, value }
  },
  /** A citizen files a request: the description as a salted commitment, the location in micro-degrees. */
  file(p: { service: string; descriptionHash: Uint8Array; lat: bigint; long: bigint; mediaHash?: Uint8Array; attributes?: AttributeValues }): Msg {
    const value: Msg['value'] = { service_code: p.service, description_hash: p.descriptionHash, lat: p.lat, long: p.long }
    if (p.mediaHash !== undefined) value.media_hash = p.mediaHash
    if (p.attributes !== undefined) value.attributes = p.attributes as { [k: string]: CborValue }
    return { type: COMPLAINTS_MSG.file, value }
  },
  /** acknowledge, update, resolve or reject a request, with a public status note. */
  note(action: NoteAction, p: { request: bigint; note?: string }): Msg {
    const value: Msg['value'] = { request: p.request }
    if (p.note !== undefined) value.note = p.note
    return { type: COMPLAINTS_MSG[action], value }
  },
  assign(p: { request: bigint; assignee: Uint8Array; note?: string }): Msg {
    const value: Msg['value'] = { request: p.request, assignee: p.assignee }
    if (p.note !== undefined) value.note = p.note
    return { type: COMPLAINTS_MSG.assign, value }
  },
  /** The citizen reopens a closed request; the note as a salted commitment. */
  reopen(p: { request: bigint; noteHash: Uint8Array }): Msg {
    return { type: COMPLAINTS_MSG.reopen, value: { request: p.request, note_hash: p.noteHash } }
  },
}
