/**
 * RFC 9496 §4.3.1 ristretto255 decoding on limbs: the one decoder group.ts uses (noble's encoder
 * stays the only encoder). Returns the same extended representative (x, y, 1, x·y) as the RFC
 * (and noble's `fromBytes`), or null for every string the RFC refuses: s not canonical (≥ p),
 * s negative (odd), no square root, t negative or y = 0. The identity (all zero) decodes; the
 * caller decides whether it is allowed.
 */
import { CURVE_D, type XPoint } from './edwards.js'
import { add, equal, fe, feFromBigint, feFromBytes, isNegative, isZero, mul, neg, pow22523, sqr, sub, type Fe } from './field.js'

const P = 2n ** 255n - 19n
/** √-1 = 2^((p - 1) / 4) mod p. */
export const SQRT_M1 = feFromBigint(
  (() => {
    let r = 1n
    let b = 2n
    for (let e = (P - 1n) / 4n; e > 0n; e >>= 1n, b = (b * b) % P) if (e & 1n) r = (r * b) % P
    return r
  })(),
)
const ONE = feFromBigint(1n)
export const MINUS_ONE = feFromBigint(P - 1n)
const MINUS_SQRT_M1 = feFromBigint(0n)
neg(MINUS_SQRT_M1, SQRT_M1)

/** s < p, as bytes: p = ed ff … ff 7f (little-endian). */
function canonical(bytes: Uint8Array): boolean {
  const top = bytes[31]!
  if (top < 0x7f) return true
  if (top > 0x7f) return false
  for (let i = 30; i >= 1; i--) if (bytes[i] !== 0xff) return true
  return bytes[0]! < 0xed
}

// Scratch registers (the decoder is not re-entrant; JavaScript runs it to completion).
const [w3, w7, check, s, ss, u1, u2, u2sq, v, w, inv, dx, dy] = Array.from({ length: 13 }, fe) as [Fe, Fe, Fe, Fe, Fe, Fe, Fe, Fe, Fe, Fe, Fe, Fe, Fe]

/** SQRT_RATIO_M1(1, w): [w is a non-zero square, |1/√w| (or |√(i/w)| when it is not)]. */
export function invSqrt(r: Fe, w: Fe): boolean {
  sqr(w3, w)
  mul(w3, w3, w) // w³
  sqr(w7, w3)
  mul(w7, w7, w) // w⁷
  pow22523(r, w7)
  mul(r, r, w3) // w³·(w⁷)^((p-5)/8)
  sqr(check, r)
  mul(check, check, w)
  const correct = equal(check, ONE)
  const flipped = equal(check, MINUS_ONE)
  const flippedI = equal(check, MINUS_SQRT_M1)
  if (flipped || flippedI) mul(r, r, SQRT_M1)
  if (isNegative(r)) neg(r, r)
  return correct || flipped
}

export function decodeRistretto(bytes: Uint8Array): XPoint | null {
  if (bytes.length !== 32 || !canonical(bytes) || (bytes[0]! & 1) === 1) return null
  feFromBytes(s, bytes)
  sqr(ss, s)
  sub(u1, ONE, ss) // 1 + a·s²
  add(u2, ONE, ss) // 1 - a·s²
  sqr(u2sq, u2)
  sqr(v, u1)
  mul(v, v, CURVE_D)
  neg(v, v)
  sub(v, v, u2sq) // a·d·u1² - u2²
  mul(w, v, u2sq)
  const wasSquare = invSqrt(inv, w)
  mul(dx, inv, u2)
  mul(dy, inv, dx)
  mul(dy, dy, v)
  const x = fe()
  add(x, s, s)
  mul(x, x, dx)
  if (isNegative(x)) neg(x, x)
  const y = fe()
  mul(y, u1, dy)
  const t = fe()
  mul(t, x, y)
  if (!wasSquare || isNegative(t) || isZero(y)) return null
  const z = fe()
  z[0] = 1
  return { X: x, Y: y, Z: z, T: t }
}
