/**
 * Sigma correlation rules (subset): `event_count` and `value_count` with `group-by`, `timespan`
 * and a numeric condition, over the stream of (event, matching detection rules). A window that
 * meets its condition yields one alert with its evidence (the events' hashes) and is then reset,
 * so one burst gives one alert. `temporal`/`temporal_ordered` and the value_sum/avg/percentile
 * types are refused when compiled (not yet supported).
 */
import { SigmaError, getField, type SigmaRule } from './sigma.js'
import type { SiemEvent } from './ecs.js'

export interface CorrelationRule {
  id: string
  name: string
  title: string
  level?: string
  type: 'event_count' | 'value_count'
  rules: string[] // names or ids of detection rules
  groupBy: string[]
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
  if (type !== 'event_count' && type !== 'value_count') throw new SigmaError(`correlation type ${JSON.stringify(type)} is not supported yet`)
  const rules = Array.isArray(c.rules) ? c.rules.map(String) : typeof c.rules === 'string' ? [c.rules] : []
  if (rules.length === 0) throw new SigmaError('correlation.rules is required')
  const groupBy = Array.isArray(c['group-by']) ? (c['group-by'] as unknown[]).map(String) : []
  const cond = (c.condition ?? {}) as Record<string, unknown>
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
  return {
    id: String(doc.id ?? ''),
    name: String(doc.name ?? ''),
    title: String(doc.title ?? ''),
    level: typeof doc.level === 'string' ? doc.level : undefined,
    type,
    rules,
    groupBy,
    timespanMs: parseTimespan(c.timespan),
    field: typeof cond.field === 'string' ? cond.field : undefined,
    test: (x) => checks.every((f) => f(x)),
  }
}

interface Entry { t: number; hash: string; value?: string; ts: string }

export class Correlator {
  private readonly windows = new Map<string, Map<string, Entry[]>>()
  constructor(readonly rules: CorrelationRule[]) {}

  /** Feeds one event with the detection rules it matched; returns the alerts it completes. */
  push(e: SiemEvent, matched: SigmaRule[]): Alert[] {
    const names = new Set(matched.flatMap((r) => [r.id, String(r.doc.name ?? '')]))
    const t = Date.parse(e['@timestamp'])
    const out: Alert[] = []
    for (const cr of this.rules) {
      if (!cr.rules.some((r) => names.has(r))) continue
      const group: Record<string, string> = {}
      let complete = true
      for (const g of cr.groupBy) {
        const v = getField(e, g)
        if (v === undefined || v === null) complete = false
        group[g] = String(v)
      }
      if (!complete) continue
      const key = JSON.stringify(group)
      let byGroup = this.windows.get(cr.id)
      if (!byGroup) this.windows.set(cr.id, (byGroup = new Map()))
      const win = (byGroup.get(key) ?? []).filter((x) => x.t > t - cr.timespanMs)
      const value = cr.field !== undefined ? getField(e, cr.field) : undefined
      win.push({ t, hash: e.event.hash, ts: e['@timestamp'], value: value === undefined || value === null ? undefined : String(value) })
      const n = cr.type === 'event_count' ? win.length : new Set(win.filter((x) => x.value !== undefined).map((x) => x.value)).size
      if (cr.test(n)) {
        out.push({ rule: cr.id, title: cr.title, group, count: n, first: win[0]!.ts, last: win[win.length - 1]!.ts, evidence: win.map((x) => x.hash) })
        byGroup.delete(key)
      } else byGroup.set(key, win)
    }
    return out
  }
}
