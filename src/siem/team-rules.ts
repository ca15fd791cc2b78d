/**
 * A security team's own Sigma rules (a folder such as SigmaHQ's `rules/`, walked recursively),
 * loaded next to the shipped set for the correlator agent: every file is checked and compiled on
 * its own; a file that fails is refused, named with the rule, field and construct, and left out,
 * while the rest run. Placeholder values for the `expand` modifier come from a YAML file
 * (`%name%: [value, …]`), as the correlator's configuration.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { PolisError } from '../base/errors.js'
import { sha256 } from '../crypto/hash.js'
import { applyFilters, type SigmaFilter } from './sigma/filters.js'
import { compileSigmaText } from './sigma/rule-text.js'
import { SigmaError } from './sigma/errors.js'
import { parseSigmaYaml } from './sigma/yaml.js'
import { loadRules, ruleKey, type RuleSet } from './rule-set.js'
import type { CompileOptions } from './sigma/detection.js'

export interface RuleRefusal {
  /** the file, relative to the rules folder */
  file: string
  /** the refusal: names the rule, the field and the construct */
  reason: string
}

export interface TeamRules {
  rules: RuleSet
  /** how many rule files of the folder compiled */
  loaded: number
  /** the on-chain names (name, else id) of the folder's rules, in file order */
  names: string[]
  refusals: RuleRefusal[]
}

/** Every `.yml`/`.yaml` file under `dir`, recursively, in sorted order. */
export function ruleFiles(dir: string): string[] {
  const out: string[] = []
  for (const n of readdirSync(dir).sort()) {
    const p = join(dir, n)
    if (statSync(p).isDirectory()) out.push(...ruleFiles(p))
    else if (n.endsWith('.yml') || n.endsWith('.yaml')) out.push(p)
  }
  return out
}

/** `%placeholder%` values for `expand`: a YAML map of names to a value or a list of values. */
export function loadPlaceholders(path: string): Record<string, string[]> {
  let doc: unknown
  try {
    doc = parseSigmaYaml(readFileSync(path, 'utf8'), path)[0]
  } catch (e) {
    throw new PolisError('invalid_request', `placeholders ${path}: ${(e as Error).message}`)
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new PolisError('invalid_request', `placeholders ${path} must be a YAML map of placeholder names to lists of values`)
  const out: Record<string, string[]> = {}
  for (const [k, v] of Object.entries(doc)) {
    const list = Array.isArray(v) ? v : [v]
    if (list.length === 0 || list.some((x) => typeof x !== 'string' && typeof x !== 'number')) throw new PolisError('invalid_request', `placeholders ${path}: ${k} must be a value or a list of values`)
    out[k] = list.map(String)
  }
  return out
}

/**
 * The shipped rules plus every rule file under `dir`. Two files defining the same rule name (or
 * id, for rules without a name) are a refusal of the later one; Sigma filters in the folder apply
 * to the rules they name. Throws (invalid_request) only when the folder cannot be read.
 */
export function loadTeamRules(dir: string, opts: Pick<CompileOptions, 'placeholders'> = {}): TeamRules {
  let files: string[]
  try {
    files = ruleFiles(dir)
  } catch (e) {
    throw new PolisError('invalid_request', `rules folder ${dir}: ${(e as Error).message}`)
  }
  const rules = loadRules()
  const filters: SigmaFilter[] = []
  const refusals: RuleRefusal[] = []
  const origin = new Map<string, string>([...rules.hashes.keys()].map((k) => [k, 'the shipped rules']))
  let loaded = 0
  const names: string[] = []
  for (const f of files) {
    const file = relative(dir, f)
    const bytes = readFileSync(f)
    const text = bytes.toString('utf8')
    try {
      const c = compileSigmaText(text, { placeholders: opts.placeholders, file })
      const keys = c.docs.map((d) => ruleKey(d, file))
      const clash = keys.find((k) => origin.has(k))
      if (clash !== undefined) throw new SigmaError(`rule ${clash} is already defined by ${origin.get(clash)}`, { rule: clash, construct: 'id' })
      for (const [i, doc] of c.docs.entries()) {
        origin.set(keys[i]!, file)
        names.push(keys[i]!)
        rules.docs.push({ file, doc })
        rules.hashes.set(keys[i]!, sha256(bytes))
        rules.texts.set(keys[i]!, text)
      }
      rules.detection.push(...c.detection)
      rules.correlation.push(...c.correlation)
      filters.push(...c.filters)
      loaded++
    } catch (e) {
      if (!(e instanceof SigmaError)) throw e
      refusals.push({ file, reason: e.message })
    }
  }
  rules.detection = applyFilters(rules.detection, filters)
  return { rules, loaded, names, refusals }
}
