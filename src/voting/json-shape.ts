/**
 * Strict readers for the JSON election record: exact key sets, lowercase hex of the exact length,
 * safe integers, canonical decimal strings. Strictness is what makes every byte of a record
 * matter: a value the reader would accept in two spellings could be changed without a verifier
 * noticing. Every refusal is a PolisError('invalid_message') naming the JSON path.
 */
import { PolisError } from '../base/errors.js'
import { fromHex, utf8 } from '../base/bytes.js'

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json }
export type JsonObject = { [k: string]: Json }

function bad(path: string, what: string): never {
  throw new PolisError('invalid_message', `${path}: ${what}`)
}

export function object(v: unknown, path: string, keys: readonly string[]): JsonObject {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) bad(path, 'expected an object')
  const o = v as JsonObject
  for (const k of Object.keys(o)) if (!keys.includes(k)) bad(path, `unexpected field "${k}"`)
  for (const k of keys) if (!(k in o)) bad(path, `missing field "${k}"`)
  return o
}

export function array(v: unknown, path: string, max = Number.MAX_SAFE_INTEGER): Json[] {
  if (!Array.isArray(v)) bad(path, 'expected an array')
  if (v.length > max) bad(path, `at most ${max} entries`)
  return v as Json[]
}

export function string(v: unknown, path: string, maxBytes = 1024): string {
  if (typeof v !== 'string') bad(path, 'expected a string')
  if (utf8(v).length > maxBytes) bad(path, `at most ${maxBytes} bytes`)
  return v
}

export function integer(v: unknown, path: string, min = 0, max = 0xffffffff): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) bad(path, 'expected an integer')
  if (v < min || v > max) bad(path, `expected an integer in [${min}, ${max}]`)
  return v
}

/** A non-negative integer written as a canonical decimal string (block heights and times). */
export function decimal(v: unknown, path: string): bigint {
  if (typeof v !== 'string' || !/^(0|[1-9][0-9]{0,19})$/.test(v)) bad(path, 'expected a canonical decimal string')
  const n = BigInt(v)
  if (n >= 1n << 64n) bad(path, 'out of range (64 bits)')
  return n
}

/** Lowercase hex, exactly `bytes` long when given. */
export function hex(v: unknown, path: string, bytes?: number): Uint8Array {
  if (typeof v !== 'string' || !/^(?:[0-9a-f]{2})*$/.test(v)) bad(path, 'expected lowercase hex')
  if (bytes !== undefined && v.length !== 2 * bytes) bad(path, `expected ${bytes} bytes of hex`)
  return fromHex(v)
}
