/**
 * The evaluation table: for each attack class and attacker share, simulate over several seeds and
 * score the analyser the VeReMi way; mean ± standard deviation of precision, recall and F1.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { evaluateDir, meanStd, type EvalOptions } from './eval.js'
import { simulate, type SimConfig } from './sim.js'
import { AttackerType, type AttackClass } from './veremi.js'

export interface TableOptions {
  attacks?: AttackClass[]
  shares?: number[]
  seeds?: number[]
  sim?: Partial<SimConfig>
  eval?: EvalOptions
}

export interface TableRow {
  attack: AttackClass
  share: number
  precision: { mean: number; std: number }
  recall: { mean: number; std: number }
  f1: { mean: number; std: number }
  messages: number
}

export const ALL_ATTACKS = (Object.keys(AttackerType) as AttackClass[]).filter((a) => a !== 'genuine')

export function evaluationTable(o: TableOptions = {}): TableRow[] {
  const attacks = o.attacks ?? ALL_ATTACKS
  const shares = o.shares ?? [0.1, 0.2, 0.3]
  const seeds = o.seeds ?? [1, 2, 3]
  const grid = { blocks: 4, blockLength: 200, ...o.sim?.grid }
  const base = mkdtempSync(join(tmpdir(), 'polis-transport-table-'))
  const rows: TableRow[] = []
  try {
    for (const attack of attacks) {
      for (const share of shares) {
        const ps: number[] = [], rs: number[] = [], fs: number[] = []
        let messages = 0
        for (const seed of seeds) {
          const dir = join(base, `${attack}-${share}-${seed}`)
          simulate({ ...o.sim, grid, seed, attack, attackerShare: share }, dir)
          const r = evaluateDir(dir, { grid, ...o.eval })
          ps.push(r.total.precision), rs.push(r.total.recall), fs.push(r.total.f1)
          messages += r.messages
          rmSync(dir, { recursive: true, force: true })
        }
        rows.push({ attack, share, precision: meanStd(ps), recall: meanStd(rs), f1: meanStd(fs), messages })
      }
    }
  } finally {
    rmSync(base, { recursive: true, force: true })
  }
  return rows
}

export function formatTable(rows: TableRow[]): string {
  const f = (m: { mean: number; std: number }) => `${m.mean.toFixed(3)} ± ${m.std.toFixed(3)}`
  const out = ['| attack | code | attackers | precision | recall | F1 | messages |', '|---|---|---|---|---|---|---|']
  for (const r of rows) {
    out.push(`| ${r.attack} | ${AttackerType[r.attack]} | ${Math.round(r.share * 100)}% | ${f(r.precision)} | ${f(r.recall)} | ${f(r.f1)} | ${r.messages} |`)
  }
  return out.join('\n')
}
