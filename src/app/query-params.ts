/** Parsing of module query parameters (JSON objects from the API or the SDK). */
import { PolisError } from '../base/errors.js'
import { fromHex } from '../base/bytes.js'
import type { QueryParams } from './module.js'

export function hexParam(p: QueryParams, name: string, len?: number): Uint8Array {
  const v = p[name]
  if (typeof v !== 'string') throw new PolisError('invalid_request', `${name} is required (hex)`)
  let b: Uint8Array
  try {
    b = fromHex(v)
  } catch {
    throw new PolisError('invalid_request', `${name} must be hex`)
  }
  if (len !== undefined && b.length !== len) throw new PolisError('invalid_request', `${name} must be ${len} bytes`)
  return b
}

export function optionalStringParam(p: QueryParams, name: string): string | undefined {
  const v = p[name]
  if (v === undefined) return undefined
  if (typeof v !== 'string') throw new PolisError('invalid_request', `${name} must be a string`)
  return v
}

export function limitParam(p: QueryParams, dflt = 100, max = 1000): number {
  const v = p.limit
  if (v === undefined) return dflt
  const n = typeof v === 'string' ? Number(v) : v
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) throw new PolisError('invalid_request', 'limit must be a positive integer')
  return Math.min(n, max)
}
