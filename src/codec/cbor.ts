/**
 * Canonical CBOR (RFC 8949 §4.2 deterministic encoding, as implemented by cborg):
 * definite lengths, smallest integer encodings, map keys sorted length-first then bytewise,
 * no duplicate keys, no floats, no undefined, no tags. Decoding re-encodes and compares, so
 * exactly one byte string decodes to a given value (no malleability of hashes or signatures).
 */
import { encode as cborEncode, decode as cborDecode } from 'cborg'
import { PolisError } from '../base/errors.js'
import { bytesEqual } from '../base/bytes.js'
import { decodeFast, FALLBACK } from './cbor-fast.js'
import { encodeFast } from './cbor-fast-encode.js'

export type CborValue =
  | string
  | number
  | bigint
  | boolean
  | null
  | Uint8Array
  | CborValue[]
  | { [key: string]: CborValue }

const encodeOptions = {
  typeEncoders: {
    number: (n: number) => {
      if (!Number.isSafeInteger(n)) throw new PolisError('invalid_message', `only integers can be encoded, got ${n}`)
      return null
    },
    undefined: () => {
      throw new PolisError('invalid_message', 'undefined cannot be encoded')
    },
  },
}

const decodeOptions = {
  strict: true,
  rejectDuplicateMapKeys: true,
  allowIndefinite: false,
  allowUndefined: false,
  allowInfinity: false,
  allowNaN: false,
  useMaps: false,
}

export function encodeCanonical(value: unknown): Uint8Array {
  const fast = encodeFast(value)
  return fast === FALLBACK ? cborEncode(value, encodeOptions) : fast
}

/** encodeCanonical without the fast path (cbor-fast-encode.ts). */
export function encodeGeneral(value: unknown): Uint8Array {
  return cborEncode(value, encodeOptions)
}

/** Decodes canonical CBOR or throws PolisError(errorName) describing what is wrong. */
export function decodeCanonical(bytes: Uint8Array, errorName: 'tx_decode' | 'invalid_message' | 'invalid_state' = 'tx_decode'): CborValue {
  const fast = decodeFast(bytes)
  if (fast !== FALLBACK) return fast as CborValue
  return decodeGeneral(bytes, errorName)
}

/** decodeCanonical without the fast path (cbor-fast.ts): cborg, then re-encoding and comparing. */
export function decodeGeneral(bytes: Uint8Array, errorName: 'tx_decode' | 'invalid_message' | 'invalid_state' = 'tx_decode'): CborValue {
  let value: unknown
  try {
    value = cborDecode(bytes, decodeOptions)
  } catch (e) {
    throw new PolisError(errorName, `malformed CBOR: ${(e as Error).message}`)
  }
  checkTypes(value, errorName, 0)
  let again: Uint8Array
  try {
    again = encodeGeneral(value)
  } catch (e) {
    throw new PolisError(errorName, `not canonical CBOR: ${(e as Error).message}`)
  }
  if (!bytesEqual(again, bytes)) throw new PolisError(errorName, 'not canonical CBOR (re-encoding differs)')
  return value as CborValue
}

/**
 * Decodes bytes this node wrote itself (state records): strict decoding, but without the
 * re-encode comparison that guards untrusted input against malleability.
 */
export function decodeTrusted(bytes: Uint8Array): CborValue {
  const fast = decodeFast(bytes)
  if (fast !== FALLBACK) return fast as CborValue
  try {
    return cborDecode(bytes, decodeOptions) as CborValue
  } catch (e) {
    throw new PolisError('invalid_state', `corrupt state record: ${(e as Error).message}`)
  }
}

const MAX_DEPTH = 16

function checkTypes(v: unknown, errorName: 'tx_decode' | 'invalid_message' | 'invalid_state', depth: number): void {
  if (depth > MAX_DEPTH) throw new PolisError(errorName, 'CBOR nested too deeply')
  switch (typeof v) {
    case 'string':
    case 'bigint':
    case 'boolean':
      return
    case 'number':
      if (!Number.isSafeInteger(v)) throw new PolisError(errorName, 'floating-point numbers are not allowed')
      return
    case 'object':
      if (v === null || v instanceof Uint8Array) return
      if (Array.isArray(v)) {
        for (const x of v) checkTypes(x, errorName, depth + 1)
        return
      }
      for (const x of Object.values(v as object)) checkTypes(x, errorName, depth + 1)
      return
    default:
      throw new PolisError(errorName, `unsupported CBOR value of type ${typeof v}`)
  }
}
