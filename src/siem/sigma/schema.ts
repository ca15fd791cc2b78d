/**
 * The Sigma v2 JSON schemas (SigmaHQ/sigma-specification at ba9251aa, json-schema/, public domain:
 * ./schema/LICENSE; copied unchanged into ./schema/): a rule document is checked against the schema
 * of its kind before it is compiled, so a rule that breaks the specification's structure is
 * refused with the path and the schema keyword that it breaks.
 */
import { readFileSync } from 'node:fs'
import Ajv2020 from 'ajv/dist/2020.js'
import { refuse } from './errors.js'

export type SigmaDocKind = 'detection' | 'correlation' | 'filter'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

const load = (f: string) => JSON.parse(readFileSync(new URL(`./schema/${f}`, import.meta.url), 'utf8'))
let validators: Record<SigmaDocKind, (d: unknown) => boolean> & { errors?: unknown } | undefined

function compiled() {
  if (validators) return validators
  const ajv = new (Ajv2020 as unknown as new (o: object) => { addFormat(n: string, re: RegExp): void; compile(s: object): ((d: unknown) => boolean) & { errors?: Array<{ instancePath: string; keyword: string; message?: string }> | null } })({ strict: false, allErrors: false })
  ajv.addFormat('uuid', UUID)
  validators = {
    detection: ajv.compile(load('sigma-detection-rule-schema.json')),
    correlation: ajv.compile(load('sigma-correlation-rules-schema.json')),
    filter: ajv.compile(load('sigma-filters-schema.json')),
  }
  return validators
}

export const kindOf = (doc: Record<string, unknown>): SigmaDocKind => (doc.correlation !== undefined ? 'correlation' : doc.filter !== undefined ? 'filter' : 'detection')

/** Refuses a document that does not validate against its kind's schema, naming the path and keyword. */
export function checkSchema(doc: Record<string, unknown>): void {
  const v = compiled()[kindOf(doc)] as ((d: unknown) => boolean) & { errors?: Array<{ instancePath: string; keyword: string; message?: string }> | null }
  if (v(doc)) return
  const err = v.errors?.[0]
  const path = err?.instancePath ? err.instancePath.slice(1).replace(/\//g, '.') : '(document)'
  refuse(`violates the Sigma ${kindOf(doc)} schema: ${err?.message ?? 'invalid'}`, {
    rule: String(doc.title ?? doc.name ?? doc.id ?? '(untitled)'),
    field: path,
    construct: `schema:${err?.keyword ?? 'invalid'}`,
  })
}
