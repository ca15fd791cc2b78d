/**
 * Detection conditions (specification, "Condition"): `and`, `or`, `not`, brackets,
 * `1 of PATTERN`, `all of PATTERN`, `1 of them`, `all of them` (them: every search identifier
 * not starting with `_`; a pattern's `*` is any run of characters). Precedence, least binding
 * first: or, and, not, `x of`, brackets. A list of conditions is their OR. The legacy aggregation
 * (`| count() …`) and `near` are refused: correlation rules replace them.
 */
import { refuse } from './errors.js'
import type { Matcher } from './modifiers.js'

export type Cond =
  | { op: 'id'; name: string }
  | { op: 'not'; a: Cond }
  | { op: 'and' | 'or'; a: Cond; b: Cond }
  | { op: 'of'; quant: 'one' | 'all'; pattern: string }

export function parseCondition(text: string): Cond {
  const at = (reason: string, construct = 'condition'): never => refuse(`${reason} in ${JSON.stringify(text)}`, { field: 'condition', construct })
  if (text.includes('|')) at('legacy aggregation ("| count() …") is not part of Sigma v2; use a correlation rule', '|')
  const toks = text.match(/\(|\)|[^\s()]+/g) ?? []
  if (toks.length === 0) at('empty condition')
  if (toks.some((t) => t.toLowerCase() === 'near')) at('"near" is not part of Sigma v2; use a temporal correlation rule', 'near')
  let i = 0
  const peek = () => toks[i]?.toLowerCase()
  const next = () => toks[i++]
  const primary = (): Cond => {
    const t = next()
    if (t === undefined) return at('condition ends too early')
    const l = t.toLowerCase()
    if (t === '(') {
      const c = orExpr()
      if (next() !== ')') at('missing ")"')
      return c
    }
    if (l === 'not') return { op: 'not', a: primary() }
    if ((t === '1' || l === 'all') && peek() === 'of') {
      next()
      const p = next()
      if (!p || p === '(' || p === ')' || ['and', 'or', 'not'].includes(p.toLowerCase())) at('"of" needs a pattern or "them"')
      return { op: 'of', quant: t === '1' ? 'one' : 'all', pattern: p! }
    }
    if (peek() === 'of') at(`"${t} of" is not a Sigma quantifier (only "1 of" and "all of")`, `${t} of`)
    if (['and', 'or', ')', 'of'].includes(l)) at(`unexpected "${t}"`)
    if (!/^[A-Za-z0-9_.\-*]+$/.test(t)) at(`"${t}" is not a search identifier`)
    if (t.includes('*')) at(`a pattern ("${t}") needs "1 of" or "all of"`)
    return { op: 'id', name: t }
  }
  const andExpr = (): Cond => {
    let c = primary()
    while (peek() === 'and') {
      next()
      c = { op: 'and', a: c, b: primary() }
    }
    return c
  }
  const orExpr = (): Cond => {
    let c = andExpr()
    while (peek() === 'or') {
      next()
      c = { op: 'or', a: c, b: andExpr() }
    }
    return c
  }
  const c = orExpr()
  if (i !== toks.length) at(`unexpected "${toks[i]}"`)
  return c
}

const patternRe = (p: string) => new RegExp('^' + p.replace(/[.+^${}()|[\]\\?-]/g, '\\$&').replace(/\*/g, '.*') + '$')

export function compileCondition(c: Cond, searches: Map<string, Matcher>): Matcher {
  switch (c.op) {
    case 'id': {
      const m = searches.get(c.name)
      if (!m) refuse(`condition names an unknown search identifier "${c.name}"`, { field: 'condition', construct: c.name })
      return m!
    }
    case 'not': {
      const a = compileCondition(c.a, searches)
      return (e) => !a(e)
    }
    case 'and': {
      const a = compileCondition(c.a, searches)
      const b = compileCondition(c.b, searches)
      return (e) => a(e) && b(e)
    }
    case 'or': {
      const a = compileCondition(c.a, searches)
      const b = compileCondition(c.b, searches)
      return (e) => a(e) || b(e)
    }
    case 'of': {
      const re = patternRe(c.pattern)
      const names = [...searches.keys()].filter((n) => (c.pattern === 'them' ? !n.startsWith('_') : re.test(n)))
      if (names.length === 0) refuse(`"${c.pattern}" matches no search identifier`, { field: 'condition', construct: c.pattern })
      const ms = names.map((n) => searches.get(n)!)
      return c.quant === 'one' ? (e) => ms.some((m) => m(e)) : (e) => ms.every((m) => m(e))
    }
  }
}
