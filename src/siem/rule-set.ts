/** Loads Sigma detection and correlation rules from YAML files (the shipped set: src/siem/rules/). */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { compileRule, parseSigmaYaml, type SigmaRule } from './sigma.js'
import { compileCorrelation, type CorrelationRule } from './correlate.js'
import { sha256 } from '../crypto/hash.js'

export const BUILTIN_RULES_DIR = fileURLToPath(new URL('./rules/', import.meta.url))

export interface RuleSet {
  detection: SigmaRule[]
  correlation: CorrelationRule[]
  docs: Array<{ file: string; doc: Record<string, unknown> }>
  /** SHA-256 of each rule file, by rule name (else id): what the chain's rule registry records. */
  hashes: Map<string, Uint8Array>
}

export function loadRules(dir = BUILTIN_RULES_DIR): RuleSet {
  const set: RuleSet = { detection: [], correlation: [], docs: [], hashes: new Map() }
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.yml') || f.endsWith('.yaml')).sort()) {
    const bytes = readFileSync(join(dir, f))
    for (const doc of parseSigmaYaml(bytes.toString('utf8'))) {
      set.docs.push({ file: f, doc })
      set.hashes.set(String(doc.name ?? doc.id ?? f), sha256(bytes))
      if (doc.correlation) set.correlation.push(compileCorrelation(doc))
      else set.detection.push(compileRule(doc))
    }
  }
  return set
}
