/**
 * Randomness is an explicit input: every function that needs it takes a RandomSource, so the
 * library itself is deterministic (a node replaying a chain never draws random numbers; a
 * voter's or trustee's client passes `systemRandom`; tests pass `seededRandom`).
 */
import { PolisError } from '../base/errors.js'
import { ORDER, bytesToBigintLE, digest512, u64 } from './transcript.js'

/** Returns `length` fresh random bytes. */
export type RandomSource = (length: number) => Uint8Array

/** The platform CSPRNG (WebCrypto getRandomValues: Node and browsers). */
export const systemRandom: RandomSource = (length) => {
  const out = new Uint8Array(length)
  for (let o = 0; o < length; o += 65536) globalThis.crypto.getRandomValues(out.subarray(o, Math.min(length, o + 65536)))
  return out
}

/**
 * A deterministic stream SHA-512(frame("random", seed, u64be(i))) for i = 0, 1, …: reproducible
 * runs and tests. Never for real ballots or keys unless the seed itself is secret and fresh.
 */
export function seededRandom(seed: Uint8Array): RandomSource {
  const s = new Uint8Array(seed)
  let counter = 0n
  let buf: Uint8Array = new Uint8Array(0)
  return (length) => {
    const out = new Uint8Array(length)
    let o = 0
    while (o < length) {
      if (buf.length === 0) buf = digest512('random', [s, u64(counter++)])
      const take = Math.min(buf.length, length - o)
      out.set(buf.subarray(0, take), o)
      buf = buf.subarray(take)
      o += take
    }
    return out
  }
}

/** A uniform non-zero scalar: 64 random bytes reduced mod q. */
export function randomScalar(rng: RandomSource): bigint {
  for (let i = 0; i < 8; i++) {
    const b = rng(64)
    if (!(b instanceof Uint8Array) || b.length !== 64) throw new PolisError('invalid_request', 'the random source returned the wrong number of bytes')
    const s = bytesToBigintLE(b) % ORDER
    if (s !== 0n) return s
  }
  throw new PolisError('invalid_request', 'the random source keeps returning zero')
}
