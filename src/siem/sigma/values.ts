/**
 * Sigma string values: wildcards and escapes as the specification defines them, the
 * transformation modifiers (windash, base64, base64offset, utf16le/utf16be/utf16/wide, expand, contains,
 * startswith, endswith) and the anchored pattern a value becomes.
 */
import { refuse } from './errors.js'

export const ANY = { w: '*' } as const
export const ONE = { w: '?' } as const
/** a literal run, `*`, `?`, or one character out of a set (windash) */
export type Piece = string | typeof ANY | typeof ONE | { alt: string[] }

/** A value: its pieces, and whether its literal characters are bytes (after a UTF-16 encoding) rather than text. */
export interface SValue {
  pieces: Piece[]
  bytes: boolean
}

function push(out: Piece[], p: Piece): void {
  const last = out[out.length - 1]
  if (typeof p === 'string' && typeof last === 'string') out[out.length - 1] = last + p
  else if (p !== '') out.push(p)
}

/**
 * `*` any run, `?` one character; `\*`, `\?`, `\\` stand for the character after the backslash;
 * any other backslash is itself (specification, "Escape Character").
 */
export function parseSigmaString(s: string): Piece[] {
  const out: Piece[] = []
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!
    if (c === '\\' && (s[i + 1] === '*' || s[i + 1] === '?' || s[i + 1] === '\\')) push(out, s[++i]!)
    else if (c === '*') push(out, ANY)
    else if (c === '?') push(out, ONE)
    else push(out, c)
  }
  return out
}

export const isLiteral = (p: Piece[]): boolean => p.every((x) => typeof x === 'string')
const literalText = (v: SValue, mod: string): string => {
  if (!isLiteral(v.pieces)) refuse(`${mod} cannot encode a value with wildcards`, { construct: mod })
  return (v.pieces as string[]).join('')
}
const bytesOf = (v: SValue, mod: string): Buffer => Buffer.from(literalText(v, mod), v.bytes ? 'latin1' : 'utf8')

export const DASHES = ['-', '/', '\u2013', '\u2014', '\u2015']

/**
 * windash as pySigma, the reference implementation, does it: a `-` or `/` that starts a word
 * (`\B[-/]\b`) stands for any of `-`, `/`, en dash, em dash and horizontal bar. A set of
 * characters gives exactly the matches of all the permutations, without enumerating them.
 */
export function windash(v: SValue): SValue[] {
  const out: Piece[] = []
  for (const p of v.pieces) {
    if (typeof p !== 'string') {
      out.push(p)
      continue
    }
    let last = 0
    for (const m of p.matchAll(/\B[-/]\b/g)) {
      push(out, p.slice(last, m.index))
      out.push({ alt: DASHES })
      last = m.index! + 1
    }
    push(out, p.slice(last))
  }
  return [{ pieces: out, bytes: v.bytes }]
}

export const base64 = (v: SValue): SValue[] => [{ pieces: [bytesOf(v, 'base64').toString('base64')], bytes: false }]

/** The three encodings of a value at byte offsets 0, 1, 2 of a base64 stream, stripped of the characters that depend on its neighbours. */
export function base64offset(v: SValue): SValue[] {
  const b = bytesOf(v, 'base64offset')
  const start = [0, 2, 3]
  const end = [undefined, -3, -2]
  return [0, 1, 2].map((i) => ({
    pieces: [Buffer.concat([Buffer.alloc(i, 0x20), b]).toString('base64').slice(start[i], end[(b.length + i) % 3])],
    bytes: false,
  }))
}

/** UTF-16 code units as bytes (LE, BE, or LE after a byte order mark); wildcards stay wildcards. */
export function utf16(v: SValue, kind: 'le' | 'be' | 'bom', mod: string): SValue[] {
  if (v.bytes) refuse(`${mod} applied to a value that is already encoded`, { construct: mod })
  const enc = (s: string) => {
    let o = ''
    for (let i = 0; i < s.length; i++) {
      const u = s.charCodeAt(i)
      o += kind === 'be' ? String.fromCharCode(u >> 8, u & 0xff) : String.fromCharCode(u & 0xff, u >> 8)
    }
    return o
  }
  const pieces = v.pieces.map((p) => (typeof p === 'string' ? enc(p) : 'alt' in p ? { alt: p.alt.map(enc) } : p))
  if (kind === 'bom') pieces.unshift('\xff\xfe')
  return [{ pieces: pieces.reduce<Piece[]>((a, p) => (push(a, p), a), []), bytes: true }]
}

/** contains / startswith / endswith: a `*` before and/or after the value, unless one is there. */
export function around(v: SValue, before: boolean, after: boolean): SValue[] {
  const p = [...v.pieces]
  if (before && p[0] !== ANY) p.unshift(ANY)
  if (after && p[p.length - 1] !== ANY) p.push(ANY)
  return [{ pieces: p, bytes: v.bytes }]
}

const MAX_EXPANSIONS = 4096

/**
 * expand: `%name%` placeholders replaced by each of the values the configuration gives them
 * (each a Sigma string, wildcards allowed); `\%` is a plain percent sign. A placeholder without
 * configured values is refused, as the specification requires of a tool that cannot resolve it.
 */
export function expand(raw: string, placeholders: Record<string, string[]> | 'any'): SValue[] {
  const segs: Array<{ lit: string } | { name: string }> = []
  let lit = ''
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!
    if (c === '\\' && raw[i + 1] === '%') {
      lit += '%'
      i++
    } else if (c === '\\' && raw[i + 1] === '\\') {
      lit += '\\\\' // an escaped backslash stays escaped for the Sigma string it is part of
      i++
    } else if (c === '%') {
      const j = raw.indexOf('%', i + 1)
      if (j < 0) refuse(`expand: unterminated placeholder in ${JSON.stringify(raw)}`, { construct: 'expand' })
      segs.push({ lit }, { name: raw.slice(i + 1, j) })
      lit = ''
      i = j
    } else lit += c
  }
  segs.push({ lit })
  let combos: string[][] = [[]]
  for (const s of segs) {
    if ('lit' in s) combos = combos.map((c) => [...c, s.lit])
    else {
      const values = placeholders === 'any' ? ['*'] : Object.hasOwn(placeholders, s.name) ? placeholders[s.name] : undefined
      if (!values || values.length === 0) refuse(`placeholder %${s.name}% has no value in the configuration`, { construct: `%${s.name}%` })
      combos = combos.flatMap((c) => values!.map((v) => [...c, v]))
      if (combos.length > MAX_EXPANSIONS) refuse(`expand: more than ${MAX_EXPANSIONS} combinations`, { construct: 'expand' })
    }
  }
  // literal text keeps Sigma's wildcard escapes; each configured value is itself a Sigma string
  return combos.map((parts) => ({ pieces: parts.flatMap((p) => parseSigmaString(p)).reduce<Piece[]>((a, p) => (push(a, p), a), []), bytes: false }))
}

const reChar = (c: string) => c.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&')

/** The value as a regular expression over the whole field (Unicode; case-insensitive unless cased). */
export function valueRegex(pieces: Piece[], cased: boolean): RegExp {
  let src = ''
  for (const p of pieces) {
    if (typeof p === 'string') src += reChar(p)
    else if (p === ANY) src += '[^]*'
    else if (p === ONE) src += '[^]'
    else if ('alt' in p) src += '(?:' + p.alt.map(reChar).join('|') + ')'
  }
  return new RegExp('^' + src + '$', cased ? 'u' : 'iu')
}

const ASCII = /^[\x00-\x7f]*$/
const folded = new Map<string, string | null>()

/** ASCII lower case of an ASCII text, else null; cached, since many rules read the same field of one event. */
function asciiFold(t: string): string | null {
  let f = folded.get(t)
  if (f === undefined) {
    if (folded.size > 4096) folded.clear()
    f = ASCII.test(t) ? t.toLowerCase() : null
    folded.set(t, f)
  }
  return f
}

/**
 * A test of a field's text against the value. Equality, prefix, suffix and substring of an ASCII
 * literal compare strings directly (for ASCII text, case-insensitive matching is ASCII case
 * folding); everything else goes through the value's regular expression.
 */
export function valueTest(pieces: Piece[], cased: boolean): (t: string) => boolean {
  const { re, op } = compileValue(pieces, cased)
  if (!op) return (t) => re.test(t)
  if (cased) return op
  return (t) => {
    const f = asciiFold(t)
    return f === null ? re.test(t) : op(f)
  }
}

/**
 * The value's regular expression, and for an ASCII literal in one of the simple shapes (equal,
 * prefix, suffix, substring, anything) the string operation that decides it on the text as it is
 * (`cased`) or ASCII-folded.
 */
function compileValue(pieces: Piece[], cased: boolean): { re: RegExp; op?: (t: string) => boolean } {
  const re = valueRegex(pieces, cased)
  const lits = pieces.filter((p): p is string => typeof p === 'string')
  const shape = pieces.map((p) => (typeof p === 'string' ? 'L' : p === ANY ? '*' : 'x')).join('')
  const lit = lits[0] ?? ''
  if (!['L', '*L', 'L*', '*L*', '', '*'].includes(shape) || !ASCII.test(lit)) return { re }
  if (shape === '*') return { re, op: () => true }
  const want = cased ? lit : lit.toLowerCase()
  const op: (t: string) => boolean =
    shape === 'L' || shape === '' ? (t) => t === want : shape === '*L' ? (t) => t.endsWith(want) : shape === 'L*' ? (t) => t.startsWith(want) : (t) => t.includes(want)
  return { re, op }
}

/**
 * Several values ORed (a rule's value list, a value's alternatives): the same as any of their
 * `valueTest`s, with the text folded once for all the string operations instead of once per value
 * (SigmaHQ's rules list dozens of `endswith` values per field).
 */
export function anyValueTest(values: Piece[][], cased: boolean): (t: string) => boolean {
  if (values.length === 1) return valueTest(values[0]!, cased)
  const ops: Array<(t: string) => boolean> = []
  const opRes: RegExp[] = [] // the same values as regular expressions, for a text that is not ASCII
  const res: RegExp[] = []
  for (const pieces of values) {
    const c = compileValue(pieces, cased)
    if (c.op) {
      ops.push(c.op)
      opRes.push(c.re)
    } else res.push(c.re)
  }
  return (t) => {
    if (ops.length) {
      const f = cased ? t : asciiFold(t)
      if (f === null) {
        for (const re of opRes) if (re.test(t)) return true
      } else for (const op of ops) if (op(f)) return true
    }
    for (const re of res) if (re.test(t)) return true
    return false
  }
}
