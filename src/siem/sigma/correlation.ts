/**
 * Sigma correlation rules (sigma-correlation-rules-specification.md) over the stream of
 * (event, matching detection rules): `event_count`, `value_count` (distinct values of one field,
 * or of several fields together), `temporal` (every listed rule matched within the timespan),
 * `temporal_ordered` (in the listed order), and the metrics `value_sum`, `value_avg` and
 * `value_percentile`, with `group-by`, `timespan`, field `aliases` (a group-by name standing for a
 * different field in each rule's events) and `generate` (the listed detection rules also alert on
 * their own). The condition is a map of `gt` `gte` `lt` `lte` `eq` `neq`, ANDed; for the temporal
 * types it counts the listed rules that matched (in order, for temporal_ordered), all of them
 * when there is none. Correlations may
 * list other correlations (an alert counts as a hit of its rule's name). A window that meets its
 * condition yields one alert with its evidence (the events' hashes) and is then reset, so one
 * burst gives one alert.
 *
 * `value_percentile` is read as the specification's example describes it: the share, in percent,
 * of the group's events in the window whose field has the value the new event has; `lte: 1` fires
 * when a value is as rare as 1 % of them.
 */
import { refuse } from './errors.js'
import type { SigmaRule } from './detection.js'
import { scalarText } from './fields.js'
import { resolveLogsource } from './pipeline.js'
import { DEFAULT_PIPELINE } from './pipelines/index.js'
import type { SiemEvent } from '../ecs.js'

export const CORRELATION_TYPES = ['event_count', 'value_count', 'temporal', 'temporal_ordered', 'value_sum', 'value_avg', 'value_percentile'] as const
export type CorrelationType = (typeof CORRELATION_TYPES)[number]

export interface CorrelationRule {
  id: string
  name: string
  title: string
  level?: string
  type: CorrelationType
  rules: string[] // names or ids of detection rules, or of other correlations (chained)
  groupBy: string[]
  /** group-by alias -> (rule name -> the field that rule's events carry for it) */
  aliases: Record<string, Record<string, string>>
  timespanMs: number
  /** condition.field: one field, or several whose values are counted together (value_count) */
  fields: string[]
  field?: string
  /** whether the listed detection rules also alert on their own */
  generate: boolean
  /** the condition on the count (or metric); for temporal types undefined means: every listed rule */
  test?: (n: number) => boolean
}

export interface Alert {
  rule: string // correlation rule id (or the detection rule's id for `generate`)
  title: string
  group: Record<string, string>
  count: number
  first: string
  last: string
  evidence: string[] // event.hash of each event in the window, oldest first
}

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }

export function parseTimespan(s: unknown): number {
  const m = typeof s === 'string' ? /^(\d+)([smhd])$/.exec(s) : null
  if (!m || Number(m[1]) === 0) refuse(`timespan must be a positive number and one of s, m, h, d: ${JSON.stringify(s)}`, { field: 'correlation.timespan', construct: 'timespan' })
  return Number(m![1]) * UNITS[m![2]!]!
}

const OPS: Record<string, (x: number, n: number) => boolean> = {
  gt: (x, n) => x > n,
  gte: (x, n) => x >= n,
  lt: (x, n) => x < n,
  lte: (x, n) => x <= n,
  eq: (x, n) => x === n,
  neq: (x, n) => x !== n,
}

export function compileCorrelation(doc: Record<string, unknown>): CorrelationRule {
  const rule = String(doc.title ?? doc.name ?? doc.id ?? '(untitled)')
  const at = (field: string, construct: string, reason: string): never => refuse(reason, { rule, field: `correlation.${field}`, construct })
  const c = doc.correlation as Record<string, unknown> | undefined
  if (!c || typeof c !== 'object' || Array.isArray(c)) return refuse('correlation must be a map', { rule, field: 'correlation', construct: 'correlation' })
  const type = c.type as CorrelationType
  if (!CORRELATION_TYPES.includes(type)) at('type', String(c.type), `unknown correlation type ${JSON.stringify(c.type)}`)
  const rules = Array.isArray(c.rules) ? c.rules.map(String) : typeof c.rules === 'string' ? [c.rules] : []
  if (rules.length === 0) at('rules', 'rules', 'correlation.rules is required')
  if (type.startsWith('temporal') && rules.length < 2) at('rules', type, `a ${type} correlation needs at least two rules`)
  const gb = c['group-by']
  if (gb !== undefined && !Array.isArray(gb) && typeof gb !== 'string') at('group-by', 'group-by', 'group-by must be a list of fields')
  const groupBy = gb === undefined ? [] : (Array.isArray(gb) ? gb : [gb]).map(String)
  const aliases: Record<string, Record<string, string>> = {}
  if (c.aliases !== undefined) {
    if (!c.aliases || typeof c.aliases !== 'object' || Array.isArray(c.aliases)) at('aliases', 'aliases', 'aliases must map alias names to {rule: field}')
    for (const [alias, m] of Object.entries(c.aliases as Record<string, unknown>)) {
      if (!m || typeof m !== 'object' || Array.isArray(m) || Object.values(m).some((f) => typeof f !== 'string')) at(`aliases.${alias}`, 'aliases', 'must map rule names to fields')
      for (const r of Object.keys(m as object)) if (!rules.includes(r)) at(`aliases.${alias}`, r, `names ${r}, which is not one of the correlated rules`)
      aliases[alias] = m as Record<string, string>
    }
  }
  if (c.generate !== undefined && typeof c.generate !== 'boolean') at('generate', 'generate', 'generate must be true or false')
  let test: ((n: number) => boolean) | undefined
  const cond = c.condition
  const counted = type !== 'temporal' && type !== 'temporal_ordered'
  if (cond !== undefined && (!cond || typeof cond !== 'object' || Array.isArray(cond))) at('condition', 'condition', 'condition must be a map')
  const cm = (cond ?? {}) as Record<string, unknown>
  const ops = Object.keys(cm).filter((k) => k !== 'field')
  if (counted && ops.length === 0) at('condition', 'condition', 'condition needs gt, gte, lt, lte, eq or neq')
  const checks = ops.map((op) => {
    if (!Object.hasOwn(OPS, op)) at('condition', op, `unknown condition operator ${op}`)
    const n = Number(cm[op])
    const metric = type === 'value_sum' || type === 'value_avg' || type === 'value_percentile'
    if (typeof cm[op] !== 'number' || !Number.isFinite(n) || (!metric && !Number.isInteger(n))) at(`condition.${op}`, op, `needs ${metric ? 'a number' : 'an integer'}`)
    return (x: number) => OPS[op]!(x, n)
  })
  if (ops.length) test = (x) => checks.every((f) => f(x))
  const fieldSpec = cm.field
  const fields = fieldSpec === undefined ? [] : (Array.isArray(fieldSpec) ? fieldSpec : [fieldSpec]).map(String)
  if (fieldSpec !== undefined && (fields.length === 0 || (Array.isArray(fieldSpec) ? fieldSpec : [fieldSpec]).some((f) => typeof f !== 'string'))) at('condition.field', 'field', 'field must be a field name or a list of them')
  if (type !== 'event_count' && counted && fields.length === 0) at('condition.field', type, `${type} needs condition.field`)
  if (fields.length > 1 && type !== 'value_count') at('condition.field', type, `${type} takes one field`)
  return {
    id: String(doc.id ?? ''),
    name: String(doc.name ?? ''),
    title: String(doc.title ?? ''),
    level: typeof doc.level === 'string' ? doc.level : undefined,
    type,
    rules,
    groupBy,
    aliases,
    timespanMs: parseTimespan(c.timespan),
    fields,
    field: fields[0],
    generate: c.generate === true,
    test,
  }
}

/** Something a correlation counts: an event that matched detection rules, or an alert of another correlation. */
interface Hit {
  names: Set<string>
  t: number
  ts: string
  hashes: string[]
  /** the field values of the hit: the event's fields, or the group of the alert */
  field(name: string): string | undefined
}

interface Entry { t: number; ts: string; hashes: string[]; value?: string; rule?: string }

/** How many rounds of chained correlations one event may set off (a correlation of correlations of …). */
const MAX_CHAIN = 4

const genericRead = resolveLogsource(DEFAULT_PIPELINE, {}).reader

export class Correlator {
  private readonly windows = new Map<CorrelationRule, Map<string, Entry[]>>()
  private readonly generated: Set<string>
  constructor(readonly rules: CorrelationRule[]) {
    this.generated = new Set(rules.filter((r) => r.generate).flatMap((r) => r.rules))
  }

  /** Feeds one event with the detection rules it matched; returns the alerts it completes. */
  push(e: SiemEvent, matched: SigmaRule[]): Alert[] {
    const fieldOf = (f: string) => {
      for (const r of matched) {
        const v = scalarText(r.read(f)(e) as never)
        if (v !== undefined) return v
      }
      return scalarText(genericRead(f)(e) as never)
    }
    const out: Alert[] = []
    for (const r of matched) {
      if (this.generated.has(r.id) || (r.name !== undefined && this.generated.has(r.name))) {
        out.push({ rule: r.id, title: r.title, group: {}, count: 1, first: e['@timestamp'], last: e['@timestamp'], evidence: [e.event.hash] })
      }
    }
    let hits: Hit[] = [{ names: new Set(matched.flatMap((r) => [r.id, String(r.doc.name ?? '')])), t: Date.parse(e['@timestamp']), ts: e['@timestamp'], hashes: [e.event.hash], field: fieldOf }]
    for (let round = 0; round < MAX_CHAIN && hits.length; round++) {
      const next: Hit[] = []
      for (const cr of this.rules) {
        for (const h of hits) {
          const a = this.pushHit(cr, h)
          if (!a) continue
          out.push(a)
          next.push({ names: new Set([cr.id, cr.name].filter(Boolean)), t: Date.parse(a.last), ts: a.last, hashes: a.evidence, field: (f) => a.group[f] })
        }
      }
      hits = next
    }
    return out
  }

  private pushHit(cr: CorrelationRule, h: Hit): Alert | undefined {
    const rule = cr.rules.find((r) => h.names.has(r))
    if (rule === undefined) return undefined
    const group: Record<string, string> = {}
    for (const g of cr.groupBy) {
      const alias = Object.hasOwn(cr.aliases, g) && Object.hasOwn(cr.aliases[g]!, rule) ? cr.aliases[g]![rule] : undefined
      const v = h.field(alias ?? g)
      if (v === undefined) return undefined
      group[g] = v
    }
    const key = JSON.stringify(group)
    let byGroup = this.windows.get(cr)
    if (!byGroup) this.windows.set(cr, (byGroup = new Map()))
    const win = (byGroup.get(key) ?? []).filter((x) => x.t > h.t - cr.timespanMs)
    let value: string | undefined
    if (cr.fields.length) {
      const vs = cr.fields.map((f) => h.field(f))
      value = vs.some((v) => v === undefined) ? undefined : cr.fields.length === 1 ? vs[0] : JSON.stringify(vs)
    }
    const entry: Entry = { t: h.t, ts: h.ts, hashes: h.hashes, rule, value }
    win.push(entry)
    let fired: Entry[] | undefined
    let n = win.length
    switch (cr.type) {
      case 'event_count':
        break
      case 'value_count':
        n = new Set(win.filter((x) => x.value !== undefined).map((x) => x.value)).size
        break
      case 'value_sum':
      case 'value_avg': {
        const nums = win.map((x) => (x.value !== undefined && /^\s*-?\d+(\.\d+)?\s*$/.test(x.value) ? Number(x.value) : undefined)).filter((x): x is number => x !== undefined)
        const sum = nums.reduce((a, b) => a + b, 0)
        if (nums.length === 0) n = NaN
        else n = cr.type === 'value_sum' ? sum : sum / nums.length
        break
      }
      case 'value_percentile': {
        const withValue = win.filter((x) => x.value !== undefined)
        n = value === undefined || withValue.length === 0 ? NaN : (100 * withValue.filter((x) => x.value === value).length) / withValue.length
        break
      }
    }
    if (cr.type === 'temporal') fired = distinctRules(cr, win)
    else if (cr.type === 'temporal_ordered') fired = inOrder(cr, win)
    else if (!Number.isNaN(n) && cr.test!(n)) fired = win
    if (!fired) {
      byGroup.set(key, win)
      return undefined
    }
    byGroup.delete(key)
    const evidence = [...new Set(fired.flatMap((x) => x.hashes))]
    const count = cr.type.startsWith('temporal') ? fired.length : cr.type === 'event_count' || cr.type === 'value_count' ? n : fired.length
    return { rule: cr.id, title: cr.title, group, count, first: fired[0]!.ts, last: fired[fired.length - 1]!.ts, evidence }
  }
}

/** temporal: how many of the listed rules have a hit in the window (all of them, or as the condition says); the evidence is the window. */
function distinctRules(cr: CorrelationRule, win: Entry[]): Entry[] | undefined {
  const seen = new Set(win.map((x) => x.rule))
  const n = cr.rules.filter((r) => seen.has(r)).length
  return (cr.test ? cr.test(n) : n === cr.rules.length) ? win : undefined
}

/** temporal_ordered: hits of the listed rules in their order (earliest choices; all of them, or as many as the condition says); the evidence is that sequence. */
function inOrder(cr: CorrelationRule, win: Entry[]): Entry[] | undefined {
  const seq: Entry[] = []
  let from = 0
  for (const r of cr.rules) {
    const i = win.findIndex((x, j) => j >= from && x.rule === r)
    if (i < 0) break
    seq.push(win[i]!)
    from = i + 1
  }
  const ok = cr.test ? cr.test(seq.length) : seq.length === cr.rules.length
  return ok && seq.length > 0 ? seq : undefined
}
