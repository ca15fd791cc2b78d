/**
 * Bounded discrete logarithm base G by baby-step giant-step: m ∈ [0, max] with m·G = T in about
 * 2·√max group operations (and as many encodings, the dominant cost). A tally's counts are at
 * most the number of counted ballots, so max = that number; 100 000 ballots need ~630 steps.
 */
import { PolisError } from '../base/errors.js'
import { G, IDENTITY, pointBytes, type Point } from './group.js'

interface BabySteps {
  readonly size: number
  readonly index: Map<string, number>
  /** size·G, the giant step. */
  readonly giant: Point
}

const tables = new Map<number, BabySteps>()
const key = (p: Point) => String.fromCharCode(...pointBytes(p))

function babySteps(size: number): BabySteps {
  let t = tables.get(size)
  if (!t) {
    const index = new Map<string, number>()
    let p = IDENTITY
    for (let j = 0; j < size; j++) {
      index.set(key(p), j)
      p = p.add(G)
    }
    t = { size, index, giant: p }
    if (tables.size >= 4) tables.clear()
    tables.set(size, t)
  }
  return t
}

/** m ∈ [0, max] with m·G = target; PolisError 'invalid_state' if there is none. */
export function boundedDiscreteLog(target: Point, max: number): number {
  if (!Number.isSafeInteger(max) || max < 0) throw new RangeError('the bound is a non-negative integer')
  const { size, index, giant } = babySteps(Math.ceil(Math.sqrt(max + 1)))
  let p = target
  for (let i = 0; i * size <= max; i++) {
    const j = index.get(key(p))
    if (j !== undefined) {
      const m = i * size + j
      if (m <= max) return m
      break
    }
    p = p.subtract(giant)
  }
  throw new PolisError('invalid_state', `the decrypted value is not a count in [0, ${max}]`)
}
