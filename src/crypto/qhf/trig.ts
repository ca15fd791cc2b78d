/**
 * Deterministic sine and cosine for the QHF coin and initial-state angles.
 *
 * `Math.sin`/`Math.cos` are not required by ECMAScript (or IEEE 754) to be correctly rounded, and
 * engines differ in their last bit (fdlibm ports, CPU intrinsics, different V8 versions). A hash
 * that feeds such a value into 10^5+ multiply-adds would then differ across machines. So the QHF
 * never calls them: it evaluates the Maclaurin series itself, in Float64, with a fixed nested
 * (Horner) form that uses only `+ - * /` on exact small integers — operations IEEE 754 requires to
 * be correctly rounded, and which JavaScript never contracts into fused multiply-adds.
 *
 *   sin x = x·(1 − x²/(2·3)·(1 − x²/(4·5)·(1 − … (1 − x²/(28·29)))))
 *   cos x =    1 − x²/(1·2)·(1 − x²/(3·4)·(1 − … (1 − x²/(27·28))))
 *
 * 14 nested factors each, used on 0 ≤ x ≤ π/4 where the first omitted term is below
 * (π/4)^29/29! ≈ 1e-34. For π/4 < x ≤ π/2 the identities sin x = cos(π/2 − x), cos x = sin(π/2 − x)
 * are used, with π/2 − x formed as (PIO2_HI − x) + PIO2_LO (the first subtraction is exact), so
 * cos does not lose digits to cancellation near π/2. Results agree with the true values to within
 * ~1 ulp — and, more importantly, are bit-identical on every conforming platform because the
 * evaluation order is fixed here.
 *
 * Ports to other languages must keep this exact order and must disable FMA contraction
 * (e.g. C: `-ffp-contract=off`).
 */

const TERMS = 14
/** π/2 − Math.PI/2: the part of π/2 below the double Math.PI/2 (π/2 = PIO2_HI + PIO2_LO). */
const PIO2_HI = Math.PI / 2
const PIO2_LO = 6.123233995736766e-17

/** Deterministic sin(x) for 0 ≤ x ≤ π/2 (see module comment). */
export function detSin(x: number): number {
  assertDomain(x)
  return x <= Math.PI / 4 ? sinSeries(x) : cosSeries(reflect(x))
}

/** Deterministic cos(x) for 0 ≤ x ≤ π/2 (see module comment). */
export function detCos(x: number): number {
  assertDomain(x)
  return x <= Math.PI / 4 ? cosSeries(x) : sinSeries(reflect(x))
}

/**
 * π/2 − x for π/4 < x ≤ π/2, to ~1 ulp: PIO2_HI − x is exact (Sterbenz: PIO2_HI/2 ≤ x ≤ 2·PIO2_HI),
 * then the low part is added. Keeps cos accurate near π/2, where 1 − x²/2 + … would cancel.
 */
function reflect(x: number): number {
  return (PIO2_HI - x) + PIO2_LO
}

function sinSeries(x: number): number {
  const x2 = x * x
  let acc = 1
  for (let k = TERMS; k >= 1; k--) {
    // factor for the term x^(2k+1)/(2k+1)! relative to the previous: x² / ((2k)·(2k+1))
    acc = 1 - (x2 / ((2 * k) * (2 * k + 1))) * acc
  }
  return x * acc
}

function cosSeries(x: number): number {
  const x2 = x * x
  let acc = 1
  for (let k = TERMS; k >= 1; k--) {
    // factor for x^(2k)/(2k)! relative to the previous: x² / ((2k−1)·(2k))
    acc = 1 - (x2 / ((2 * k - 1) * (2 * k))) * acc
  }
  return acc
}

function assertDomain(x: number): void {
  if (!(x >= 0 && x <= Math.PI / 2)) throw new RangeError(`detSin/detCos: ${x} outside [0, π/2]`)
}
