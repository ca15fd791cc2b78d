/**
 * Arithmetic mod p = 2^255 - 19 on fifteen 17-bit limbs held in doubles, for the verifier's hot
 * path (point decoding and multi-scalar multiplication). A limb product is below 2^41, a whole
 * column below 2^53, so every step is exact integer arithmetic in floating point, and the code is
 * about three times faster than bigint arithmetic with `%` (the group.ts/noble default).
 *
 * Limbs are loosely reduced: mul/sqr return limbs in [0, 2^17] (about); add/sub return sums or
 * differences (possibly negative). Callers keep mul/sqr inputs to sums or differences of at most
 * four reduced values (|limb| < 2^19.5), which keeps every column below 2^47. `canon` gives the
 * unique value in [0, p).
 *
 * Only public values pass through here: the code is not constant time.
 */

export type Fe = Float64Array

export const LIMBS = 15
const RADIX = 131072
const INV = 1 / RADIX

const P = 2n ** 255n - 19n

export const fe = (): Fe => new Float64Array(LIMBS)

export function feFromBigint(x: bigint): Fe {
  const o = fe()
  let v = ((x % P) + P) % P
  for (let i = 0; i < LIMBS; i++) {
    o[i] = Number(v & 0x1ffffn)
    v >>= 17n
  }
  return o
}

export function copy(o: Fe, a: Fe): void {
  o.set(a)
}

export function add(o: Fe, a: Fe, b: Fe): void {
  for (let i = 0; i < LIMBS; i++) o[i] = a[i]! + b[i]!
}

export function sub(o: Fe, a: Fe, b: Fe): void {
  for (let i = 0; i < LIMBS; i++) o[i] = a[i]! - b[i]!
}

export function neg(o: Fe, a: Fe): void {
  for (let i = 0; i < LIMBS; i++) o[i] = -a[i]!
}

/** o = the canonical limbs of a: every limb in [0, 2^17), value in [0, p). */
export function canon(o: Fe, a: Fe): void {
  if (o !== a) o.set(a)
  // Carry until the value is in [0, 2^255): each pass folds the carry out of limb 14 (×19).
  for (;;) {
    let c = 0
    for (let i = 0; i < LIMBS; i++) {
      const v = o[i]! + c
      c = Math.floor(v * INV)
      o[i] = v - c * RADIX
    }
    if (c === 0) break
    o[0]! += 19 * c
  }
  // Now 0 ≤ value < 2^255; subtract p once if value ≥ p, i.e. if value + 19 carries out of bit 255.
  let c = 19
  for (let i = 0; i < LIMBS; i++) c = Math.floor((o[i]! + c) * INV)
  if (c === 0) return
  c = 19
  for (let i = 0; i < LIMBS; i++) {
    const v = o[i]! + c
    c = Math.floor(v * INV)
    o[i] = v - c * RADIX
  }
}

const scratch = fe()

export function isZero(a: Fe): boolean {
  canon(scratch, a)
  for (let i = 0; i < LIMBS; i++) if (scratch[i] !== 0) return false
  return true
}

/** RFC 9496's IS_NEGATIVE: the canonical value is odd. */
export function isNegative(a: Fe): boolean {
  canon(scratch, a)
  return (scratch[0]! & 1) === 1
}

const diff = fe()

export function equal(a: Fe, b: Fe): boolean {
  sub(diff, a, b)
  return isZero(diff)
}

export function feToBigint(a: Fe): bigint {
  canon(scratch, a)
  // Three chunks of five limbs (85 bits each) keep the number of bigint operations small.
  let out = 0n
  for (let k = 2; k >= 0; k--) {
    let hi = 0
    let lo = 0
    for (let i = 4; i >= 0; i--) {
      const l = scratch[5 * k + i]!
      if (i >= 2) hi = hi * RADIX + l
      else lo = lo * RADIX + l
    }
    out = (out << 85n) | (BigInt(hi) << 34n) | BigInt(lo)
  }
  return out
}

/**
 * Reads a 32-byte little-endian field element, all 256 bits (the caller checks canonicity; the
 * value is then < 2^255 and lands in the limbs unchanged).
 */
export function feFromBytes(o: Fe, bytes: Uint8Array): void {
  let acc = 0
  let bits = 0
  let limb = 0
  for (let i = 0; i < 32 && limb < LIMBS; i++) {
    acc += bytes[i]! * 2 ** bits
    bits += 8
    if (bits >= 17) {
      const l = acc % RADIX
      o[limb++] = l
      acc = (acc - l) * INV
      bits -= 17
    }
  }
  if (limb < LIMBS) o[limb] = acc
}

// mul and sqr end with the same carry chain, written out in each: as a shared 16-argument
// function it measured 35% slower (the exponentiation in every decoding is 254 squarings).

/** o = a·b (o may alias a or b). */
export function mul(o: Fe, a: Fe, b: Fe): void {
  const a0 = a[0]!, a1 = a[1]!, a2 = a[2]!, a3 = a[3]!, a4 = a[4]!, a5 = a[5]!, a6 = a[6]!, a7 = a[7]!, a8 = a[8]!, a9 = a[9]!, a10 = a[10]!, a11 = a[11]!, a12 = a[12]!, a13 = a[13]!, a14 = a[14]!
  const b0 = b[0]!, b1 = b[1]!, b2 = b[2]!, b3 = b[3]!, b4 = b[4]!, b5 = b[5]!, b6 = b[6]!, b7 = b[7]!, b8 = b[8]!, b9 = b[9]!, b10 = b[10]!, b11 = b[11]!, b12 = b[12]!, b13 = b[13]!, b14 = b[14]!
  let t0 = a0 * b0 + 19 * (a1 * b14 + a2 * b13 + a3 * b12 + a4 * b11 + a5 * b10 + a6 * b9 + a7 * b8 + a8 * b7 + a9 * b6 + a10 * b5 + a11 * b4 + a12 * b3 + a13 * b2 + a14 * b1)
  let t1 = a0 * b1 + a1 * b0 + 19 * (a2 * b14 + a3 * b13 + a4 * b12 + a5 * b11 + a6 * b10 + a7 * b9 + a8 * b8 + a9 * b7 + a10 * b6 + a11 * b5 + a12 * b4 + a13 * b3 + a14 * b2)
  let t2 = a0 * b2 + a1 * b1 + a2 * b0 + 19 * (a3 * b14 + a4 * b13 + a5 * b12 + a6 * b11 + a7 * b10 + a8 * b9 + a9 * b8 + a10 * b7 + a11 * b6 + a12 * b5 + a13 * b4 + a14 * b3)
  let t3 = a0 * b3 + a1 * b2 + a2 * b1 + a3 * b0 + 19 * (a4 * b14 + a5 * b13 + a6 * b12 + a7 * b11 + a8 * b10 + a9 * b9 + a10 * b8 + a11 * b7 + a12 * b6 + a13 * b5 + a14 * b4)
  let t4 = a0 * b4 + a1 * b3 + a2 * b2 + a3 * b1 + a4 * b0 + 19 * (a5 * b14 + a6 * b13 + a7 * b12 + a8 * b11 + a9 * b10 + a10 * b9 + a11 * b8 + a12 * b7 + a13 * b6 + a14 * b5)
  let t5 = a0 * b5 + a1 * b4 + a2 * b3 + a3 * b2 + a4 * b1 + a5 * b0 + 19 * (a6 * b14 + a7 * b13 + a8 * b12 + a9 * b11 + a10 * b10 + a11 * b9 + a12 * b8 + a13 * b7 + a14 * b6)
  let t6 = a0 * b6 + a1 * b5 + a2 * b4 + a3 * b3 + a4 * b2 + a5 * b1 + a6 * b0 + 19 * (a7 * b14 + a8 * b13 + a9 * b12 + a10 * b11 + a11 * b10 + a12 * b9 + a13 * b8 + a14 * b7)
  let t7 = a0 * b7 + a1 * b6 + a2 * b5 + a3 * b4 + a4 * b3 + a5 * b2 + a6 * b1 + a7 * b0 + 19 * (a8 * b14 + a9 * b13 + a10 * b12 + a11 * b11 + a12 * b10 + a13 * b9 + a14 * b8)
  let t8 = a0 * b8 + a1 * b7 + a2 * b6 + a3 * b5 + a4 * b4 + a5 * b3 + a6 * b2 + a7 * b1 + a8 * b0 + 19 * (a9 * b14 + a10 * b13 + a11 * b12 + a12 * b11 + a13 * b10 + a14 * b9)
  let t9 = a0 * b9 + a1 * b8 + a2 * b7 + a3 * b6 + a4 * b5 + a5 * b4 + a6 * b3 + a7 * b2 + a8 * b1 + a9 * b0 + 19 * (a10 * b14 + a11 * b13 + a12 * b12 + a13 * b11 + a14 * b10)
  let t10 = a0 * b10 + a1 * b9 + a2 * b8 + a3 * b7 + a4 * b6 + a5 * b5 + a6 * b4 + a7 * b3 + a8 * b2 + a9 * b1 + a10 * b0 + 19 * (a11 * b14 + a12 * b13 + a13 * b12 + a14 * b11)
  let t11 = a0 * b11 + a1 * b10 + a2 * b9 + a3 * b8 + a4 * b7 + a5 * b6 + a6 * b5 + a7 * b4 + a8 * b3 + a9 * b2 + a10 * b1 + a11 * b0 + 19 * (a12 * b14 + a13 * b13 + a14 * b12)
  let t12 = a0 * b12 + a1 * b11 + a2 * b10 + a3 * b9 + a4 * b8 + a5 * b7 + a6 * b6 + a7 * b5 + a8 * b4 + a9 * b3 + a10 * b2 + a11 * b1 + a12 * b0 + 19 * (a13 * b14 + a14 * b13)
  let t13 = a0 * b13 + a1 * b12 + a2 * b11 + a3 * b10 + a4 * b9 + a5 * b8 + a6 * b7 + a7 * b6 + a8 * b5 + a9 * b4 + a10 * b3 + a11 * b2 + a12 * b1 + a13 * b0 + 19 * (a14 * b14)
  let t14 = a0 * b14 + a1 * b13 + a2 * b12 + a3 * b11 + a4 * b10 + a5 * b9 + a6 * b8 + a7 * b7 + a8 * b6 + a9 * b5 + a10 * b4 + a11 * b3 + a12 * b2 + a13 * b1 + a14 * b0
  let c = 0
  t0 += c; c = Math.floor(t0 * INV); t0 -= c * RADIX
  t1 += c; c = Math.floor(t1 * INV); t1 -= c * RADIX
  t2 += c; c = Math.floor(t2 * INV); t2 -= c * RADIX
  t3 += c; c = Math.floor(t3 * INV); t3 -= c * RADIX
  t4 += c; c = Math.floor(t4 * INV); t4 -= c * RADIX
  t5 += c; c = Math.floor(t5 * INV); t5 -= c * RADIX
  t6 += c; c = Math.floor(t6 * INV); t6 -= c * RADIX
  t7 += c; c = Math.floor(t7 * INV); t7 -= c * RADIX
  t8 += c; c = Math.floor(t8 * INV); t8 -= c * RADIX
  t9 += c; c = Math.floor(t9 * INV); t9 -= c * RADIX
  t10 += c; c = Math.floor(t10 * INV); t10 -= c * RADIX
  t11 += c; c = Math.floor(t11 * INV); t11 -= c * RADIX
  t12 += c; c = Math.floor(t12 * INV); t12 -= c * RADIX
  t13 += c; c = Math.floor(t13 * INV); t13 -= c * RADIX
  t14 += c; c = Math.floor(t14 * INV); t14 -= c * RADIX
  t0 += 19 * c
  c = Math.floor(t0 * INV); t0 -= c * RADIX; t1 += c
  c = Math.floor(t1 * INV); t1 -= c * RADIX; t2 += c
  o[0] = t0; o[1] = t1; o[2] = t2; o[3] = t3; o[4] = t4; o[5] = t5; o[6] = t6; o[7] = t7; o[8] = t8; o[9] = t9; o[10] = t10; o[11] = t11; o[12] = t12; o[13] = t13; o[14] = t14
}

/** o = a² (o may alias a). Cross products a_i·a_j (i < j) appear once, against d_j = 2·a_j. */
export function sqr(o: Fe, a: Fe): void {
  const a0 = a[0]!, a1 = a[1]!, a2 = a[2]!, a3 = a[3]!, a4 = a[4]!, a5 = a[5]!, a6 = a[6]!, a7 = a[7]!, a8 = a[8]!, a9 = a[9]!, a10 = a[10]!, a11 = a[11]!, a12 = a[12]!, a13 = a[13]!, a14 = a[14]!
  const d1 = 2 * a1, d2 = 2 * a2, d3 = 2 * a3, d4 = 2 * a4, d5 = 2 * a5, d6 = 2 * a6, d7 = 2 * a7, d8 = 2 * a8, d9 = 2 * a9, d10 = 2 * a10, d11 = 2 * a11, d12 = 2 * a12, d13 = 2 * a13, d14 = 2 * a14
  let t0 = a0 * a0 + 19 * (a1 * d14 + a2 * d13 + a3 * d12 + a4 * d11 + a5 * d10 + a6 * d9 + a7 * d8)
  let t1 = a0 * d1 + 19 * (a2 * d14 + a3 * d13 + a4 * d12 + a5 * d11 + a6 * d10 + a7 * d9 + a8 * a8)
  let t2 = a0 * d2 + a1 * a1 + 19 * (a3 * d14 + a4 * d13 + a5 * d12 + a6 * d11 + a7 * d10 + a8 * d9)
  let t3 = a0 * d3 + a1 * d2 + 19 * (a4 * d14 + a5 * d13 + a6 * d12 + a7 * d11 + a8 * d10 + a9 * a9)
  let t4 = a0 * d4 + a1 * d3 + a2 * a2 + 19 * (a5 * d14 + a6 * d13 + a7 * d12 + a8 * d11 + a9 * d10)
  let t5 = a0 * d5 + a1 * d4 + a2 * d3 + 19 * (a6 * d14 + a7 * d13 + a8 * d12 + a9 * d11 + a10 * a10)
  let t6 = a0 * d6 + a1 * d5 + a2 * d4 + a3 * a3 + 19 * (a7 * d14 + a8 * d13 + a9 * d12 + a10 * d11)
  let t7 = a0 * d7 + a1 * d6 + a2 * d5 + a3 * d4 + 19 * (a8 * d14 + a9 * d13 + a10 * d12 + a11 * a11)
  let t8 = a0 * d8 + a1 * d7 + a2 * d6 + a3 * d5 + a4 * a4 + 19 * (a9 * d14 + a10 * d13 + a11 * d12)
  let t9 = a0 * d9 + a1 * d8 + a2 * d7 + a3 * d6 + a4 * d5 + 19 * (a10 * d14 + a11 * d13 + a12 * a12)
  let t10 = a0 * d10 + a1 * d9 + a2 * d8 + a3 * d7 + a4 * d6 + a5 * a5 + 19 * (a11 * d14 + a12 * d13)
  let t11 = a0 * d11 + a1 * d10 + a2 * d9 + a3 * d8 + a4 * d7 + a5 * d6 + 19 * (a12 * d14 + a13 * a13)
  let t12 = a0 * d12 + a1 * d11 + a2 * d10 + a3 * d9 + a4 * d8 + a5 * d7 + a6 * a6 + 19 * (a13 * d14)
  let t13 = a0 * d13 + a1 * d12 + a2 * d11 + a3 * d10 + a4 * d9 + a5 * d8 + a6 * d7 + 19 * (a14 * a14)
  let t14 = a0 * d14 + a1 * d13 + a2 * d12 + a3 * d11 + a4 * d10 + a5 * d9 + a6 * d8 + a7 * a7
  let c = 0
  t0 += c; c = Math.floor(t0 * INV); t0 -= c * RADIX
  t1 += c; c = Math.floor(t1 * INV); t1 -= c * RADIX
  t2 += c; c = Math.floor(t2 * INV); t2 -= c * RADIX
  t3 += c; c = Math.floor(t3 * INV); t3 -= c * RADIX
  t4 += c; c = Math.floor(t4 * INV); t4 -= c * RADIX
  t5 += c; c = Math.floor(t5 * INV); t5 -= c * RADIX
  t6 += c; c = Math.floor(t6 * INV); t6 -= c * RADIX
  t7 += c; c = Math.floor(t7 * INV); t7 -= c * RADIX
  t8 += c; c = Math.floor(t8 * INV); t8 -= c * RADIX
  t9 += c; c = Math.floor(t9 * INV); t9 -= c * RADIX
  t10 += c; c = Math.floor(t10 * INV); t10 -= c * RADIX
  t11 += c; c = Math.floor(t11 * INV); t11 -= c * RADIX
  t12 += c; c = Math.floor(t12 * INV); t12 -= c * RADIX
  t13 += c; c = Math.floor(t13 * INV); t13 -= c * RADIX
  t14 += c; c = Math.floor(t14 * INV); t14 -= c * RADIX
  t0 += 19 * c
  c = Math.floor(t0 * INV); t0 -= c * RADIX; t1 += c
  c = Math.floor(t1 * INV); t1 -= c * RADIX; t2 += c
  o[0] = t0; o[1] = t1; o[2] = t2; o[3] = t3; o[4] = t4; o[5] = t5; o[6] = t6; o[7] = t7; o[8] = t8; o[9] = t9; o[10] = t10; o[11] = t11; o[12] = t12; o[13] = t13; o[14] = t14
}

function sqrTimes(o: Fe, a: Fe, n: number): void {
  sqr(o, a)
  for (let i = 1; i < n; i++) sqr(o, o)
}

/** o = z^(2^252 - 3) = z^((p - 5) / 8), the exponent of RFC 9496's SQRT_RATIO_M1. */
const t0 = fe()
const t1 = fe()
const t2 = fe()

export function pow22523(o: Fe, z: Fe): void {
  sqr(t0, z) // z^2
  sqrTimes(t1, t0, 2) // z^8
  mul(t1, z, t1) // z^9
  mul(t0, t0, t1) // z^11
  sqr(t0, t0) // z^22
  mul(t0, t1, t0) // z^(2^5 - 1)
  sqrTimes(t1, t0, 5)
  mul(t0, t1, t0) // z^(2^10 - 1)
  sqrTimes(t1, t0, 10)
  mul(t1, t1, t0) // z^(2^20 - 1)
  sqrTimes(t2, t1, 20)
  mul(t1, t2, t1) // z^(2^40 - 1)
  sqrTimes(t1, t1, 10)
  mul(t0, t1, t0) // z^(2^50 - 1)
  sqrTimes(t1, t0, 50)
  mul(t1, t1, t0) // z^(2^100 - 1)
  sqrTimes(t2, t1, 100)
  mul(t1, t2, t1) // z^(2^200 - 1)
  sqrTimes(t1, t1, 50)
  mul(t0, t1, t0) // z^(2^250 - 1)
  sqrTimes(t0, t0, 2) // z^(2^252 - 4)
  mul(o, t0, z)
}

/** The canonical 32-byte little-endian encoding. */
export function feToBytes(a: Fe): Uint8Array {
  canon(scratch, a)
  const out = new Uint8Array(32)
  let acc = 0
  let bits = 0
  let o = 0
  for (let i = 0; i < LIMBS; i++) {
    acc += scratch[i]! * 2 ** bits
    bits += 17
    while (bits >= 8) {
      const byte = acc % 256
      out[o++] = byte
      acc = (acc - byte) / 256
      bits -= 8
    }
  }
  if (o < 32) out[o] = acc
  return out
}
