/**
 * Sigma's `re` values are PCRE (modifiers appendix, "Regular Expression"); JavaScript's RegExp
 * reads some of the same text differently. This translator rewrites a PCRE pattern into a
 * JavaScript pattern with the same meaning, or refuses it naming the construct; it never passes
 * text through that JavaScript would read otherwise. What it pins down:
 * - `.` is any character but `\n` (with `s`: any character); `$` also matches before a final
 *   `\n`; with `m`, `^`/`$` are at `\n` line breaks only (JavaScript's also break at `\r`, U+2028, U+2029);
 * - `\s` is PCRE's `[\t\n\v\f\r ]` (JavaScript's includes Unicode spaces), `\v`/`\h` are PCRE's
 *   vertical/horizontal space classes, `\A` `\z` `\Z` `\Q…\E` `\e` `\a` `\x{…}` are translated;
 * - a leading `(?i)` `(?s)` `(?m)` sets the flag; `(?P<n>…)`, `(?'n'…)`, `(?P=n)` become named groups;
 * - a `]` first in a class is literal, POSIX classes (`[:alpha:]`) are expanded, a lone `{`/`}` is literal;
 * - refused: possessive quantifiers, atomic groups, inline flags elsewhere, recursion, conditionals,
 *   branch reset, `\K` `\R` `\X` `\G` `\p` `\C` `\N` `\u` `\l` `\L` `\U` `\E` and other letter escapes,
 *   octal escapes, back-references to groups not yet opened, `{,n}`.
 * Matching is on code points (the `u` flag); case-insensitive matching uses Unicode simple case folding,
 * so `\w \W \b \B` are refused together with `i`: JavaScript's then also take U+017F and U+212A
 * (which fold to s and k) as word characters, PCRE's do not.
 */
import { refuse } from './errors.js'

export interface ReFlags { i: boolean; m: boolean; s: boolean }

const SPACE = '\\t\\n\\v\\f\\r '
const VSPACE = '\\n\\v\\f\\r\\x85\\u2028\\u2029'
const HSPACE = '\\t \\xa0\\u1680\\u180e\\u2000-\\u200a\\u202f\\u205f\\u3000'
const POSIX: Record<string, string> = {
  alpha: 'A-Za-z', digit: '0-9', alnum: '0-9A-Za-z', upper: 'A-Z', lower: 'a-z', space: SPACE, blank: ' \\t',
  xdigit: '0-9A-Fa-f', word: '0-9A-Za-z_', punct: '!-\\/:-@\\[-`{-~', cntrl: '\\x00-\\x1f\\x7f', print: ' -~', graph: '!-~', ascii: '\\x00-\\x7f',
}
const SIMPLE: Record<string, string> = { n: '\\n', r: '\\r', t: '\\t', f: '\\f', e: '\\x1b', a: '\\x07' }

const unsupported = (what: string, pattern: string): never =>
  refuse(`unsupported regular expression construct ${what} in ${JSON.stringify(pattern)}`, { construct: what })

const syntax = (c: string) => ('\\^$.*+?()[]{}|/'.includes(c) ? '\\' + c : c)
const inClass = (c: string) => ('\\]^-['.includes(c) ? '\\' + c : c)

/** Translates a PCRE pattern with Sigma's i/m/s sub-modifiers into a JavaScript RegExp (an unanchored search). */
export function translateRegex(pattern: string, flags: ReFlags): RegExp {
  let { i: ci, m: ml, s: dotall } = flags
  let p = pattern
  for (let lead = /^\(\?([imsx]+)\)/.exec(p); lead; lead = /^\(\?([imsx]+)\)/.exec(p)) {
    for (const f of lead[1]!) {
      if (f === 'i') ci = true
      else if (f === 'm') ml = true
      else if (f === 's') dotall = true
      else unsupported(`inline flag (?${f})`, pattern)
    }
    p = p.slice(lead[0].length)
  }
  let out = ''
  let groups = 0
  const names = new Set<string>()
  let i = 0
  const quantFollows = () => i < p.length && '*+?{'.includes(p[i]!)
  const quantifier = () => {
    // after an atom: *, +, ?, {n}, {n,}, {n,m}, then lazy `?`; possessive `+` is refused
    const c = p[i]
    if (c === '*' || c === '+' || c === '?') {
      out += c
      i++
    } else if (c === '{') {
      const m = /^\{(\d*)(,?)(\d*)\}/.exec(p.slice(i))
      if (!m || (m[1] === '' && m[3] === '')) {
        out += '\\{'
        i++
        return
      }
      if (m[1] === '') unsupported(`quantifier ${m[0]} (no lower bound)`, pattern)
      out += m[0]
      i += m[0].length
    } else return
    if (p[i] === '?') {
      out += '?'
      i++
    } else if (p[i] === '+') unsupported(`possessive quantifier ${p.slice(i - 1, i + 1)}`, pattern)
    if (quantFollows() && p[i] !== '{') unsupported(`repeated quantifier ${p.slice(i - 1, i + 1)}`, pattern)
  }
  const escape = (cls: boolean): string => {
    // p[i] is the backslash
    const c = p[i + 1]
    if (c === undefined) return unsupported('trailing backslash', pattern)
    i += 2
    if (Object.hasOwn(SIMPLE, c)) return SIMPLE[c]!
    switch (c) {
      case 'd': case 'D': return '\\' + c
      // with \`i\`, JavaScript counts U+017F and U+212A (which fold to s, k) as word characters for \\w \\W \\b \\B; PCRE does not
      case 'w': case 'W':
        return ci ? unsupported(`\\${c} with case-insensitive matching (JavaScript's also takes U+017F and U+212A)`, pattern) : '\\' + c
      case 's': return cls ? SPACE : `[${SPACE}]`
      case 'S': return cls ? unsupported('\\S inside a character class', pattern) : `[^${SPACE}]`
      case 'v': return cls ? VSPACE : `[${VSPACE}]`
      case 'h': return cls ? HSPACE : `[${HSPACE}]`
      case 'V': return cls ? unsupported('\\V inside a character class', pattern) : `[^${VSPACE}]`
      case 'H': return cls ? unsupported('\\H inside a character class', pattern) : `[^${HSPACE}]`
      case 'b': return cls ? '\\x08' : ci ? unsupported("\\b with case-insensitive matching (JavaScript's also takes U+017F and U+212A as word characters)", pattern) : '\\b'
      case 'B': return cls ? unsupported('\\B inside a character class', pattern) : ci ? unsupported("\\B with case-insensitive matching (JavaScript's also takes U+017F and U+212A as word characters)", pattern) : '\\B'
      case 'A': return cls ? unsupported('\\A inside a character class', pattern) : '(?<![^])'
      case 'z': return cls ? unsupported('\\z inside a character class', pattern) : '(?![^])'
      case 'Z': return cls ? unsupported('\\Z inside a character class', pattern) : '(?=\\n?(?![^]))'
      case 'x': {
        const braced = /^\{([0-9a-fA-F]{1,6})\}/.exec(p.slice(i))
        if (braced) {
          i += braced[0].length
          return `\\u{${braced[1]}}`
        }
        const two = /^[0-9a-fA-F]{1,2}/.exec(p.slice(i))
        if (!two) return unsupported('\\x without hex digits', pattern)
        i += two[0].length
        return `\\x${two[0].padStart(2, '0')}`
      }
      case '0':
        if (/[0-7]/.test(p[i] ?? '')) return unsupported('octal escape', pattern)
        return '\\0'
    }
    if (/[1-9]/.test(c)) {
      if (cls) return unsupported(`octal escape \\${c} in a character class`, pattern)
      const n = Number(c + (/^\d*/.exec(p.slice(i))?.[0] ?? ''))
      i += String(n).length - 1
      if (n > groups) return unsupported(`back-reference \\${n} to a group not yet opened`, pattern)
      return `\\${n}`
    }
    if (c === 'Q') {
      const end = p.indexOf('\\E', i)
      const lit = p.slice(i, end < 0 ? p.length : end)
      i = end < 0 ? p.length : end + 2
      return [...lit].map(cls ? inClass : syntax).join('')
    }
    if (/[a-zA-Z]/.test(c)) return unsupported(`escape \\${c}`, pattern)
    return cls ? inClass(c) : syntax(c)
  }
  const charClass = () => {
    // p[i] is '['
    i++
    let body = ''
    let negate = false
    if (p[i] === '^') {
      negate = true
      i++
    }
    if (p[i] === ']') {
      body += '\\]'
      i++
    }
    for (;;) {
      const c = p[i]
      if (c === undefined) return unsupported('unterminated character class', pattern)
      if (c === ']') {
        i++
        break
      }
      if (c === '[' && p[i + 1] === ':') {
        const m = /^\[:(\^?)([a-z]+):\]/.exec(p.slice(i))
        if (!m || !Object.hasOwn(POSIX, m[2]!)) return unsupported(`POSIX class ${m?.[0] ?? '[:'}`, pattern)
        if (m[1]) return unsupported(`negated POSIX class ${m[0]}`, pattern)
        body += POSIX[m[2]!]
        i += m[0].length
      } else if (c === '\\') body += escape(true)
      else if (c === '[') {
        body += '\\['
        i++
      } else {
        body += c === '-' && (body === '' || p[i + 1] === ']') ? '\\-' : c
        i++
      }
    }
    out += '[' + (negate ? '^' : '') + body + ']'
  }
  while (i < p.length) {
    const c = p[i]!
    if (c === '\\') {
      const before = i
      const e = escape(false)
      out += e
      if (p[before + 1] === 'Q') continue
    } else if (c === '[') charClass()
    else if (c === '.') {
      out += dotall ? '[^]' : '[^\\n]'
      i++
    } else if (c === '^') {
      out += ml ? '(?:(?<![^])|(?<=\\n)(?=[^]))' : '(?<![^])'
      i++
      continue
    } else if (c === '$') {
      out += ml ? '(?=\\n|(?![^]))' : '(?=\\n?(?![^]))'
      i++
      continue
    } else if (c === '(') {
      const rest = p.slice(i)
      if (rest.startsWith('(?#')) {
        const end = p.indexOf(')', i)
        if (end < 0) unsupported('unterminated comment', pattern)
        i = end + 1
        continue
      }
      const named = /^\(\?(?:P?<([A-Za-z_][A-Za-z0-9_]*)>|'([A-Za-z_][A-Za-z0-9_]*)')/.exec(rest)
      const backNamed = /^\(\?P=([A-Za-z_][A-Za-z0-9_]*)\)/.exec(rest)
      if (backNamed) {
        if (!names.has(backNamed[1]!)) unsupported(`back-reference (?P=${backNamed[1]}) to a group not yet opened`, pattern)
        out += `\\k<${backNamed[1]}>`
        i += backNamed[0].length
      } else if (named) {
        const name = named[1] ?? named[2]!
        names.add(name)
        groups++
        out += `(?<${name}>`
        i += named[0].length
        continue
      } else if (rest.startsWith('(?:') || rest.startsWith('(?=') || rest.startsWith('(?!') || rest.startsWith('(?<=') || rest.startsWith('(?<!')) {
        const len = rest.startsWith('(?<') ? 4 : 3
        out += rest.slice(0, len)
        i += len
        continue
      } else if (rest.startsWith('(?')) {
        const what = rest.startsWith('(?>') ? 'atomic group (?>' : rest.startsWith('(?|') ? 'branch reset (?|' : rest.startsWith('(?(') ? 'conditional (?(' : /^\(\?(R|[+-]?\d+|&\w+|P>\w+)\)/.test(rest) ? `recursion ${/^\(\?[^)]*\)/.exec(rest)![0]}` : /^\(\?[-a-zA-Z]+[:)]/.test(rest) ? `inline flags ${/^\(\?[-a-zA-Z]+[:)]/.exec(rest)![0]} (only a leading (?i) (?m) (?s) is supported)` : `group ${rest.slice(0, 3)}`
        unsupported(what, pattern)
      } else {
        groups++
        out += '('
        i++
        continue
      }
    } else if (c === '|') {
      out += c
      i++
      continue
    } else if (c === ')') {
      out += c
      i++
    } else if (c === '*' || c === '+' || c === '?' || (c === '{' && /^\{\d*,?\d*\}/.test(p.slice(i)) && p.slice(i, i + 2) !== '{}')) {
      return unsupported(`quantifier ${c} with nothing to repeat`, pattern)
    } else if (c === '{' || c === '}' || c === ']') {
      out += '\\' + c
      i++
    } else {
      out += syntax(c)
      i += c.length
    }
    quantifier()
  }
  try {
    return new RegExp(out, ci ? 'iu' : 'u')
  } catch (e) {
    return refuse(`invalid regular expression ${JSON.stringify(pattern)}: ${(e as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /, '')}`, { construct: 're' })
  }
}
