/** Loads Sigma detection and correlation rules from YAML files (the shipped set: src/siem/rules/). */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { CompileOptions, SigmaRule } from './sigma/detection.js'
import type { CorrelationRule } from './sigma/correlation.js'
import { applyFilters, type SigmaFilter } from './sigma/filters.js'
import { compileSigmaText } from './sigma/rule-text.js'
import { sha256 } from '../crypto/hash.js'

export const BUILTIN_RULES_DIR = fileURLToPath(new URL('./rules/', import.meta.url))

export interface RuleSet {
  detection: SigmaRule[]
  correlation: CorrelationRule[]
  docs: Array<{ file: string; doc: Record<string, unknown> }>
  /** SHA-256 of each rule file, by rule name (else id): what the chain's rule registry records. */
  hashes: Map<string, Uint8Array>
  /** the text of each rule file, by rule name (else id): registered with the hash, the chain checks it */
  texts: Map<string, string>
}

/** The name a rule is registered on chain under: its `name`, else its `id`, else its file. */
export const ruleKey = (doc: Record<string, unknown>, file: string): string => String(doc.name ?? doc.id ?? file)

/** Every rule file of the folder, each checked (YAML, schema) and compiled; Sigma filters in it apply to the rules they name. */
export function loadRules(dir = BUILTIN_RULES_DIR, opts: CompileOptions = {}): RuleSet {
  const set: RuleSet = { detection: [], correlation: [], docs: [], hashes: new Map(), texts: new Map() }
  const filters: SigmaFilter[] = []
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.yml') || f.endsWith('.yaml')).sort()) {
    const bytes = readFileSync(join(dir, f))
    const text = bytes.toString('utf8')
    const c = compileSigmaText(text, { ...opts, file: f })
    for (const doc of c.docs) {
      set.docs.push({ file: f, doc })
      set.hashes.set(ruleKey(doc, f), sha256(bytes))
      set.texts.set(ruleKey(doc, f), text)
    }
    set.detection.push(...c.detection)
    set.correlation.push(...c.correlation)
    filters.push(...c.filters)
  }
  set.detection = applyFilters(set.detection, filters)
  return set
}
