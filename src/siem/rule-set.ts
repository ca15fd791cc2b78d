/** Loads Sigma detection and correlation rules from YAML files (the shipped set: src/siem/rules/). */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { compileRule, parseSigmaYaml, type SigmaRule } from './sigma.js'
import { compileCorrelation, type CorrelationRule } from './correlate.js'

export const BUILTIN_RULES_DIR = fileURLToPath(new URL('./rules/', import.meta.url))

export interface RuleSet { detection: SigmaRule[]; correlation: CorrelationRule[]; docs: Array<{ file: string; doc: Record<string, unknown> }> }

export function loadRules(dir = BUILTIN_RULES_DIR): RuleSet {
  const set: RuleSet = { detection: [], correlation: [], docs: [] }
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.yml') || f.endsWith('.yaml')).sort()) {
    for (const doc of parseSigmaYaml(readFileSync(join(dir, f), 'utf8'))) {
      set.docs.push({ file: f, doc })
      if (doc.correlation) set.correlation.push(compileCorrelation(doc))
      else set.detection.push(compileRule(doc))
    }
  }
  return set
}
