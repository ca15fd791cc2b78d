/**
 * The statistical evaluation the quantum-walk hash papers report, run on QHF and SHA-256 over the
 * same seeded messages (off-chain; `polis qhf eval`, scripts/qhf-eval.ts).
 *
 * For each trial i a random message M_i (messageBytes bytes, i.e. 8·messageBytes bits) is drawn,
 * and three modified messages: one bit flipped, one random bit inserted, one bit deleted, each at
 * a uniformly random position. For each hash and each condition, between H(M_i) and H(M_i'):
 *
 *   B_i  = number of changed output bits (Hamming distance)
 *   B̄    = (1/N) Σ B_i                               mean changed bit number       (ideal L/2)
 *   P    = B̄ / L · 100%                              mean changed probability      (ideal 50%)
 *   ΔB   = sqrt( 1/(N−1) · Σ (B_i − B̄)² )            std of changed bit number     (ideal √L/2)
 *   ΔP   = sqrt( 1/(N−1) · Σ (B_i/L − P)² ) · 100%   std of changed probability    (ideal 50%/√L)
 *   ω_i  = number of equal bytes at equal positions; counts W(ω) against the binomial
 *          N · C(s,ω) (1/256)^ω (255/256)^(s−ω), s = L/8          (collision test)
 *   d_i  = Σ_j |h_j − h'_j| over the s bytes; reported as mean/min/max and mean per byte
 *          (ideal per byte (256²−1)/(3·256) = 85.33)              (mean absolute difference)
 *
 * Uniformity: over the N original hashes, the frequency of 1 at each output bit position
 * (ideal 0.5 each) and a χ² test of all N·s output bytes against uniform (255 degrees of freedom).
 *
 * SHA-256 is defined on bytes, so bit strings (the inserted/deleted conditions are not byte
 * aligned) are packed for it with the unambiguous 10* rule: append a 1 bit, then 0 bits to a byte
 * boundary. QHF hashes the bit strings directly (qhfBits), and qhfBits(bits of M) = qhf(M).
 */
import { sha256 } from '../hash.js'
import { QHF_DEFAULT_PARAMS, qhfBits, type QhfParams } from './index.js'
import { Xoshiro128 } from './prng.js'

export type QhfEvalHash = 'qhf' | 'sha256'
export type QhfEvalCondition = 'flip' | 'insert' | 'delete'
export const QHF_EVAL_CONDITIONS: readonly QhfEvalCondition[] = ['flip', 'insert', 'delete']

export interface QhfEvalOptions {
  /** Number of random messages (the papers use 10,000). */
  trials: number
  /** Hash(es) to evaluate on the same messages. */
  hash: QhfEvalHash | readonly QhfEvalHash[]
  /** PRNG seed for the messages and modification positions. Default 2018. */
  seed?: number
  /** Length of each original message in bytes. Default 128. */
  messageBytes?: number
  /** QHF parameters. Default QHF_DEFAULT_PARAMS. */
  params?: QhfParams
  /** Called every 100 trials and at the end. */
  onProgress?: (done: number, total: number) => void
}

export interface QhfConditionStats {
  condition: QhfEvalCondition
  meanChangedBits: number
  meanChangedProbability: number
  stdChangedBits: number
  stdChangedProbability: number
  minChangedBits: number
  maxChangedBits: number
  /** equalBytes.observed[ω] = trials with ω equal bytes at equal positions; expected from the binomial. */
  equalBytes: { observed: number[]; expected: number[] }
  absDiff: { mean: number; min: number; max: number; meanPerByte: number }
  /** Trials where both hashes were identical (full collisions). */
  fullCollisions: number
}

export interface QhfUniformityStats {
  bitOneFrequency: { min: number; max: number; mean: number }
  byteChiSquare: number
  degreesOfFreedom: number
  /** Upper-tail probability of the χ² statistic (Wilson–Hilferty approximation). */
  pValue: number
  /** Fraction of output bytes equal to 0x00 (ideal 1/256 ≈ 0.0039). */
  zeroByteFraction: number
}

export interface QhfHashReport {
  hash: QhfEvalHash
  outputBits: number
  conditions: QhfConditionStats[]
  uniformity: QhfUniformityStats
  seconds: number
  hashesPerSecond: number
}

export interface QhfSensitivityRow { condition: string; hex: string; changedBits: number }
export interface QhfSensitivityExample { hash: QhfEvalHash; message: string; rows: QhfSensitivityRow[] }

export interface QhfIdeal {
  outputBits: number
  meanChangedBits: number
  meanChangedProbability: number
  stdChangedBits: number
  stdChangedProbability: number
  equalBytesExpected: number[]
  meanAbsDiffPerByte: number
}

export interface QhfEvaluation {
  options: { trials: number; seed: number; messageBytes: number; hashes: QhfEvalHash[]; params: QhfParams }
  ideal: Record<QhfEvalHash, QhfIdeal>
  reports: QhfHashReport[]
  sensitivity: QhfSensitivityExample[]
}

/** The fixed message of the sensitivity example (ASCII). */
export const SENSITIVITY_MESSAGE = 'Polis links the blocks of a smart city chain with a quantum walk hash.'

type BitHash = (bits: Uint8Array) => Uint8Array

function hasher(name: QhfEvalHash, params: QhfParams): { fn: BitHash; bits: number } {
  if (name === 'qhf') return { fn: (b) => qhfBits(b, params), bits: params.hashBits }
  return { fn: (b) => sha256(pack10(b)), bits: 256 }
}

/** Packs a bit string for a byte hash: bits, then 1, then 0s to a byte boundary (injective). */
export function pack10(bits: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.floor(bits.length / 8) + 1)
  for (let i = 0; i < bits.length; i++) if (bits[i]) out[i >> 3]! |= 0x80 >> (i & 7)
  out[bits.length >> 3]! |= 0x80 >> (bits.length & 7)
  return out
}

function toBits(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length * 8)
  for (let i = 0; i < bytes.length; i++) for (let j = 0; j < 8; j++) out[8 * i + j] = (bytes[i]! >> (7 - j)) & 1
  return out
}

function flipAt(bits: Uint8Array, pos: number): Uint8Array {
  const out = bits.slice()
  out[pos] = out[pos]! ^ 1
  return out
}

function insertAt(bits: Uint8Array, pos: number, bit: number): Uint8Array {
  const out = new Uint8Array(bits.length + 1)
  out.set(bits.subarray(0, pos), 0)
  out[pos] = bit
  out.set(bits.subarray(pos), pos + 1)
  return out
}

function deleteAt(bits: Uint8Array, pos: number): Uint8Array {
  const out = new Uint8Array(bits.length - 1)
  out.set(bits.subarray(0, pos), 0)
  out.set(bits.subarray(pos + 1), pos)
  return out
}

const POP = new Uint8Array(256).map((_, i) => {
  let c = 0
  for (let v = i; v; v >>= 1) c += v & 1
  return c
})

function hamming(a: Uint8Array, b: Uint8Array): number {
  let c = 0
  for (let i = 0; i < a.length; i++) c += POP[a[i]! ^ b[i]!]!
  return c
}

function binomial(n: number, k: number): number {
  let r = 1
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i
  return r
}

/** Expected trial counts with ω equal bytes out of s, over `trials` trials. */
export function expectedEqualBytes(trials: number, s: number): number[] {
  const out: number[] = []
  for (let w = 0; w <= s; w++) out.push(trials * binomial(s, w) * (1 / 256) ** w * (255 / 256) ** (s - w))
  return out
}

export function idealFor(outputBits: number, trials: number): QhfIdeal {
  return {
    outputBits,
    meanChangedBits: outputBits / 2,
    meanChangedProbability: 50,
    stdChangedBits: Math.sqrt(outputBits) / 2,
    stdChangedProbability: 50 / Math.sqrt(outputBits),
    equalBytesExpected: expectedEqualBytes(trials, outputBits / 8),
    meanAbsDiffPerByte: (256 * 256 - 1) / (3 * 256),
  }
}

class ConditionAcc {
  readonly b: number[] = []
  readonly eq: number[]
  readonly d: number[] = []
  full = 0
  constructor(readonly condition: QhfEvalCondition, readonly L: number) {
    this.eq = new Array<number>(L / 8 + 1).fill(0)
  }
  add(h: Uint8Array, h2: Uint8Array): void {
    this.b.push(hamming(h, h2))
    let eq = 0, d = 0
    for (let j = 0; j < h.length; j++) {
      if (h[j] === h2[j]) eq++
      d += Math.abs(h[j]! - h2[j]!)
    }
    this.eq[eq]!++
    this.d.push(d)
    if (eq === h.length) this.full++
  }
  stats(trials: number): QhfConditionStats {
    const n = this.b.length, L = this.L
    const mean = this.b.reduce((a, x) => a + x, 0) / n
    let ss = 0, ssp = 0
    for (const x of this.b) {
      ss += (x - mean) ** 2
      ssp += (x / L - mean / L) ** 2
    }
    const dm = this.d.reduce((a, x) => a + x, 0) / n
    return {
      condition: this.condition,
      meanChangedBits: mean,
      meanChangedProbability: (mean / L) * 100,
      stdChangedBits: n > 1 ? Math.sqrt(ss / (n - 1)) : 0,
      stdChangedProbability: n > 1 ? Math.sqrt(ssp / (n - 1)) * 100 : 0,
      minChangedBits: Math.min(...this.b),
      maxChangedBits: Math.max(...this.b),
      equalBytes: { observed: this.eq.slice(), expected: expectedEqualBytes(trials, L / 8) },
      absDiff: { mean: dm, min: Math.min(...this.d), max: Math.max(...this.d), meanPerByte: dm / (L / 8) },
      fullCollisions: this.full,
    }
  }
}

class UniformityAcc {
  readonly ones: number[]
  readonly hist = new Array<number>(256).fill(0)
  count = 0
  constructor(readonly L: number) {
    this.ones = new Array<number>(L).fill(0)
  }
  add(h: Uint8Array): void {
    for (let j = 0; j < h.length; j++) {
      this.hist[h[j]!]!++
      for (let k = 0; k < 8; k++) if ((h[j]! >> (7 - k)) & 1) this.ones[8 * j + k]!++
    }
    this.count++
  }
  stats(): QhfUniformityStats {
    const f = this.ones.map((x) => x / this.count)
    const total = this.count * (this.L / 8)
    const e = total / 256
    const chi = this.hist.reduce((a, o) => a + (o - e) ** 2 / e, 0)
    return {
      bitOneFrequency: { min: Math.min(...f), max: Math.max(...f), mean: f.reduce((a, x) => a + x, 0) / f.length },
      byteChiSquare: chi,
      degreesOfFreedom: 255,
      pValue: chiSquareUpperTail(chi, 255),
      zeroByteFraction: this.hist[0]! / total,
    }
  }
}

/** Upper-tail χ² probability, Wilson–Hilferty normal approximation (adequate for k = 255). */
export function chiSquareUpperTail(x: number, k: number): number {
  const z = (Math.cbrt(x / k) - (1 - 2 / (9 * k))) / Math.sqrt(2 / (9 * k))
  return 0.5 * erfc(z / Math.SQRT2)
}

function erfc(x: number): number {
  // Numerical Recipes erfcc (fractional error < 1.2e-7)
  const z = Math.abs(x)
  const t = 1 / (1 + 0.5 * z)
  const r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 +
    t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))))
  return x >= 0 ? r : 2 - r
}

function hex(b: Uint8Array): string {
  return Array.from(b, (v) => v.toString(16).padStart(2, '0')).join('')
}

/** The four conditions on the fixed sensitivity message: original, last bit flipped, a 1 inserted in the middle, last bit deleted. */
export function sensitivityExample(name: QhfEvalHash, params: QhfParams = QHF_DEFAULT_PARAMS): QhfSensitivityExample {
  const { fn } = hasher(name, params)
  const bits = toBits(new TextEncoder().encode(SENSITIVITY_MESSAGE))
  const h0 = fn(bits)
  const variants: Array<[string, Uint8Array]> = [
    ['1 original', bits],
    ['2 last bit flipped', flipAt(bits, bits.length - 1)],
    [`3 bit 1 inserted at position ${bits.length >> 1}`, insertAt(bits, bits.length >> 1, 1)],
    ['4 last bit deleted', deleteAt(bits, bits.length - 1)],
  ]
  return {
    hash: name,
    message: SENSITIVITY_MESSAGE,
    rows: variants.map(([condition, b]) => {
      const h = fn(b)
      return { condition, hex: hex(h), changedBits: hamming(h0, h) }
    }),
  }
}

/** Runs the evaluation; see the module comment for every statistic. */
export function runQhfEvaluation(opts: QhfEvalOptions): QhfEvaluation {
  const trials = opts.trials
  if (!Number.isSafeInteger(trials) || trials < 2) throw new RangeError(`trials must be an integer ≥ 2, got ${trials}`)
  const seed = opts.seed ?? 2018
  const messageBytes = opts.messageBytes ?? 128
  if (!Number.isSafeInteger(messageBytes) || messageBytes < 1) throw new RangeError(`messageBytes must be ≥ 1, got ${messageBytes}`)
  const params = opts.params ?? QHF_DEFAULT_PARAMS
  const names: QhfEvalHash[] = typeof opts.hash === 'string' ? [opts.hash] : [...opts.hash]
  if (names.length === 0) throw new RangeError('no hash to evaluate')
  const hs = names.map((n) => ({ name: n, ...hasher(n, params) }))
  const accs = hs.map((h) => ({
    cond: QHF_EVAL_CONDITIONS.map((c) => new ConditionAcc(c, h.bits)),
    uni: new UniformityAcc(h.bits),
    ms: 0,
  }))
  const rng = new Xoshiro128(seed)
  for (let i = 0; i < trials; i++) {
    // draw everything for the trial first, in a fixed order, independent of the hashes
    const bits = toBits(rng.bytes(messageBytes))
    const flipPos = rng.below(bits.length)
    const insPos = rng.below(bits.length + 1)
    const insBit = rng.below(2)
    const delPos = rng.below(bits.length)
    const mods = [flipAt(bits, flipPos), insertAt(bits, insPos, insBit), deleteAt(bits, delPos)]
    for (let k = 0; k < hs.length; k++) {
      const h = hs[k]!, acc = accs[k]!
      const t0 = performance.now()
      const h0 = h.fn(bits)
      const hm = mods.map((m) => h.fn(m))
      acc.ms += performance.now() - t0
      acc.uni.add(h0)
      for (let c = 0; c < 3; c++) acc.cond[c]!.add(h0, hm[c]!)
    }
    if (opts.onProgress && ((i + 1) % 100 === 0 || i + 1 === trials)) opts.onProgress(i + 1, trials)
  }
  const ideal = {} as Record<QhfEvalHash, QhfIdeal>
  for (const h of hs) ideal[h.name] = idealFor(h.bits, trials)
  return {
    options: { trials, seed, messageBytes, hashes: names, params },
    ideal,
    reports: hs.map((h, k) => ({
      hash: h.name,
      outputBits: h.bits,
      conditions: accs[k]!.cond.map((c) => c.stats(trials)),
      uniformity: accs[k]!.uni.stats(),
      seconds: accs[k]!.ms / 1000,
      hashesPerSecond: (4 * trials) / (accs[k]!.ms / 1000),
    })),
    sensitivity: names.map((n) => sensitivityExample(n, params)),
  }
}

const f2 = (x: number): string => x.toFixed(2)

/** Markdown tables of an evaluation (what docs/QHF.md shows). */
export function formatQhfEvaluation(ev: QhfEvaluation): string {
  const o = ev.options
  const lines: string[] = []
  lines.push(`trials ${o.trials}, seed ${o.seed}, message ${o.messageBytes} bytes (${o.messageBytes * 8} bits), QHF N=${o.params.latticeSide} m=${o.params.bitsPerSite} L=${o.params.hashBits}`)
  lines.push('')
  lines.push('| hash | condition | B̄ | P (%) | ΔB | ΔP (%) | B min | B max | ω=0 | ω=1 | ω=2 | ω≥3 | full coll. | d/byte | d mean | d min | d max |')
  lines.push('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|')
  for (const h of ev.options.hashes) {
    const id = ev.ideal[h]
    const e = id.equalBytesExpected
    lines.push(`| ideal (${id.outputBits} bit) | — | ${f2(id.meanChangedBits)} | ${f2(id.meanChangedProbability)} | ${f2(id.stdChangedBits)} | ${f2(id.stdChangedProbability)} | | | ${e[0]!.toFixed(0)} | ${e[1]!.toFixed(0)} | ${e[2]!.toFixed(0)} | ${e.slice(3).reduce((a, x) => a + x, 0).toFixed(0)} | 0 | ${f2(id.meanAbsDiffPerByte)} | ${f2(id.meanAbsDiffPerByte * id.outputBits / 8)} | | |`)
    const r = ev.reports.find((x) => x.hash === h)!
    for (const c of r.conditions) {
      const w = c.equalBytes.observed
      lines.push(`| ${h} | ${c.condition} | ${f2(c.meanChangedBits)} | ${f2(c.meanChangedProbability)} | ${f2(c.stdChangedBits)} | ${f2(c.stdChangedProbability)} | ${c.minChangedBits} | ${c.maxChangedBits} | ${w[0]} | ${w[1]} | ${w[2]} | ${w.slice(3).reduce((a, x) => a + x, 0)} | ${c.fullCollisions} | ${f2(c.absDiff.meanPerByte)} | ${f2(c.absDiff.mean)} | ${c.absDiff.min} | ${c.absDiff.max} |`)
    }
  }
  lines.push('')
  lines.push('| hash | bit-1 freq. min | max | mean | byte χ² (255 dof) | p | 0x00 fraction | hashes/s (this run) |')
  lines.push('|---|---|---|---|---|---|---|---|')
  for (const r of ev.reports) {
    const u = r.uniformity
    lines.push(`| ${r.hash} | ${u.bitOneFrequency.min.toFixed(4)} | ${u.bitOneFrequency.max.toFixed(4)} | ${u.bitOneFrequency.mean.toFixed(4)} | ${f2(u.byteChiSquare)} | ${u.pValue.toFixed(3)} | ${u.zeroByteFraction.toFixed(4)} | ${r.hashesPerSecond.toFixed(0)} |`)
  }
  for (const s of ev.sensitivity) {
    lines.push('')
    lines.push(`Sensitivity (${s.hash}), message "${s.message}":`)
    lines.push('')
    lines.push('| condition | hash value | changed bits |')
    lines.push('|---|---|---|')
    for (const row of s.rows) lines.push(`| ${row.condition} | \`${row.hex}\` | ${row.changedBits} |`)
  }
  return lines.join('\n')
}
