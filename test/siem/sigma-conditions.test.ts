// Search identifiers (maps, lists, keywords) and every condition form of the Sigma rules
// specification ("Detection", "Condition"), with events that must and must not match.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { SigmaError } from '../../src/siem/sigma/errors.js'
import { evt, rule } from './sigma-helpers.js'

const m = (detection: Record<string, unknown>, fields: Record<string, unknown>, original?: string) => rule(detection).match(evt(fields, original))

test('a map is an AND of its fields; a list of maps is an OR; a value list is an OR', () => {
  const map = { sel: { EventLog: 'Security', EventID: [517, 1102] } }
  assert.equal(m(map, { EventLog: 'Security', EventID: 1102 }), true)
  assert.equal(m(map, { EventLog: 'Security', EventID: 4624 }), false)
  assert.equal(m(map, { EventLog: 'System', EventID: 517 }), false)
  const list = { sel: [{ 'Image|endswith': '\\example.exe' }, { 'Description|contains': 'Test executable' }] }
  assert.equal(m(list, { Image: 'C:\\x\\example.exe' }), true)
  assert.equal(m(list, { Description: 'a Test executable here' }), true)
  assert.equal(m(list, { Image: 'C:\\x\\other.exe', Description: 'nothing' }), false)
})

test('keywords: a list of values searched in the whole event, OR; |all for AND; modifiers without a field name', () => {
  const kw = { keywords: ['EVILSERVICE', 'svchost.exe -n evil'], condition: 'keywords' }
  assert.equal(m(kw, {}, 'service EvilService started'), true)
  assert.equal(m(kw, {}, 'ran svchost.exe -n evil now'), true)
  assert.equal(m(kw, {}, 'svchost.exe -k netsvcs'), false)
  const all = { keywords_cmdlet: { '|all': ['OabVirtualDirectory', ' -ExternalUrl '] }, condition: 'keywords_cmdlet' }
  assert.equal(m(all, {}, 'Set-OabVirtualDirectory -ExternalUrl http://x'), true)
  assert.equal(m(all, {}, 'Set-OabVirtualDirectory -InternalUrl http://x'), false)
  assert.equal(m({ k: { '|re': 'ev[i1]l' }, condition: 'k' }, {}, 'an ev1l line'), true)
  assert.equal(m({ k: { '|startswith': 'ev' }, condition: 'k' }, {}, 'x evil'), false, 'an explicit position anchors the keyword')
  assert.equal(m({ k: ['a*c'], condition: 'k' }, {}, 'xxabbcxx'), true, 'wildcards in keywords')
  assert.equal(m({ k: 'single', condition: 'k' }, {}, 'a single keyword'), true)
})

test('and, or, not and brackets, with the precedence or < and < not', () => {
  const d = { a: { F: 1 }, b: { G: 1 }, c: { H: 1 } }
  const cases: Array<[string, Record<string, unknown>, boolean]> = [
    ['a and b', { F: 1, G: 1 }, true], ['a and b', { F: 1 }, false],
    ['a or b', { G: 1 }, true], ['a or b', {}, false],
    ['not a', {}, true], ['not a', { F: 1 }, false],
    ['a or b and c', { F: 1 }, true], // a or (b and c)
    ['(a or b) and c', { F: 1 }, false],
    ['not a and b', { G: 1 }, true], // (not a) and b
    ['not (a and b)', { F: 1, G: 1 }, false],
    ['a AND NOT b', { F: 1 }, true], // keywords are case-insensitive
  ]
  for (const [condition, fields, want] of cases) assert.equal(m({ ...d, condition }, fields), want, `${condition} on ${JSON.stringify(fields)}`)
})

test('1 of / all of a pattern, 1 of them / all of them (them skips _ identifiers)', () => {
  const d = { selection_a: { F: 1 }, selection_b: { G: 1 }, filter: { H: 1 }, _helper: { Z: 1 } }
  assert.equal(m({ ...d, condition: '1 of selection_*' }, { G: 1 }), true)
  assert.equal(m({ ...d, condition: 'all of selection_*' }, { G: 1 }), false)
  assert.equal(m({ ...d, condition: 'all of selection_*' }, { F: 1, G: 1 }), true)
  assert.equal(m({ ...d, condition: '1 of selection* and not 1 of filter*' }, { F: 1, H: 1 }), false)
  assert.equal(m({ ...d, condition: '1 of them' }, { Z: 1 }), false, '_helper is not one of them')
  assert.equal(m({ ...d, condition: 'all of them' }, { F: 1, G: 1, H: 1 }), true, '_helper not required either')
  assert.equal(m({ ...d, condition: '1 of *_b' }, { G: 1 }), true, 'a * anywhere in the pattern')
})

test('a list of conditions is their OR', () => {
  assert.equal(m({ a: { F: 1 }, b: { G: 1 }, condition: ['a', 'b'] }, { G: 1 }), true)
  assert.equal(m({ a: { F: 1 }, b: { G: 1 }, condition: ['a', 'b'] }, {}), false)
})

test('bad conditions and search identifiers are refused naming the construct', () => {
  const bad: Array<[Record<string, unknown>, string]> = [
    [{ s: { F: 1 }, condition: 's and' }, 'condition'],
    [{ s: { F: 1 }, condition: 'missing' }, 'missing'],
    [{ s: { F: 1 }, condition: '(s' }, 'condition'],
    [{ s: { F: 1 }, condition: 's | count() > 5' }, '|'],
    [{ s: { F: 1 }, condition: 'any of s*' }, 'any of'],
    [{ s: { F: 1 }, condition: '2 of s*' }, '2 of'],
    [{ s: { F: 1 }, condition: 's*' }, 'condition'],
    [{ s: { F: 1 }, condition: '1 of x*' }, 'x*'],
    [{ s: { F: 1 }, condition: 's near t' }, 'near'],
    [{ s: {}, condition: 's' }, 'map'],
    [{ s: [], condition: 's' }, 'list'],
    [{ s: [['a']], condition: 's' }, 'list'],
    [{ s: { F: { nested: 1 } }, condition: 's' }, 'value'],
    [{ s: { F: 1 } }, 'condition'],
    [{ s: { '|exists': true }, condition: 's' }, 'exists'],
    [{ s: { '|cidr': '10.0.0.0/8' }, condition: 's' }, 'cidr'],
  ]
  for (const [detection, construct] of bad) {
    assert.throws(() => rule({ condition: undefined, ...detection }), (e: unknown) => e instanceof SigmaError && e.construct === construct && e.rule === 'conformance', JSON.stringify(detection))
  }
})
