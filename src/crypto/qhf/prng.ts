/**
 * Seeded PRNG for the off-chain evaluation (never used by the hash itself): xoshiro128** with the
 * state expanded from a 32-bit seed by splitmix32. 32-bit integer arithmetic only, so a given seed
 * yields the same message sequence on every platform.
 */
export class Xoshiro128 {
  private s0: number
  private s1: number
  private s2: number
  private s3: number

  constructor(seed: number) {
    let x = seed >>> 0
    const next = (): number => {
      x = (x + 0x9e3779b9) >>> 0
      let z = x
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0
      return (z ^ (z >>> 16)) >>> 0
    }
    this.s0 = next(); this.s1 = next(); this.s2 = next(); this.s3 = next()
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1
  }

  /** Uniform 32-bit unsigned integer. */
  u32(): number {
    const r = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0
    const t = (this.s1 << 9) >>> 0
    this.s2 = (this.s2 ^ this.s0) >>> 0
    this.s3 = (this.s3 ^ this.s1) >>> 0
    this.s1 = (this.s1 ^ this.s2) >>> 0
    this.s0 = (this.s0 ^ this.s3) >>> 0
    this.s2 = (this.s2 ^ t) >>> 0
    this.s3 = rotl(this.s3, 11)
    return r
  }

  /** Uniform integer in [0, n), n ≤ 2^32, by rejection (no modulo bias). */
  below(n: number): number {
    if (!(n >= 1 && n <= 2 ** 32)) throw new RangeError(`below(${n})`)
    const limit = 2 ** 32 - (2 ** 32 % n)
    for (;;) {
      const v = this.u32()
      if (v < limit) return v % n
    }
  }

  bytes(len: number): Uint8Array {
    const out = new Uint8Array(len)
    for (let i = 0; i < len; i += 4) {
      const v = this.u32()
      for (let j = 0; j < 4 && i + j < len; j++) out[i + j] = (v >>> (8 * j)) & 0xff
    }
    return out
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0
}
