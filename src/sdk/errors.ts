/**
 * Errors the SDK raises. Every refusal by the node arrives as an RFC 9457 problem body carrying
 * the ledger's typed error code; the SDK turns it into a `PolisError` (the very class the ledger
 * throws), so callers test `e instanceof PolisError && e.errorName === 'insufficient_funds'`
 * whether the error came from a node or from a local check.
 */
import { ErrorCodes, PolisError, errorNameOf, type ErrorName } from '../base/errors.js'

export { PolisError, ErrorCodes, errorNameOf, type ErrorName } from '../base/errors.js'

/** The body of an `application/problem+json` response, as docs/API.md describes it. */
export interface ProblemBody {
  type?: string
  title?: string
  status?: number
  detail?: string
  code?: number
  error?: string
  [extra: string]: unknown
}

/** A refusal reported by the node over HTTP: a PolisError plus the HTTP status and problem body. */
export class PolisHttpError extends PolisError {
  constructor(
    name: ErrorName,
    message: string,
    readonly status: number,
    readonly problem: ProblemBody | undefined,
    readonly url: string,
  ) {
    super(name, message)
    this.name = 'PolisHttpError'
  }
}

/** The node could not be reached at all (refused, DNS, timeout): nothing was submitted or read. */
export class NodeUnreachableError extends Error {
  constructor(readonly url: string, readonly reason: string) {
    super(`cannot reach the Polis node at ${url}: ${reason}`)
    this.name = 'NodeUnreachableError'
  }
}

/** Builds the error for a non-2xx response from its (possibly non-problem) body. */
export function errorFromResponse(status: number, body: unknown, url: string): PolisHttpError {
  const p = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as ProblemBody) : undefined
  let name: ErrorName
  if (p && typeof p.code === 'number' && errorNameOf(p.code) !== 'unknown') name = errorNameOf(p.code) as ErrorName
  else if (p && typeof p.error === 'string' && isErrorName(p.error)) name = p.error
  else if (status === 404) name = 'not_found'
  else if (status === 413) name = 'invalid_request'
  else if (status >= 400 && status < 500) name = 'invalid_request'
  else name = 'internal'
  const detail = p?.detail ?? p?.title ?? (typeof body === 'string' && body ? body.slice(0, 500) : `HTTP ${status}`)
  // the node's logs often read "<name>: <message>"; drop the duplicated name
  const message = String(detail).startsWith(name + ': ') ? String(detail).slice(name.length + 2) : String(detail)
  return new PolisHttpError(name, message, status, p, url)
}

function isErrorName(s: string): s is ErrorName {
  return Object.hasOwn(ErrorCodes, s)
}

/** Human description of any error, for CLIs and logs: "insufficient_funds (11): balance 3 < 5". */
export function describeError(e: unknown): string {
  if (e instanceof PolisError) return `${e.errorName} (${e.code}): ${e.message}`
  if (e instanceof NodeUnreachableError) return e.message
  if (e instanceof Error) return e.message
  return String(e)
}
