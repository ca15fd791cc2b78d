/**
 * RFC 9496 §4.3.2 ristretto255 encoding on limbs: the one encoder group.ts uses (decode.ts is the
 * one decoder). One inverse square root per point, like the RFC; about three times faster than
 * noble's bigint version, which matters where the chain re-encodes an aggregate for every ballot.
 */
import { CURVE_D, type XPoint } from './edwards.js'
import { add, fe, feToBytes, isNegative, mul, neg, sub, type Fe } from './field.js'
import { MINUS_ONE, SQRT_M1, invSqrt } from './decode.js'

const [u1, u2, t, inv, den1, den2, zInv, ix, iy, enchanted, x, y, den, s] = Array.from({ length: 14 }, fe) as Fe[] as [Fe, Fe, Fe, Fe, Fe, Fe, Fe, Fe, Fe, Fe, Fe, Fe, Fe, Fe]

/** 1/√(a - d) for a = -1 (the RFC's INVSQRT_A_MINUS_D, the non-negative root). */
const INVSQRT_A_MINUS_D = (() => {
  const aMinusD = fe()
  sub(aMinusD, MINUS_ONE, CURVE_D)
  const r = fe()
  if (!invSqrt(r, aMinusD)) throw new Error('a - d is a square')
  return r
})()

export function encodeRistretto(p: XPoint): Uint8Array {
  add(t, p.Z, p.Y)
  sub(u1, p.Z, p.Y)
  mul(u1, u1, t) // (Z + Y)(Z - Y)
  mul(u2, p.X, p.Y)
  mul(t, u2, u2)
  mul(t, t, u1) // u1·u2²
  invSqrt(inv, t)
  mul(den1, inv, u1)
  mul(den2, inv, u2)
  mul(zInv, den1, den2)
  mul(zInv, zInv, p.T)
  mul(ix, p.X, SQRT_M1)
  mul(iy, p.Y, SQRT_M1)
  mul(enchanted, den1, INVSQRT_A_MINUS_D)
  mul(t, p.T, zInv)
  const rotate = isNegative(t)
  x.set(rotate ? iy : p.X)
  y.set(rotate ? ix : p.Y)
  den.set(rotate ? enchanted : den2)
  mul(t, x, zInv)
  if (isNegative(t)) neg(y, y)
  sub(s, p.Z, y)
  mul(s, s, den)
  if (isNegative(s)) neg(s, s)
  return feToBytes(s)
}
