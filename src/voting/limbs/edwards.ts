/**
 * Points of edwards25519 (-x² + y² = 1 + d·x²·y²) in extended coordinates (X : Y : Z : T), x = X/Z,
 * y = Y/Z, x·y = T/Z, on limbs (field.ts): the verifier's multi-scalar multiplication runs on these.
 * A ristretto255 element is a coset of the 4-torsion; it is the identity exactly when its
 * representative has X = 0 or Y = 0 (the same test as noble's `equals(ZERO)`).
 *
 * Formulas: add-2008-hwcd-3 and dbl-2008-hwcd (Hisil, Wong, Carter, Dawson 2008), a = -1.
 */
import { add, fe, feFromBigint, isZero, mul, neg, sqr, sub, type Fe } from './field.js'

export interface XPoint {
  readonly X: Fe
  readonly Y: Fe
  readonly Z: Fe
  readonly T: Fe
}

const D = (() => {
  const p = 2n ** 255n - 19n
  // d = -121665 / 121666 mod p
  let inv = 1n
  let b = 121666n
  for (let e = p - 2n; e > 0n; e >>= 1n, b = (b * b) % p) if (e & 1n) inv = (inv * b) % p
  return (p - ((121665n * inv) % p)) % p
})()
const D2 = feFromBigint(2n * D)
export const CURVE_D = feFromBigint(D)

export const xpoint = (): XPoint => ({ X: fe(), Y: fe(), Z: fe(), T: fe() })

export function identity(): XPoint {
  const p = xpoint()
  p.Y[0] = 1
  p.Z[0] = 1
  return p
}

export function copyPoint(o: XPoint, p: XPoint): void {
  o.X.set(p.X)
  o.Y.set(p.Y)
  o.Z.set(p.Z)
  o.T.set(p.T)
}

export function negate(o: XPoint, p: XPoint): void {
  neg(o.X, p.X)
  o.Y.set(p.Y)
  o.Z.set(p.Z)
  neg(o.T, p.T)
}

const a = fe()
const b = fe()
const c = fe()
const d = fe()
const e = fe()
const f = fe()
const g = fe()
const h = fe()

/** o = p + q (o may alias p or q). */
export function addPoints(o: XPoint, p: XPoint, q: XPoint): void {
  sub(a, p.Y, p.X)
  sub(b, q.Y, q.X)
  mul(a, a, b) // A = (Y1 - X1)(Y2 - X2)
  add(b, p.Y, p.X)
  add(c, q.Y, q.X)
  mul(b, b, c) // B = (Y1 + X1)(Y2 + X2)
  mul(c, p.T, q.T)
  mul(c, c, D2) // C = 2d·T1·T2
  mul(d, p.Z, q.Z)
  add(d, d, d) // D = 2·Z1·Z2
  sub(e, b, a) // E = B - A
  sub(f, d, c) // F = D - C
  add(g, d, c) // G = D + C
  add(h, b, a) // H = B + A
  mul(o.X, e, f)
  mul(o.Y, g, h)
  mul(o.T, e, h)
  mul(o.Z, f, g)
}

/** o = p - q. */
export function subPoints(o: XPoint, p: XPoint, q: XPoint): void {
  const n = xpoint()
  negate(n, q)
  addPoints(o, p, n)
}

/** o = 2p (o may alias p). */
export function double(o: XPoint, p: XPoint): void {
  sqr(a, p.X) // A = X²
  sqr(b, p.Y) // B = Y²
  sqr(c, p.Z)
  add(c, c, c) // C = 2Z²
  add(h, a, b) // -H = A + B (a = -1: H = aA - B... below in signs)
  add(e, p.X, p.Y)
  sqr(e, e)
  sub(e, e, h) // E = (X + Y)² - A - B
  sub(g, b, a) // G = aA + B = B - A
  sub(f, g, c) // F = G - C
  neg(h, h) // H = aA - B = -A - B
  mul(o.X, e, f)
  mul(o.Y, g, h)
  mul(o.T, e, h)
  mul(o.Z, f, g)
}

/** The ristretto255 identity test. */
export function isIdentity(p: XPoint): boolean {
  return isZero(p.X) || isZero(p.Y)
}

/** A point ready to be added many times: (Y + X, Y - X, 2Z, 2d·T). */
export interface Cached {
  readonly YpX: Fe
  readonly YmX: Fe
  readonly Z2: Fe
  readonly T2d: Fe
}

export function toCached(p: XPoint): Cached {
  const c: Cached = { YpX: fe(), YmX: fe(), Z2: fe(), T2d: fe() }
  add(c.YpX, p.Y, p.X)
  sub(c.YmX, p.Y, p.X)
  add(c.Z2, p.Z, p.Z)
  mul(c.T2d, p.T, D2)
  return c
}

/** o = p + q, or p - q when `minus` (o may alias p): eight multiplications instead of nine. */
export function addCached(o: XPoint, p: XPoint, q: Cached, minus: boolean): void {
  sub(a, p.Y, p.X)
  mul(a, a, minus ? q.YpX : q.YmX) // A
  add(b, p.Y, p.X)
  mul(b, b, minus ? q.YmX : q.YpX) // B
  mul(c, p.T, q.T2d) // C (its negation for -q)
  mul(d, p.Z, q.Z2) // D
  sub(e, b, a) // E = B - A
  if (minus) {
    add(f, d, c) // F = D - (-C)
    sub(g, d, c) // G = D + (-C)
  } else {
    sub(f, d, c)
    add(g, d, c)
  }
  add(h, b, a) // H = B + A
  mul(o.X, e, f)
  mul(o.Y, g, h)
  mul(o.T, e, h)
  mul(o.Z, f, g)
}
