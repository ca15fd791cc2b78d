/**
 * Open311 GeoReport v2 endpoints (`/services.json`, `/services/{code}.json`, `/requests.json`,
 * `/requests/{id}.json`) over the `complaints` module's queries, so existing Open311 clients work
 * against a city. Errors are Open311's `[{ code, description }]` arrays, not problem+json.
 * POST /requests.json takes `{ "tx": hex }`: a signed transaction whose message is `complaints/file`;
 * an unsigned Open311 form post (api_key, service_code, ...) is refused with 400 (requests must be signed).
 * Descriptions on chain are commitments: `description` is null and `description_hash` is what the chain holds.
 */
import querystring from 'node:querystring'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { PolisError } from '../../base/errors.js'
import { decodeTx } from '../../app/tx.js'
import { sha256 } from '../../crypto/hash.js'
import { toHex, utf8 } from '../../base/bytes.js'
import type { ApiContext } from '../context.js'
import { hexBytes } from '../convert.js'
import { ApiError, httpStatusOf, refusal } from '../problem.js'
import { TxHex, named } from '../schemas.js'
import { ngsiLdRoutes } from './ngsi-ld.js'
import { COMPLAINTS_EVENT, COMPLAINTS_MSG } from '../../modules/complaints/types.js'

const Open311Errors = named('Open311Errors', {
  type: 'array',
  description: 'Open311 errors',
  items: { type: 'object', required: ['code', 'description'], properties: { code: { type: 'integer' }, description: { type: 'string' } } },
})
const Open311Service = named('Open311Service', {
  type: 'object', additionalProperties: true, required: ['service_code', 'service_name'],
  properties: { service_code: { type: 'string' }, service_name: { type: 'string' }, description: { type: 'string' }, metadata: { type: 'boolean' }, type: { type: 'string' }, keywords: { type: 'string' }, group: { type: 'string' } },
})
const Open311Request = named('Open311Request', {
  type: 'object', additionalProperties: true, required: ['service_request_id', 'status'],
  properties: { service_request_id: { type: 'string' }, status: { type: 'string', enum: ['open', 'closed'] }, service_code: { type: 'string' } },
})
const json = (schema: object, description: string) => ({ description, content: { 'application/json': { schema } } })
const errors = { '4xx': json(Open311Errors, 'Open311 errors: [{ code, description }]'), '5xx': json(Open311Errors, 'Server error (Open311 errors)') }

const FORM = 'application/x-www-form-urlencoded'
const DATE = { type: 'string', maxLength: 64, description: 'ISO 8601 date-time' }
const MAX_REQUESTS = 1000

class Open311Error extends Error {
  constructor(readonly status: number, message: string) {
    super(message)
  }
}

function sendErrors(reply: FastifyReply, status: number, description: string): FastifyReply {
  return reply.code(status).type('application/json; charset=utf-8').send([{ code: status, description }])
}

function onError(err: FastifyError | Error, _req: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (err instanceof Open311Error) return sendErrors(reply, err.status, err.message)
  if (err instanceof ApiError) return sendErrors(reply, err.status, `${err.errorName}: ${err.message}`)
  if (err instanceof PolisError) return sendErrors(reply, httpStatusOf(err.code), `${err.errorName}: ${err.message}`)
  const fe = err as FastifyError
  if (fe.validation) return sendErrors(reply, 400, err.message)
  const status = typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 600 ? fe.statusCode : 500
  if (status >= 500) reply.log.error({ err }, 'open311: unhandled error')
  return sendErrors(reply, status, status >= 500 ? 'internal error' : err.message)
}

function parseDate(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined
  const t = Date.parse(v)
  if (Number.isNaN(t)) throw new Open311Error(400, `${name} must be an ISO 8601 date-time`)
  return t
}

export function open311Routes(app: FastifyInstance, ctx: ApiContext): void {
  const { backend, metrics, limits } = ctx

  function query(path: string, params: Record<string, string>): any {
    const r = backend.query({ path, data: utf8(JSON.stringify(params)) })
    if (r.code !== 0) throw refusal(r.code, r.log)
    return JSON.parse(Buffer.from(r.value!).toString('utf8'))
  }

  app.register(async (scope) => {
    scope.setErrorHandler(onError)
    // Open311 clients post forms: parse them so that they get an Open311 answer (not a 415)
    scope.addContentTypeParser(FORM, { parseAs: 'string', bodyLimit: 64 * 1024 }, (_req, body, done) => done(null, { ...querystring.parse(body as string) }))

    scope.get('/services.json', {
      schema: {
        summary: 'Open311: the service list',
        description: 'The active complaint services of the city (Open311 GeoReport v2 service list), from query complaints/services.',
        tags: ['open311'],
        response: { 200: json({ type: 'array', items: Open311Service }, 'Open311 services'), ...errors },
      },
    }, async () => query('complaints/services', {}).services)

    scope.get<{ Params: { service_code: string } }>('/services/:service_code.json', {
      schema: {
        summary: 'Open311: a service definition',
        description: 'The Open311 service definition: its attributes (coded datatypes only: number, singlevaluelist, multivaluelist; free text stays off chain).',
        tags: ['open311'],
        params: { type: 'object', required: ['service_code'], additionalProperties: false, properties: { service_code: { type: 'string', maxLength: 64 } } },
        response: { 200: json({ type: 'object', additionalProperties: true, required: ['service_code', 'attributes'], properties: { service_code: { type: 'string' }, attributes: { type: 'array' } } }, 'Open311 service definition'), ...errors },
      },
    }, async (req) => {
      const s = query('complaints/service', { service_code: req.params.service_code })
      return { service_code: s.service_code, service_name: s.service_name, attributes: s.attributes ?? [] }
    })

    scope.get<{ Querystring: Record<string, string | undefined> }>('/requests.json', {
      schema: {
        summary: 'Open311: service requests',
        description: `Requests in Open311 shape, filtered by service_request_id (comma-separated ids; other filters then ignored), service_code (comma-separated), ` +
          `start_date/end_date (on requested_datetime) and status (open, closed or both). At most ${MAX_REQUESTS}, in id order. ` +
          '`description` is null: the chain holds only the commitment `description_hash`.',
        tags: ['open311'],
        querystring: {
          type: 'object', additionalProperties: false,
          properties: {
            service_request_id: { type: 'string', maxLength: 4096 }, service_code: { type: 'string', maxLength: 1024 }, start_date: DATE, end_date: DATE,
            status: { type: 'string', maxLength: 32 }, jurisdiction_id: { type: 'string', maxLength: 256 },
          },
        },
        response: { 200: json({ type: 'array', items: Open311Request }, 'Open311 service requests'), ...errors },
      },
    }, async (req) => {
      const q = req.query
      if (q.service_request_id !== undefined) {
        const ids = q.service_request_id.split(',').map((s) => s.trim()).filter(Boolean)
        if (ids.length > MAX_REQUESTS || ids.some((id) => !/^[1-9][0-9]{0,19}$/.test(id))) throw new Open311Error(400, 'service_request_id must be a comma-separated list of positive integers')
        const out: unknown[] = []
        for (const id of ids) {
          try {
            out.push(query('complaints/request', { id }))
          } catch (e) {
            if (!(e instanceof PolisError && e.errorName === 'not_found')) throw e
          }
        }
        return out
      }
      const statuses = new Set((q.status ?? 'open,closed').split(',').map((s) => s.trim()))
      for (const s of statuses) if (s !== 'open' && s !== 'closed') throw new Open311Error(400, 'status must be open, closed or both (comma-separated)')
      const start = parseDate(q.start_date, 'start_date')
      const end = parseDate(q.end_date, 'end_date')
      const codes = q.service_code === undefined ? [undefined] : q.service_code.split(',').map((s) => s.trim()).filter(Boolean)
      const status = statuses.size === 1 ? [...statuses][0]! : undefined
      const out: Array<{ service_request_id: string; requested_datetime: string }> = []
      for (const code of codes) {
        let after: string | undefined
        for (;;) {
          const page: Array<{ service_request_id: string; requested_datetime: string }> = query('complaints/requests', {
            ...(code !== undefined ? { service_code: code } : {}), ...(status ? { status } : {}), ...(after ? { after } : {}), limit: String(MAX_REQUESTS),
          }).requests
          for (const r of page) {
            const t = Date.parse(r.requested_datetime)
            if ((start === undefined || t >= start) && (end === undefined || t <= end)) out.push(r)
          }
          if (page.length < MAX_REQUESTS || out.length >= MAX_REQUESTS) break
          after = page[page.length - 1]!.service_request_id
        }
      }
      out.sort((a, b) => (BigInt(a.service_request_id) < BigInt(b.service_request_id) ? -1 : 1))
      return out.slice(0, MAX_REQUESTS)
    })

    scope.get<{ Params: { id: string } }>('/requests/:id.json', {
      schema: {
        summary: 'Open311: one service request',
        description: 'A request in Open311 shape, as a one-element array (GeoReport v2). `description` is null: the chain holds `description_hash`.',
        tags: ['open311'],
        params: { type: 'object', required: ['id'], additionalProperties: false, properties: { id: { type: 'string', maxLength: 32 } } },
        response: { 200: json({ type: 'array', items: Open311Request }, 'Open311 service request'), ...errors },
      },
    }, async (req) => {
      const id = req.params.id
      if (!/^[1-9][0-9]{0,19}$/.test(id)) throw new Open311Error(404, `no service request ${JSON.stringify(id)}`)
      try {
        return [query('complaints/request', { id })]
      } catch (e) {
        if (e instanceof PolisError && e.errorName === 'not_found') throw new Open311Error(404, `no service request ${id}`)
        throw e
      }
    })

    scope.post<{ Body: Record<string, unknown> }>('/requests.json', {
      bodyLimit: limits.txBodyBytes,
      schema: {
        summary: 'Open311: file a service request (signed)',
        description: 'In Polis a request must be a signed transaction: the body is `{ "tx": hex }`, a transaction signed by the citizen carrying a `complaints/file` message. ' +
          'Waits for its commit and answers `[{ service_request_id, service_notice }]`. An unsigned Open311 post (form or JSON with api_key) is refused with 400 and an Open311 error.',
        tags: ['open311'],
        body: { type: 'object', additionalProperties: true, properties: { tx: TxHex } },
        response: {
          200: json({ type: 'array', items: { type: 'object', required: ['service_request_id'], additionalProperties: true, properties: { service_request_id: { type: 'string' }, service_notice: { type: 'string' }, account_id: { type: ['string', 'null'] }, tx_hash: { type: 'string' } } } }, 'The filed request'),
          ...errors,
        },
      },
    }, async (req, reply) => {
      const body = req.body ?? {}
      if (typeof body.tx !== 'string') {
        throw new Open311Error(400, 'requests must be signed: POST { "tx": hex } with a transaction signed by the citizen carrying a complaints/file message ' +
          '(service_code, description_hash, lat, long in micro-degrees, media_hash?); api_key posts are not accepted (docs/SERVICES.md)')
      }
      if (Object.keys(body).length !== 1) throw new Open311Error(400, 'a signed request carries only "tx" (the fields are inside the signed transaction)')
      if (ctx.isStopping()) throw new Open311Error(503, 'the node is stopping')
      const bytes = hexBytes(body.tx)
      let msgs: string[]
      try {
        msgs = decodeTx(bytes).body.msgs.map((m) => m.type)
      } catch (e) {
        throw new Open311Error(400, `not a signed transaction: ${(e as Error).message}`)
      }
      if (msgs.length === 0 || msgs.some((t) => t !== COMPLAINTS_MSG.file)) throw new Open311Error(400, `the transaction must carry only complaints/file messages (it carries ${msgs.join(', ') || 'none'})`)
      let res
      try {
        res = await backend.submitAndWait(bytes, limits.waitMs)
      } catch (e) {
        if (e instanceof PolisError) {
          metrics.onSubmit(e.errorName === 'expired' ? 0 : e.code)
          if (e.errorName === 'expired') throw new Open311Error(503, `admitted but not committed within ${limits.waitMs} ms (transaction ${toHex(sha256(bytes))}); see /v1/txs/{hash}`)
        }
        throw e
      }
      metrics.onSubmit(0)
      const hash = toHex(res.hash)
      if (res.code !== 0) return sendErrors(reply, httpStatusOf(res.code), `refused in block ${res.height}: ${res.log}`)
      const filed = res.events.filter((e) => e.type === COMPLAINTS_EVENT.filed)
      if (filed.length === 0) return sendErrors(reply, 400, `transaction ${hash} was committed but filed no request: the message must be complaints/file`)
      return filed.map((e) => {
        const attr = (k: string) => e.attributes.find((a) => a.key === k)?.value ?? ''
        return { service_request_id: attr('request'), service_notice: `filed in block ${res.height}; expected by ${new Date(Number(attr('deadline'))).toISOString()}`, account_id: null, tx_hash: hash }
      })
    })
  })
  // the same requests as NGSI-LD entities (Smart Data Models service_requests)
  ngsiLdRoutes(app, ctx)
}
