/** Sigma rule files as YAML documents, parsed with the YAML 1.2 core schema (dates stay strings). */
import { parseAllDocuments } from 'yaml'
import { refuse } from './errors.js'

/** Parses one or more YAML documents; a YAML error is refused with the line it is on. */
export function parseSigmaYaml(text: string, file?: string): Record<string, unknown>[] {
  const docs = parseAllDocuments(text, { schema: 'core', uniqueKeys: true })
  const list = Array.isArray(docs) ? docs : [docs]
  return list
    .map((d) => {
      const err = d.errors[0]
      if (err) refuse(`YAML: ${err.message.split('\n')[0]}`, { rule: file, construct: 'yaml' })
      return d.toJS({ maxAliasCount: 100 }) as Record<string, unknown>
    })
    .filter((d) => d !== null && d !== undefined)
}
