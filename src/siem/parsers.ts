/**
 * Ingestion parsers: syslog (RFC 5424, RFC 3164), CEF, JSON and OpenCanary JSON → normalised
 * ECS events. A parser never throws: input it cannot read becomes an event of kind
 * `pipeline_error` that keeps the raw input (as text, or base64 when it is not UTF-8), and the
 * Ingestor counts it. Parsing is off chain (collector side), so it may use Date for timestamps.
 */
import {
  classify, eventHash, protocolOfPort, transportOf, validIp, validPort,
  type EcsObject, type EcsValue, type Endpoint, type EventOutcome, type SiemEvent,
} from './ecs.js'
import { isWinlogJson, parseWinlog } from './winlog.js'
import { auditFields, isAuditRecord, parseAuditd } from './auditd.js'

export const MAX_INPUT_BYTES = 64 * 1024
export type InputFormat = 'syslog' | 'cef' | 'json' | 'opencanary' | 'winlog' | 'auto'

export interface ParseContext {
  /** Receive time (ms since epoch) of the input: the timestamp when the input has none, and the year for RFC 3164. */
  receivedAt: number
  observer?: SiemEvent['observer']
}

export type ParseResult = { ok: true; event: SiemEvent } | { ok: false; event: SiemEvent; error: string }

class Malformed extends Error {}
const malformed = (msg: string): never => {
  throw new Malformed(msg)
}

type Draft = Omit<SiemEvent, 'blocksiem' | 'event'> & { event: Omit<SiemEvent['event'], 'original' | 'hash' | 'dataset'> }

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true })

// consecutive events mostly fall in the same second: its "YYYY-MM-DDTHH:MM:SS." is kept
let lastSecond = NaN
let secondPrefix = ''
const MAX_4_DIGIT_YEAR_MS = 253402300799999 // 9999-12-31T23:59:59.999Z: toISOString's plain form up to here

function isoOr(ms: number | undefined, ctx: ParseContext): string {
  const t = ms !== undefined && Number.isFinite(ms) ? ms : ctx.receivedAt
  if (Number.isInteger(t) && t >= 0 && t <= MAX_4_DIGIT_YEAR_MS) {
    const second = Math.floor(t / 1000)
    if (second !== lastSecond) {
      secondPrefix = new Date(second * 1000).toISOString().slice(0, 20)
      lastSecond = second
    }
    return secondPrefix + String(t % 1000).padStart(3, '0') + 'Z'
  }
  const d = new Date(t)
  return Number.isNaN(d.getTime()) ? new Date(ctx.receivedAt).toISOString() : d.toISOString()
}

function finish(d: Draft, dataset: string, original: string, bytes: Uint8Array, ctx: ParseContext): SiemEvent {
  const base: Record<string, any> = assign({}, d)
  base.observer = assign(assign({}, ctx.observer), d.observer)
  base.event = assign(assign({}, d.event), { dataset, original, hash: eventHash(bytes) })
  if (base.destination?.port !== undefined && !base.network?.protocol) {
    const p = protocolOfPort(base.destination.port)
    if (p) base.network = assign(assign({}, base.network), { protocol: p })
  }
  base.blocksiem = classify(base as SiemEvent)
  return sortedPruned(base) as SiemEvent
}

/** Sets an own member, as spread does: a key "__proto__" (from JSON input) stays data, not the prototype. */
function put(o: Record<string, any>, k: string, v: unknown): void {
  if (k === '__proto__') Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true })
  else o[k] = v
}

/** Object.assign for plain records (an undefined member overrides, as with spread). */
function assign(to: Record<string, any>, from: object | undefined): Record<string, any> {
  if (from) for (const k of Object.keys(from)) put(to, k, (from as Record<string, unknown>)[k])
  return to
}

/**
 * `o` without undefined values and empty objects (undefined if nothing is left), every object's
 * keys inserted in sorted order: its JSON.stringify is then its canonical entry (entry-encoding.ts).
 */
function sortedPruned(o: Record<string, any>): Record<string, any> | undefined {
  const keys = Object.keys(o)
  let vals: unknown[] | undefined // set once a member must change (dropped or replaced)
  let sorted = true
  let kept = 0
  for (let i = 0; i < keys.length; i++) {
    if (i > 0 && !(keys[i - 1]! < keys[i]!)) sorted = false
    let v = o[keys[i]!]
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const c = sortedPruned(v)
      if (c !== v) (vals ??= keys.map((k) => o[k]))[i] = v = c
    }
    if (v === undefined) vals ??= keys.map((k) => o[k])
    else kept++
  }
  if (kept === 0) return undefined
  if (sorted && !vals) return o // most objects: built in key order, nothing to drop
  const order = keys.map((_, i) => i)
  if (!sorted) order.sort((x, y) => (keys[x]! < keys[y]! ? -1 : 1))
  const out: Record<string, any> = {}
  for (const i of order) {
    const v = vals ? vals[i] : o[keys[i]!]
    if (v !== undefined) put(out, keys[i]!, v)
  }
  return out
}

// ---------- message text → ECS fields (sshd, telnet/login, iptables, key=value) ----------

function endpoint(ip: unknown, port: unknown): Endpoint | undefined {
  const e: Endpoint = { ip: validIp(ip), port: validPort(port) }
  return e.ip === undefined && e.port === undefined ? undefined : e
}

const AUTH_FAIL = /(failed password|authentication failure|failed login|login incorrect|invalid user|auth(entication)? failed|bad password|login failed)/i
const AUTH_OK = /(accepted (password|publickey)|session opened|logged in|login successful|login ok)/i

/** Extracts what it can from free text. */
function fromText(msg: string, d: Draft): void {
  const kv: Record<string, string> = {}
  for (const m of msg.matchAll(/\b([A-Za-z_][A-Za-z0-9_.]{0,31})=("([^"]*)"|[^\s,;]+)/g)) kv[m[1]!.toLowerCase()] = m[3] ?? m[2]!
  const src = endpoint(kv.src ?? kv.src_ip ?? kv.srcip ?? kv.rhost, kv.spt ?? kv.sport ?? kv.src_port)
  const dst = endpoint(kv.dst ?? kv.dst_ip ?? kv.dstip, kv.dpt ?? kv.dport ?? kv.dst_port)
  if (src) d.source = { ...d.source, ...src }
  if (dst) d.destination = { ...d.destination, ...dst }
  const proto = transportOf(kv.proto ?? kv.protocol)
  if (proto) d.network = { ...d.network, transport: proto }
  const user = kv.user ?? kv.usr ?? kv.username ?? kv.ruser
  if (user) d.user = { name: user }
  // sshd: "Failed password for [invalid user] NAME from IP port N ssh2"
  const ssh = /(?:for (?:invalid user )?(\S+) )?from (\S+)(?: port (\d+))?/i.exec(msg)
  if (ssh && validIp(ssh[2])) {
    d.source = { ...d.source, ip: validIp(ssh[2]), ...(validPort(ssh[3]) !== undefined ? { port: validPort(ssh[3]) } : {}) }
    if (ssh[1] && !d.user) d.user = { name: ssh[1] }
  }
  // login(1): "FAILED LOGIN 1 FROM 1.2.3.4 FOR root, Authentication failure"
  const login = /FAILED LOGIN \d* ?FROM (\S+) FOR (\S+?),/i.exec(msg)
  if (login) {
    if (validIp(login[1])) d.source = { ...d.source, ip: validIp(login[1]) }
    d.user = { name: login[2]! }
  }
  let outcome: EventOutcome | undefined
  if (AUTH_FAIL.test(msg)) outcome = 'failure'
  else if (AUTH_OK.test(msg)) outcome = 'success'
  if (outcome) {
    d.event.category = union(d.event.category, ['authentication'])
    d.event.type = union(d.event.type, ['start'])
    d.event.outcome = outcome
  }
  if (/\b(connection|connect(ed)? from|syn|\bdpt=)/i.test(msg) || kv.dpt) {
    d.event.category = union(d.event.category, ['network'])
    d.event.type = union(d.event.type, ['connection'])
  }
  if (/\b(denied|drop(ped)?|block(ed)?|reject(ed)?|deny)\b/i.test(msg)) {
    d.event.type = union(d.event.type, ['denied'])
    if (!d.event.outcome) d.event.outcome = 'failure'
  }
  if (/\b(process|exec(uted)?|command|busybox|\/bin\/)/i.test(msg)) {
    d.event.category = union(d.event.category, ['process'])
    d.event.type = union(d.event.type, ['start'])
  }
  if (d.event.category.length === 0) d.event.category = ['host']
  if (d.event.type.length === 0) d.event.type = ['info']
}

const union = (a: string[], b: string[]) => [...new Set([...a, ...b])]

// ---------- syslog ----------

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

function priority(s: string): { pri: number; rest: string } {
  const m = /^<(\d{1,3})>/.exec(s)
  if (!m) malformed('syslog: missing <PRI>')
  const pri = Number(m![1])
  if (pri > 191) malformed('syslog: PRI above 191')
  return { pri, rest: s.slice(m![0].length) }
}

/** RFC 5424 STRUCTURED-DATA: [id k="v" ...]... or "-"; returns the params and the remaining text. */
function structuredData(s: string): { sd: Record<string, Record<string, string>>; rest: string } {
  if (s.startsWith('-')) return { sd: {}, rest: s.slice(1) }
  const sd: Record<string, Record<string, string>> = {}
  let i = 0
  if (s[0] !== '[') malformed('syslog: bad STRUCTURED-DATA')
  while (s[i] === '[') {
    i++
    const idm = /^[^\s=\]"]{1,32}/.exec(s.slice(i))
    if (!idm) malformed('syslog: bad SD-ID')
    const id = idm![0]
    i += id.length
    const params: Record<string, string> = {}
    while (s[i] === ' ') {
      i++
      const nm = /^([^\s=\]"]{1,32})="/.exec(s.slice(i))
      if (!nm) malformed('syslog: bad SD-PARAM')
      i += nm![0].length
      let v = ''
      for (;;) {
        const c = s[i]
        if (c === undefined) malformed('syslog: unterminated SD-PARAM value')
        if (c === '\\' && (s[i + 1] === '"' || s[i + 1] === '\\' || s[i + 1] === ']')) {
          v += s[i + 1]
          i += 2
        } else if (c === '"') {
          i++
          break
        } else {
          v += c
          i++
        }
      }
      params[nm![1]!] = v
    }
    if (s[i] !== ']') malformed('syslog: unterminated SD-ELEMENT')
    i++
    sd[id] = params
  }
  return { sd, rest: s.slice(i) }
}

const nil = (s: string | undefined) => (s === undefined || s === '-' ? undefined : s)

function parseSyslog(text: string, ctx: ParseContext): { d: Draft; dataset: string } {
  const { pri, rest } = priority(text)
  const severity = pri % 8
  const d: Draft = { '@timestamp': '', event: { kind: 'event', category: [], type: [], severity } }
  const m5424 = /^(\d{1,2}) (\S+) (\S+) (\S+) (\S+) (\S+) /.exec(rest)
  if (m5424) {
    if (m5424[1] !== '1') malformed(`syslog: unsupported version ${m5424[1]}`)
    const [, , ts, host, app, procid, msgid] = m5424
    let ms: number | undefined
    if (ts !== '-') {
      if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?(Z|[+-]\d\d:\d\d)$/.test(ts!)) malformed('syslog: bad RFC 5424 TIMESTAMP')
      ms = Date.parse(ts!)
      if (Number.isNaN(ms)) malformed('syslog: bad RFC 5424 TIMESTAMP')
    }
    const { sd, rest: after } = structuredData(rest.slice(m5424[0].length))
    if (after !== '' && after[0] !== ' ') malformed('syslog: junk after STRUCTURED-DATA')
    let msg = after.slice(1)
    if (msg.startsWith('\uFEFF')) msg = msg.slice(1)
    d['@timestamp'] = isoOr(ms, ctx)
    d.host = { hostname: nil(host) }
    d.process = { name: nil(app), pid: /^\d+$/.test(procid ?? '') ? Number(procid) : undefined }
    d.event.action = nil(msgid)
    d.message = msg
    const labels: Record<string, string> = {}
    for (const id of Object.keys(sd).sort()) for (const k of Object.keys(sd[id]!).sort()) labels[`${id}.${k}`] = sd[id]![k]!
    if (Object.keys(labels).length) d.labels = labels
    const flat = Object.entries(labels).map(([k, v]) => `${k.split('.').pop()}=${JSON.stringify(v)}`).join(' ')
    fromText(`${msg} ${flat}`, d)
    return { d, dataset: 'syslog.rfc5424' }
  }
  // RFC 3164: Mmm dd hh:mm:ss HOST TAG[pid]: MSG (HEADER optional in the wild)
  const m3164 = /^([A-Z][a-z]{2}) ([ \d]\d) (\d\d):(\d\d):(\d\d) (\S+) (.*)$/s.exec(rest)
  let msg = rest
  let ms: number | undefined
  if (m3164) {
    const mon = MONTHS.indexOf(m3164[1]!)
    const day = Number(m3164[2]!.trim())
    const [hh, mi, ss] = [Number(m3164[3]), Number(m3164[4]), Number(m3164[5])]
    if (mon < 0 || day < 1 || day > 31 || hh > 23 || mi > 59 || ss > 60) malformed('syslog: bad RFC 3164 TIMESTAMP')
    const ref = new Date(ctx.receivedAt)
    let year = ref.getUTCFullYear()
    // a December line received in January belongs to last year
    if (mon > ref.getUTCMonth() + 1) year--
    ms = Date.UTC(year, mon, day, hh, mi, ss)
    d.host = { hostname: m3164[6] }
    msg = m3164[7]!
  }
  const tag = /^([A-Za-z0-9_.\/-]{1,48})(?:\[(\d+)\])?: ?/.exec(msg)
  if (tag) {
    d.process = { name: tag[1], pid: tag[2] ? Number(tag[2]) : undefined }
    msg = msg.slice(tag[0].length)
  }
  d['@timestamp'] = isoOr(ms, ctx)
  d.message = msg
  fromText(msg, d)
  return { d, dataset: 'syslog.rfc3164' }
}

// ---------- CEF ----------

/** Splits the 7 CEF header fields; `\|` and `\\` are the only escapes allowed there. */
function cefHeader(s: string): { fields: string[]; ext: string } {
  const fields: string[] = []
  let cur = ''
  let i = 0
  while (i < s.length && fields.length < 7) {
    const c = s[i]!
    if (c === '\\') {
      const n = s[i + 1]
      if (n !== '|' && n !== '\\') malformed(`cef: bad escape "\\${n ?? ''}" in header`)
      cur += n
      i += 2
    } else if (c === '|') {
      fields.push(cur)
      cur = ''
      i++
    } else {
      cur += c
      i++
    }
  }
  if (fields.length < 7) malformed('cef: header needs 7 "|"-separated fields')
  return { fields, ext: s.slice(i) }
}

/** CEF extension: key=value pairs; a value runs until the next " key="; escapes \= \\ \n \r. */
function cefExtension(s: string): Record<string, string> {
  const out: Record<string, string> = {}
  const keyAt = /(?:^|\s)([A-Za-z0-9_.\[\]-]{1,64})=/g
  const starts: Array<{ key: string; from: number; valueAt: number }> = []
  for (const m of s.matchAll(keyAt)) {
    // a "=" preceded by a backslash is part of a value, not a key
    const eq = m.index! + m[0].length - 1
    let bs = 0
    for (let j = eq - 1; j >= 0 && s[j] === '\\'; j--) bs++
    if (bs % 2 === 1) continue
    starts.push({ key: m[1]!, from: m.index!, valueAt: eq + 1 })
  }
  if (s.trim() !== '' && (starts.length === 0 || s.slice(0, starts[0]!.from).trim() !== '')) malformed('cef: extension does not start with key=')
  starts.forEach((st, k) => {
    const raw = s.slice(st.valueAt, k + 1 < starts.length ? starts[k + 1]!.from : s.length).replace(/\s+$/, '')
    let v = ''
    for (let i = 0; i < raw.length; i++) {
      const c = raw[i]!
      if (c !== '\\') {
        if (c === '=') malformed(`cef: unescaped "=" in value of ${st.key}`)
        v += c
        continue
      }
      const n = raw[++i]
      if (n === '=' || n === '\\') v += n
      else if (n === 'n') v += '\n'
      else if (n === 'r') v += '\r'
      else malformed(`cef: bad escape "\\${n ?? ''}" in value of ${st.key}`)
    }
    out[st.key] = v
  })
  return out
}

function parseCef(text: string, ctx: ParseContext): Draft {
  const at = text.indexOf('CEF:')
  if (at < 0) malformed('cef: no "CEF:" marker')
  const { fields, ext } = cefHeader(text.slice(at + 4))
  const [version, vendor, product, devVersion, classId, name, sev] = fields
  if (!/^[01]$/.test(version!)) malformed(`cef: unsupported version ${JSON.stringify(version)}`)
  const x = cefExtension(ext)
  const sevN = /^\d{1,2}$/.test(sev!) ? Number(sev) : ({ low: 3, medium: 5, high: 8, 'very-high': 10, unknown: 0 } as Record<string, number>)[sev!.toLowerCase()]
  const d: Draft = {
    '@timestamp': '',
    event: { kind: 'event', category: [], type: [], code: classId, action: x.act ?? name, severity: sevN },
    message: name,
    observer: { vendor, product },
    labels: devVersion ? { 'observer.version': devVersion } : undefined,
  }
  let ms: number | undefined
  if (x.rt) ms = /^\d{10,13}$/.test(x.rt) ? Number(x.rt) : Date.parse(x.rt)
  d['@timestamp'] = isoOr(ms, ctx)
  const src = endpoint(x.src, x.spt)
  const dst = endpoint(x.dst, x.dpt)
  if (src) d.source = src
  if (dst) d.destination = dst
  const t = transportOf(x.proto)
  if (t) d.network = { transport: t }
  const user = x.suser ?? x.duser
  if (user) d.user = { name: user }
  const host = x.dhost ?? x.dvchost ?? x.shost
  if (host) d.host = { hostname: host }
  fromText(`${name} ${x.msg ?? ''} ${x.cat ?? ''}`, d)
  const outcome = (x.outcome ?? '').toLowerCase()
  if (/^(failure|fail|failed|denied)$/.test(outcome)) d.event.outcome = 'failure'
  else if (/^(success|succeeded|ok|allowed)$/.test(outcome)) d.event.outcome = 'success'
  return d
}

// ---------- JSON and OpenCanary ----------

const get = (o: any, path: string): unknown => path.split('.').reduce((a, k) => (a && typeof a === 'object' ? a[k] : undefined), o) ?? (o && typeof o === 'object' ? o[path] : undefined)
const first = (o: any, ...paths: string[]): unknown => {
  for (const p of paths) {
    const v = get(o, p)
    if (v !== undefined && v !== null && v !== '') return v
  }
  return undefined
}
const str = (v: unknown, max = 256): string | undefined => (typeof v === 'string' && v.length > 0 ? v.slice(0, max) : typeof v === 'number' ? String(v) : undefined)

function parseTime(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v < 1e11 ? v * 1000 : v
  if (typeof v !== 'string') return undefined
  const t = Date.parse(/^\d{4}-\d\d-\d\d \d/.test(v) && !/[zZ]|[+-]\d\d:?\d\d$/.test(v) ? v.replace(' ', 'T') + 'Z' : v)
  return Number.isNaN(t) ? undefined : t
}

function parseJson(o: Record<string, unknown>, ctx: ParseContext): Draft {
  const d: Draft = { '@timestamp': isoOr(parseTime(first(o, '@timestamp', 'timestamp', 'time', 'ts')), ctx), event: { kind: 'event', category: [], type: [] } }
  const src = endpoint(first(o, 'source.ip', 'src_ip', 'src', 'srcip', 'src_host'), first(o, 'source.port', 'src_port', 'spt', 'sport'))
  const dst = endpoint(first(o, 'destination.ip', 'dst_ip', 'dst', 'dstip', 'dst_host'), first(o, 'destination.port', 'dst_port', 'dpt', 'dport'))
  if (src) d.source = src
  if (dst) d.destination = dst
  const t = transportOf(first(o, 'network.transport', 'proto', 'protocol', 'transport'))
  if (t) d.network = { transport: t }
  const user = str(first(o, 'user.name', 'user', 'username', 'usr'))
  if (user) d.user = { name: user }
  const host = str(first(o, 'host.name', 'host.hostname', 'hostname', 'host', 'device'))
  if (host) d.host = { hostname: host }
  const msg = str(first(o, 'message', 'msg', 'event.action', 'action'), 4096)
  if (msg) d.message = msg
  const action = str(first(o, 'event.action', 'action'))
  if (action) d.event.action = action
  fromText(msg ?? '', d)
  const cat = get(o, 'event.category')
  if (Array.isArray(cat) && cat.every((c) => typeof c === 'string')) d.event.category = union(cat as string[], d.event.category.filter((c) => c !== 'host'))
  const typ = get(o, 'event.type')
  if (Array.isArray(typ) && typ.every((c) => typeof c === 'string')) d.event.type = union(typ as string[], d.event.type.filter((c) => c !== 'info'))
  const outcome = str(first(o, 'event.outcome', 'outcome', 'result'))
  if (outcome && /^(success|failure|unknown)$/.test(outcome)) d.event.outcome = outcome as EventOutcome
  // other top-level scalars have no ECS home: keep them as labels, so rules on raw names still see them
  const labels: Record<string, string> = {}
  for (const k of Object.keys(o).sort().slice(0, 64)) {
    const v = o[k]
    if ((typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') && !k.startsWith('@') && k.length <= 64) labels[k] = String(v).slice(0, 1024)
  }
  if (Object.keys(labels).length) d.labels = labels
  for (const name of ECS_OBJECTS) {
    const v = ecsObject(o[name], 1)
    if (v) (d as Record<string, unknown>)[name] = v
  }
  // the flattened form ("url.query": "…") too, nested where the object has no such member
  for (const k of Object.keys(o)) {
    const dot = k.indexOf('.')
    if (dot < 0 || !ECS_OBJECT_SET.has(k.slice(0, dot))) continue
    const v = ecsValue(o[k], 2)
    if (v !== undefined) setPath(d as Record<string, unknown>, k.split('.'), v)
  }
  return d
}

/** ECS objects a JSON input may carry whole (web server, proxy and DNS logs); others are read field by field above. */
const ECS_OBJECTS = ['url', 'http', 'user_agent', 'dns'] as const
const ECS_OBJECT_SET = new Set<string>(ECS_OBJECTS)
const ECS_MAX_DEPTH = 3
const ECS_MAX_KEYS = 64

/** A bounded copy of an input's object: at most 3 levels, 64 members each, strings cut at 4 KiB, lists of scalars. */
function ecsObject(v: unknown, depth: number): EcsObject | undefined {
  if (!v || typeof v !== 'object' || Array.isArray(v) || depth > ECS_MAX_DEPTH) return undefined
  const out: EcsObject = {}
  let n = 0
  for (const k of Object.keys(v)) {
    if (k === '__proto__' || k.length > 64) continue
    const x = ecsValue((v as Record<string, unknown>)[k], depth + 1)
    if (x === undefined) continue
    out[k] = x
    if (++n >= ECS_MAX_KEYS) break
  }
  return n ? out : undefined
}

function ecsValue(v: unknown, depth: number): EcsValue | undefined {
  if (typeof v === 'string') return v.length > 4096 ? v.slice(0, 4096) : v
  if (typeof v === 'number' || typeof v === 'boolean') return v
  if (Array.isArray(v)) {
    const xs = v.filter((x): x is string | number | boolean => typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean').slice(0, ECS_MAX_KEYS)
    return xs.map((x) => (typeof x === 'string' && x.length > 4096 ? x.slice(0, 4096) : x))
  }
  return ecsObject(v, depth)
}

/** Sets a dotted member unless something is already there (a nested object wins over its flattened form). */
function setPath(o: Record<string, unknown>, parts: string[], v: EcsValue): void {
  if (parts.length > ECS_MAX_DEPTH + 1 || parts.some((p) => p === '' || p === '__proto__' || p.length > 64)) return
  let cur = o
  for (let i = 0; i < parts.length - 1; i++) {
    const next = cur[parts[i]!]
    if (next === undefined) cur = (cur[parts[i]!] = {}) as Record<string, unknown>
    else if (next && typeof next === 'object' && !Array.isArray(next)) cur = next as Record<string, unknown>
    else return
  }
  if (cur[parts[parts.length - 1]!] === undefined) cur[parts[parts.length - 1]!] = v
}

/** OpenCanary log types (opencanary/logger.py) that this normaliser names. */
const CANARY_TYPES: Record<number, { action: string; category: string[]; type: string[]; transport?: string }> = {
  1001: { action: 'canary-boot', category: ['host'], type: ['info'] },
  2000: { action: 'ftp-login-attempt', category: ['authentication'], type: ['start'], transport: 'tcp' },
  3000: { action: 'http-get', category: ['web'], type: ['access'], transport: 'tcp' },
  3001: { action: 'http-login-attempt', category: ['authentication', 'web'], type: ['start'], transport: 'tcp' },
  4000: { action: 'ssh-new-connection', category: ['network'], type: ['connection'], transport: 'tcp' },
  4001: { action: 'ssh-remote-version-sent', category: ['network'], type: ['protocol'], transport: 'tcp' },
  4002: { action: 'ssh-login-attempt', category: ['authentication'], type: ['start'], transport: 'tcp' },
  5000: { action: 'smb-file-open', category: ['file'], type: ['access'], transport: 'tcp' },
  5001: { action: 'port-syn', category: ['network'], type: ['connection'], transport: 'tcp' },
  5002: { action: 'port-nmaposscan', category: ['network'], type: ['connection'], transport: 'tcp' },
  5003: { action: 'port-nmapnull', category: ['network'], type: ['connection'], transport: 'tcp' },
  5004: { action: 'port-nmapxmas', category: ['network'], type: ['connection'], transport: 'tcp' },
  5005: { action: 'port-nmapfin', category: ['network'], type: ['connection'], transport: 'tcp' },
  6001: { action: 'telnet-login-attempt', category: ['authentication'], type: ['start'], transport: 'tcp' },
  8001: { action: 'mysql-login-attempt', category: ['authentication', 'database'], type: ['start'], transport: 'tcp' },
  10001: { action: 'tftp', category: ['network'], type: ['access'], transport: 'udp' },
  11001: { action: 'ntp-monlist', category: ['network'], type: ['access'], transport: 'udp' },
  12001: { action: 'vnc', category: ['authentication'], type: ['start'], transport: 'tcp' },
  13001: { action: 'snmp-cmd', category: ['network'], type: ['access'], transport: 'udp' },
  14001: { action: 'rdp', category: ['authentication'], type: ['start'], transport: 'tcp' },
  15001: { action: 'sip-request', category: ['network'], type: ['access'], transport: 'udp' },
  16001: { action: 'git-clone-request', category: ['network'], type: ['access'], transport: 'tcp' },
  17001: { action: 'redis-command', category: ['database'], type: ['access'], transport: 'tcp' },
  18001: { action: 'tcp-banner', category: ['network'], type: ['connection'], transport: 'tcp' },
}

function parseOpenCanary(o: Record<string, unknown>, ctx: ParseContext): Draft {
  const lt = typeof o.logtype === 'number' ? o.logtype : Number(o.logtype)
  if (!Number.isInteger(lt)) malformed('opencanary: logtype must be an integer')
  const known = CANARY_TYPES[lt] ?? { action: `opencanary-${lt}`, category: ['intrusion_detection'], type: ['info'] }
  const logdata = o.logdata && typeof o.logdata === 'object' ? (o.logdata as Record<string, unknown>) : {}
  const d: Draft = {
    '@timestamp': isoOr(parseTime(o.utc_time ?? o.local_time_adjusted ?? o.local_time), ctx),
    event: { kind: 'event', category: union(['intrusion_detection'], known.category), type: known.type, action: known.action, code: String(lt) },
    observer: { name: str(o.node_id), product: 'opencanary', type: 'honeypot' },
  }
  const src = endpoint(o.src_host, o.src_port)
  const dst = endpoint(o.dst_host, o.dst_port)
  if (src) d.source = src
  if (dst) d.destination = dst
  if (known.transport) d.network = { transport: known.transport }
  const user = str(logdata.USERNAME ?? logdata.USER ?? logdata.username)
  if (user) d.user = { name: user }
  if (known.category.includes('authentication')) d.event.outcome = 'failure' // a honeypot login never succeeds
  const labels: Record<string, string> = {}
  for (const k of Object.keys(logdata).sort()) {
    const v = logdata[k]
    if (typeof v === 'string' || typeof v === 'number') labels[`logdata.${k}`] = String(v).slice(0, 1024)
  }
  if (Object.keys(labels).length) d.labels = labels
  const cmd = str(logdata.CMD ?? logdata.COMMAND ?? logdata.cmd, 1024)
  d.message = [known.action, cmd].filter(Boolean).join(' ')
  return d
}

// ---------- entry point ----------

function rawEvent(bytes: Uint8Array, text: string | undefined, error: string, ctx: ParseContext): SiemEvent {
  const original = text ?? 'base64:' + Buffer.from(bytes).toString('base64')
  const d: Draft = {
    '@timestamp': isoOr(undefined, ctx),
    event: { kind: 'pipeline_error', category: ['host'], type: ['info'] },
    error: { message: error },
  }
  const e = finish(d, 'raw', original, bytes, ctx)
  return { ...e, blocksiem: { category: 'E2', surface: 'S6' } }
}

function detect(text: string): Exclude<InputFormat, 'auto'> {
  const t = text.trimStart()
  if (t.startsWith('{')) return /"logtype"\s*:/.test(t) && /"node_id"|"src_host"|"dst_host"/.test(t) ? 'opencanary' : 'json'
  if (t.includes('CEF:') && (/^(<\d{1,3}>[^|]*)?CEF:\d\|/.test(t) || t.startsWith('CEF:'))) return 'cef'
  return 'syslog'
}

/** Parses one input record (a syslog line, a CEF line, a JSON document). Never throws. */
export function parseEvent(input: Uint8Array | string, format: InputFormat, ctx: ParseContext): ParseResult {
  let bytes: Uint8Array
  let text: string | undefined
  try {
    bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : input
    if (bytes.length > MAX_INPUT_BYTES) {
      const kept = bytes.subarray(0, MAX_INPUT_BYTES)
      return { ok: false, event: rawEvent(kept, undefined, `input of ${bytes.length} bytes exceeds ${MAX_INPUT_BYTES}`, ctx), error: 'oversized' }
    }
    try {
      text = typeof input === 'string' ? input : fatalUtf8.decode(bytes)
    } catch {
      return { ok: false, event: rawEvent(bytes, undefined, 'invalid UTF-8', ctx), error: 'invalid UTF-8' }
    }
    const line = text.replace(/[\r\n]+$/, '')
    if (line.trim() === '') malformed('empty input')
    const fmt = format === 'auto' ? detect(line) : format
    let d: Draft
    let dataset: string = fmt
    if (fmt === 'syslog' && format === 'auto' && line.startsWith('type=') && isAuditRecord(line)) {
      d = parseAuditd(line, ctx.receivedAt)
      dataset = 'auditd'
    } else if (fmt === 'syslog') {
      if (/[\u0000]/.test(line)) malformed('syslog: NUL byte')
      const r = parseSyslog(line, ctx)
      d = r.d
      dataset = r.dataset
      // an audit record forwarded over syslog (audisp): its fields too
      const audit = d.message?.includes('msg=audit(') ? auditFields(d.message) : undefined
      if (audit) d.auditd = audit.fields
    } else if (fmt === 'cef') {
      d = parseCef(line, ctx)
    } else {
      let o: unknown
      try {
        o = JSON.parse(line)
      } catch {
        malformed(`${fmt}: not valid JSON`)
      }
      if (!o || typeof o !== 'object' || Array.isArray(o)) malformed(`${fmt}: not a JSON object`)
      if (fmt === 'json' && format === 'auto' && isWinlogJson(o as Record<string, unknown>)) dataset = 'winlog'
      d = fmt === 'opencanary' ? parseOpenCanary(o as Record<string, unknown>, ctx) : dataset === 'winlog' ? parseWinlog(o as Record<string, unknown>, ctx.receivedAt) : parseJson(o as Record<string, unknown>, ctx)
    }
    return { ok: true, event: finish(d, dataset, line, bytes, ctx) }
  } catch (e) {
    const msg = e instanceof Malformed ? e.message : `parser error: ${(e as Error)?.message ?? String(e)}`
    try {
      return { ok: false, event: rawEvent(bytes! ?? new Uint8Array(), text, msg, ctx), error: msg }
    } catch {
      // ctx itself is unusable (e.g. a non-finite receive time): still never throw
      const safe = { ...ctx, receivedAt: 0 }
      return { ok: false, event: rawEvent(bytes! ?? new Uint8Array(), text, msg, safe), error: msg }
    }
  }
}

/** A collector's ingestion front: parses, counts and hands every event (raw ones too) on. */
export class Ingestor {
  readonly counts = { accepted: 0, malformed: 0, byDataset: {} as Record<string, number> }
  constructor(private readonly observer: SiemEvent['observer'] = {}, private readonly sink?: (e: SiemEvent) => void) {}

  ingest(input: Uint8Array | string, format: InputFormat = 'auto', receivedAt = Date.now()): ParseResult {
    const r = parseEvent(input, format, { receivedAt, observer: this.observer })
    if (r.ok) this.counts.accepted++
    else this.counts.malformed++
    this.counts.byDataset[r.event.event.dataset] = (this.counts.byDataset[r.event.event.dataset] ?? 0) + 1
    this.sink?.(r.event)
    return r
  }
}
