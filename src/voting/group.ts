/**
 * The prime-order group ristretto255 (RFC 9496) and its scalars, with canonical 32-byte encodings.
 *
 * Points encode to the RFC 9496 32-byte string; decoding refuses every non-canonical string and,
 * unless the caller says the value may be the identity, the identity (all-zero bytes). Scalars are
 * 32-byte little-endian integers below the group order q; larger values are refused, never reduced.
 * Multiplication by a secret scalar uses noble's constant-time ladder (`mul`, `mulG`); public
 * computations (verification) use the variable-time one (`mulPublic`) or the limb arithmetic of
 * src/voting/limbs (decoding and multi-scalar multiplication, about three times faster).
 */
import { ed25519, ristretto255 } from '@noble/curves/ed25519.js'
import { PolisError } from '../base/errors.js'
import { ORDER, bytesToBigintLE } from './transcript.js'
import { decodeRistretto } from './limbs/decode.js'
import { encodeRistretto } from './limbs/encode.js'
import type { XPoint } from './limbs/edwards.js'
import { feFromBigint, feToBigint } from './limbs/field.js'

export { ORDER }
export type Point = InstanceType<typeof ristretto255.Point>
const RistrettoPoint = ristretto255.Point

export const POINT_BYTES = 32
export const SCALAR_BYTES = 32
export const IDENTITY: Point = RistrettoPoint.ZERO

const fixed = new WeakSet<Point>()

/**
 * Marks a point that many multiplications will use (the generator, an election's joint key):
 * noble keeps a table of its multiples (window 8, ~4k points) and multiplies by it 5-10x faster.
 */
export function fixedBase(p: Point): Point {
  if (!fixed.has(p)) {
    p.precompute(8)
    fixed.add(p)
  }
  return p
}

export function isFixedBase(p: Point): boolean {
  return fixed.has(p)
}

/** The generator, a private instance so its precomputed table does not change noble's global BASE. */
export const G: Point = fixedBase(RistrettoPoint.BASE.add(RistrettoPoint.ZERO))

const encodings = new WeakMap<Point, Uint8Array>()

/** The canonical encoding (src/voting/limbs/encode.ts), shared (callers must not mutate it). Cached: encoding costs a square root. */
export function pointBytes(p: Point): Uint8Array {
  let b = encodings.get(p)
  if (!b) {
    b = encodeRistretto(limbsOf(p))
    encodings.set(p, b)
    rememberEncoded(b, p)
  }
  return b
}

export function encodePoint(p: Point): Uint8Array {
  return new Uint8Array(pointBytes(p))
}

/**
 * The points this process encoded last, by their bytes: the chain re-reads an aggregate it wrote
 * one transaction earlier, and decoding it again would cost a square root per point. Sound because
 * the bytes are the canonical encoding of that (immutable) point.
 */
const recent = new Map<string, Point>()
const MAX_RECENT = 4096
const hexOf = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')

function rememberEncoded(bytes: Uint8Array, p: Point): void {
  const k = hexOf(bytes)
  if (recent.has(k)) return
  if (recent.size >= MAX_RECENT) recent.delete(recent.keys().next().value!)
  recent.set(k, p)
}

function decode(bytes: Uint8Array, what: string, identityAllowed: boolean): Point {
  if (!(bytes instanceof Uint8Array) || bytes.length !== POINT_BYTES) {
    throw new PolisError('invalid_message', `${what}: a group element is ${POINT_BYTES} bytes`)
  }
  const known = recent.get(hexOf(bytes))
  if (known) {
    if (!identityAllowed && known.is0()) throw new PolisError('invalid_message', `${what}: the identity element is not allowed here`)
    return known
  }
  const x = decodeRistretto(bytes)
  if (!x) throw new PolisError('invalid_message', `${what}: not a canonical ristretto255 encoding`)
  // The RFC's representative of the identity is (0, 1, 1, 0), and its only encoding is all zeros.
  const p = new RistrettoPoint(new ed25519.Point(feToBigint(x.X), feToBigint(x.Y), 1n, feToBigint(x.T)))
  if (!identityAllowed && p.is0()) throw new PolisError('invalid_message', `${what}: the identity element is not allowed here`)
  encodings.set(p, new Uint8Array(bytes))
  limbCache.set(p, x)
  return p
}

const limbCache = new WeakMap<Point, XPoint>()

/** The point on limbs (src/voting/limbs) for the verifier's multi-scalar multiplication; cached. */
export function limbsOf(p: Point): XPoint {
  let x = limbCache.get(p)
  if (!x) {
    const { X, Y, Z, T } = (p as unknown as { ep: { X: bigint; Y: bigint; Z: bigint; T: bigint } }).ep
    x = { X: feFromBigint(X), Y: feFromBigint(Y), Z: feFromBigint(Z), T: feFromBigint(T) }
    limbCache.set(p, x)
  }
  return x
}

/** A limb point back as a group element (an MSM's result). */
export function pointFromLimbs(x: XPoint): Point {
  return new RistrettoPoint(new ed25519.Point(feToBigint(x.X), feToBigint(x.Y), feToBigint(x.Z), feToBigint(x.T)))
}

/** Decodes a group element that must not be the identity (keys, ciphertexts, proof commitments). */
export function decodePoint(bytes: Uint8Array, what: string): Point {
  return decode(bytes, what, false)
}

/** Decodes a group element that may legitimately be the identity (a partial decryption of an empty sum). */
export function decodeElement(bytes: Uint8Array, what: string): Point {
  return decode(bytes, what, true)
}

export function modq(x: bigint): bigint {
  const r = x % ORDER
  return r < 0n ? r + ORDER : r
}

export function invq(x: bigint): bigint {
  const a = modq(x)
  if (a === 0n) throw new RangeError('zero has no inverse mod q')
  // Extended Euclid (q is prime; the input is public: Lagrange coefficients of trustee indices).
  let [r0, r1, s0, s1] = [ORDER, a, 0n, 1n]
  while (r1 !== 0n) {
    const t = r0 / r1
    ;[r0, r1] = [r1, r0 - t * r1]
    ;[s0, s1] = [s1, s0 - t * s1]
  }
  return modq(s0)
}

export function encodeScalar(s: bigint): Uint8Array {
  if (s < 0n || s >= ORDER) throw new RangeError('scalar out of range')
  const out = new Uint8Array(SCALAR_BYTES)
  let x = s
  for (let i = 0; i < SCALAR_BYTES; i++) {
    out[i] = Number(x & 0xffn)
    x >>= 8n
  }
  return out
}

export function decodeScalar(bytes: Uint8Array, what: string): bigint {
  if (!(bytes instanceof Uint8Array) || bytes.length !== SCALAR_BYTES) {
    throw new PolisError('invalid_message', `${what}: a scalar is ${SCALAR_BYTES} bytes`)
  }
  const s = bytesToBigintLE(bytes)
  if (s >= ORDER) throw new PolisError('invalid_message', `${what}: not a canonical scalar (not below the group order)`)
  return s
}

/** s·P for a secret s (constant time). */
export function mul(p: Point, s: bigint): Point {
  const k = modq(s)
  return k === 0n ? IDENTITY : p.multiply(k)
}

/** s·G for a secret s (constant time). */
export function mulG(s: bigint): Point {
  return mul(G, s)
}

/** s·P for public P and s (variable time). */
export function mulPublic(p: Point, s: bigint): Point {
  return p.multiplyUnsafe(modq(s))
}
