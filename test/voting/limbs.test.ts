/**
 * The verifier's limb arithmetic (src/voting/limbs) against noble's bigint reference: field
 * operations, RFC 9496 decoding (the same strings accepted and refused, the same representative)
 * and encoding, the multi-scalar multiplication, and whole ballots: the fast verifier (decode on
 * limbs, one batched MSM) accepts exactly the ballots that the plain verifier (noble decoding, each
 * relation checked alone with noble's scalar multiplication) accepts, under random one-byte
 * changes and planted identity and non-canonical encodings.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { ed25519, ristretto255 } from '@noble/curves/ed25519.js'
import { PolisError } from '../../src/base/errors.js'
import { ORDER, limbsOf, modq, mulG, pointFromLimbs } from '../../src/voting/group.js'
import { decodeRistretto } from '../../src/voting/limbs/decode.js'
import { encodeRistretto } from '../../src/voting/limbs/encode.js'
import { addPoints, double, isIdentity } from '../../src/voting/limbs/edwards.js'
import { canon, fe, feFromBigint, feFromBytes, feToBigint, feToBytes, isNegative, mul, pow22523, sqr, sub } from '../../src/voting/limbs/field.js'
import { pippenger, straus } from '../../src/voting/limbs/msm.js'
import { randomScalar } from '../../src/voting/random.js'
import { ballotRelations, checkBallot, checkBallots, decodeBallot, encodeBallot, encryptBallot } from '../../src/voting/ballot.js'
import { electionContext } from '../../src/voting/context.js'
import type { Relation } from '../../src/voting/relations.js'
import { account, makeManifest, rngFor, runDkg } from './fixture.js'

const P = 2n ** 255n - 19n
const rng = rngFor('limbs')
const fieldElement = fc.oneof(fc.bigInt({ min: 0n, max: P - 1n }), fc.constantFrom(0n, 1n, 2n, 19n, P - 1n, P - 2n, 2n ** 254n, 2n ** 255n - 20n))
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')
const le32 = (x: bigint) => Uint8Array.from({ length: 32 }, (_, i) => Number((x >> BigInt(8 * i)) & 0xffn))

test('field: mul, sqr, sub, canonical form and bytes agree with bigint arithmetic mod p', () => {
  fc.assert(
    fc.property(fieldElement, fieldElement, (a, b) => {
      const x = feFromBigint(a)
      const y = feFromBigint(b)
      const o = fe()
      mul(o, x, y)
      assert.equal(feToBigint(o), (a * b) % P)
      sqr(o, x)
      assert.equal(feToBigint(o), (a * a) % P)
      // a difference (negative limbs) fed to mul, then back to canonical form
      sub(o, x, y)
      mul(o, o, o)
      assert.equal(feToBigint(o), (((a - b) % P) * ((a - b) % P)) % P)
      assert.equal(hex(feToBytes(x)), hex(le32(a)))
      const back = fe()
      feFromBytes(back, le32(a))
      assert.equal(feToBigint(back), a)
      assert.equal(isNegative(x), (a & 1n) === 1n)
    }),
    { numRuns: 400 },
  )
  // values at and just above p reduce to 0, 1; a limb vector of all 2^17 - 1 is 2^255 - 1 = 18
  const o = fe()
  canon(o, feFromBigint(0n).map((_, i) => (i === 0 ? 0x1ffed : 0x1ffff)))
  assert.equal(feToBigint(o), 0n)
  canon(o, fe().fill(0x1ffff))
  assert.equal(feToBigint(o), 18n)
  const z = feFromBigint(3n)
  pow22523(o, z)
  let r = 1n
  for (let e = (P - 5n) / 8n, b = 3n; e > 0n; e >>= 1n, b = (b * b) % P) if (e & 1n) r = (r * b) % P
  assert.equal(feToBigint(o), r)
})

function nobleDecode(bytes: Uint8Array) {
  try {
    return ristretto255.Point.fromBytes(bytes)
  } catch {
    return null
  }
}

test('decoding: exactly the strings noble accepts, to the same representative (random, edge and non-canonical strings)', () => {
  const edge = [
    new Uint8Array(32), // the identity
    le32(P), le32(P + 1n), le32(P - 1n), le32(P + 2n), le32(2n ** 255n - 2n), le32(1n), le32(2n),
    Uint8Array.from({ length: 32 }, () => 0xff),
    ...[1n, 2n, 3n, 99n].map((k) => ristretto255.Point.BASE.multiply(k).toBytes()),
  ]
  // canonical encodings with the top bit set and with 1 added (odd: "negative")
  const variants = edge.flatMap((b) => [b, Uint8Array.from(b, (x, i) => (i === 31 ? x | 0x80 : x)), Uint8Array.from(b, (x, i) => (i === 0 ? x ^ 1 : x))])
  const check = (bytes: Uint8Array) => {
    const n = nobleDecode(bytes)
    const m = decodeRistretto(bytes)
    assert.equal(m === null, n === null, hex(bytes))
    if (!n || !m) return
    const ep = (n as unknown as { ep: { X: bigint; Y: bigint; Z: bigint; T: bigint } }).ep
    assert.deepEqual([feToBigint(m.X), feToBigint(m.Y), feToBigint(m.Z), feToBigint(m.T)], [ep.X, ep.Y, ep.Z, ep.T])
  }
  variants.forEach(check)
  fc.assert(fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), check), { numRuns: 600 })
  fc.assert(fc.property(fc.bigInt({ min: 1n, max: ORDER - 1n }), (s) => check(ristretto255.Point.BASE.multiply(s).toBytes())), { numRuns: 150 })
})

test('encoding: the same bytes as noble for random points, the identity and sums of decoded points', () => {
  const pts = [ristretto255.Point.ZERO, ristretto255.Point.BASE]
  fc.assert(
    fc.property(fc.bigInt({ min: 1n, max: ORDER - 1n }), fc.bigInt({ min: 1n, max: ORDER - 1n }), (a, b) => {
      const p = ristretto255.Point.BASE.multiply(a)
      const q = p.add(ristretto255.Point.BASE.multiply(b)) // a representative that is not (x, y, 1, xy)
      for (const x of [p, q, p.negate(), q.double()]) assert.equal(hex(encodeRistretto(limbsOf(x))), hex(x.toBytes()))
    }),
    { numRuns: 100 },
  )
  for (const p of pts) assert.equal(hex(encodeRistretto(limbsOf(p))), hex(p.toBytes()))
  // limb addition and doubling land on the same group elements as noble's
  const a = ristretto255.Point.BASE.multiply(12345n)
  const b = ristretto255.Point.BASE.multiply(67890n)
  const s = limbsOf(a.add(b))
  const t = { X: fe(), Y: fe(), Z: fe(), T: fe() }
  addPoints(t, limbsOf(a), limbsOf(b))
  assert.ok(pointFromLimbs(t).equals(a.add(b)))
  double(t, s)
  assert.ok(pointFromLimbs(t).equals(a.add(b).double()))
  assert.ok(isIdentity(limbsOf(ristretto255.Point.ZERO)))
  // every 4-torsion representative of the identity (x = 0 or y = 0) counts as the identity
  const i = feFromBigint(0n)
  assert.ok(isIdentity({ X: i, Y: feFromBigint(P - 1n), Z: feFromBigint(1n), T: i }))
  void ed25519
})

test('MSM: Straus and Pippenger equal the plain sum, with signs, repeated points, zero and edge scalars', () => {
  const naive = (pts: ReturnType<typeof mulG>[], sc: bigint[], minus: boolean[]) =>
    pts.reduce((acc, p, i) => {
      const s = modq(minus[i] ? -sc[i]! : sc[i]!)
      return s === 0n ? acc : acc.add(p.multiplyUnsafe(s))
    }, mulG(0n))
  for (const n of [1, 2, 7, 33, 230, 600]) {
    const pts = Array.from({ length: n }, (_, i) => (i % 5 === 4 ? mulG(7n) : mulG(randomScalar(rng))))
    const edge = [1n, 2n, (ORDER - 1n) / 2n, 2n ** 128n - 1n, 3n]
    const sc = pts.map((_, i) => (i < edge.length ? edge[i]! : i % 3 === 0 ? randomScalar(rng) >> 125n : randomScalar(rng) >> 1n))
    const minus = pts.map((_, i) => i % 2 === 1)
    const want = naive(pts, sc, minus)
    const limbs = pts.map(limbsOf)
    assert.ok(pointFromLimbs(straus(limbs, sc, minus)).equals(want), `straus n = ${n}`)
    assert.ok(pointFromLimbs(pippenger(limbs, sc, minus)).equals(want), `pippenger n = ${n}`)
  }
  // a sum that cancels is the identity in both
  const p = limbsOf(mulG(99n))
  assert.ok(isIdentity(straus([p, p], [5n, 5n], [false, true])))
  assert.ok(isIdentity(pippenger([p, p, p], [5n, 2n, 7n], [false, false, true])))
})

/** The plain verifier: noble decoding of every point, each relation alone with noble's multiplication. */
function plainVerdict(ctx: ReturnType<typeof electionContext>, voter: Uint8Array, bytes: Uint8Array): boolean {
  let relations: Relation[]
  try {
    const ballot = decodeBallot(ctx, bytes)
    relations = ballotRelations(ctx, voter, ballot)
  } catch (e) {
    if (e instanceof PolisError) return false
    throw e
  }
  return relations.every((r) => r.terms.reduce((acc, [s, p]) => (modq(s) === 0n ? acc : acc.add(p.multiplyUnsafe(modq(s)))), mulG(0n)).is0())
}

/** Every 32-byte group element of a ballot decodes with noble exactly when it decodes here. */
function decodersAgree(bytes: Uint8Array): void {
  // one question: u32 count ‖ u32 options ‖ per option 64-byte ciphertext ‖ 224-byte proof (4 points, 3 scalars)
  for (let o = 0; o < 5; o++) {
    const base = 8 + o * 288
    for (const off of [0, 32, 64, 96, 128, 160]) {
      const chunk = bytes.subarray(base + off, base + off + 32)
      assert.equal(decodeRistretto(chunk) === null, nobleDecode(chunk) === null)
    }
  }
}

test('ballots: the fast verifier accepts exactly what the plain verifier accepts (one-byte changes, identity and non-canonical points)', () => {
  const manifest = makeManifest({ voters: 8 })
  const ctx = electionContext(manifest, runDkg(manifest, rng).jointKey)
  const cast = [1, 2, 3].map((v) => ({ voter: account(v), bytes: encodeBallot(encryptBallot(ctx, account(v), [[0, 0, v % 5, 0, 0].map((x) => (x ? 1 : 0))], rng).ballot) }))
  const planted = (b: Uint8Array, at: number, value: Uint8Array) => {
    const c = new Uint8Array(b)
    c.set(value, at)
    return c
  }
  const mutants = fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 1483 }), fc.integer({ min: 1, max: 255 }), fc.integer({ min: 0, max: 4 }))
  fc.assert(
    fc.property(mutants, ([who, at, xor, kind]) => {
      const { voter, bytes } = cast[who]!
      const point = 8 + Math.floor(at / 288) * 288 + 32 * (at % 6) // a ciphertext or commitment position
      const changed =
        kind === 0 ? planted(bytes, at, Uint8Array.of(bytes[at]! ^ xor))
        : kind === 1 ? planted(bytes, Math.min(point, bytes.length - 32), new Uint8Array(32)) // the identity
        : kind === 2 ? planted(bytes, Math.min(point, bytes.length - 32), le32(P + BigInt(2 * (xor % 9)))) // s ≥ p, even
        : kind === 3 ? planted(bytes, Math.min(point, bytes.length - 32), le32(P - 1n)) // negative
        : bytes
      const plain = plainVerdict(ctx, voter, changed)
      decodersAgree(changed)
      let fast: boolean
      try {
        fast = checkBallot(ctx, voter, changed).failures.length === 0
      } catch (e) {
        if (!(e instanceof PolisError)) throw e
        fast = false
      }
      assert.equal(fast, plain)
      const batch = checkBallots(ctx, [...cast.filter((_, i) => i !== who).map((c) => ({ account: c.voter, bytes: c.bytes })), { account: voter, bytes: changed }])
      assert.deepEqual(batch.map((b) => b.failures.length === 0), [true, true, plain])
      assert.equal(kind === 4, plain) // every change is refused, the original accepted
    }),
    { numRuns: 60 },
  )
})
