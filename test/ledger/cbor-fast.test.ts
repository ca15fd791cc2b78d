import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { decodeFast, FALLBACK } from '../../src/codec/cbor-fast.js'
import { decodeGeneral, encodeCanonical, encodeGeneral } from '../../src/codec/cbor.js'
import { encodeFast } from '../../src/codec/cbor-fast-encode.js'
import { PolisError } from '../../src/base/errors.js'
import { utf8 } from '../../src/base/bytes.js'

/** What the general path (cborg, re-encode, compare) makes of `bytes`: the value or the error. */
function general(bytes: Uint8Array): { value: unknown } | { error: PolisError } {
  try {
    return { value: decodeGeneral(bytes) }
  } catch (e) {
    assert.ok(e instanceof PolisError, `untyped error ${e}`)
    return { error: e }
  }
}

/** The fast path may decline anything, but what it returns is exactly the general path's value. */
function agrees(bytes: Uint8Array): boolean {
  const fast = decodeFast(bytes)
  if (fast === FALLBACK) return false
  const g = general(bytes)
  assert.ok('value' in g, `fast path accepted what the general path refuses: ${Buffer.from(bytes).toString('hex')} (${'error' in g ? g.error.message : ''})`)
  assert.deepStrictEqual(fast, g.value)
  return true
}

const key = fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('__proto__', 'constructor', '1', '10', 'a', 'aa', 'b', 'é', '\uFEFFx'))
const value = fc.letrec((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    fc.integer({ min: -(2 ** 33), max: 2 ** 33 }),
    fc.constantFrom(0, 23, 24, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, -24, -25, -256, -257, Number.MAX_SAFE_INTEGER),
    fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n - 1n }),
    fc.string({ maxLength: 20 }),
    fc.string({ unit: 'grapheme', maxLength: 8 }),
    fc.constantFrom('\uFEFF', '\uFEFFabc', 'x'.repeat(300)),
    fc.uint8Array({ maxLength: 40 }),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(key, tie('v'), { maxKeys: 5 }),
  ),
})).v

test('the fast CBOR path returns what the general path returns for canonical encodings', () => {
  let accepted = 0
  fc.assert(
    fc.property(value, (v) => {
      const bytes = encodeCanonical(v)
      if (agrees(bytes)) accepted++
    }),
    { numRuns: 4000 },
  )
  assert.ok(accepted > 2000, `the fast path should take most canonical values, took ${accepted}`)
})

test('the fast CBOR path never accepts what the general path refuses (mutated and random bytes)', () => {
  fc.assert(
    fc.property(value, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 3 }), fc.nat(4), (v, flips, cut) => {
      const bytes = new Uint8Array(encodeCanonical(v))
      for (const [i, b] of flips) bytes[i % bytes.length] = b
      agrees(bytes)
      agrees(bytes.subarray(0, Math.max(0, bytes.length - cut)))
      const extended = new Uint8Array(bytes.length + 1)
      extended.set(bytes)
      agrees(extended)
    }),
    { numRuns: 4000 },
  )
  fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => void agrees(bytes)), { numRuns: 4000 })
})

/** CBOR built by hand: any header width, map entries in any order, duplicates; canonical or not. */
function header(major: number, n: number, width: number): number[] {
  const w = Math.max(width, n < 24 ? 0 : n < 256 ? 1 : n < 65536 ? 2 : 4)
  if (w === 0) return [(major << 5) | n]
  const ai = w === 1 ? 24 : w === 2 ? 25 : w === 4 ? 26 : 27
  const out = [(major << 5) | ai]
  for (let i = (w === 3 ? 4 : w) - 1; i >= 0; i--) out.push(Math.floor(n / 256 ** i) % 256)
  return out
}
const width = fc.constantFrom(0, 0, 0, 0, 1, 2, 4)
const raw = fc.letrec((tie) => ({
  r: fc.oneof(
    { depthSize: 'small' },
    fc.tuple(fc.constantFrom(0, 1), fc.oneof(fc.nat(30), fc.nat(300), fc.nat(70_000)), width).map(([m, n, w]) => header(m, n, w)),
    fc.tuple(fc.constantFrom('a', 'b', 'aa', 'é', ''), width).map(([t, w]) => [...header(3, utf8(t).length, w), ...utf8(t)]),
    fc.tuple(fc.uint8Array({ maxLength: 4 }), width).map(([b, w]) => [...header(2, b.length, w), ...b]),
    fc.tuple(fc.array(tie('r') as fc.Arbitrary<number[]>, { maxLength: 3 }), width).map(([xs, w]) => [...header(4, xs.length, w), ...xs.flat()]),
    fc
      .tuple(fc.array(fc.tuple(fc.constantFrom('a', 'b', 'aa', 'é', '__proto__'), tie('r') as fc.Arbitrary<number[]>), { maxLength: 3 }), width)
      .map(([es, w]) => [...header(5, es.length, w), ...es.flatMap(([k, v]) => [...header(3, utf8(k).length, 0), ...utf8(k), ...v])]),
    fc.constantFrom([0xf4], [0xf5], [0xf6], [0xf7], [0xf9, 0x3c, 0x00]),
  ),
})).r

test('the fast CBOR path agrees with the general path on hand-built CBOR, canonical or not', () => {
  let accepted = 0
  let refusedByBoth = 0
  fc.assert(
    fc.property(raw, (r) => {
      const bytes = Uint8Array.from(r)
      if (agrees(bytes)) accepted++
      else if ('error' in general(bytes)) refusedByBoth++
    }),
    { numRuns: 6000 },
  )
  assert.ok(accepted > 500 && refusedByBoth > 500, `both kinds should occur: ${accepted} accepted, ${refusedByBoth} refused`)
})

test('the fast CBOR path declines the non-canonical forms', () => {
  const cases: Array<[string, string]> = [
    ['1817', 'integer in a longer form than needed'],
    ['a2616201616101', 'map keys out of order'],
    ['a2616101616101', 'duplicate map key'],
    ['9fff', 'indefinite-length array'],
    ['f90000', 'float'],
    ['f7', 'undefined'],
    ['c100', 'tag'],
    ['0000', 'trailing bytes'],
    ['62c328', 'invalid UTF-8'],
    ['1b0000000100000000', '8-byte integer (left to the general path)'],
  ]
  for (const [hex, why] of cases) assert.equal(decodeFast(Buffer.from(hex, 'hex')), FALLBACK, why)
  let deep: unknown = 1
  for (let i = 0; i < 17; i++) deep = [deep]
  assert.equal(decodeFast(encodeCanonical(deep)), FALLBACK, 'deeper than the limit')
  assert.deepEqual(decodeFast(encodeCanonical({ b: 1, aa: [utf8('x')], a: 'é' })), { a: 'é', b: 1, aa: [utf8('x')] })
})

/** Values the encoder meets, and some it must leave to the general path. */
const anything = fc.letrec((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    value,
    fc.constantFrom(-0, 1.5, NaN, undefined, 2 ** 53, -(2 ** 40), 2n ** 70n, '\uD800', 'a\uDC00b', '\uD83D\uDE00', new Map(), new Uint16Array(2), Object.create(null)),
    fc.array(tie('v'), { maxLength: 3 }),
    fc.dictionary(fc.oneof(key, fc.constantFrom('é', 'ü', 'zz')), tie('v'), { maxKeys: 4 }),
  ),
})).v

test('the fast CBOR encoder writes exactly what the general encoder writes', () => {
  let fastTaken = 0
  fc.assert(
    fc.property(anything, (v) => {
      const fast = encodeFast(v)
      let general: Uint8Array | undefined
      try {
        general = encodeGeneral(v)
      } catch {
        general = undefined
      }
      if (fast === FALLBACK) return
      fastTaken++
      assert.ok(general, 'the fast encoder encoded what the general encoder refuses')
      assert.equal(Buffer.from(fast).toString('hex'), Buffer.from(general).toString('hex'))
    }),
    { numRuns: 6000 },
  )
  assert.ok(fastTaken > 1000, `the fast encoder should take most values, took ${fastTaken}`)
  assert.equal(encodeFast([1, , 2]), FALLBACK, 'array holes')
})
