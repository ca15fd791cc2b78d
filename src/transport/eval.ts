/**
 * The VeReMi-style evaluator: every received message is a true/false positive/negative against
 * the ground truth (malicious = its sender's attackerType ≠ 0), summed over all receivers of a
 * simulation; precision, recall and F1 overall and per attack class. For a class, true positives
 * and false negatives count that class's messages; false positives and true negatives count the
 * genuine messages (VeReMi runs one class per simulation, where the two readings coincide).
 */
import { ReceiverAnalyser, type AnalyserOptions } from './analyser.js'
import { attackName, findGroundTruth, listReceiverFiles, readGroundTruth, readLog } from './veremi.js'

export interface Counts {
  tp: number
  fp: number
  tn: number
  fn: number
}
export interface Scores {
  precision: number
  recall: number
  f1: number
}

export const zero = (): Counts => ({ tp: 0, fp: 0, tn: 0, fn: 0 })

/** Precision, recall, F1; a ratio whose denominator is 0 is reported as 0 (nothing flagged / no positives). */
export function scores(c: Counts): Scores {
  const precision = c.tp + c.fp === 0 ? 0 : c.tp / (c.tp + c.fp)
  const recall = c.tp + c.fn === 0 ? 0 : c.tp / (c.tp + c.fn)
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall)
  return { precision, recall, f1 }
}

export interface Tally {
  total: Counts
  /** attackerType → counts of that class's messages (tp, fn) and of genuine ones (fp, tn). */
  byClass: Map<number, Counts>
  /** Received messages whose ID the ground truth does not know (not scored). */
  unlabelled: number
}

export function tally(labels: ReadonlyMap<number, number>, verdicts: Iterable<{ messageID: number; flagged: boolean }>): Tally {
  const total = zero()
  const attack = new Map<number, { tp: number; fn: number }>()
  let unlabelled = 0
  for (const v of verdicts) {
    const label = labels.get(v.messageID)
    if (label === undefined) {
      unlabelled++
      continue
    }
    if (label === 0) {
      if (v.flagged) total.fp++
      else total.tn++
    } else {
      let a = attack.get(label)
      if (!a) attack.set(label, (a = { tp: 0, fn: 0 }))
      if (v.flagged) total.tp++, a.tp++
      else total.fn++, a.fn++
    }
  }
  const byClass = new Map<number, Counts>()
  for (const code of [...attack.keys()].sort((a, b) => a - b)) {
    const a = attack.get(code)!
    byClass.set(code, { tp: a.tp, fn: a.fn, fp: total.fp, tn: total.tn })
  }
  return { total, byClass, unlabelled }
}

export interface EvalReport {
  dir: string
  receivers: number
  messages: number
  total: Counts & Scores
  classes: Array<{ attackerType: number; name: string } & Counts & Scores>
  unlabelled: number
}

export interface EvalOptions extends AnalyserOptions {
  /** Maps the ground truth's attacker numbers (e.g. `extensionCodes` for VeReMi extension logs). */
  codeMap?: Readonly<Record<number, number>>
}

/** Runs the analyser over every receiver log in `dir` and scores it against the ground truth. */
export function evaluateDir(dir: string, opts: EvalOptions = {}): EvalReport {
  const labels = readGroundTruth(findGroundTruth(dir), opts.codeMap)
  const receivers = listReceiverFiles(dir)
  const verdicts: Array<{ messageID: number; flagged: boolean }> = []
  for (const r of receivers) {
    const a = new ReceiverAnalyser(opts)
    for (const line of readLog(r.file)) {
      const v = a.push(line)
      if (v) verdicts.push({ messageID: v.messageID, flagged: v.flagged })
    }
  }
  const t = tally(labels, verdicts)
  return {
    dir,
    receivers: receivers.length,
    messages: verdicts.length,
    total: { ...t.total, ...scores(t.total) },
    classes: [...t.byClass].map(([code, c]) => ({ attackerType: code, name: attackName(code), ...c, ...scores(c) })),
    unlabelled: t.unlabelled,
  }
}

export function meanStd(xs: readonly number[]): { mean: number; std: number } {
  if (xs.length === 0) return { mean: 0, std: 0 }
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length
  const std = xs.length < 2 ? 0 : Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1))
  return { mean, std }
}

export function formatReport(r: EvalReport): string {
  const f = (x: number) => x.toFixed(3)
  const lines = [`${r.dir}: ${r.receivers} receivers, ${r.messages} received messages${r.unlabelled ? `, ${r.unlabelled} unlabelled` : ''}`]
  lines.push('class                 TP       FP       TN       FN   precision recall  F1')
  const row = (name: string, c: Counts & Scores) =>
    `${name.padEnd(18)}${[c.tp, c.fp, c.tn, c.fn].map((n) => String(n).padStart(9)).join('')}   ${f(c.precision)}     ${f(c.recall)}   ${f(c.f1)}`
  for (const c of r.classes) lines.push(row(c.name, c))
  lines.push(row('all', r.total))
  return lines.join('\n')
}
