/**
 * NGSI-LD view of the city's service requests (Smart Data Models `dataModel.IssueTracking/
 * service_requests`, the Open311 request as an NGSI-LD entity): `GET /ngsi-ld/v1/entities?type=service_requests`
 * and `GET /ngsi-ld/v1/entities/{id}`, read from the `complaints` module's queries.
 *
 * Entities are normalized (every attribute `{ type: "Property", value }`, the location a
 * `GeoProperty`) unless `options=keyValues`, which gives the simplified form the model's JSON schema
 * describes. Only what the chain holds is shown: no `description`, no `address_string`, no person
 * (the texts behind the commitments stay with the department). The @context is sent as a Link
 * header (JSON-LD over application/json, as NGSI-LD prescribes). Errors are NGSI-LD problem details.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { PolisError } from '../../base/errors.js'
import { utf8 } from '../../base/bytes.js'
import type { ApiContext } from '../context.js'
import { httpStatusOf, refusal } from '../problem.js'
import { named } from '../schemas.js'

export const SERVICE_REQUEST_TYPE = 'service_requests'
export const ISSUE_TRACKING_CONTEXT = 'https://raw.githubusercontent.com/smart-data-models/dataModel.IssueTracking/master/context.jsonld'
const LINK = `<${ISSUE_TRACKING_CONTEXT}>; rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"`
const MAX_ENTITIES = 1000

/** An Open311-shaped request as the complaints module answers it (the fields used here). */
export interface Open311Json {
  service_request_id: string; status: string; status_notes: string | null; service_name: string | null; service_code: string
  agency_responsible: string | null; requested_datetime: string; updated_datetime: string; expected_datetime: string; lat: string; long: string
}

export const entityId = (chainId: string, requestId: string) => `urn:ngsi-ld:${SERVICE_REQUEST_TYPE}:${chainId}:${requestId}`

/** The simplified (keyValues) entity. */
export function serviceRequestEntity(chainId: string, r: Open311Json): Record<string, unknown> {
  const e: Record<string, unknown> = {
    id: entityId(chainId, r.service_request_id), type: SERVICE_REQUEST_TYPE, service_request_id: r.service_request_id, jurisdiction_id: chainId,
    service_code: r.service_code, status: r.status, requested_datetime: r.requested_datetime, updated_datetime: r.updated_datetime,
    expected_datetime: r.expected_datetime, dateCreated: r.requested_datetime, dateModified: r.updated_datetime,
    location: { type: 'Point', coordinates: [Number(r.long), Number(r.lat)] },
  }
  if (r.service_name !== null) e.service_name = r.service_name
  if (r.agency_responsible !== null) e.agency_responsible = r.agency_responsible
  if (r.status_notes !== null) e.status_notes = r.status_notes
  return e
}

const DATE_TIMES = new Set(['requested_datetime', 'updated_datetime', 'expected_datetime', 'dateCreated', 'dateModified'])

/** The normalized NGSI-LD form of a keyValues entity. */
export function normalize(e: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { id: e.id, type: e.type }
  for (const [k, v] of Object.entries(e)) {
    if (k === 'id' || k === 'type') continue
    if (k === 'location') out[k] = { type: 'GeoProperty', value: v }
    else if (DATE_TIMES.has(k)) out[k] = { type: 'Property', value: { '@type': 'DateTime', '@value': v } }
    else out[k] = { type: 'Property', value: v }
  }
  return out
}

/** The attributes `q` may test, and how they read an Open311 request. */
const QUERYABLE: Record<string, (r: Open311Json) => string | null> = {
  status: (r) => r.status, service_code: (r) => r.service_code, agency_responsible: (r) => r.agency_responsible,
  service_request_id: (r) => r.service_request_id, service_name: (r) => r.service_name,
}

/**
 * A subset of the NGSI-LD query language: equality terms `attr=="value"` (or `attr==value`) joined
 * by `;` (and), on the attributes in QUERYABLE. Anything else is refused, never ignored.
 */
export function parseQ(q: string): Array<{ attr: string; value: string }> {
  return q.split(';').map((term) => {
    const m = /^([A-Za-z_]+)==(?:"([^"]*)"|([A-Za-z0-9_.-]+))$/.exec(term.trim())
    if (!m) throw new NgsiError(400, 'BadRequestData', `q: only attr=="value" terms joined by ; are supported (got ${JSON.stringify(term)})`)
    if (!QUERYABLE[m[1]!]) throw new NgsiError(400, 'BadRequestData', `q: ${m[1]} cannot be queried (supported: ${Object.keys(QUERYABLE).join(', ')})`)
    return { attr: m[1]!, value: m[2] ?? m[3]! }
  })
}

class NgsiError extends Error {
  constructor(readonly status: number, readonly kind: 'BadRequestData' | 'ResourceNotFound' | 'InternalError', message: string) {
    super(message)
  }
}

function sendProblem(reply: FastifyReply, status: number, kind: string, detail: string): FastifyReply {
  return reply.code(status).type('application/json; charset=utf-8').send({ type: `https://uri.etsi.org/ngsi-ld/errors/${kind}`, title: kind, detail })
}

function onError(err: FastifyError | Error, _req: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (err instanceof NgsiError) return sendProblem(reply, err.status, err.kind, err.message)
  if (err instanceof PolisError) {
    const status = httpStatusOf(err.code)
    return sendProblem(reply, status, status === 404 ? 'ResourceNotFound' : status < 500 ? 'BadRequestData' : 'InternalError', `${err.errorName}: ${err.message}`)
  }
  const fe = err as FastifyError
  if (fe.validation) return sendProblem(reply, 400, 'BadRequestData', err.message)
  reply.log.error({ err }, 'ngsi-ld: unhandled error')
  return sendProblem(reply, 500, 'InternalError', 'internal error')
}

const NgsiProblem = named('NgsiLdProblem', {
  type: 'object', description: 'NGSI-LD problem details', required: ['type', 'title'],
  properties: { type: { type: 'string' }, title: { type: 'string' }, detail: { type: 'string' } },
})
const NgsiEntity = named('NgsiLdServiceRequest', {
  type: 'object', additionalProperties: true, required: ['id', 'type'], description: 'A Smart Data Models service_requests entity (normalized, or keyValues with options=keyValues)',
  properties: { id: { type: 'string' }, type: { type: 'string', enum: [SERVICE_REQUEST_TYPE] } },
})
const json = (schema: object, description: string) => ({ description, content: { 'application/json': { schema } } })
const errors = { '4xx': json(NgsiProblem, 'NGSI-LD problem details'), '5xx': json(NgsiProblem, 'NGSI-LD problem details') }
const OPTIONS = { type: 'string', maxLength: 64, description: '"keyValues" for the simplified form (also accepted: "simplified")' }

export function ngsiLdRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const { backend } = ctx
  const query = (path: string, params: Record<string, string>): any => {
    const r = backend.query({ path, data: utf8(JSON.stringify(params)) })
    if (r.code !== 0) throw refusal(r.code, r.log)
    return JSON.parse(Buffer.from(r.value!).toString('utf8'))
  }
  const keyValues = (options: string | undefined) => (options ?? '').split(',').some((o) => o === 'keyValues' || o === 'simplified')
  const render = (r: Open311Json, simplified: boolean) => {
    const e = serviceRequestEntity(backend.chainId, r)
    return simplified ? e : normalize(e)
  }

  app.register(async (scope) => {
    scope.setErrorHandler(onError)

    scope.get<{ Querystring: { type?: string; options?: string; limit?: string; q?: string } }>('/ngsi-ld/v1/entities', {
      schema: {
        summary: 'NGSI-LD: service request entities',
        description: `Service requests as Smart Data Models \`${SERVICE_REQUEST_TYPE}\` entities (type is required; other types have no entities here). ` +
          `Normalized unless options=keyValues; at most limit (default 100, max ${MAX_ENTITIES}), in id order. The @context is in the Link header. ` +
          `q: equality terms joined by ; (e.g. status=="open";service_code=="pothole") on ${Object.keys(QUERYABLE).join(', ')}.`,
        tags: ['ngsi-ld'],
        querystring: {
          type: 'object', additionalProperties: false,
          properties: { type: { type: 'string', maxLength: 256 }, options: OPTIONS, limit: { type: 'string', pattern: '^[1-9][0-9]{0,5}$' }, q: { type: 'string', maxLength: 1024 } },
        },
        response: { 200: json({ type: 'array', items: NgsiEntity }, 'NGSI-LD entities'), ...errors },
      },
    }, async (req, reply) => {
      const q = req.query
      if (q.type === undefined) throw new NgsiError(400, 'BadRequestData', 'type is required (service_requests)')
      const limit = Math.min(Number(q.limit ?? 100), MAX_ENTITIES)
      const terms = q.q === undefined ? [] : parseQ(q.q)
      reply.header('link', LINK)
      if (q.type !== SERVICE_REQUEST_TYPE && q.type !== 'https://smart-data-models.github.io/dataModel.IssueTracking/service_requests') return []
      const out: Open311Json[] = []
      let after: string | undefined
      // pages of the chain's request list, filtered, until `limit` entities match
      for (;;) {
        const page: Open311Json[] = query('complaints/requests', { limit: String(MAX_ENTITIES), ...(after ? { after } : {}) }).requests
        for (const r of page) if (terms.every((t) => QUERYABLE[t.attr]!(r) === t.value) && out.length < limit) out.push(r)
        if (page.length < MAX_ENTITIES || out.length >= limit) break
        after = page[page.length - 1]!.service_request_id
      }
      return out.map((r) => render(r, keyValues(q.options)))
    })

    scope.get<{ Params: { id: string }; Querystring: { options?: string } }>('/ngsi-ld/v1/entities/:id', {
      schema: {
        summary: 'NGSI-LD: one service request entity',
        description: `The entity \`urn:ngsi-ld:${SERVICE_REQUEST_TYPE}:<chain id>:<request id>\`; normalized unless options=keyValues.`,
        tags: ['ngsi-ld'],
        params: { type: 'object', required: ['id'], additionalProperties: false, properties: { id: { type: 'string', maxLength: 256 } } },
        querystring: { type: 'object', additionalProperties: false, properties: { options: OPTIONS } },
        response: { 200: json(NgsiEntity, 'NGSI-LD entity'), ...errors },
      },
    }, async (req, reply) => {
      const prefix = entityId(backend.chainId, '')
      const id = req.params.id
      const n = id.startsWith(prefix) ? id.slice(prefix.length) : ''
      if (!/^[1-9][0-9]{0,19}$/.test(n)) throw new NgsiError(404, 'ResourceNotFound', `no entity ${JSON.stringify(id)}`)
      let r: Open311Json
      try {
        r = query('complaints/request', { id: n })
      } catch (e) {
        if (e instanceof PolisError && e.errorName === 'not_found') throw new NgsiError(404, 'ResourceNotFound', `no entity ${id}`)
        throw e
      }
      reply.header('link', LINK)
      return render(r, keyValues(req.query.options))
    })
  })
}
