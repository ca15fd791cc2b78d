/**
 * The Merkle log entry of an event, fast: the canonical JSON of ecs.ts (`canonicalJson`: keys
 * sorted at every level, undefined members left out) is exactly what `JSON.stringify` writes for
 * a value whose objects all have their keys in sorted order. The parsers build events that way,
 * so this encoder only checks the order, re-sorts the few objects that are not (e.g. a member
 * added by device identity), and leaves the text to the native serialiser. Values it cannot vouch
 * for (class instances, bigint, an array holding undefined) take the general encoder: same bytes.
 */
import { canonicalJson, type SiemEvent } from './ecs.js'

const GENERAL = Symbol('general')

/** `v`, or a copy of it whose objects have sorted keys; GENERAL when JSON.stringify cannot stand in. */
function sortedForm(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return typeof v === 'bigint' || typeof v === 'function' || typeof v === 'symbol' ? GENERAL : v
  if (Array.isArray(v)) {
    let out: unknown[] | undefined
    for (let i = 0; i < v.length; i++) {
      const x = v[i]
      if (x === undefined) return GENERAL
      const c = sortedForm(x)
      if (c === GENERAL) return GENERAL
      if (c !== x) (out ??= v.slice())[i] = c
    }
    return out ?? v
  }
  const proto = Object.getPrototypeOf(v)
  if (proto !== Object.prototype && proto !== null) return GENERAL // toJSON, getters, …
  const o = v as Record<string, unknown>
  let sorted = true
  let changed: Map<string, unknown> | undefined
  let prev: string | undefined
  // for…in walks own keys in the order JSON.stringify writes them (integer-like keys first)
  for (const k in o) {
    if (k === '__proto__') return GENERAL // an own "__proto__" (from JSON.parse) cannot be copied by assignment
    if (prev !== undefined && !(prev < k)) sorted = false
    prev = k
    const x = o[k]
    if (x === undefined) continue
    const c = sortedForm(x)
    if (c === GENERAL) return GENERAL
    if (c !== x) (changed ??= new Map()).set(k, c)
  }
  if (sorted && !changed) return v
  const out: Record<string, unknown> = {}
  for (const k of Object.keys(o).sort()) if (o[k] !== undefined) out[k] = changed?.has(k) ? changed.get(k) : o[k]
  // integer-like keys ("9", "10") always enumerate first and in numeric order: no object holds them sorted as strings
  prev = undefined
  for (const k in out) {
    if (prev !== undefined && !(prev < k)) return GENERAL
    prev = k
  }
  return out
}

/** The canonical JSON text of an event (ecs.ts `canonicalJson`), by the native serialiser when it can. */
export function canonicalEntryText(e: SiemEvent): string {
  const s = sortedForm(e)
  return s === GENERAL ? canonicalJson(e) : JSON.stringify(s)
}
