/**
 * The OpenAPI 3.1 document, generated from the very route schemas fastify validates and serializes
 * with: an `onRoute` hook records every route as it is registered, and `openApiDocument` turns the
 * records into paths. Schemas made with `named()` become components referenced by `$ref`.
 */
import type { FastifyInstance, RouteOptions } from 'fastify'
import { EventMessage } from './event-stream.js'
import { nameOf, type Schema } from './schemas.js'

export interface RecordedRoute { method: string; url: string; schema: Schema; websocket: boolean }

/** Starts recording the routes registered on `app` from now on (HEAD twins are skipped). */
export function recordRoutes(app: FastifyInstance): RecordedRoute[] {
  const routes: RecordedRoute[] = []
  app.addHook('onRoute', (r: RouteOptions & { websocket?: boolean }) => {
    const methods = Array.isArray(r.method) ? r.method : [r.method]
    for (const m of methods) {
      if (m === 'HEAD' || r.url === '*' || r.url.endsWith('*')) continue
      routes.push({ method: m.toLowerCase(), url: r.url, schema: (r.schema ?? {}) as Schema, websocket: r.websocket === true })
    }
  })
  return routes
}

/** `/v1/txs/:hash` → `/v1/txs/{hash}` */
export const openApiPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}')

const STATUS_TEXT: Record<string, string> = {
  200: 'OK', 101: 'Switching Protocols', 202: 'Accepted (in the mempool)', '4xx': 'Refused: problem details with the ledger code', '5xx': 'Server error: problem details',
}

export function openApiDocument(routes: RecordedRoute[], info: { version: string; chainId: string }) {
  const components: Record<string, Schema> = {}

  /** Replaces named schemas by $refs (collecting them as components); drops fastify-only keys. */
  const convert = (s: unknown, top = false): unknown => {
    if (Array.isArray(s)) return s.map((x) => convert(x))
    if (typeof s !== 'object' || s === null) return s
    const name = top ? undefined : nameOf(s)
    if (name) {
      if (!components[name]) {
        components[name] = {} // placeholder against recursion
        components[name] = convert(s, true) as Schema
      }
      return { $ref: `#/components/schemas/${name}` }
    }
    const out: Schema = {}
    for (const [k, v] of Object.entries(s)) out[k] = k === 'properties' || k === 'patternProperties' ? mapValues(v as Schema, (x) => convert(x)) : convert(v)
    return out
  }
  const mapValues = (o: Schema, f: (v: unknown) => unknown) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v)]))

  const paths: Record<string, Record<string, unknown>> = {}
  for (const r of [...routes].sort((a, b) => a.url.localeCompare(b.url) || a.method.localeCompare(b.method))) {
    const s = r.schema
    const parameters: unknown[] = []
    const addParams = (where: 'path' | 'query', obj: unknown) => {
      const o = obj as { properties?: Record<string, Schema>; required?: string[]; additionalProperties?: unknown } | undefined
      for (const [name, schema] of Object.entries(o?.properties ?? {})) {
        const { description, ...rest } = schema as Schema & { description?: string }
        parameters.push({ name, in: where, required: where === 'path' || (o?.required ?? []).includes(name), ...(description ? { description } : {}), schema: convert(rest) })
      }
      if (where === 'query' && typeof o?.additionalProperties === 'object') {
        parameters.push({ name: 'params', in: 'query', style: 'form', explode: true, description: 'the query\'s own parameters', schema: { type: 'object', additionalProperties: convert(o.additionalProperties) } })
      }
    }
    addParams('path', s.params)
    addParams('query', s.querystring)
    const responses: Record<string, unknown> = {}
    const resp = (s.response ?? {}) as Record<string, Schema & { description?: string; content?: unknown }>
    if (r.websocket) {
      responses['101'] = { description: 'Switching Protocols: then a stream of JSON text messages', content: { 'application/json': { schema: convert(EventMessage) } } }
    }
    for (const [code, schema] of Object.entries(resp)) {
      if (schema.content) {
        responses[code] = { description: schema.description ?? STATUS_TEXT[code] ?? code, content: convert(schema.content) }
        continue
      }
      const mediaType = code.startsWith('4') || code.startsWith('5') ? 'application/problem+json' : 'application/json'
      responses[code] = { description: schema.description ?? STATUS_TEXT[code] ?? code, content: { [mediaType]: { schema: convert(schema) } } }
    }
    const op: Record<string, unknown> = {
      operationId: `${r.method}${openApiPath(r.url).replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      ...(s.summary ? { summary: s.summary } : {}),
      ...(s.description ? { description: s.description } : {}),
      ...(s.tags ? { tags: s.tags } : {}),
      ...(parameters.length ? { parameters } : {}),
      ...(s.body ? { requestBody: { required: true, content: { 'application/json': { schema: convert(s.body) } } } } : {}),
      responses,
    }
    if (r.websocket) op['x-websocket'] = true
    ;(paths[openApiPath(r.url)] ??= {})[r.method] = op
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Polis city node API',
      version: info.version,
      description: `The HTTP API of a Polis node (chain ${info.chainId}). JSON in and out; amounts, heights, nonces and times are decimal strings; keys, hashes and proofs are hex; errors are application/problem+json with the ledger's error code. See docs/API.md.`,
    },
    paths,
    components: { schemas: components },
  }
}
