/**
 * QHF parameters: what a chain's genesis records when it selects `hash: qhf`.
 *
 * Every field and range is documented in docs/QHF.md ("Parameters"), with its source. Summary:
 *
 * | field        | meaning                                                    | default | accepted            |
 * |--------------|------------------------------------------------------------|---------|---------------------|
 * | latticeSide  | N: the walker moves on the N×N torus Z_N × Z_N              | 7       | odd, 3 ≤ N ≤ 63     |
 * | bitsPerSite  | m: each site's probability gives round(p·10^8) mod 2^m     | 8       | 8                   |
 * | hashBits     | output length: the first hashBits bits of the concatenation| 256     | 128…min(N²·m, 1024), multiple of 8 |
 * | theta0       | θ0 of coin C0 = C(θ0), applied for message bit 0           | π/4     | 0 < θ < π/2         |
 * | theta1       | θ1 of coin C1 = C(θ1), applied for message bit 1           | π/3     | 0 < θ < π/2, ≠ θ0   |
 * | coinAngle    | φ: initial coin state cos φ|0⟩ + sin φ|1⟩                  | π/4     | 0 < φ < π/2         |
 *
 * The default values of N, θ0, θ1 and φ are ours, chosen inside the constraints of the
 * construction: the papers' own values could not be read (docs/QHF.md, "Sources").
 *
 * Why N must be odd: on a torus of even side every step moves x and y by ±1, so after t steps the
 * walker is only on sites with x ≡ y ≡ t (mod 2) — three quarters of the sites keep probability 0
 * and their output bytes are constant 0x00. An odd cycle is not bipartite, so every site is reached.
 */
import { fail } from '../../base/errors.js'

export interface QhfParams {
  readonly latticeSide: number
  readonly bitsPerSite: number
  readonly hashBits: number
  readonly theta0: number
  readonly theta1: number
  readonly coinAngle: number
}

export const QHF_DEFAULT_PARAMS: QhfParams = Object.freeze({
  latticeSide: 7,
  bitsPerSite: 8,
  hashBits: 256,
  theta0: Math.PI / 4,
  theta1: Math.PI / 3,
  coinAngle: Math.PI / 4,
})

export const QHF_LIMITS = Object.freeze({
  minSide: 3,
  maxSide: 63,
  bitsPerSite: [8] as readonly number[],
  minHashBits: 128,
  maxHashBits: 1024,
})

const KEYS = ['latticeSide', 'bitsPerSite', 'hashBits', 'theta0', 'theta1', 'coinAngle'] as const

/**
 * Parses an angle: a finite number of radians, or a string "pi/4", "pi/3", "2*pi/5", "pi" style
 * (k·π/d with small positive integers), evaluated as Math.PI·k/d — a correctly rounded Float64
 * product and quotient, hence the same double everywhere.
 */
export function parseAngle(v: unknown, field: string): number {
  if (typeof v === 'number') return v
  if (typeof v === 'string') {
    const m = /^\s*(?:(\d{1,4})\s*\*\s*)?pi(?:\s*\/\s*(\d{1,4}))?\s*$/i.exec(v)
    if (m) {
      const k = m[1] === undefined ? 1 : Number(m[1])
      const d = m[2] === undefined ? 1 : Number(m[2])
      if (k > 0 && d > 0) return (Math.PI * k) / d
    }
    if (/^\s*-?\d+(\.\d+)?(e-?\d+)?\s*$/i.test(v)) return Number(v)
  }
  return fail('invalid_genesis', `qhf.${field}: expected an angle in radians (number, or "pi/4"-style string), got ${JSON.stringify(v)}`)
}

/**
 * Validates QHF parameters from untrusted input (a genesis file). Missing fields take the
 * defaults; unknown fields and values outside the accepted ranges are refused with a typed
 * PolisError 'invalid_genesis' naming the field, the value and the accepted range.
 */
export function validateQhfParams(p: unknown): QhfParams {
  if (p === undefined || p === null) return QHF_DEFAULT_PARAMS
  if (typeof p !== 'object' || Array.isArray(p)) fail('invalid_genesis', `qhf params: expected an object, got ${JSON.stringify(p)}`)
  const o = p as Record<string, unknown>
  for (const k of Object.keys(o)) {
    if (!(KEYS as readonly string[]).includes(k)) fail('invalid_genesis', `qhf params: unknown field "${k}" (known: ${KEYS.join(', ')})`)
  }
  const d = QHF_DEFAULT_PARAMS
  const int = (k: 'latticeSide' | 'bitsPerSite' | 'hashBits'): number => {
    const v = o[k] ?? d[k]
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) fail('invalid_genesis', `qhf.${k}: expected an integer, got ${JSON.stringify(v)}`)
    return v
  }
  const N = int('latticeSide')
  const m = int('bitsPerSite')
  const L = int('hashBits')
  if (N < QHF_LIMITS.minSide || N > QHF_LIMITS.maxSide) {
    fail('invalid_genesis', `qhf.latticeSide: ${N} outside ${QHF_LIMITS.minSide}..${QHF_LIMITS.maxSide}`)
  }
  if (N % 2 === 0) {
    fail('invalid_genesis', `qhf.latticeSide: ${N} is even; an even torus leaves 3/4 of the sites unreachable (constant zero bytes), so the side must be odd`)
  }
  if (!QHF_LIMITS.bitsPerSite.includes(m)) {
    fail('invalid_genesis', `qhf.bitsPerSite: ${m} not accepted; the published output rule takes round(p*10^8) mod 2^m with m = 8`)
  }
  const maxL = Math.min(N * N * m, QHF_LIMITS.maxHashBits)
  if (L % 8 !== 0 || L < QHF_LIMITS.minHashBits || L > maxL) {
    fail('invalid_genesis', `qhf.hashBits: ${L} must be a multiple of 8 in ${QHF_LIMITS.minHashBits}..${maxL} (a ${N}x${N} torus gives at most ${N * N * m} bits)`)
  }
  const ang = (k: 'theta0' | 'theta1' | 'coinAngle'): number => {
    const v = parseAngle(o[k] ?? d[k], k)
    if (!Number.isFinite(v) || !(v > 0 && v < Math.PI / 2)) {
      fail('invalid_genesis', `qhf.${k}: ${String(o[k] ?? v)} outside the open interval (0, pi/2)`)
    }
    return v
  }
  const theta0 = ang('theta0')
  const theta1 = ang('theta1')
  const coinAngle = ang('coinAngle')
  if (theta0 === theta1) {
    fail('invalid_genesis', 'qhf.theta0 and qhf.theta1 are equal: both message bits would select the same coin and the hash would ignore the message content')
  }
  return Object.freeze({ latticeSide: N, bitsPerSite: m, hashBits: L, theta0, theta1, coinAngle })
}
