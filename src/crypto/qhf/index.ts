/**
 * QHF — the quantum hash function based on controlled alternate quantum walks (Li, Yang et al.,
 * Sci. Rep. 8, 225 (2018)), as used for block linking by Abd El-Latif et al. (2021).
 * Algorithm, equations, parameters, determinism and evaluation: docs/QHF.md; the walk: walk.ts.
 *
 *   qhf(message)            32-byte hash (256-bit default parameters)
 *   qhf(message, params)    params from validateQhfParams (genesis); output hashBits/8 bytes
 *
 * Message → bits: every byte gives 8 bits, most significant first ('msb8'), so distinct byte
 * strings give distinct bit strings. The empty message makes no step: the distribution is the
 * initial one (P = 1 at the origin, 0 elsewhere) and, since round(10^8) mod 256 = 0, the hash is
 * all zero bytes for every parameter set. That is the published algorithm's value; callers
 * must not use an all-zero hash as a sentinel for "no hash" (block headers are never empty).
 */
import { QHF_DEFAULT_PARAMS, validateQhfParams, type QhfParams } from './params.js'
import { CaqwWalker } from './walk.js'

export { QHF_DEFAULT_PARAMS, QHF_LIMITS, validateQhfParams, parseAngle, type QhfParams } from './params.js'
export { CaqwWalker, walkProbabilities, type WalkConfig } from './walk.js'
export { detSin, detCos } from './trig.js'

const checked = new WeakSet<QhfParams>([QHF_DEFAULT_PARAMS])

function checkedParams(params: QhfParams): QhfParams {
  if (checked.has(params)) return params
  const v = validateQhfParams(params)
  if (Object.isFrozen(params)) checked.add(params) // a mutable object is re-checked on every call
  return v
}

function walker(p: QhfParams): CaqwWalker {
  return new CaqwWalker({ side: p.latticeSide, theta0: p.theta0, theta1: p.theta1, coinAngle: p.coinAngle })
}

/** QHF of a byte string (bits MSB first). Throws PolisError 'invalid_genesis' for bad params. */
export function qhf(message: Uint8Array, params: QhfParams = QHF_DEFAULT_PARAMS): Uint8Array {
  const p = checkedParams(params)
  const w = walker(p)
  w.stepBytes(message)
  return w.digest(p.bitsPerSite, p.hashBits)
}

/**
 * QHF of an arbitrary bit string (entries 0/1), for messages whose length is not a multiple of 8
 * (the evaluation's "one bit inserted/deleted" conditions) and for published-code compatibility.
 * qhfBits(bitsMsb8(m)) === qhf(m).
 */
export function qhfBits(bits: ArrayLike<number>, params: QhfParams = QHF_DEFAULT_PARAMS): Uint8Array {
  const p = checkedParams(params)
  const w = walker(p)
  for (let i = 0; i < bits.length; i++) {
    const b = bits[i]
    if (b !== 0 && b !== 1) throw new RangeError(`qhfBits: entry ${i} is ${String(b)}, not 0 or 1`)
    w.step(b)
  }
  return w.digest(p.bitsPerSite, p.hashBits)
}

/** The conversion qhf() uses: 8 bits per byte, most significant first. */
export function bitsMsb8(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length * 8)
  for (let i = 0; i < bytes.length; i++) for (let j = 0; j < 8; j++) out[8 * i + j] = (bytes[i]! >> (7 - j)) & 1
  return out
}

/**
 * The character-to-bit conversion of the published MATLAB-style code the issue warns about:
 * each character code written in binary WITHOUT leading zeros (dec2bin per character: 'a' = 97 →
 * 1100001, 7 bits; 0 → "0"), concatenated. Not injective ([0x01,0x01] and [0x03] both give "11"),
 * so it is offered only for compatibility experiments, never for block linking.
 */
export function bitsUnpadded(bytes: Uint8Array): Uint8Array {
  const out: number[] = []
  for (const v of bytes) {
    if (v === 0) { out.push(0); continue }
    let started = false
    for (let j = 7; j >= 0; j--) {
      const b = (v >> j) & 1
      if (b) started = true
      if (started) out.push(b)
    }
  }
  return Uint8Array.from(out)
}

/** Output length in bytes for a parameter set. */
export function qhfOutputBytes(params: QhfParams = QHF_DEFAULT_PARAMS): number {
  return checkedParams(params).hashBits / 8
}
