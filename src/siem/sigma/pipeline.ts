/**
 * Processing pipelines, as pySigma has them: which events a rule's `logsource` lets it see, and
 * where each field a rule names lives in our ECS events. A pipeline is data (`pipelines/*.ts`):
 * items keyed by a logsource (product/category/service), each with an event condition and/or a
 * field map (which may hold for some of the events only: Security 4688 names Sysmon's `Image`
 * `NewProcessName`). A rule gets every item whose logsource
 * keys all equal its own; the rule sees an event when every such item's condition holds. A field the items do not map is read at its own
 * path, then under the matched items' prefixes, then through the pipeline's generic names, then
 * from `labels`.
 */
import type { SiemEvent } from '../ecs.js'
import { firstOf, pathReader, scalarText, type FieldReader } from './fields.js'

export type Logsource = { product?: string; category?: string; service?: string }

/** An event condition: every path holds one of its values (case-insensitive); a list of them is an OR. */
export type EventCondition = Record<string, Array<string | number>>

export interface PipelineItem {
  logsource: Logsource
  /** the events a rule of this logsource sees (ANDed over the rule's items) */
  when?: EventCondition | EventCondition[]
  /** Sigma field → ECS paths */
  fields?: Record<string, string[]>
  /** the events `fields` holds for (all the rule's events when absent) */
  fieldsWhen?: EventCondition | EventCondition[]
  /** where a field no map names is looked for, e.g. `winlog.event_data.` */
  prefixes?: string[]
}

export interface Pipeline {
  name: string
  items: PipelineItem[]
  /** generic Sigma names → ECS paths, for every rule */
  fields: Record<string, string[]>
}

export interface ResolvedLogsource {
  /** whether the rule may see the event (one function per distinct logsource, so callers may memoise it per event) */
  applies: (e: SiemEvent) => boolean
  /** how to read a field the rule names */
  reader: (field: string) => FieldReader
  /** the items that matched, for documentation and tests */
  items: PipelineItem[]
  /** the logsource names a product or service no item knows: no event we ingest comes from it */
  inert: boolean
}

const lower = (v: unknown) => String(v).toLowerCase()

function conditionTest(c: EventCondition | EventCondition[] | undefined): ((e: SiemEvent) => boolean) | undefined {
  if (c === undefined) return undefined
  const alts = (Array.isArray(c) ? c : [c]).map((one) => {
    const checks = Object.entries(one).map(([path, values]) => {
      const want = new Set(values.map(lower))
      const read = pathReader(path)
      return (e: SiemEvent) => {
        const v = read(e)
        const items = Array.isArray(v) ? v : [v]
        return items.some((x) => scalarText(x as never) !== undefined && want.has(lower(x)))
      }
    })
    return (e: SiemEvent) => checks.every((f) => f(e))
  })
  return alts.length === 1 ? alts[0] : (e) => alts.some((f) => f(e))
}

const matches = (item: Logsource, rule: Logsource) =>
  (['product', 'category', 'service'] as const).every((k) => item[k] === undefined || (rule[k] !== undefined && lower(item[k]) === lower(rule[k])))

const cache = new WeakMap<Pipeline, Map<string, ResolvedLogsource>>()

/**
 * A logsource resolved against the pipeline. A logsource naming a product that no item knows is
 * inert: it sees no event, since none of our inputs is known to come from it (an operator who
 * ingests it adds items for it). A logsource without a product (`category: firewall`,
 * `service: netflow`) sees every event unless items say otherwise.
 */
export function resolveLogsource(pipeline: Pipeline, logsource: Logsource): ResolvedLogsource {
  const key = JSON.stringify([logsource.product, logsource.category, logsource.service].map((x) => (x === undefined ? null : lower(x))))
  let byKey = cache.get(pipeline)
  if (!byKey) cache.set(pipeline, (byKey = new Map()))
  let r = byKey.get(key)
  if (!r) byKey.set(key, (r = resolve(pipeline, logsource)))
  return r
}

function resolve(pipeline: Pipeline, logsource: Logsource): ResolvedLogsource {
  const items = pipeline.items.filter((i) => matches(i.logsource, logsource))
  const inert = logsource.product !== undefined && !pipeline.items.some((i) => i.logsource.product !== undefined && lower(i.logsource.product) === lower(logsource.product))
  const tests = items.map((i) => conditionTest(i.when)).filter((t): t is (e: SiemEvent) => boolean => t !== undefined)
  const applies = inert ? () => false : tests.length === 0 ? () => true : tests.length === 1 ? tests[0]! : (e: SiemEvent) => tests.every((t) => t(e))
  const prefixes = items.flatMap((i) => i.prefixes ?? [])
  const cache = new Map<string, FieldReader>()
  const reader = (field: string): FieldReader => {
    let r = cache.get(field)
    if (r) return r
    const generic = firstOf([field, ...prefixes.map((p) => p + field), ...(Object.hasOwn(pipeline.fields, field) ? pipeline.fields[field]! : []), `labels.${field}`])
    // a map that holds only for some events (Security 4688's NewProcessName is Sysmon's Image) is tried first, for those events
    const specific = items
      .filter((i) => i.fields !== undefined && Object.hasOwn(i.fields, field))
      .map((i) => ({ when: conditionTest(i.fieldsWhen) ?? (() => true), read: firstOf(i.fields![field]!) }))
    r = specific.length === 0 ? generic : (e) => {
      for (const s of specific) if (s.when(e)) {
        const v = s.read(e)
        if (v !== undefined) return v
      }
      return generic(e)
    }
    cache.set(field, r)
    return r
  }
  return { applies, reader, items, inert }
}
