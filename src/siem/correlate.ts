/**
 * Sigma correlation rules (subset): `event_count` and `value_count` with a numeric condition,
 * `temporal` (every listed rule matched within the timespan) and `temporal_ordered` (in the listed
 * order), with `group-by`, `timespan` and field `aliases` (a group-by name standing for a different
 * field in each rule's events), over the stream of (event, matching detection rules). Correlations
 * may list other correlations (chained: an alert counts as a hit of its rule's name). A window that
 * meets its condition yields one alert with its evidence (the events' hashes) and is then reset,
 * so one burst gives one alert. The value_sum/avg/percentile types are refused when compiled.
 */
import { SigmaError, getField, type SigmaRule } from './sigma.js'
import type { SiemEvent } from './ecs.js'

export type CorrelationType = 'event_count' | 'value_count' | 'temporal' | 'temporal_ordered'

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
  field?: string
  test: (n: number) => boolean
}

export interface Alert {
  rule: string // correlation rule id
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
  if (!m) throw new SigmaError(`timespan must be a number and one of s, m, h, d: ${JSON.stringify(s)}`)
  return Number(m[1]) * UNITS[m[2]!]!
}

export function compileCorrelation(doc: Record<string, unknown>): CorrelationRule {
  const c = doc.correlation as Record<string, unknown> | undefined
  if (!c || typeof c !== 'object') throw new SigmaError('correlation is required')
  const type = c.type
  if (type !== 'event_count' && type !== 'value_count' && type !== 'temporal' && type !== 'temporal_ordered') throw new SigmaError(`correlation type ${JSON.stringify(type)} is not supported yet`)
  const rules = Array.isArray(c.rules) ? c.rules.map(String) : typeof c.rules === 'string' ? [c.rules] : []
  if (rules.length === 0) throw new SigmaError('correlation.rules is required')
  if (type.startsWith('temporal') && rules.length < 2) throw new SigmaError(`a ${type} correlation needs at least two rules`)
  const groupBy = Array.isArray(c['group-by']) ? (c['group-by'] as unknown[]).map(String) : []
  const aliases: Record<string, Record<string, string>> = {}
  if (c.aliases !== undefined) {
    if (!c.aliases || typeof c.aliases !== 'object' || Array.isArray(c.aliases)) throw new SigmaError('correlation.aliases must map alias names to {rule: field}')
    for (const [alias, m] of Object.entries(c.aliases as Record<string, unknown>)) {
      if (!m || typeof m !== 'object' || Array.isArray(m) || Object.values(m).some((f) => typeof f !== 'string')) throw new SigmaError(`correlation.aliases.${alias} must map rule names to fields`)
      for (const r of Object.keys(m)) if (!rules.includes(r)) throw new SigmaError(`correlation.aliases.${alias} names ${r}, which is not one of the correlated rules`)
      aliases[alias] = m as Record<string, string>
    }
  }
  let test: (n: number) => boolean = () => true
  const cond = (c.condition ?? {}) as Record<string, unknown>
  if (type === 'event_count' || type === 'value_count') {
    const ops = Object.keys(cond).filter((k) => k !== 'field')
    if (ops.length === 0) throw new SigmaError('correlation.condition needs gt, gte, lt, lte or eq')
    const checks = ops.map((op) => {
      const n = Number(cond[op])
      if (!Number.isInteger(n)) throw new SigmaError(`condition ${op} needs an integer`)
      switch (op) {
        case 'gt': return (x: number) => x > n
        case 'gte': return (x: number) => x >= n
        case 'lt': return (x: number) => x < n
        case 'lte': return (x: number) => x <= n
        case 'eq': return (x: number) => x === n
        default: throw new SigmaError(`unknown condition operator ${op}`)
      }
    })
    if (type === 'value_count' && typeof cond.field !== 'string') throw new SigmaError('value_count needs condition.field')
    test = (x) => checks.every((f) => f(x))
  }
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
    field: typeof cond.field === 'string' ? cond.field : undefined,
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

export class Correlator {
  private readonly windows = new Map<CorrelationRule, Map<string, Entry[]>>()
  constructor(readonly rules: CorrelationRule[]) {}

  /** Feeds one event with the detection rules it matched; returns the alerts it completes. */
  push(e: SiemEvent, matched: SigmaRule[]): Alert[] {
    const fieldOf = (f: string) => {
      const v = getField(e, f)
      return v === undefined || v === null ? undefined : String(v)
    }
    let hits: Hit[] = [{ names: new Set(matched.flatMap((r) => [r.id, String(r.doc.name ?? '')])), t: Date.parse(e['@timestamp']), ts: e['@timestamp'], hashes: [e.event.hash], field: fieldOf }]
    const out: Alert[] = []
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
      const v = h.field(cr.aliases[g]?.[rule] ?? g)
      if (v === undefined) return undefined
      group[g] = v
    }
    const key = JSON.stringify(group)
    let byGroup = this.windows.get(cr)
    if (!byGroup) this.windows.set(cr, (byGroup = new Map()))
    const win = (byGroup.get(key) ?? []).filter((x) => x.t > h.t - cr.timespanMs)
    win.push({ t: h.t, ts: h.ts, hashes: h.hashes, rule, value: cr.field !== undefined ? h.field(cr.field) : undefined })
    let fired: Entry[] | undefined
    let n = win.length
    if (cr.type === 'event_count' || cr.type === 'value_count') {
      if (cr.type === 'value_count') n = new Set(win.filter((x) => x.value !== undefined).map((x) => x.value)).size
      if (cr.test(n)) fired = win
    } else fired = cr.type === 'temporal' ? allRules(cr.rules, win) : inOrder(cr.rules, win)
    if (!fired) {
      byGroup.set(key, win)
      return undefined
    }
    byGroup.delete(key)
    const evidence = [...new Set(fired.flatMap((x) => x.hashes))]
    return { rule: cr.id, title: cr.title, group, count: cr.type.startsWith('temporal') ? fired.length : n, first: fired[0]!.ts, last: fired[fired.length - 1]!.ts, evidence }
  }
}

/** temporal: every rule has a hit in the window; the evidence is the window. */
function allRules(rules: string[], win: Entry[]): Entry[] | undefined {
  const seen = new Set(win.map((x) => x.rule))
  return rules.every((r) => seen.has(r)) ? win : undefined
}

/** temporal_ordered: a hit of each rule in the listed order (earliest choices); the evidence is that sequence. */
function inOrder(rules: string[], win: Entry[]): Entry[] | undefined {
  const seq: Entry[] = []
  let from = 0
  for (const r of rules) {
    const i = win.findIndex((x, j) => j >= from && x.rule === r)
    if (i < 0) return undefined
    seq.push(win[i]!)
    from = i + 1
  }
  return seq
}
