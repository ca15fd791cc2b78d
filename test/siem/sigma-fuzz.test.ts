// Fuzzing the Sigma evaluator with fast-check: any detection (well-formed or not) either compiles
// or is refused with a SigmaError, and a compiled detection never throws on any event; the regex
// translator agrees with JavaScript on the constructs both read alike.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { compileDetection } from '../../src/siem/sigma/detection.js'
import { translateRegex } from '../../src/siem/sigma/regex.js'
import { around, anyValueTest, parseSigmaString, valueRegex, valueTest } from '../../src/siem/sigma/values.js'
import { resolveLogsource } from '../../src/siem/sigma/pipeline.js'
import { DEFAULT_PIPELINE } from '../../src/siem/sigma/pipelines/index.js'
import { SigmaError } from '../../src/siem/sigma/errors.js'
import { parseEvent } from '../../src/siem/parsers.js'
import type { SiemEvent } from '../../src/siem/ecs.js'
import { T0, evt } from './sigma-helpers.js'

const FIELDS = ['Image', 'CommandLine', 'User', 'EventID', 'source.ip', 'message', 'n', 't', 'labels.x', 'winlog.event_data.Image', 'constructor', '__proto__', 'toString']
const MODS = ['contains', 'startswith', 'endswith', 'all', 'windash', 'base64', 'base64offset', 'utf16le', 'utf16be', 'utf16', 'wide', 're', 'i', 'm', 's', 'cidr', 'lt', 'lte', 'gt', 'gte', 'exists', 'fieldref', 'expand', 'cased', 'neq', 'hour', 'week', 'bogus']
const text = fc.string({ unit: fc.constantFrom('a', 'B', '*', '?', '\\', '-', '/', '%', '.', '(', ')', '[', ']', '{', '}', '^', '$', '|', '+', ' ', '\n', '1', '0', ':', 'é', '\u2013'), maxLength: 12 })
const scalar = fc.oneof(text, fc.integer({ min: -5, max: 5000 }), fc.boolean(), fc.constant(null), fc.constantFrom('10.0.0.0/8', '::/0', '%Servers%', '%constructor%', 'true', '[[:constructor:]]'))
const value = fc.oneof(scalar, fc.array(scalar, { maxLength: 4 }))
const key = fc.tuple(fc.constantFrom(...FIELDS, ''), fc.oneof({ arbitrary: fc.constant([] as string[]), weight: 2 }, { arbitrary: fc.array(fc.constantFrom(...MODS), { maxLength: 2 }), weight: 3 })).map(([f, m]) => [f, ...m].join('|'))
const search = fc.oneof(
  fc.dictionary(key, value, { minKeys: 1, maxKeys: 2 }),
  fc.array(fc.dictionary(key, value, { minKeys: 1, maxKeys: 2 }), { maxLength: 3 }),
  fc.array(scalar, { maxLength: 3 }),
  scalar,
)
const condTok = fc.constantFrom('a', 'b', 'c', 'constructor', 'and', 'or', 'not', '(', ')', '1 of', 'all of', 'them', 'a*', '|', 'x')
const condition = fc.oneof(
  { arbitrary: fc.array(condTok, { minLength: 1, maxLength: 7 }).map((t) => t.join(' ')), weight: 1 },
  { arbitrary: fc.constantFrom('a', 'a and not b', '1 of them', 'all of them', 'a or (b and not c)'), weight: 4 },
)
const detection = fc.record({ a: search, b: search, c: search, condition: fc.oneof(condition, fc.array(condition, { maxLength: 2 })) }, { requiredKeys: ['condition'] })

const ctx = (() => {
  const r = resolveLogsource(DEFAULT_PIPELINE, { product: 'windows' })
  return { reader: r.reader, keywords: (e: SiemEvent) => [e.event.original, e.message], placeholders: { Servers: ['srv*', 'db?'] } }
})()
const fieldsArb = fc.dictionary(fc.constantFrom(...FIELDS.filter((f) => !f.includes('.')), 'x'), fc.oneof(text, fc.integer(), fc.boolean(), fc.constant(null), fc.array(text, { maxLength: 3 }), fc.constant({ nested: 1 })), { maxKeys: 6 })
const eventArb = fc.oneof(
  fieldsArb.map((f) => evt(f)),
  fc.string({ maxLength: 200 }).map((s) => parseEvent(s, 'auto', { receivedAt: T0 }).event),
  fc.record({ EventID: fc.integer({ max: 5000, min: 0 }), data: fc.dictionary(fc.constantFrom('Image', 'CommandLine', 'User', 'Name'), text) }).map(({ EventID, data }) =>
    parseEvent(JSON.stringify({ Event: { System: { EventID, Channel: 'Security' }, EventData: data } }), 'auto', { receivedAt: T0 }).event),
)

test('any detection compiles or is refused with a SigmaError; a compiled one never throws on any event', () => {
  let compiled = 0
  fc.assert(
    fc.property(detection, fc.array(eventArb, { minLength: 1, maxLength: 4 }), (det, events) => {
      let m: ((e: SiemEvent) => boolean) | undefined
      try {
        m = compileDetection(det, ctx)
      } catch (e) {
        assert.ok(e instanceof SigmaError, `not a SigmaError: ${(e as Error)?.stack}`)
        assert.ok(e.reason.length > 0)
        return
      }
      compiled++
      for (const e of events) assert.equal(typeof m(e), 'boolean')
    }),
    { numRuns: 5000, seed: 18 },
  )
  assert.ok(compiled > 150, `${compiled} detections compiled`)
})

test('regex translation: refused with a SigmaError or a RegExp; on the constructs PCRE and JavaScript share, the same matches', () => {
  const any = fc.string({ unit: fc.constantFrom('a', 'b', '.', '*', '+', '?', '|', '(', ')', '[', ']', '^', '$', '\\', 'd', 's', 'w', '{', '}', '1', ',', '-', ':', 'P', '<', '>', '='), maxLength: 14 })
  fc.assert(
    fc.property(any, (p) => {
      try {
        translateRegex(p, { i: false, m: false, s: false })
      } catch (e) {
        assert.ok(e instanceof SigmaError, `not a SigmaError for ${JSON.stringify(p)}: ${(e as Error)?.stack}`)
      }
    }),
    { numRuns: 3000, seed: 19 },
  )
  // the shared subset: literals, ., classes, groups, alternation, greedy/lazy quantifiers; subjects without line breaks
  const atom = fc.constantFrom('a', 'b', 'c', '.', '[ab]', '[^a]', '\\d', '\\w', '(a|bc)', '(?:b|)', 'x')
  const quant = fc.constantFrom('', '', '*', '+', '?', '{1,2}', '*?', '+?')
  const shared = fc.tuple(fc.constantFrom('', '^'), fc.array(fc.tuple(atom, quant).map(([a, q]) => a + q), { minLength: 1, maxLength: 5 }), fc.constantFrom('', '$')).map(([s, a, e]) => s + a.join('') + e)
  fc.assert(
    fc.property(shared, fc.string({ unit: fc.constantFrom('a', 'b', 'c', '1', 'x', ' '), maxLength: 10 }), fc.boolean(), (p, subject, ci) => {
      if (ci && p.includes('\\w')) {
        assert.throws(() => translateRegex(p, { i: ci, m: false, s: false }), SigmaError)
        return
      }
      const ours = translateRegex(p, { i: ci, m: false, s: false })
      assert.equal(ours.test(subject), new RegExp(p, ci ? 'i' : '').test(subject), `${p} on ${JSON.stringify(subject)}`)
    }),
    { numRuns: 3000, seed: 20 },
  )
})

test('the string fast path of value matching agrees with the value\'s regular expression, non-ASCII text included', () => {
  const chars = fc.constantFrom('a', 'A', 'k', 'K', 's', 'S', 'i', 'I', '\u212a', '\u017f', '\u0130', 'é', 'É', '*', '?', ' ', '-')
  fc.assert(
    fc.property(fc.string({ unit: chars, maxLength: 5 }), fc.constantFrom('', 'contains', 'startswith', 'endswith'), fc.boolean(), fc.string({ unit: chars, maxLength: 8 }), (v, pos, cased, t) => {
      const p = around({ pieces: parseSigmaString(v), bytes: false }, pos === 'contains' || pos === 'endswith', pos === 'contains' || pos === 'startswith')[0]!.pieces
      assert.equal(valueTest(p, cased)(t), valueRegex(p, cased).test(t), `${pos} ${JSON.stringify(v)} on ${JSON.stringify(t)}`)
    }),
    { numRuns: 4000, seed: 21 },
  )
})

test('a value list tested together (one fold for all its string operations) agrees with the OR of each value\'s regular expression', () => {
  const chars = fc.constantFrom('a', 'A', 'k', 'K', 's', 'S', '\u212a', '\u017f', 'é', 'É', '*', '?', ' ', '-')
  const value = fc.tuple(fc.string({ unit: chars, maxLength: 4 }), fc.constantFrom('', 'contains', 'startswith', 'endswith'))
  fc.assert(
    fc.property(fc.array(value, { minLength: 1, maxLength: 5 }), fc.boolean(), fc.string({ unit: chars, maxLength: 8 }), (vs, cased, t) => {
      const ps = vs.map(([v, pos]) => around({ pieces: parseSigmaString(v), bytes: false }, pos === 'contains' || pos === 'endswith', pos === 'contains' || pos === 'startswith')[0]!.pieces)
      assert.equal(anyValueTest(ps, cased)(t), ps.some((p) => valueRegex(p, cased).test(t)), `${JSON.stringify(vs)} on ${JSON.stringify(t)}`)
    }),
    { numRuns: 3000, seed: 22 },
  )
})
