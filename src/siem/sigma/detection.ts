/**
 * Sigma (v2) detection rules compiled into predicates over our normalised events
 * (sigma-rules-specification.md, "Detection"): a search identifier is a map (AND over its
 * items), a list of maps (OR), or keywords (a list of values, OR; `'|all':` for AND) searched for
 * in the event's text; the condition combines them. Fields are read, and the events a rule sees
 * chosen, by a processing pipeline (pipeline.ts). Everything the rule says is compiled or the
 * rule is refused with a SigmaError naming the rule, the field and the construct.
 */
import type { SiemEvent } from '../ecs.js'
import { SigmaError, refuse } from './errors.js'
import type { FieldReader, FieldValue } from './fields.js'
import { itemMatcher, type ItemContext, type Matcher } from './modifiers.js'
import { compileCondition, parseCondition } from './condition.js'
import { resolveLogsource, type Logsource, type Pipeline } from './pipeline.js'
import { DEFAULT_PIPELINE } from './pipelines/index.js'

export interface CompileOptions {
  pipeline?: Pipeline
  /** values of `%placeholder%`s for the `expand` modifier; 'any': every placeholder stands for `*` (a structural check only) */
  placeholders?: Record<string, string[]> | 'any'
}

export interface SigmaRule {
  id: string
  name?: string
  title: string
  level?: string
  logsource: Logsource
  tags: string[]
  doc: Record<string, unknown>
  /** whether the rule's logsource lets it see the event (the pipeline's logsource conditions) */
  applies: (e: SiemEvent) => boolean
  /** the detection alone (no logsource check); never throws */
  match: Matcher
  /** reads a field the way this rule's pipeline does (for correlation group-by) */
  read: (field: string) => FieldReader
}

/** The text keywords are searched in: the message, the original input, a Windows event's data values, an audit record's decoded values. */
const texts = new WeakMap<SiemEvent, FieldValue[]>()
const keywordText: FieldReader = (e) => {
  let out = texts.get(e)
  if (out) return out
  out = [e.event.original]
  if (e.message !== undefined) out.push(e.message)
  for (const data of [e.winlog?.event_data, e.auditd?.data]) if (data) for (const k of Object.keys(data)) out.push(data[k]!)
  texts.set(e, out)
  return out
}

function searchMatcher(name: string, def: unknown, ctx: ItemContext): Matcher {
  if (Array.isArray(def)) {
    if (def.length === 0) refuse('empty list', { field: name, construct: 'list' })
    const maps = def.filter((d) => d && typeof d === 'object' && !Array.isArray(d))
    const words = def.filter((d) => !(d && typeof d === 'object'))
    if (maps.length + words.length !== def.length) refuse('a list holds maps or values, not lists', { field: name, construct: 'list' })
    const ms = maps.map((d, i) => searchMatcher(`${name}[${i}]`, d, ctx))
    if (words.length) ms.push(itemMatcher('', words, ctx))
    return ms.length === 1 ? ms[0]! : (e) => ms.some((m) => m(e))
  }
  if (def && typeof def === 'object') {
    const ms = Object.entries(def as Record<string, unknown>).map(([k, v]) => {
      if (k === '') refuse('empty field name', { field: name, construct: 'field' })
      return itemMatcher(k, v, ctx)
    })
    if (ms.length === 0) refuse('empty map', { field: name, construct: 'map' })
    return ms.length === 1 ? ms[0]! : (e) => ms.every((m) => m(e))
  }
  if (typeof def === 'string' || typeof def === 'number') return itemMatcher('', [def], ctx)
  return refuse('a search identifier must be a map, a list or a keyword', { field: name, construct: typeof def })
}

/** Compiles the `detection` section (search identifiers and condition) of a rule or a filter. */
export function compileDetection(det: unknown, ctx: ItemContext): Matcher {
  if (!det || typeof det !== 'object' || Array.isArray(det)) refuse('detection must be a map', { field: 'detection', construct: 'detection' })
  const d = det as Record<string, unknown>
  let condition = d.condition
  if (typeof condition === 'string') condition = [condition]
  if (!Array.isArray(condition) || condition.length === 0 || condition.some((c) => typeof c !== 'string')) refuse('detection.condition must be a string or a list of strings', { field: 'condition', construct: 'condition' })
  const searches = new Map<string, Matcher>()
  for (const [k, v] of Object.entries(d)) {
    if (k === 'condition' || k === 'timeframe') continue
    try {
      searches.set(k, searchMatcher(k, v, ctx))
    } catch (e) {
      if (e instanceof SigmaError && e.field !== undefined && !e.field.startsWith(k)) throw new SigmaError(e.reason, { field: `${k}.${e.field}`, construct: e.construct })
      if (e instanceof SigmaError && e.field === undefined) throw new SigmaError(e.reason, { field: k, construct: e.construct })
      throw e
    }
  }
  const ms = (condition as string[]).map((c) => compileCondition(parseCondition(c), searches))
  return ms.length === 1 ? ms[0]! : (e) => ms.some((m) => m(e))
}

const label = (doc: Record<string, unknown>) => String(doc.title ?? doc.name ?? doc.id ?? '(untitled)')

/** Compiles one Sigma detection rule (a parsed YAML document). */
export function compileRule(doc: Record<string, unknown>, opts: CompileOptions = {}): SigmaRule {
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) refuse('a rule must be a YAML map', { construct: 'document' })
  const rule = label(doc)
  try {
    if (doc.correlation) refuse('a correlation rule is not a detection rule', { construct: 'correlation' })
    if (doc.filter) refuse('a filter is not a detection rule', { construct: 'filter' })
    const ls = doc.logsource ?? {}
    if (typeof ls !== 'object' || Array.isArray(ls)) refuse('logsource must be a map', { field: 'logsource', construct: 'logsource' })
    const logsource = ls as Logsource
    const resolved = resolveLogsource(opts.pipeline ?? DEFAULT_PIPELINE, logsource)
    const ctx: ItemContext = { reader: resolved.reader, keywords: keywordText, placeholders: opts.placeholders ?? {} }
    const match = compileDetection(doc.detection, ctx)
    return {
      id: String(doc.id ?? ''),
      name: typeof doc.name === 'string' ? doc.name : undefined,
      title: String(doc.title ?? ''),
      level: typeof doc.level === 'string' ? doc.level : undefined,
      logsource,
      tags: Array.isArray(doc.tags) ? (doc.tags as string[]) : [],
      doc,
      applies: resolved.applies,
      match: guarded(match),
      read: resolved.reader,
    }
  } catch (e) {
    if (e instanceof SigmaError) throw e.within(rule)
    throw e
  }
}

/** A predicate that never throws (a field of an unexpected shape makes it false). */
export function guarded(m: Matcher): Matcher {
  return (e) => {
    try {
      return m(e)
    } catch {
      return false
    }
  }
}

/** The rules whose logsource lets them see the event and whose detection matches it. */
export function evaluate(rules: SigmaRule[], e: SiemEvent): SigmaRule[] {
  // rules of one logsource share its `applies`: decide it once per event
  const seen = new Map<SigmaRule['applies'], boolean>()
  const out: SigmaRule[] = []
  for (const r of rules) {
    let a = seen.get(r.applies)
    if (a === undefined) seen.set(r.applies, (a = r.applies(e)))
    if (a && r.match(e)) out.push(r)
  }
  return out
}
