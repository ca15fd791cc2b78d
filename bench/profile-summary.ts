/**
 * Summarises a V8 CPU profile (`node --cpu-prof`): the functions with the most self time, as a
 * share of the profile's samples, and the same grouped by source file. Used for the profile tables
 * of docs/BENCHMARKS.md.
 *
 *   node --cpu-prof --cpu-prof-dir=prof --import tsx bench/ledger.bench.ts ...
 *   node --import tsx bench/profile-summary.ts prof/<file>.cpuprofile [--top 25] [--inclusive]
 * `--inclusive` also lists the functions by inclusive time (the samples with the function anywhere
 * on their stack, each sample counted once per function): the stages of a pipeline.
 */
import { readFileSync } from 'node:fs'
import { arg } from './stats.js'

interface ProfileNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number; children?: number[] }
interface Profile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }

process.stdout.on('error', () => undefined) // e.g. piped into head
const file = process.argv[2]
if (!file) throw new Error('usage: profile-summary.ts FILE.cpuprofile [--top N]')
const top = arg('top', 25)
const p = JSON.parse(readFileSync(file, 'utf8')) as Profile
const byId = new Map(p.nodes.map((n) => [n.id, n]))
const self = new Map<number, number>()
for (let i = 0; i < p.samples.length; i++) self.set(p.samples[i]!, (self.get(p.samples[i]!) ?? 0) + (p.timeDeltas[i] ?? 0))
const total = [...self.values()].reduce((a, b) => a + b, 0)

const shortUrl = (u: string) => u.replace(/^.*\/(src|bench|node_modules)\//, '$1/').replace(/^node:/, 'node:')
const fnTime = new Map<string, number>()
const fileTime = new Map<string, number>()
for (const [id, t] of self) {
  const n = byId.get(id)!
  const f = n.callFrame
  const where = f.url ? shortUrl(f.url) : ''
  const name = `${f.functionName || '(anonymous)'} ${where ? `${where}:${f.lineNumber + 1}` : ''}`.trim()
  fnTime.set(name, (fnTime.get(name) ?? 0) + t)
  const group = where ? where.replace(/^node_modules\/([^/]+).*/, 'node_modules/$1') : f.functionName
  fileTime.set(group, (fileTime.get(group) ?? 0) + t)
}
const pct = (t: number) => ((100 * t) / total).toFixed(1).padStart(5)
const show = (title: string, m: Map<string, number>) => {
  console.log(`\n${title}`)
  for (const [k, t] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(t)} %  ${k}`)
}
console.log(`${file}: ${(total / 1e6).toFixed(1)} s sampled`)
show('self time by function', fnTime)
show('self time by file', fileTime)
if (process.argv.includes('--inclusive')) {
  const nameOf = (n: ProfileNode) => {
    const f = n.callFrame
    const where = f.url ? shortUrl(f.url) : ''
    return `${f.functionName || '(anonymous)'} ${where ? `${where}:${f.lineNumber + 1}` : ''}`.trim()
  }
  const parent = new Map<number, number>()
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const incl = new Map<string, number>()
  for (const [id, t] of self) {
    const seen = new Set<string>()
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) seen.add(nameOf(byId.get(at)!))
    for (const name of seen) incl.set(name, (incl.get(name) ?? 0) + t)
  }
  show('inclusive time by function', incl)
}
