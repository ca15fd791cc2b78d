/** Small statistics helpers for benchmarks. */
import { availableParallelism } from 'node:os'
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[i]!
}

export function median(xs: number[]): number {
  return percentile([...xs].sort((a, b) => a - b), 50)
}

export function summarize(latenciesMs: number[]) {
  const s = [...latenciesMs].sort((a, b) => a - b)
  return { n: s.length, p50: round(percentile(s, 50)), p90: round(percentile(s, 90)), p99: round(percentile(s, 99)), max: round(s[s.length - 1] ?? NaN) }
}

export const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d

export function machine() {
  return { node: process.version, cpus: availableParallelism(), platform: process.platform, arch: process.arch }
}

/** A numeric command-line option `--name N` of a benchmark, or its default. */
export function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf('--' + name)
  return i > 0 ? Number(process.argv[i + 1]) : dflt
}
