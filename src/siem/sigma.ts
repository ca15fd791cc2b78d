/**
 * A Sigma (v2) detection-rule subset evaluated on normalised events.
 *
 * Supported: search identifiers that are maps (AND over fields), lists of maps (OR), keyword
 * lists (full-text contains); values with `*`/`?` wildcards (case-insensitive), lists (OR), null
 * (field absent); modifiers contains, startswith, endswith, all, re, cidr, gt, gte, lt, lte,
 * exists, cased; conditions with and/or/not, parentheses, `1 of X*`, `all of X*`, `1 of them`,
 * `all of them`. Anything else (legacy `| count()` aggregations, unknown modifiers) is refused
 * when the rule is compiled, never silently ignored.
 *
 * Field names are looked up in the event's dotted ECS paths (`source.ip`) and, failing that,
 * through an alias table for the raw names that Sigma rules use (`dst_port`, `logtype`, …).
 */
import { parseAllDocuments } from 'yaml'
import { isIP } from 'node:net'
import type { SiemEvent } from './ecs.js'

export class SigmaError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'SigmaError'
  }
}
const bad = (m: string): never => {
  throw new SigmaError(m)
}

/** Parses YAML (one or more documents) with the YAML 1.2 core schema: dates stay strings. */
export function parseSigmaYaml(text: string): Record<string, unknown>[] {
  const docs = parseAllDocuments(text, { schema: 'core' })
  const list = Array.isArray(docs) ? docs : [docs]
  return list.map((d) => {
    if (d.errors.length) bad(`YAML: ${d.errors[0]!.message}`)
    return d.toJS() as Record<string, unknown>
  }).filter((d) => d !== null && d !== undefined)
}

/** Raw Sigma field names → ECS paths of our normalised events. */
export const FIELD_ALIASES: Record<string, string[]> = {
  logtype: ['event.code'],
  dst_port: ['destination.port'],
  dst_ip: ['destination.ip'],
  dst_host: ['destination.ip'],
  src_port: ['source.port'],
  src_ip: ['source.ip'],
  src_host: ['source.ip'],
  user: ['user.name'],
  username: ['user.name'],
  pam_user: ['user.name'],
  pam_rhost: ['source.ip'],
  action: ['event.action'],
  node_id: ['observer.name'],
  hostname: ['host.hostname'],
  message: ['message'],
  'logdata.USERNAME': ['user.name', 'labels.logdata.USERNAME'],
  'logdata.PASSWORD': ['labels.logdata.PASSWORD'],
}

export type FieldValue = string | number | boolean | null | undefined | FieldValue[]

export function getField(e: SiemEvent, field: string): FieldValue {
  const direct = lookup(e, field)
  const scalarOrList = (v: unknown) => v !== undefined && (typeof v !== 'object' || v === null || Array.isArray(v))
  if (scalarOrList(direct)) return direct
  for (const alt of FIELD_ALIASES[field] ?? []) {
    const v = lookup(e, alt)
    if (scalarOrList(v)) return v
  }
  // raw fields of the input that have no ECS home are kept as labels
  const l = e.labels?.[field]
  return l
}

function lookup(o: unknown, path: string): FieldValue {
  if (o && typeof o === 'object' && path in (o as object)) return (o as Record<string, FieldValue>)[path]
  const parts = path.split('.')
  let cur: unknown = o
  for (let i = 0; i < parts.length; i++) {
    if (!cur || typeof cur !== 'object') return undefined
    const rec = cur as Record<string, unknown>
    // labels use dotted keys ("logdata.PASSWORD"): try the rest of the path as one key
    const rest = parts.slice(i).join('.')
    if (i > 0 && rest in rec) return rec[rest] as FieldValue
    cur = rec[parts[i]!]
  }
  return cur as FieldValue
}

const SUPPORTED_MODIFIERS = new Set(['contains', 'startswith', 'endswith', 'all', 're', 'cidr', 'gt', 'gte', 'lt', 'lte', 'exists', 'cased', 'i', 'm', 's'])

type Matcher = (e: SiemEvent) => boolean

function globRegex(s: string, cased: boolean, anchorStart: boolean, anchorEnd: boolean): RegExp {
  let out = ''
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!
    if (c === '\\' && (s[i + 1] === '*' || s[i + 1] === '?' || s[i + 1] === '\\')) {
      out += '\\' + s[i + 1]
      i++
    } else if (c === '*') out += '.*'
    else if (c === '?') out += '.'
    else out += c.replace(/[.+^${}()|[\]\\\/-]/g, '\\$&')
  }
  return new RegExp((anchorStart ? '^' : '') + out + (anchorEnd ? '$' : ''), cased ? 's' : 'is')
}

function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((a, o) => a * 256 + Number(o), 0)
}
function cidrMatcher(c: string): (ip: string) => boolean {
  const [net, lenS] = c.split('/')
  const len = Number(lenS)
  if (isIP(net ?? '') === 4 && Number.isInteger(len) && len >= 0 && len <= 32) {
    const size = 2 ** (32 - len)
    const base = Math.floor(ipv4ToInt(net!) / size)
    return (ip) => isIP(ip) === 4 && Math.floor(ipv4ToInt(ip) / size) === base
  }
  if (isIP(net ?? '') === 6 && Number.isInteger(len) && len >= 0 && len <= 128) {
    const bits = (ip: string) => expand6(ip).map((h) => parseInt(h, 16).toString(2).padStart(16, '0')).join('')
    const prefix = bits(net!).slice(0, len)
    return (ip) => isIP(ip) === 6 && bits(ip).startsWith(prefix)
  }
  return bad(`cidr: invalid network ${JSON.stringify(c)}`)
}
function expand6(ip: string): string[] {
  const [head, tail] = ip.split('::')
  const h = head ? head.split(':') : []
  const t = tail !== undefined ? (tail ? tail.split(':') : []) : []
  return tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t]
}

const asList = (v: FieldValue): FieldValue[] => (Array.isArray(v) ? v : [v])
const scalarText = (v: FieldValue): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined)

/** Compiles `field|mod|mod: value(s)` into a predicate over the field's value. */
function fieldMatcher(key: string, raw: unknown): Matcher {
  const [field, ...mods] = key.split('|')
  if (!field) bad('empty field name')
  for (const m of mods) if (!SUPPORTED_MODIFIERS.has(m)) bad(`unsupported modifier "${m}" on ${field}`)
  const has = (m: string) => mods.includes(m)
  const values = Array.isArray(raw) ? raw : [raw]
  if (values.length === 0) bad(`${field}: empty value list`)
  if (has('exists')) {
    const want = values[0] === true || values[0] === 'true'
    return (e) => (getField(e, field!) !== undefined && getField(e, field!) !== null) === want
  }
  const cased = has('cased')
  const tests: Array<(v: FieldValue) => boolean> = values.map((val) => {
    if (val === null) return (v) => v === undefined || v === null || v === ''
    if (typeof val === 'object') bad(`${field}: values must be scalars`)
    const s = String(val)
    if (has('re')) {
      let re: RegExp
      try {
        re = new RegExp(s, (has('i') ? 'i' : '') + (has('m') ? 'm' : '') + (has('s') ? 's' : ''))
      } catch {
        return bad(`${field}: invalid regular expression`)
      }
      return (v) => scalarText(v) !== undefined && re.test(scalarText(v)!)
    }
    if (has('cidr')) {
      const m = cidrMatcher(s)
      return (v) => typeof v === 'string' && m(v)
    }
    for (const op of ['gt', 'gte', 'lt', 'lte'] as const) {
      if (has(op)) {
        const n = Number(val)
        if (!Number.isFinite(n)) bad(`${field}|${op}: needs a number`)
        return (v) => {
          const x = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN
          if (!Number.isFinite(x)) return false
          return op === 'gt' ? x > n : op === 'gte' ? x >= n : op === 'lt' ? x < n : x <= n
        }
      }
    }
    if (typeof val === 'number' || typeof val === 'boolean') {
      return (v) => scalarText(v) === s
    }
    const re = globRegex(s, cased, !has('contains') && !has('endswith'), !has('contains') && !has('startswith'))
    return (v) => scalarText(v) !== undefined && re.test(scalarText(v)!)
  })
  const all = has('all')
  return (e) => {
    const v = getField(e, field!)
    const items = asList(v)
    const one = (t: (x: FieldValue) => boolean) => items.some((x) => t(x))
    return all ? tests.every(one) : tests.some(one)
  }
}

/** Keyword search: the event's message and original text. */
function keywordMatcher(words: unknown[]): Matcher {
  const res = words.map((w) => {
    if (typeof w !== 'string' && typeof w !== 'number') bad('keywords must be strings')
    return globRegex(String(w), false, false, false)
  })
  return (e) => {
    const text = `${e.message ?? ''}\n${e.event.original}`
    return res.some((r) => r.test(text))
  }
}

function searchMatcher(name: string, def: unknown): Matcher {
  if (Array.isArray(def)) {
    if (def.length === 0) bad(`${name}: empty list`)
    if (def.every((d) => d && typeof d === 'object' && !Array.isArray(d))) {
      const ms = def.map((d, i) => searchMatcher(`${name}[${i}]`, d))
      return (e) => ms.some((m) => m(e))
    }
    return keywordMatcher(def)
  }
  if (def && typeof def === 'object') {
    const ms = Object.entries(def as Record<string, unknown>).map(([k, v]) => fieldMatcher(k, v))
    if (ms.length === 0) bad(`${name}: empty map`)
    return (e) => ms.every((m) => m(e))
  }
  if (typeof def === 'string' || typeof def === 'number') return keywordMatcher([def])
  return bad(`${name}: a search identifier must be a map, a list or a keyword`)
}

// ---------- conditions ----------

type Cond = { op: 'id'; name: string } | { op: 'not'; a: Cond } | { op: 'and' | 'or'; a: Cond; b: Cond } | { op: 'of'; quant: 'one' | 'all'; pattern: string }

function parseCondition(text: string): Cond {
  if (text.includes('|')) bad(`legacy aggregation conditions ("| count() …") are not supported; use a correlation rule`)
  const toks = text.match(/\(|\)|[^\s()]+/g) ?? []
  let i = 0
  const peek = () => toks[i]
  const next = () => toks[i++]
  const primary = (): Cond => {
    const t = next()
    if (t === undefined) return bad('condition ends too early')
    if (t === '(') {
      const c = orExpr()
      if (next() !== ')') bad('condition: missing ")"')
      return c
    }
    if (t.toLowerCase() === 'not') return { op: 'not', a: primary() }
    if (t === '1' || t.toLowerCase() === 'all') {
      if (peek()?.toLowerCase() === 'of') {
        next()
        const p = next()
        if (!p || p === '(' || p === ')') bad('condition: "of" needs a pattern or "them"')
        return { op: 'of', quant: t === '1' ? 'one' : 'all', pattern: p! }
      }
    }
    if (['and', 'or', ')'].includes(t.toLowerCase())) bad(`condition: unexpected "${t}"`)
    return { op: 'id', name: t }
  }
  const andExpr = (): Cond => {
    let c = primary()
    while (peek()?.toLowerCase() === 'and') {
      next()
      c = { op: 'and', a: c, b: primary() }
    }
    return c
  }
  const orExpr = (): Cond => {
    let c = andExpr()
    while (peek()?.toLowerCase() === 'or') {
      next()
      c = { op: 'or', a: c, b: andExpr() }
    }
    return c
  }
  const c = orExpr()
  if (i !== toks.length) bad(`condition: unexpected "${toks[i]}"`)
  return c
}

function compileCond(c: Cond, searches: Map<string, Matcher>): Matcher {
  switch (c.op) {
    case 'id': {
      const m = searches.get(c.name)
      if (!m) bad(`condition names an unknown search identifier "${c.name}"`)
      return m!
    }
    case 'not': {
      const a = compileCond(c.a, searches)
      return (e) => !a(e)
    }
    case 'and': {
      const a = compileCond(c.a, searches)
      const b = compileCond(c.b, searches)
      return (e) => a(e) && b(e)
    }
    case 'or': {
      const a = compileCond(c.a, searches)
      const b = compileCond(c.b, searches)
      return (e) => a(e) || b(e)
    }
    case 'of': {
      const names = [...searches.keys()].filter((n) => (c.pattern === 'them' ? !n.startsWith('_') : globRegex(c.pattern, true, true, true).test(n)))
      if (names.length === 0) bad(`"${c.pattern}" matches no search identifier`)
      const ms = names.map((n) => searches.get(n)!)
      return c.quant === 'one' ? (e) => ms.some((m) => m(e)) : (e) => ms.every((m) => m(e))
    }
  }
}

export interface SigmaRule {
  id: string
  title: string
  level?: string
  logsource: Record<string, string>
  tags: string[]
  doc: Record<string, unknown>
  match: Matcher
}

/** Compiles one Sigma detection rule (a parsed YAML document). */
export function compileRule(doc: Record<string, unknown>): SigmaRule {
  if (!doc || typeof doc !== 'object') bad('a rule must be a YAML map')
  if (doc.correlation) bad('a correlation rule is not a detection rule')
  const det = doc.detection as Record<string, unknown> | undefined
  if (!det || typeof det !== 'object') bad('detection is required')
  let condition = det!.condition
  if (Array.isArray(condition)) {
    if (condition.length !== 1) bad('only a single condition is supported')
    condition = condition[0]
  }
  if (typeof condition !== 'string') bad('detection.condition must be a string')
  const searches = new Map<string, Matcher>()
  for (const [k, v] of Object.entries(det!)) if (k !== 'condition' && k !== 'timeframe') searches.set(k, searchMatcher(k, v))
  const match = compileCond(parseCondition(condition as string), searches)
  return {
    id: String(doc.id ?? ''),
    title: String(doc.title ?? ''),
    level: typeof doc.level === 'string' ? doc.level : undefined,
    logsource: (doc.logsource ?? {}) as Record<string, string>,
    tags: Array.isArray(doc.tags) ? (doc.tags as string[]) : [],
    doc,
    match: (e) => {
      try {
        return match(e)
      } catch {
        return false
      }
    },
  }
}

/** Whether the rule's logsource can apply to an event (product/service by dataset). */
export function logsourceApplies(rule: SigmaRule, e: SiemEvent): boolean {
  const p = rule.logsource.product
  if (p === 'opencanary') return e.event.dataset === 'opencanary'
  return true
}

export function evaluate(rules: SigmaRule[], e: SiemEvent): SigmaRule[] {
  return rules.filter((r) => logsourceApplies(r, e) && r.match(e))
}
