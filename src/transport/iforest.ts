/**
 * Isolation forest (Liu, Ting, Zhou 2008), seeded: the learned outlier detector of the RSU analyser,
 * trained on the residual features of benign traffic. Off-chain only.
 */
import { Rng } from '../util/rng.js'

type Node = { leaf: true; size: number } | { leaf: false; feature: number; split: number; left: Node; right: Node }

/** Average path length of an unsuccessful BST search among n points (the normaliser c(n)). */
export function cFactor(n: number): number {
  if (n <= 1) return 0
  if (n === 2) return 1
  return 2 * (Math.log(n - 1) + 0.5772156649) - (2 * (n - 1)) / n
}

export interface ForestOptions {
  trees?: number
  sampleSize?: number
  seed?: number
}

export class IsolationForest {
  private readonly trees: Node[] = []
  private readonly psi: number

  constructor(data: readonly number[][], o: ForestOptions = {}) {
    if (data.length === 0) throw new Error('isolation forest: no training data')
    const rng = new Rng(o.seed ?? 1)
    this.psi = Math.min(o.sampleSize ?? 256, data.length)
    const limit = Math.ceil(Math.log2(this.psi))
    for (let t = 0; t < (o.trees ?? 100); t++) {
      const sample: number[][] = []
      for (let i = 0; i < this.psi; i++) sample.push(data[rng.int(data.length)]!)
      this.trees.push(build(sample, 0, limit, rng))
    }
  }

  /** Anomaly score in (0, 1]: near 1 isolated easily (outlier), ≤ 0.5 ordinary. */
  score(x: readonly number[]): number {
    let sum = 0
    for (const t of this.trees) sum += pathLength(t, x, 0)
    return Math.pow(2, -(sum / this.trees.length) / cFactor(this.psi))
  }
}

function build(xs: number[][], depth: number, limit: number, rng: Rng): Node {
  if (depth >= limit || xs.length <= 1) return { leaf: true, size: xs.length }
  const dims = xs[0]!.length
  // choose a feature that varies in this node (try each once, in a seeded order)
  const order = rng.shuffle([...Array(dims).keys()])
  for (const f of order) {
    let lo = Infinity, hi = -Infinity
    for (const x of xs) {
      if (x[f]! < lo) lo = x[f]!
      if (x[f]! > hi) hi = x[f]!
    }
    if (!(hi > lo)) continue
    const split = rng.uniform(lo, hi)
    const left = xs.filter((x) => x[f]! < split), right = xs.filter((x) => x[f]! >= split)
    return { leaf: false, feature: f, split, left: build(left, depth + 1, limit, rng), right: build(right, depth + 1, limit, rng) }
  }
  return { leaf: true, size: xs.length }
}

function pathLength(n: Node, x: readonly number[], depth: number): number {
  if (n.leaf) return depth + cFactor(n.size)
  return pathLength(x[n.feature]! < n.split ? n.left : n.right, x, depth + 1)
}

/** The q-quantile (0–1) of a list of numbers (nearest rank). */
export function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!
}
