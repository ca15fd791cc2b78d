/**
 * Errors as `application/problem+json` (RFC 9457). Every error the API returns carries the ledger's
 * numeric code and its name (src/base/errors.ts), and an HTTP status derived from the code:
 *
 *   400 tx_decode, bad_signature, wrong_chain_id, unknown_message, invalid_message, invalid_request,
 *       invalid_genesis, proof_invalid
 *   403 unauthorized, account_revoked, frozen
 *   404 not_found
 *   409 bad_nonce, duplicate_tx, already_exists
 *   410 pruned (state at a height the node no longer keeps)
 *   413 tx_too_large (and any request body over the limit, as invalid_request)
 *   422 unknown_account, insufficient_funds, block_full, overflow, invalid_state, expired
 *   503 mempool_full, node stopping (with Retry-After)
 *   500 internal (a bug: logged, never expected)
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { ErrorCodes, PolisError, errorNameOf, type ErrorName } from '../base/errors.js'

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8'
export const PROBLEM_TYPE_PREFIX = 'urn:polis:problem:'
/** The `type` of a 404 for a path no route serves (as opposed to a missing resource). */
export const NO_SUCH_ROUTE = PROBLEM_TYPE_PREFIX + 'no-such-route'

export interface Problem {
  type: string
  title: string
  status: number
  detail: string
  code: number
  error: string
  instance?: string
  errors?: Array<{ path: string; message: string }>
}

const STATUS_BY_NAME: Partial<Record<ErrorName, number>> = {
  internal: 500,
  tx_decode: 400, bad_signature: 400, wrong_chain_id: 400, unknown_message: 400, invalid_message: 400,
  invalid_request: 400, invalid_genesis: 400, proof_invalid: 400,
  unauthorized: 403, account_revoked: 403, frozen: 403,
  not_found: 404,
  bad_nonce: 409, duplicate_tx: 409, already_exists: 409,
  pruned: 410,
  tx_too_large: 413,
  unknown_account: 422, insufficient_funds: 422, block_full: 422, overflow: 422, invalid_state: 422, expired: 422,
  mempool_full: 503,
}

const TITLES: Record<number, string> = {
  400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 409: 'Conflict', 410: 'Gone', 413: 'Content Too Large',
  415: 'Unsupported Media Type', 422: 'Unprocessable Content', 426: 'Upgrade Required', 429: 'Too Many Requests', 500: 'Internal Server Error',
  503: 'Service Unavailable',
}

export function httpStatusOf(code: number): number {
  const name = errorNameOf(code)
  return name === 'unknown' ? 500 : STATUS_BY_NAME[name] ?? 400
}

/** An error raised by a route: a ledger code, and optionally an HTTP status other than the default. */
export class ApiError extends PolisError {
  constructor(name: ErrorName, message: string, readonly status = STATUS_BY_NAME[name] ?? 400, readonly problemType?: string, readonly retryAfter?: number) {
    super(name, message)
  }
}

/** The node is shutting down (or not yet started): refuse with 503 and a hint to retry. */
export const stopping = () => new ApiError('invalid_state', 'the node is stopping', 503, PROBLEM_TYPE_PREFIX + 'stopping', 1)

export function problem(status: number, name: ErrorName | 'unknown', detail: string, extra: Partial<Problem> = {}): Problem {
  const errName = name === 'unknown' ? 'internal' : name
  return {
    type: PROBLEM_TYPE_PREFIX + errName,
    title: TITLES[status] ?? (status >= 500 ? 'Server Error' : 'Client Error'),
    status,
    detail,
    code: ErrorCodes[errName],
    error: errName,
    ...extra,
  }
}

/** A refusal as the ledger reports it (`code` + `log` "name: message"). */
export function problemOfCode(code: number, log: string): Problem {
  const name = errorNameOf(code)
  const prefix = name + ': '
  return problem(httpStatusOf(code), name, log.startsWith(prefix) ? log.slice(prefix.length) : log)
}

/** A ledger refusal (`code` + `log` "name: message") as a typed error. */
export function refusal(code: number, log: string): PolisError {
  const found = errorNameOf(code)
  const name = found === 'unknown' ? 'internal' : found
  const prefix = name + ': '
  return new PolisError(name, log.startsWith(prefix) ? log.slice(prefix.length) : log)
}

export function sendProblem(reply: FastifyReply, p: Problem, retryAfter?: number): FastifyReply {
  if (retryAfter !== undefined) reply.header('retry-after', String(retryAfter))
  if (p.code === ErrorCodes.mempool_full && retryAfter === undefined) reply.header('retry-after', '1')
  return reply.code(p.status).type(PROBLEM_CONTENT_TYPE).send(p)
}

/** Fastify's error handler: every error becomes a problem; only genuine bugs are 500. */
export function errorHandler(err: FastifyError | PolisError | Error, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const instance = req.url.split('?')[0]
  if (err instanceof ApiError) return sendProblem(reply, problem(err.status, err.errorName, err.message, { instance, ...(err.problemType ? { type: err.problemType } : {}) }), err.retryAfter)
  if (err instanceof PolisError) return sendProblem(reply, problem(httpStatusOf(err.code), err.errorName, err.message, { instance }))
  const fe = err as FastifyError
  if (fe.validation) {
    const errors = fe.validation.map((v) => ({ path: `${fe.validationContext ?? ''}${v.instancePath || ''}`, message: v.message ?? 'invalid' }))
    return sendProblem(reply, problem(400, 'invalid_request', err.message, { instance, errors }))
  }
  const status = typeof fe.statusCode === 'number' ? fe.statusCode : 500
  if (status >= 400 && status < 500) {
    let detail = err.message
    if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') detail = 'request body is larger than this route accepts'
    else if (fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err instanceof SyntaxError) detail = `malformed JSON: ${err.message}`
    return sendProblem(reply, problem(status, 'invalid_request', detail, { instance }))
  }
  if (status === 503) return sendProblem(reply, problem(503, 'invalid_state', err.message, { instance }), 1)
  req.log.error({ err }, 'unhandled error')
  return sendProblem(reply, problem(500, 'internal', 'internal error', { instance }))
}

/**
 * Errors Node's HTTP parser raises before fastify sees a request (malformed request line, headers
 * over 16 KiB, a request not received within the timeout): answered as problems too, then closed.
 */
export function clientErrorHandler(err: Error & { code?: string }, socket: import('node:stream').Duplex): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return
  const status = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : err.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400
  const detail = status === 408 ? 'the request was not received in time' : status === 431 ? 'request headers are too large' : 'malformed HTTP request'
  const title = status === 408 ? 'Request Timeout' : status === 431 ? 'Request Header Fields Too Large' : 'Bad Request'
  const body = JSON.stringify({ ...problem(status, 'invalid_request', detail), title })
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${status} ${title}\r\nConnection: close\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`)
  }
  socket.destroy()
}
