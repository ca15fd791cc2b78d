/**
 * One detection item, `field|mod|mod: value(s)`, compiled into a predicate over an event
 * (modifiers appendix). Modifiers apply in the order written: transformations (windash, base64,
 * base64offset, utf16le/utf16be/utf16/wide, expand, contains, startswith, endswith) turn each
 * value into one or more alternatives; then one type decides how they are compared: a pattern
 * (default, case-insensitive unless `cased`), `re` (with `i` `m` `s`), `cidr`, `lt` `lte` `gt`
 * `gte`, `exists`, `fieldref`; `minute` … `year` read a date's part first; `all` links the values
 * with AND instead of OR; `neq` negates. Anything else is refused with the modifier named.
 */
import type { SiemEvent } from '../ecs.js'
import { refuse } from './errors.js'
import { scalarText, type FieldReader, type FieldValue } from './fields.js'
import { translateRegex } from './regex.js'
import { cidrTest } from './cidr.js'
import { around, anyValueTest, base64, base64offset, expand, parseSigmaString, utf16, windash, type SValue } from './values.js'

export type Matcher = (e: SiemEvent) => boolean

export interface ItemContext {
  /** how to read a named field of an event (the rule's processing pipeline) */
  reader: (field: string) => FieldReader
  /** the text a keyword (a value without a field) is searched in */
  keywords: FieldReader
  placeholders: Record<string, string[]> | 'any'
}

const TRANSFORMS = new Set(['windash', 'base64', 'base64offset', 'utf16le', 'utf16be', 'utf16', 'wide', 'expand', 'contains', 'startswith', 'endswith'])
const TYPES = new Set(['re', 'cidr', 'lt', 'lte', 'gt', 'gte', 'exists', 'fieldref'])
const TIME = new Set(['minute', 'hour', 'day', 'week', 'month', 'year'])
const FLAGS = new Set(['all', 'cased', 'neq', 'i', 'm', 's'])
const COMPARE = new Set(['lt', 'lte', 'gt', 'gte'])

const asList = (v: FieldValue): FieldValue[] => (Array.isArray(v) ? v : [v])

/** `key` is `field|mod|…`, `|mod|…` for a keyword with modifiers, or '' for plain keywords. */
export function itemMatcher(key: string, raw: unknown, ctx: ItemContext): Matcher {
  const [field, ...mods] = key.split('|')
  const keyword = field === ''
  const at = (construct: string, reason: string): never => refuse(reason, { field: key, construct })
  for (const m of mods) if (!TRANSFORMS.has(m) && !TYPES.has(m) && !TIME.has(m) && !FLAGS.has(m)) at(m, `unknown modifier "${m}"`)
  const dup = mods.find((m, i) => mods.indexOf(m) !== i)
  if (dup) at(dup, `modifier "${dup}" given twice`)
  const has = (m: string) => mods.includes(m)
  const types = mods.filter((m) => TYPES.has(m))
  if (types.length > 1) at(types[1]!, `modifiers "${types[0]}" and "${types[1]}" cannot be combined`)
  const type = types[0]
  if (keyword && type && type !== 're') at(type, `"${type}" needs a field; a keyword is searched in the event's text`)
  const times = mods.filter((m) => TIME.has(m))
  if (times.length > 1) at(times[1]!, `time modifiers "${times[0]}" and "${times[1]}" cannot be combined`)
  for (const f of ['i', 'm', 's']) if (has(f) && type !== 're') at(f, `"${f}" is a sub-modifier of "re"`)
  const values: unknown[] = Array.isArray(raw) ? raw : [raw]
  if (values.length === 0) at('list', 'empty value list')
  if (has('all') && values.length < 2) at('all', '"all" needs a list of two or more values (specification: a single value may not have it)')
  if (has('all') && has('neq')) at('neq', '"neq" and "all" cannot be combined')
  for (const v of values) if (v !== null && typeof v === 'object') at('value', 'values must be scalars')
  const read = keyword ? ctx.keywords : ctx.reader(field!)

  if (values.includes(null)) {
    if (values.length > 1) at('null', 'null cannot be part of a list of values (specification, "Special Field Values")')
    if (mods.length) at('null', `null takes no modifiers (${mods.join(', ')})`)
    if (keyword) at('null', 'a keyword cannot be null')
    return (e) => read(e) === undefined || read(e) === null
  }
  if (type === 'exists') {
    if (mods.length > 1) at('exists', '"exists" takes no other modifier')
    if (typeof raw !== 'boolean') at('exists', '"exists" needs true or false')
    return (e) => (read(e) !== undefined) === raw
  }
  const transforms = mods.filter((m) => TRANSFORMS.has(m))
  if (type && type !== 'fieldref' && transforms.length) at(transforms[0]!, `"${transforms[0]}" cannot be combined with "${type}"`)
  if ((type === 'cidr' || (type && COMPARE.has(type))) && has('cased')) at('cased', `"cased" cannot be combined with "${type}"`)
  if (type === 're' && has('cased') && has('i')) at('cased', '"cased" and "i" contradict each other') // re alone is case-sensitive already
  if (times.length && type && !COMPARE.has(type)) at(times[0]!, `"${times[0]}" cannot be combined with "${type}"`)

  // one predicate per value; a value's alternatives (base64offset, expand) are ORed
  let tests: Array<(v: FieldValue) => boolean>
  if (type === 're') {
    tests = values.map((v) => {
      if (typeof v !== 'string') return at('re', 'a regular expression must be a string')
      const re = withField(key, () => translateRegex(v, { i: has('i'), m: has('m'), s: has('s') }))
      return (x: FieldValue) => {
        const t = scalarText(x)
        return t !== undefined && re.test(t)
      }
    })
  } else if (type === 'cidr') {
    tests = values.map((v) => {
      const test = withField(key, () => cidrTest(String(v)))
      return (x: FieldValue) => typeof x === 'string' && test(x)
    })
  } else if (type && COMPARE.has(type)) {
    tests = values.map((v) => {
      const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v.trim()) ? Number(v) : NaN
      if (!Number.isFinite(n)) at(type, `"${type}" needs a number, not ${JSON.stringify(v)}`)
      const part = times[0]
      return (x: FieldValue) => {
        const f = part ? datePart(x, part) : toNumber(x)
        if (f === undefined) return false
        return type === 'gt' ? f > n : type === 'gte' ? f >= n : type === 'lt' ? f < n : f <= n
      }
    })
  } else if (times.length) {
    if (transforms.length) at(transforms[0]!, `"${transforms[0]}" cannot be combined with "${times[0]}"`)
    tests = values.map((v) => {
      const n = Number(v)
      if (!Number.isInteger(n)) at(times[0]!, `"${times[0]}" needs an integer, not ${JSON.stringify(v)}`)
      return (x: FieldValue) => datePart(x, times[0]!) === n
    })
  } else if (type === 'fieldref') {
    const bad = transforms.find((t) => !['contains', 'startswith', 'endswith'].includes(t))
    if (bad) at(bad, `"${bad}" cannot be combined with "fieldref"`)
    const cased = has('cased')
    const fold = (s: string) => (cased ? s : s.toLowerCase())
    const how = has('contains') ? 'contains' : has('startswith') ? 'startswith' : has('endswith') ? 'endswith' : 'equals'
    const refs = values.map((v) => {
      if (typeof v !== 'string' || v === '') return at('fieldref', 'fieldref needs a field name')
      return ctx.reader(v)
    })
    const self = read
    const one = (ref: FieldReader) => (e: SiemEvent) => {
      const o = scalarText(asList(ref(e)).find((x) => scalarText(x) !== undefined) as FieldValue)
      if (o === undefined) return false
      const want = fold(o)
      return asList(self(e)).some((x) => {
        const t = scalarText(x)
        if (t === undefined) return false
        const s = fold(t)
        return how === 'equals' ? s === want : how === 'contains' ? s.includes(want) : how === 'startswith' ? s.startsWith(want) : s.endsWith(want)
      })
    }
    const ms = refs.map(one)
    const pos: Matcher = has('all') ? (e) => ms.every((m) => m(e)) : (e) => ms.some((m) => m(e))
    // neq with a field reference: both fields present and different
    return has('neq') ? (e) => self(e) !== undefined && refs.every((r) => r(e) !== undefined) && !pos(e) : pos
  } else {
    const alts = values.map((v) => withField(key, () => transformValue(v as string | number | boolean, transforms, ctx.placeholders, keyword)).map((a) => a.pieces))
    // with `all` each value must match on its own; otherwise the values are one OR, tested together
    tests = (has('all') ? alts : [alts.flat()]).map((ps) => {
      const test = anyValueTest(ps, has('cased'))
      return (x: FieldValue) => {
        const t = scalarText(x)
        return t !== undefined && test(t)
      }
    })
  }
  // no array for a scalar: this runs for every item of every rule on every event
  const anyItem = (t: (x: FieldValue) => boolean) => (v: FieldValue) => (Array.isArray(v) ? v.some((x) => t(x)) : t(v))
  const per = tests.map(anyItem)
  const pos: Matcher = has('all')
    ? (e) => {
        const v = read(e)
        return per.every((t) => t(v))
      }
    : per.length === 1
      ? (e) => per[0]!(read(e))
      : (e) => {
          const v = read(e)
          return per.some((t) => t(v))
        }
  return has('neq') ? (e) => !pos(e) : pos
}

function transformValue(v: string | number | boolean, transforms: string[], placeholders: Record<string, string[]> | 'any', keyword: boolean): SValue[] {
  const s = String(v)
  let alts: SValue[] = transforms.includes('expand') ? expand(s, placeholders) : [{ pieces: typeof v === 'string' ? parseSigmaString(s) : [s], bytes: false }]
  for (const t of transforms) {
    const step = (a: SValue): SValue[] => {
      switch (t) {
        case 'windash': return windash(a)
        case 'base64': return base64(a)
        case 'base64offset': return base64offset(a)
        case 'utf16le': case 'wide': return utf16(a, 'le', t)
        case 'utf16be': return utf16(a, 'be', t)
        case 'utf16': return utf16(a, 'bom', t)
        case 'contains': return around(a, true, true)
        case 'startswith': return around(a, false, true)
        case 'endswith': return around(a, true, false)
        default: return [a] // expand: done above
      }
    }
    alts = alts.flatMap(step)
  }
  // a keyword is searched for anywhere in the text unless a position is given
  if (keyword && !transforms.some((t) => t === 'startswith' || t === 'endswith' || t === 'contains')) alts = alts.flatMap((a) => around(a, true, true))
  return alts
}

function withField<T>(key: string, f: () => T): T {
  try {
    return f()
  } catch (e) {
    if (e && typeof e === 'object' && 'within' in e && (e as { field?: string }).field === undefined) (e as { field?: string }).field = key
    throw e
  }
}

function toNumber(x: FieldValue): number | undefined {
  const n = typeof x === 'number' ? x : typeof x === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(x) ? Number(x) : NaN
  return Number.isFinite(n) ? n : undefined
}

/** The UTC minute, hour, day of month, ISO week, month (1–12) or year of a date field (ISO 8601 text or epoch milliseconds). */
export function datePart(x: FieldValue, part: string): number | undefined {
  const t = typeof x === 'number' ? x : typeof x === 'string' ? Date.parse(x) : NaN
  if (!Number.isFinite(t)) return undefined
  const d = new Date(t)
  if (Number.isNaN(d.getTime())) return undefined
  switch (part) {
    case 'minute': return d.getUTCMinutes()
    case 'hour': return d.getUTCHours()
    case 'day': return d.getUTCDate()
    case 'month': return d.getUTCMonth() + 1
    case 'year': return d.getUTCFullYear()
    default: {
      const th = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()))
      th.setUTCDate(th.getUTCDate() + 4 - (th.getUTCDay() || 7))
      return Math.ceil(((th.getTime() - Date.UTC(th.getUTCFullYear(), 0, 1)) / 86_400_000 + 1) / 7)
    }
  }
}
