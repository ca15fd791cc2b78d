/**
 * Controlled alternate quantum walk (CAQW) on the N×N torus, simulated classically in Float64.
 *
 * Sources (full citations and the discussion of what could and could not be checked against
 * the papers' text are in docs/QHF.md):
 *  [DF11] C. Di Franco, M. Mc Gettrick, Th. Busch, "Mimicking the probability distribution of a
 *         two-dimensional Grover walk with a single-qubit coin", PRL 106, 080502 (2011) — the
 *         alternate quantum walk: one 2-dimensional coin, shifts alternating between x and y.
 *  [Li18] D. Li, Y.-G. Yang, J.-L. Bi, J.-B. Yuan, J. Xu, "Controlled alternate quantum walks
 *         based quantum hash function", Sci. Rep. 8, 225 (2018) — the hash: each message bit
 *         selects which of two coins drives one step of the alternate walk; the final position
 *         distribution is turned into the hash value.
 *  [AE21] A. A. Abd El-Latif et al., Inf. Process. Manage. 58(4) (2021) — uses [Li18] to link
 *         blocks.
 *
 * Hilbert space  H = H_x ⊗ H_y ⊗ H_c,  H_x = H_y = span{|0⟩…|N−1⟩} (cycle Z_N),  H_c = span{|0⟩,|1⟩}.
 *
 * (E1) coin       C(θ) = [[cos θ,  sin θ],
 *                         [sin θ, −cos θ]]                 C0 = C(θ0), C1 = C(θ1)   [Li18]*
 * (E2) x-shift    S_x = Σ_{x,y} |x+1,y⟩⟨x,y| ⊗ |0⟩⟨0| + |x−1,y⟩⟨x,y| ⊗ |1⟩⟨1|   (mod N)   [DF11]
 * (E3) y-shift    S_y = Σ_{x,y} |x,y+1⟩⟨x,y| ⊗ |0⟩⟨0| + |x,y−1⟩⟨x,y| ⊗ |1⟩⟨1|   (mod N)   [DF11]
 * (E4) one step   U_b = S_y (I ⊗ C_b) S_x (I ⊗ C_b),   b ∈ {0,1} the controlling message bit [DF11, Li18]
 * (E5) initial    |ψ0⟩ = |0,0⟩ ⊗ (cos φ |0⟩ + sin φ |1⟩)                                     [Li18]*
 * (E6) evolution  |ψ_L⟩ = U_{b_L} ⋯ U_{b_2} U_{b_1} |ψ0⟩   for the message bits b_1 … b_L (one step per bit)
 * (E7) measure    P(x,y) = |⟨x,y,0|ψ_L⟩|² + |⟨x,y,1|ψ_L⟩|²
 * (E8) output     h_k = round(P_k · 10^8) mod 2^m, site k = N·x + y in increasing order, each h_k
 *                 written as m bits, most significant first; the hash is the first hashBits bits.
 *
 * [Li18]* = the structure is [Li18]'s; its exact matrix form / parameter values could not be read
 * from the sources available (only the abstract and introduction were retrievable) — docs/QHF.md
 * "Sources" says precisely what is verified and what is our choice.
 *
 * All amplitudes stay real: C(θ) and the initial coin state are real, and shifts permute.
 *
 * Floating-point pinning (see docs/QHF.md "Determinism"): Float64 only; every new amplitude is
 * computed as (c·a0) + (s·a1) resp. (s·a0) − (c·a1), each product and the sum rounded separately
 * (JavaScript never fuses them); sites are processed in the fixed order k = 0…N²−1 (the writes go
 * to distinct cells, so order cannot change values anyway); P = (a0·a0) + (a1·a1); round() is
 * ECMAScript Math.round (ties toward +∞, exact for these magnitudes); cos/sin come from trig.ts.
 */
import { detCos, detSin } from './trig.js'

/** The raw walk configuration, without range checks (tests use it to show why N must be odd). */
export interface WalkConfig {
  readonly side: number
  readonly theta0: number
  readonly theta1: number
  readonly coinAngle: number
}

/** The walker's state: two real amplitude arrays (coin 0, coin 1) over the N² sites. */
export class CaqwWalker {
  private a0: Float64Array
  private a1: Float64Array
  private b0: Float64Array
  private b1: Float64Array
  private readonly c0: number
  private readonly s0: number
  private readonly c1: number
  private readonly s1: number
  readonly side: number
  steps = 0

  constructor(cfg: WalkConfig) {
    const N = cfg.side
    if (!Number.isSafeInteger(N) || N < 2) throw new RangeError(`lattice side ${N}`)
    this.side = N
    const n = N * N
    this.a0 = new Float64Array(n)
    this.a1 = new Float64Array(n)
    this.b0 = new Float64Array(n)
    this.b1 = new Float64Array(n)
    // (E1) coin entries, computed once per walker with the deterministic series
    this.c0 = detCos(cfg.theta0)
    this.s0 = detSin(cfg.theta0)
    this.c1 = detCos(cfg.theta1)
    this.s1 = detSin(cfg.theta1)
    // (E5) walker at the origin (site 0), coin cos φ|0⟩ + sin φ|1⟩
    this.a0[0] = detCos(cfg.coinAngle)
    this.a1[0] = detSin(cfg.coinAngle)
  }

  /**
   * (E4) one step U_b controlled by message bit b. Site k = N·x + y, so (E2) moves k to k ± N
   * (mod N²) and (E3) moves k to the next/previous index within its row of N (wrapping).
   */
  step(b: number): void {
    const c = b ? this.c1 : this.c0
    const s = b ? this.s1 : this.s0
    const N = this.side
    const a0 = this.a0, a1 = this.a1, b0 = this.b0, b1 = this.b1
    const n = a0.length
    // (I ⊗ C_b), then S_x: the coin-0 part moves to x+1 (index k+N), the coin-1 part to x−1 (k−N)
    let kp = N, km = n - N
    for (let k = 0; k < n; k++) {
      const u = a0[k]!, v = a1[k]!
      b0[kp] = c * u + s * v
      b1[km] = s * u - c * v
      if (++kp === n) kp = 0
      if (++km === n) km = 0
    }
    // (I ⊗ C_b), then S_y: the coin-0 part moves to y+1, the coin-1 part to y−1, within row x
    for (let r = 0; r < n; r += N) {
      const last = r + N - 1
      for (let k = r; k <= last; k++) {
        const u = b0[k]!, v = b1[k]!
        a0[k === last ? r : k + 1] = c * u + s * v
        a1[k === r ? last : k - 1] = s * u - c * v
      }
    }
    this.steps++
  }

  /** Steps once per bit of each byte, most significant bit first (the 'msb8' conversion). */
  stepBytes(bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length; i++) {
      const v = bytes[i]!
      for (let j = 7; j >= 0; j--) this.step((v >> j) & 1)
    }
  }

  /** (E7) the position distribution P_k, k = N·x + y. */
  probabilities(): Float64Array {
    const n = this.a0.length
    const p = new Float64Array(n)
    for (let k = 0; k < n; k++) {
      const u = this.a0[k]!, v = this.a1[k]!
      p[k] = u * u + v * v
    }
    return p
  }

  /** (E8) the hash value: round(P_k·10^8) mod 2^m per site, m bits each MSB first, first hashBits bits. */
  digest(bitsPerSite: number, hashBits: number): Uint8Array {
    const p = this.probabilities()
    if (hashBits % 8 !== 0 || hashBits > p.length * bitsPerSite) throw new RangeError(`hashBits ${hashBits}`)
    const out = new Uint8Array(hashBits / 8)
    const mod = 2 ** bitsPerSite
    let bit = 0
    for (let k = 0; k < p.length && bit < hashBits; k++) {
      const h = Math.round(p[k]! * 1e8) % mod
      for (let j = bitsPerSite - 1; j >= 0 && bit < hashBits; j--, bit++) {
        if (Math.floor(h / 2 ** j) % 2 === 1) out[bit >> 3] = (out[bit >> 3] ?? 0) | (0x80 >> (bit & 7))
      }
    }
    return out
  }
}

/** Runs the walk over a bit sequence (each entry 0 or 1) and returns P (E7). No range checks. */
export function walkProbabilities(bits: ArrayLike<number>, cfg: WalkConfig): Float64Array {
  const w = new CaqwWalker(cfg)
  for (let i = 0; i < bits.length; i++) w.step(bits[i]! & 1)
  return w.probabilities()
}
