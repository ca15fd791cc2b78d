/** Validators for message fields: each returns the typed value or throws invalid_message. */
import type { CborValue } from '../codec/cbor.js'
import { PolisError } from '../base/errors.js'
import { MAX_U64 } from '../codec/amount.js'
import { utf8 } from '../base/bytes.js'
import type { MsgValue } from './module.js'

function bad(msg: string): never {
  throw new PolisError('invalid_message', msg)
}

/** Refuses fields other than those named: an unknown field is an error, never ignored. */
export function onlyFields(v: MsgValue, allowed: readonly string[]): void {
  for (const k of Object.keys(v)) if (!allowed.includes(k)) bad(`unknown field "${k}"`)
}

export function bytesField(v: MsgValue, name: string, length?: number): Uint8Array {
  const x = v[name]
  if (!(x instanceof Uint8Array)) bad(`${name} must be a byte string`)
  if (length !== undefined && x.length !== length) bad(`${name} must be ${length} bytes`)
  return x
}

export function pubKeyField(v: MsgValue, name: string): Uint8Array {
  return bytesField(v, name, 32)
}

export function optionalBytesField(v: MsgValue, name: string, length?: number): Uint8Array | undefined {
  return v[name] === undefined ? undefined : bytesField(v, name, length)
}

export function stringField(v: MsgValue, name: string, opts: { min?: number; max?: number; pattern?: RegExp } = {}): string {
  const x = v[name]
  if (typeof x !== 'string') bad(`${name} must be a string`)
  const n = utf8(x).length
  if (n < (opts.min ?? 0)) bad(`${name} must be at least ${opts.min ?? 0} bytes`)
  if (n > (opts.max ?? 1024)) bad(`${name} must be at most ${opts.max ?? 1024} bytes`)
  if (opts.pattern && !opts.pattern.test(x)) bad(`${name} has an invalid format`)
  return x
}

export function optionalStringField(v: MsgValue, name: string, opts: { min?: number; max?: number; pattern?: RegExp } = {}): string | undefined {
  return v[name] === undefined ? undefined : stringField(v, name, opts)
}

export function uintField(v: MsgValue, name: string, max: bigint = MAX_U64): bigint {
  const x: CborValue | undefined = v[name]
  let n: bigint
  if (typeof x === 'number' && Number.isSafeInteger(x)) n = BigInt(x)
  else if (typeof x === 'bigint') n = x
  else bad(`${name} must be an unsigned integer`)
  if (n < 0n || n > max) bad(`${name} must be between 0 and ${max}`)
  return n
}

export function positiveAmountField(v: MsgValue, name = 'amount'): bigint {
  const n = uintField(v, name)
  if (n === 0n) bad(`${name} must be positive`)
  return n
}

export function stringListField(v: MsgValue, name: string, allowed?: readonly string[], maxItems = 16): string[] {
  const x = v[name]
  if (!Array.isArray(x) || x.length > maxItems) bad(`${name} must be a list of at most ${maxItems} strings`)
  const out = x.map((s) => {
    if (typeof s !== 'string') bad(`${name} must hold strings`)
    if (allowed && !allowed.includes(s)) bad(`${name}: unknown value "${s}"`)
    return s
  })
  if (new Set(out).size !== out.length) bad(`${name} has duplicates`)
  return out
}

/** Denominations: the native denom or a voucher path; letters, digits and / . _ - only. */
export const DENOM_PATTERN = /^[a-zA-Z][a-zA-Z0-9/._-]{1,127}$/
