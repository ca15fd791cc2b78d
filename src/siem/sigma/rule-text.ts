/**
 * Registration of Sigma rule text (a file: one or more YAML documents): YAML, then each
 * document's schema, then compilation. Whatever fails is refused with a SigmaError naming the
 * rule, the field and the construct; nothing of a refused file is kept.
 */
import { createHash } from 'node:crypto'
import { PolisError } from '../../base/errors.js'
import { SigmaError } from './errors.js'
import { parseSigmaYaml } from './yaml.js'
import { checkSchema, kindOf } from './schema.js'
import { compileRule, type CompileOptions, type SigmaRule } from './detection.js'
import { compileCorrelation, type CorrelationRule } from './correlation.js'
import { compileFilter, type SigmaFilter } from './filters.js'

export interface CompiledSigmaText {
  docs: Record<string, unknown>[]
  detection: SigmaRule[]
  correlation: CorrelationRule[]
  filters: SigmaFilter[]
}

export function compileSigmaText(text: string, opts: CompileOptions & { file?: string; schema?: boolean } = {}): CompiledSigmaText {
  const out: CompiledSigmaText = { docs: [], detection: [], correlation: [], filters: [] }
  const docs = parseSigmaYaml(text, opts.file)
  if (docs.length === 0) throw new SigmaError('no rule in the text', { rule: opts.file, construct: 'document' })
  for (const doc of docs) {
    if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new SigmaError('a rule must be a YAML map', { rule: opts.file, construct: 'document' })
    if (opts.schema !== false) checkSchema(doc)
    const kind = kindOf(doc)
    if (kind === 'correlation') out.correlation.push(compileCorrelation(doc))
    else if (kind === 'filter') out.filters.push(compileFilter(doc, opts))
    else out.detection.push(compileRule(doc, opts))
    out.docs.push(doc)
  }
  return out
}

/**
 * The chain's check of a rule registered with its text (`siem/register-rule` with `text`): the
 * text is the one hashed, and it is a valid Sigma file (YAML, schema, compile). Placeholders are
 * the correlators' configuration, so here any placeholder stands for `*`. Deterministic: a pure
 * function of the text. Throws PolisError `invalid_message` with the SigmaError's message.
 */
export function checkRegisteredRuleText(text: string, hash: Uint8Array): void {
  const digest = createHash('sha256').update(text, 'utf8').digest()
  if (!digest.equals(Buffer.from(hash))) throw new PolisError('invalid_message', 'the rule text does not have the registered hash')
  try {
    compileSigmaText(text, { placeholders: 'any' })
  } catch (e) {
    if (e instanceof SigmaError) throw new PolisError('invalid_message', e.message)
    throw e
  }
}
