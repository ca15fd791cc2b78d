/**
 * Sigma filters (sigma-filters-specification.md): a document with `logsource` and
 * `filter: {rules, selection…, condition}` that suppresses the listed rules' matches on the
 * events its condition describes (the specification's example filters out the valid
 * administrator accounts). A filtered rule matches when its own detection does and the filter's
 * does not, on events of the filter's logsource.
 */
import { refuse, SigmaError } from './errors.js'
import { compileDetection, guarded, type CompileOptions, type SigmaRule } from './detection.js'
import { resolveLogsource, type Logsource } from './pipeline.js'
import { DEFAULT_PIPELINE } from './pipelines/index.js'
import type { SiemEvent } from '../ecs.js'

export interface SigmaFilter {
  id: string
  title: string
  rules: string[]
  /** whether the filter removes this event from its rules' matches */
  excludes: (e: SiemEvent) => boolean
}

export function compileFilter(doc: Record<string, unknown>, opts: CompileOptions = {}): SigmaFilter {
  const title = String(doc.title ?? doc.id ?? '(untitled)')
  try {
    const f = doc.filter as Record<string, unknown> | undefined
    if (!f || typeof f !== 'object' || Array.isArray(f)) refuse('filter must be a map', { field: 'filter', construct: 'filter' })
    const { rules, ...detection } = f!
    const list = Array.isArray(rules) ? rules.map(String) : typeof rules === 'string' ? [rules] : []
    if (list.length === 0) refuse('filter.rules must name at least one rule', { field: 'filter.rules', construct: 'rules' })
    const ls = (doc.logsource ?? {}) as Logsource
    if (typeof ls !== 'object' || Array.isArray(ls)) refuse('logsource must be a map', { field: 'logsource', construct: 'logsource' })
    const resolved = resolveLogsource(opts.pipeline ?? DEFAULT_PIPELINE, ls)
    const m = guarded(compileDetection(detection, { reader: resolved.reader, keywords: (e) => [e.event.original, e.message], placeholders: opts.placeholders ?? {} }))
    return { id: String(doc.id ?? ''), title, rules: list, excludes: (e) => resolved.applies(e) && m(e) }
  } catch (e) {
    if (e instanceof SigmaError) throw e.within(title)
    throw e
  }
}

/** The rules with every filter that names them (by id or name) applied. */
export function applyFilters(rules: SigmaRule[], filters: SigmaFilter[]): SigmaRule[] {
  return rules.map((r) => {
    const fs = filters.filter((f) => f.rules.includes(r.id) || (r.name !== undefined && f.rules.includes(r.name)))
    if (fs.length === 0) return r
    const base = r.match
    return { ...r, match: (e: SiemEvent) => base(e) && !fs.some((f) => f.excludes(e)) }
  })
}
