/**
 * Normalised security events: a subset of the Elastic Common Schema (ECS 8.x) plus Block SIEM's
 * taxonomy (Botello et al., Sensors 2020): event category E0–E10 over attack surface S0–S8.
 */
import { hash } from 'node:crypto'
import { isIP } from 'node:net'
import { utf8 } from '../base/bytes.js'

export const BLOCK_SIEM_CATEGORIES = {
  E0: 'request exception',
  E1: 'authentication exception',
  E2: 'input exception',
  E3: 'access-control exception',
  E4: 'session exception',
  E5: 'ecosystem-member exception',
  E6: 'device-access event',
  E7: 'admin-mode event',
  E8: 'honey-trap exception',
  E9: 'command-injection exception',
  E10: 'reputation exception',
} as const
export const BLOCK_SIEM_SURFACES = {
  S0: 'mobile application',
  S1: 'cloud web interface',
  S2: 'device web interface',
  S3: 'administrative interface',
  S4: 'local data storage',
  S5: 'device firmware',
  S6: 'network services',
  S7: 'update mechanism',
  S8: 'physical interfaces',
} as const
export type BlockSiemCategory = keyof typeof BLOCK_SIEM_CATEGORIES
export type BlockSiemSurface = keyof typeof BLOCK_SIEM_SURFACES

export type EventKind = 'event' | 'alert' | 'pipeline_error'
export type EventOutcome = 'success' | 'failure' | 'unknown'

export interface Endpoint { ip?: string; port?: number; domain?: string }

export interface SiemEvent {
  '@timestamp': string
  event: {
    kind: EventKind
    category: string[]
    type: string[]
    outcome?: EventOutcome
    action?: string
    code?: string
    severity?: number
    dataset: string // the input format: syslog.rfc5424, syslog.rfc3164, cef, json, opencanary, raw
    original: string
    hash: string // hex SHA-256 of the original bytes
  }
  message?: string
  source?: Endpoint
  destination?: Endpoint
  network?: { transport?: string; protocol?: string }
  user?: { name?: string }
  host?: { name?: string; hostname?: string; id?: string } // id: the reporting device's registered key (hex), set by the collector
  observer?: { name?: string; product?: string; vendor?: string; type?: string }
  process?: { name?: string; pid?: number; executable?: string; command_line?: string; parent?: { executable?: string; command_line?: string; pid?: number } }
  /** Windows event logs (EVTX as JSON): the `<System>` header and every `<EventData>` field by its own name, as Winlogbeat names them */
  winlog?: WinlogFields
  /** Linux audit records: the record type, its serial, and every key=value by its own name (Auditbeat's names) */
  auditd?: { message_type: string; sequence: number; data: Record<string, string> }
  /** ECS objects of JSON inputs kept as sent (bounded: parsers.ts `ecsObject`): web server and proxy logs */
  url?: EcsObject & { original?: string; full?: string; path?: string; query?: string; domain?: string }
  http?: EcsObject
  user_agent?: EcsObject & { original?: string }
  dns?: EcsObject
  error?: { message: string }
  labels?: Record<string, string>
  // source_device: the registered device key (hex) behind source.ip, resolved by the collector
  blocksiem: { category: BlockSiemCategory; surface: BlockSiemSurface; source_device?: string }
}

/** A nested ECS object as a JSON input sent it: scalars, lists of scalars, objects. */
export type EcsValue = string | number | boolean | Array<string | number | boolean> | EcsObject
export interface EcsObject { [k: string]: EcsValue | undefined }

export interface WinlogFields {
  channel?: string
  event_id?: string
  provider_name?: string
  provider_guid?: string
  computer_name?: string
  record_id?: string
  level?: string
  task?: string
  opcode?: string
  keywords?: string
  version?: string
  time_created?: string
  activity_id?: string
  process?: { pid?: number; thread?: { id?: number } }
  user?: { identifier?: string }
  event_data?: Record<string, string>
  user_data?: Record<string, string>
}

export const eventHash = (original: Uint8Array): string => hash('sha256', original, 'hex')

export function validIp(s: unknown): string | undefined {
  if (typeof s !== 'string') return undefined
  const t = s.trim()
  return isIP(t) ? t : undefined
}

export function validPort(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d{1,5}$/.test(v.trim()) ? Number(v.trim()) : NaN
  return Number.isInteger(n) && n >= 0 && n <= 65535 ? n : undefined
}

export function transportOf(v: unknown): string | undefined {
  if (typeof v === 'number') return ({ 6: 'tcp', 17: 'udp', 1: 'icmp' } as Record<number, string>)[v]
  if (typeof v !== 'string') return undefined
  const t = v.trim().toLowerCase()
  if (/^\d+$/.test(t)) return transportOf(Number(t))
  return ['tcp', 'udp', 'icmp', 'ipv6-icmp', 'sctp'].includes(t) ? t : undefined
}

const SERVICE_PORTS: Record<number, string> = { 21: 'ftp', 22: 'ssh', 23: 'telnet', 2323: 'telnet', 25: 'smtp', 53: 'dns', 80: 'http', 443: 'https', 1883: 'mqtt', 8080: 'http', 8443: 'https' }

/** Canonical serialisation: JSON with keys sorted at every level. This is the Merkle log entry. */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v)
  if (Array.isArray(v)) {
    let s = '['
    for (let i = 0; i < v.length; i++) s += (i ? ',' : '') + canonicalJson(v[i])
    return s + ']'
  }
  // a plain loop (no filter/map closures): this runs once per logged event
  const o = v as Record<string, unknown>
  const keys = Object.keys(o).sort()
  let s = '{'
  let first = true
  for (const k of keys) {
    const x = o[k]
    if (x === undefined) continue
    s += (first ? '' : ',') + JSON.stringify(k) + ':' + canonicalJson(x)
    first = false
  }
  return s + '}'
}

export const eventEntry = (e: SiemEvent): Uint8Array => utf8(canonicalJson(e))

const has = (text: string, re: RegExp) => re.test(text)

/**
 * Classifies an event in Block SIEM's taxonomy from its ECS fields and text. Deterministic:
 * the first rule that applies wins, in the order below.
 */
export function classify(e: Omit<SiemEvent, 'blocksiem'>): { category: BlockSiemCategory; surface: BlockSiemSurface } {
  const text = `${e.message ?? ''} ${e.event.action ?? ''} ${e.event.original}`.toLowerCase()
  const port = e.destination?.port
  let category: BlockSiemCategory
  if (e.event.dataset === 'opencanary' || has(text, /honeypot|canary|honey/)) category = 'E8'
  else if (has(text, /busybox|\/bin\/sh|;\s*(wget|curl|tftp|chmod|rm)\b|\$\(|`[^`]+`|\|\s*sh\b|mirai/)) category = 'E9'
  else if (has(text, /blacklist|blocklist|reputation|known[- ]bad|threat intel/)) category = 'E10'
  else if (e.event.category.includes('authentication') && e.event.outcome === 'failure') category = 'E1'
  else if (has(text, /sudo|su:|admin mode|enable mode|privilege|root shell/)) category = 'E7'
  else if (has(text, /session (timeout|expired|hijack|invalid)|invalid session|token expired/)) category = 'E4'
  else if (has(text, /invalid input|malformed|overflow|sql|xss|<script/)) category = 'E2'
  else if (has(text, /denied|forbidden|unauthori[sz]ed|not allowed|permission|\bblock(ed)?\b|\bdrop(ped)?\b|\bdeny\b|reject/)) category = 'E3'
  else if (has(text, /unknown device|unregistered|rogue|member/)) category = 'E5'
  else if (e.event.category.includes('authentication') || has(text, /login|logged in|session opened/)) category = 'E6'
  else category = 'E0'
  let surface: BlockSiemSurface
  if (has(text, /firmware/)) surface = 'S5'
  else if (has(text, /\bupdate|upgrade|\bota\b/)) surface = 'S7'
  else if (has(text, /\busb\b|uart|jtag|serial console|physical/)) surface = 'S8'
  else if (has(text, /mobile|android|ios app/)) surface = 'S0'
  else if (has(text, /cloud|saas/)) surface = 'S1'
  else if (has(text, /admin (interface|panel|console|page|mode)|sudo|su:|root shell|privilege|enable mode/) && !['telnet', 'ssh'].includes(SERVICE_PORTS[port ?? -1] ?? '')) surface = 'S3'
  else if (port !== undefined && ['http', 'https'].includes(SERVICE_PORTS[port] ?? '')) surface = 'S2'
  else if (has(text, /http|web/) && port === undefined) surface = 'S2'
  else if (has(text, /\bdisk|storage|file (open|read|write)|sd card/)) surface = 'S4'
  else surface = 'S6'
  return { category, surface }
}

/** ECS service name for a destination port, for network.protocol. */
export const protocolOfPort = (port: number | undefined): string | undefined => (port === undefined ? undefined : SERVICE_PORTS[port])
