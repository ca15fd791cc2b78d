/**
 * ristretto255 encodings and domain-separated hashing: RFC 9496 vectors, canonical round trips,
 * refusal of every non-canonical encoding and of the identity where a public value may not be it.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { fromHex, toHex, utf8 } from '../../src/base/bytes.js'
import { PolisError } from '../../src/base/errors.js'
import { ORDER, decodeElement, decodePoint, decodeScalar, encodePoint, encodeScalar, invq, mulG } from '../../src/voting/group.js'
import { digest, hashToScalar } from '../../src/voting/transcript.js'
import { randomScalar, seededRandom } from '../../src/voting/random.js'

const refused = (f: () => unknown, pattern: RegExp) =>
  assert.throws(f, (e: unknown) => e instanceof PolisError && e.errorName === 'invalid_message' && pattern.test(e.message))

test('generator multiples match RFC 9496 A.1', () => {
  assert.equal(toHex(encodePoint(mulG(1n))), 'e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d76')
  assert.equal(toHex(encodePoint(mulG(2n))), '6a493210f7499cd17fecb510ae0cea23a110e8d5b901f8acadd3095c73a3b919')
  assert.equal(toHex(encodePoint(mulG(3n))), '94741f5d5d52755ece4f23f044ee27d5d1ea1e2bd196b462166b16152a9d0259')
  assert.equal(toHex(encodePoint(mulG(0n))), '00'.repeat(32))
})

test('points and scalars round-trip canonically', () => {
  fc.assert(
    fc.property(fc.bigInt({ min: 1n, max: ORDER - 1n }), (s) => {
      const p = mulG(s)
      const bytes = encodePoint(p)
      assert.ok(decodePoint(bytes, 'p').equals(p))
      assert.equal(decodeScalar(encodeScalar(s), 's'), s)
    }),
    { numRuns: 30 },
  )
})

test('non-canonical point encodings are refused (RFC 9496 A.2)', () => {
  const ff = (n: number) => 'ff'.repeat(n)
  const bad = [
    // field elements not reduced mod p
    '00' + ff(31),
    ff(31) + '7f',
    'f3' + ff(30) + '7f',
    'ed' + ff(30) + '7f',
    // negative field elements
    '01' + '00'.repeat(31),
    '01' + ff(30) + '7f',
    // x² not a square, negative xy, s = -1
    '26948d35ca62e643e26a83177332e6b6afeb9d08e4268b650f1f5bbd8d81d371',
    '3eb858e78f5a7254d8c9731174a94f76755fd3941c0ac93735c07ba14579630e',
    'ec' + ff(30) + '7f',
  ]
  for (const h of bad) assert.equal(h.length, 64, h)
  for (const h of bad) {
    refused(() => decodePoint(fromHex(h), 'key'), /key: not a canonical ristretto255 encoding/)
    refused(() => decodeElement(fromHex(h), 'key'), /not a canonical/)
  }
  // the high bit of a valid encoding
  const g = encodePoint(mulG(5n))
  g[31]! |= 0x80
  refused(() => decodePoint(g, 'key'), /not a canonical/)
  refused(() => decodePoint(new Uint8Array(31), 'key'), /32 bytes/)
})

test('the identity is refused where a public value must not be it, accepted where it may', () => {
  refused(() => decodePoint(new Uint8Array(32), 'trustee key'), /trustee key: the identity element is not allowed/)
  assert.ok(decodeElement(new Uint8Array(32), 'share').is0())
})

test('scalars at or above the group order are refused, never reduced', () => {
  refused(() => decodeScalar(encodeLE(ORDER), 'response'), /response: not a canonical scalar/)
  refused(() => decodeScalar(encodeLE(ORDER + 1n), 'response'), /not a canonical scalar/)
  refused(() => decodeScalar(new Uint8Array(32).fill(0xff), 'response'), /not a canonical scalar/)
  assert.equal(decodeScalar(encodeLE(ORDER - 1n), 'response'), ORDER - 1n)
})

function encodeLE(x: bigint): Uint8Array {
  const out = new Uint8Array(32)
  for (let i = 0; i < 32; i++, x >>= 8n) out[i] = Number(x & 0xffn)
  return out
}

test('hashing is domain-separated and framed', () => {
  const a = utf8('ab')
  const c = utf8('c')
  assert.notEqual(hashToScalar('selection', [a, c]), hashToScalar('selection', [utf8('a'), utf8('bc')]))
  assert.notEqual(hashToScalar('selection', [a]), hashToScalar('selection-limit', [a]))
  assert.notEqual(toHex(digest('x', [a, c])), toHex(digest('x', [utf8('abc')])))
  const s = hashToScalar('selection', [a])
  assert.ok(s >= 0n && s < ORDER)
})

test('randomness: seeded streams are reproducible, scalars non-zero and below q, inverses correct', () => {
  const r1 = seededRandom(utf8('seed'))
  const r2 = seededRandom(utf8('seed'))
  assert.equal(toHex(r1(100)), toHex(r2(100)))
  const rng = seededRandom(utf8('other'))
  for (let i = 0; i < 20; i++) {
    const s = randomScalar(rng)
    assert.ok(s > 0n && s < ORDER)
    assert.equal((s * invq(s)) % ORDER, 1n)
  }
  assert.throws(() => randomScalar(() => new Uint8Array(10)), PolisError)
})
