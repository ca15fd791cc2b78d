// Every value modifier of the Sigma modifiers appendix, wildcards, escapes, null and empty values,
// each with events that must and must not match (sigma-appendix-modifiers.md, sigma-rules-specification.md).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { SigmaError } from '../../src/siem/sigma/errors.js'
import { PolisError } from '../../src/base/errors.js'
import { hit, rule } from './sigma-helpers.js'

const refused = (detection: Record<string, unknown>, construct: RegExp | string, opts = {}) =>
  assert.throws(() => rule(detection, opts), (e: unknown) => {
    assert.ok(e instanceof SigmaError && e instanceof PolisError, String(e))
    assert.equal(e.rule, 'conformance')
    if (typeof construct === 'string') assert.equal(e.construct, construct, e.message)
    else assert.match(e.message, construct)
    return true
  })

test('wildcards: ? is one character, * any run; matching is case-insensitive unless cased', () => {
  assert.equal(hit('Image', 'prog?.exe', { Image: 'progA.exe' }), true)
  assert.equal(hit('Image', 'prog?.exe', { Image: 'prog.exe' }), false)
  assert.equal(hit('Image', 'prog?.exe', { Image: 'progAB.exe' }), false)
  assert.equal(hit('Image', 'antivirus_V*.exe', { Image: 'antivirus_V21.2.1.exe' }), true)
  assert.equal(hit('Image', 'antivirus_V*.exe', { Image: 'xantivirus_V1.exe' }), false, 'a value without * is anchored')
  assert.equal(hit('Image', 'CMD.EXE', { Image: 'cmd.exe' }), true)
  assert.equal(hit('Image|cased', 'CMD.EXE', { Image: 'cmd.exe' }), false)
  assert.equal(hit('Image|cased', 'cmd.exe', { Image: 'cmd.exe' }), true)
  assert.equal(hit('Image', 'c.d', { Image: 'cxd' }), false, 'regex characters are literal')
})

test('escapes exactly as the specification lists them', () => {
  // \* and \? are the characters themselves
  assert.equal(hit('F', 'a\\*b', { F: 'a*b' }), true)
  assert.equal(hit('F', 'a\\*b', { F: 'axxb' }), false)
  assert.equal(hit('F', 'a\\?b', { F: 'a?b' }), true)
  assert.equal(hit('F', 'a\\?b', { F: 'axb' }), false)
  // a plain backslash can be written \ or \\
  assert.equal(hit('F', 'C:\\Windows\\System32', { F: 'C:\\Windows\\System32' }), true)
  assert.equal(hit('F', 'C:\\\\Windows', { F: 'C:\\Windows' }), true)
  // \\* is a backslash followed by a wildcard
  assert.equal(hit('F', 'C:\\\\*', { F: 'C:\\Users\\x' }), true)
  assert.equal(hit('F', 'C:\\\\*', { F: 'C:Users' }), false)
  // \\\* is a backslash and a plain *
  assert.equal(hit('F', 'a\\\\\\*', { F: 'a\\*' }), true)
  assert.equal(hit('F', 'a\\\\\\*', { F: 'a\\xyz' }), false)
  // three or four backslashes are two
  assert.equal(hit('F', 'a\\\\\\\\b', { F: 'a\\\\b' }), true)
  assert.equal(hit('F', 'a\\\\\\b', { F: 'a\\\\b' }), true)
  assert.equal(hit('F', 'a\\\\\\\\b', { F: 'a\\b' }), false)
})

test("null is an absent field; '' is an empty value; null in a list is refused", () => {
  assert.equal(hit('F', null, {}), true)
  assert.equal(hit('F', null, { F: null }), true)
  assert.equal(hit('F', null, { F: '' }), false)
  assert.equal(hit('F', null, { F: 'x' }), false)
  assert.equal(hit('F', '', { F: '' }), true)
  assert.equal(hit('F', '', {}), false)
  refused({ sel: { F: ['', null] } }, 'null')
})

test('contains, startswith, endswith; numbers and booleans as strings', () => {
  assert.equal(hit('C|contains', 'mimi', { C: 'x MIMIkatz y' }), true)
  assert.equal(hit('C|contains', 'mimi', { C: 'x mim y' }), false)
  assert.equal(hit('C|startswith', 'adm', { C: 'Administrator' }), true)
  assert.equal(hit('C|startswith', 'adm', { C: 'xadm' }), false)
  assert.equal(hit('C|endswith', '\\cmd.exe', { C: 'C:\\Windows\\cmd.exe' }), true)
  assert.equal(hit('C|endswith', '\\cmd.exe', { C: 'C:\\Windows\\cmd.exe.bak' }), false)
  assert.equal(hit('C|contains', 'a*c', { C: 'xxabbbcxx' }), true, 'wildcards inside contains')
  assert.equal(hit('EventID', 4688, { EventID: '4688' }), true)
  assert.equal(hit('EventID', 4688, { EventID: 4688 }), true)
  assert.equal(hit('EventID', 4688, { EventID: 46880 }), false)
  assert.equal(hit('blocked', false, { blocked: 'False' }), true)
  assert.equal(hit('F', ['a', 'b'], { F: 'b' }), true, 'a value list is an OR')
  assert.equal(hit('F', 'b', { F: ['a', 'b'] }), true, 'a field holding a list matches if an item does')
})

test('all links the values with AND; a single value may not have it', () => {
  assert.equal(hit('C|contains|all', ['-nop', '-enc'], { C: 'powershell -nop -w hidden -enc AAA' }), true)
  assert.equal(hit('C|contains|all', ['-nop', '-enc'], { C: 'powershell -nop' }), false)
  refused({ sel: { 'C|contains|all': 'x' } }, 'all')
})

test('windash: a dash or slash starting a word stands for - / – — ―', () => {
  const k = 'C|windash|contains'
  for (const d of ['-', '/', '\u2013', '\u2014', '\u2015']) assert.equal(hit(k, ' -enc ', { C: `powershell ${d}enc AAA` }), true, d)
  assert.equal(hit(k, ' -enc ', { C: 'powershell +enc AAA' }), false)
  assert.equal(hit(k, ['-urlcache', '-f'], { C: 'certutil /urlcache /f http://x' }), true)
  assert.equal(hit(k, 'a-b', { C: 'a/b' }), false, 'a dash inside a word stays a dash (pySigma: \\B[-/]\\b)')
  assert.equal(hit('C|windash|contains|all', ['-a', '-b'], { C: 'x /a –b' }), true)
})

test('base64, base64offset, utf16le/utf16be/utf16/wide', () => {
  assert.equal(hit('C|base64', 'cmd', { C: 'Y21k' }), true)
  assert.equal(hit('C|base64', 'cmd', { C: 'Y21kZA==' }), false)
  // the three offsets of "http://" (as pySigma documents them)
  for (const prefix of ['', 'a', 'ab']) {
    const encoded = Buffer.from(`${prefix}http://evil.example/x`).toString('base64')
    assert.equal(hit('C|base64offset|contains', 'http://', { C: `powershell -e ${encoded}` }), true, prefix)
  }
  assert.equal(hit('C|base64offset|contains', 'http://', { C: Buffer.from('ftp://x').toString('base64') }), false)
  assert.equal(hit('C|wide|base64|contains', 'cmd', { C: 'powershell -enc YwBtAGQA' }), true, 'UTF-16LE then base64: YwBtAGQA')
  assert.equal(hit('C|utf16le|base64|contains', 'cmd', { C: 'YwBtAGQA' }), true)
  assert.equal(hit('C|utf16be|base64|contains', 'cmd', { C: 'AGMAbQBk' }), true)
  assert.equal(hit('C|utf16|base64|contains', 'cmd', { C: '//5jAG0AZAA=' }), true, 'with the byte order mark FF FE')
  assert.equal(hit('C|wide|base64offset|contains', 'iex', { C: Buffer.from('xx iex (', 'utf16le').toString('base64') }), true)
  assert.equal(hit('C|wide|contains', 'cmd', { C: 'c\u0000m\u0000d\u0000' }), true, 'wide alone: the UTF-16LE bytes')
  refused({ sel: { 'C|base64': 'a*b' } }, 'base64')
})

test('re with i, m, s: PCRE meaning, unanchored, case-sensitive by default', () => {
  assert.equal(hit('C|re', 'ab+c', { C: 'xxabbbcxx' }), true)
  assert.equal(hit('C|re', 'abc', { C: 'ABC' }), false)
  assert.equal(hit('C|re|i', 'abc', { C: 'ABC' }), true)
  assert.equal(hit('C|re', '(?i)abc', { C: 'xABCx' }), true, 'a leading inline flag')
  assert.equal(hit('C|re', '^abc$', { C: 'abc\n' }), true, 'PCRE $ matches before a final newline')
  assert.equal(hit('C|re', '^abc$', { C: 'x\nabc' }), false)
  assert.equal(hit('C|re|m', '^abc$', { C: 'x\nabc\ny' }), true)
  assert.equal(hit('C|re|m', '^abc$', { C: 'x\rabc\ry' }), false, 'lines break at \\n only')
  assert.equal(hit('C|re', 'a.b', { C: 'a\nb' }), false)
  assert.equal(hit('C|re|s', 'a.b', { C: 'a\nb' }), true)
  assert.equal(hit('C|re', 'a.b', { C: 'a\rb' }), true, '. matches \\r in PCRE')
  assert.equal(hit('C|re', 'a\\sb', { C: 'a\tb' }), true)
  assert.equal(hit('C|re', 'a\\sb', { C: 'a\u00a0b' }), false, '\\s is ASCII white space in PCRE')
  assert.equal(hit('C|re', '[]x]+', { C: ']]' }), true, '] first in a class is literal')
  assert.equal(hit('C|re', '^[[:digit:]]{3}$', { C: '123' }), true, 'POSIX classes')
  assert.equal(hit('C|re', '\\Qa.b\\E', { C: 'axb' }), false, '\\Q…\\E quotes')
  assert.equal(hit('C|re', '\\Qa.b\\E', { C: 'a.b' }), true)
  assert.equal(hit('C|re', '(?P<x>ab)(?P=x)', { C: 'abab' }), true, 'Python-style named groups')
  assert.equal(hit('C|re', 'x{', { C: 'x{' }), true, 'a lone { is literal')
  assert.equal(hit('C|re', '\\Aab\\z', { C: 'ab\n' }), false)
  assert.equal(hit('C|re', '\\Aab\\Z', { C: 'ab\n' }), true)
  for (const [re, construct] of [
    ['a++', /possessive/], ['(?>a)', /atomic/], ['a(?i)b', /inline flag/], ['(?i:a)', /inline flags/], ['\\p{L}', /\\p/],
    ['\\K', /\\K/], ['(a)\\2', /back-reference/], ['\\R', /\\R/], ['a{,3}', /lower bound/], ['(?(1)a|b)', /conditional/], ['(?R)', /recursion/], ['*a', /nothing to repeat/], ['(', /invalid regular expression/],
  ] as const) refused({ sel: { 'C|re': re } }, construct)
  refused({ sel: { 'C|i': 'x' } }, 'i')
  assert.equal(hit('C|re|cased', 'abc', { C: 'ABC' }), false, 're is case-sensitive, cased changes nothing')
  refused({ sel: { 'C|re|i|cased': 'x' } }, 'cased')
})

test('cidr: IPv4 and IPv6 networks', () => {
  assert.equal(hit('ip|cidr', '10.0.0.0/8', { ip: '10.200.3.4' }), true)
  assert.equal(hit('ip|cidr', '10.0.0.0/8', { ip: '11.0.0.1' }), false)
  assert.equal(hit('ip|cidr', ['192.168.0.0/16', '172.16.0.0/12'], { ip: '172.31.255.255' }), true)
  assert.equal(hit('ip|cidr', '2001:db8::/32', { ip: '2001:db8:1::7' }), true)
  assert.equal(hit('ip|cidr', '2001:db8::/32', { ip: '2001:db9::7' }), false)
  assert.equal(hit('ip|cidr', '::ffff:0:0/96', { ip: '::ffff:10.0.0.1' }), true)
  assert.equal(hit('ip|cidr', '10.0.0.0/8', { ip: 'not an ip' }), false)
  refused({ sel: { 'ip|cidr': '10.0.0.0/33' } }, 'cidr')
  refused({ sel: { 'ip|cidr': '10.0.0/8' } }, 'cidr')
})

test('lt, lte, gt, gte compare numbers; neq negates', () => {
  assert.equal(hit('n|gt', 5, { n: 6 }), true)
  assert.equal(hit('n|gt', 5, { n: 5 }), false)
  assert.equal(hit('n|gte', 5, { n: '5' }), true, 'a numeric text field')
  assert.equal(hit('n|lt', 5, { n: 4.5 }), true)
  assert.equal(hit('n|lte', 5, { n: 6 }), false)
  assert.equal(hit('n|lt', 5, { n: 'x' }), false)
  assert.equal(hit('n|lt', 5, {}), false)
  refused({ sel: { 'n|lt': 'five' } }, 'lt')
  refused({ sel: { 'n|lt|gt': 5 } }, /cannot be combined/)
  assert.equal(hit('User|neq', 'admin', { User: 'bob' }), true)
  assert.equal(hit('User|neq', 'admin', { User: 'ADMIN' }), false)
  assert.equal(hit('User|neq', ['a', 'b'], { User: 'b' }), false)
})

test('time modifiers read a part of a date', () => {
  const at = { t: '2026-03-09T07:45:00Z' } // a Monday, ISO week 11
  assert.equal(hit('t|hour', 7, at), true)
  assert.equal(hit('t|hour|gte', 8, at), false)
  assert.equal(hit('t|minute', 45, at), true)
  assert.equal(hit('t|day', 9, at), true)
  assert.equal(hit('t|month', 3, at), true)
  assert.equal(hit('t|year', 2026, at), true)
  assert.equal(hit('t|week', 11, at), true)
  assert.equal(hit('t|hour', 7, { t: 'not a date' }), false)
})

test('exists: presence of the field, not its value', () => {
  assert.equal(hit('F|exists', true, { F: '' }), true)
  assert.equal(hit('F|exists', true, {}), false)
  assert.equal(hit('F|exists', false, {}), true)
  assert.equal(hit('F|exists', false, { F: 'x' }), false)
  refused({ sel: { 'F|exists': 'yes' } }, 'exists')
})

test('fieldref compares with another field of the same event', () => {
  assert.equal(hit('Image|fieldref', 'ParentImage', { Image: 'C:\\a.exe', ParentImage: 'c:\\A.EXE' }), true)
  assert.equal(hit('Image|fieldref', 'ParentImage', { Image: 'C:\\a.exe', ParentImage: 'C:\\b.exe' }), false)
  assert.equal(hit('Image|fieldref', 'ParentImage', { Image: 'C:\\a.exe' }), false)
  assert.equal(hit('Image|fieldref|cased', 'ParentImage', { Image: 'a', ParentImage: 'A' }), false)
  assert.equal(hit('Image|fieldref|endswith', 'Name', { Image: 'C:\\x\\a.exe', Name: 'a.exe' }), true)
  assert.equal(hit('User|fieldref|neq', 'ParentUser', { User: 'a', ParentUser: 'b' }), true)
  assert.equal(hit('User|fieldref|neq', 'ParentUser', { User: 'a', ParentUser: 'a' }), false)
})

test('expand: placeholders from the configuration; \\% is a plain percent sign; unresolved ones are refused', () => {
  const placeholders = { Servers: ['srv*', 'db01'], Domain: ['CITY'] }
  assert.equal(hit('Host|expand', '%Servers%', { Host: 'SRV-17' }, { placeholders }), true)
  assert.equal(hit('Host|expand', '%Servers%', { Host: 'db01' }, { placeholders }), true)
  assert.equal(hit('Host|expand', '%Servers%', { Host: 'ws-3' }, { placeholders }), false)
  assert.equal(hit('U|expand', '%Domain%\\\\%Servers%', { U: 'city\\db01' }, { placeholders }), true)
  assert.equal(hit('U|expand', '\\%plain%Domain%', { U: '%plainCITY' }, { placeholders }), true)
  assert.equal(hit('U', '%Domain%', { U: '%Domain%' }), true, 'without expand a placeholder is literal')
  refused({ sel: { 'Host|expand': '%Unknown%' } }, '%Unknown%')
})

test('unknown, repeated and conflicting modifiers are refused naming the modifier and the field', () => {
  assert.throws(() => rule({ sel: { 'CommandLine|contans': 'x' } }), (e: unknown) => e instanceof SigmaError && e.construct === 'contans' && e.field === 'sel.CommandLine|contans' && /conformance/.test(e.message))
  refused({ sel: { 'C|contains|contains': 'x' } }, 'contains')
  refused({ sel: { 'C|re|cidr': 'x' } }, /cannot be combined/)
  refused({ sel: { 'C|re|contains': 'x' } }, /cannot be combined/)
  refused({ sel: { 'C|exists|contains': true } }, 'exists')
  // names of Object.prototype's members are names like any other
  assert.equal(hit('constructor', 'x', {}), false)
  assert.equal(hit('toString|contains', 'x', { toString: 'a x b' }), true)
  refused({ sel: { 'H|expand': '%constructor%' } }, '%constructor%')
  refused({ sel: { 'C|re': '[[:constructor:]]' } }, /POSIX class/)
})

test('re|i with \\w \\W \\b \\B is refused: JavaScript would count ſ and the Kelvin sign as word characters, PCRE does not', () => {
  assert.equal(hit('C|re', '^\\w+\\b', { C: 'ab' }), true, 'without i they translate')
  assert.equal(hit('C|re', '^\\w$', { C: '\u017f' }), false)
  assert.equal(hit('C|re|i', 'S', { C: '\u017f' }), true, 'a literal s matches ſ caselessly, in PCRE too')
  for (const re of ['\\w', '\\W', 'a\\b', 'a\\B', '[\\w.]']) refused({ sel: { 'C|re|i': re } }, /case-insensitive/)
  refused({ sel: { 'C|re': '(?i)\\bx' } }, /case-insensitive/)
})
