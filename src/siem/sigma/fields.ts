/** Reading a field of a normalised event by its dotted path (`source.ip`, `winlog.event_data.Image`). */
import type { SiemEvent } from '../ecs.js'

export type FieldValue = string | number | boolean | null | undefined | FieldValue[]
export type FieldReader = (e: SiemEvent) => FieldValue

const usable = (v: unknown) => v !== undefined && (typeof v !== 'object' || v === null || Array.isArray(v))

/** The value at a dotted path; a key that itself holds dots (labels' `logdata.PASSWORD`) is found too. */
export function lookup(o: unknown, path: string): FieldValue {
  if (o && typeof o === 'object' && Object.hasOwn(o, path)) return (o as Record<string, FieldValue>)[path]
  const parts = path.split('.')
  let cur: unknown = o
  for (let i = 0; i < parts.length; i++) {
    if (!cur || typeof cur !== 'object' || Array.isArray(cur)) return undefined
    const rec = cur as Record<string, unknown>
    if (i > 0) {
      const rest = parts.slice(i).join('.')
      if (Object.hasOwn(rec, rest)) return rec[rest] as FieldValue
    }
    cur = Object.hasOwn(rec, parts[i]!) ? rec[parts[i]!] : undefined
  }
  return cur as FieldValue
}

/** A reader of one path, its parts split once (the common case: plain nested keys). */
export function pathReader(path: string): FieldReader {
  const parts = path.split('.')
  const rests = parts.map((_, i) => parts.slice(i).join('.'))
  return (e) => {
    if (Object.hasOwn(e, path)) return (e as unknown as Record<string, FieldValue>)[path]
    let cur: unknown = e
    for (let i = 0; i < parts.length; i++) {
      if (!cur || typeof cur !== 'object' || Array.isArray(cur)) return undefined
      const rec = cur as Record<string, unknown>
      if (i > 0 && Object.hasOwn(rec, rests[i]!)) return rec[rests[i]!] as FieldValue
      if (!Object.hasOwn(rec, parts[i]!)) return undefined
      cur = rec[parts[i]!]
    }
    return cur as FieldValue
  }
}

/** A reader that takes the first path holding a scalar or a list. */
export function firstOf(paths: string[]): FieldReader {
  const ps = [...new Set(paths)].map(pathReader)
  if (ps.length === 1) {
    const p = ps[0]!
    return (e) => {
      const v = p(e)
      return usable(v) ? v : undefined
    }
  }
  return (e) => {
    for (const p of ps) {
      const v = p(e)
      if (usable(v)) return v
    }
    return undefined
  }
}

/** A field value as text (numbers and booleans as written), or undefined for objects and absence. */
export const scalarText = (v: FieldValue): string | undefined =>
  typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined
