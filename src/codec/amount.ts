/** Token amounts: bigint in memory, minimal big-endian bytes in state, decimal strings in JSON. */
import { PolisError } from '../base/errors.js'

export const MAX_U64 = (1n << 64n) - 1n
/** Amounts below this (2^48) fit six bytes and a safe integer. */
const SMALL = 1n << 48n

export function amountToBytes(a: bigint): Uint8Array {
  if (a < 0n) throw new PolisError('invalid_state', 'negative amount')
  if (a === 0n) return new Uint8Array(0)
  if (a < SMALL) {
    // Most balances: plain arithmetic on a safe integer, no string round trip.
    let n = Number(a)
    let len = 0
    for (let m = n; m > 0; m = Math.floor(m / 256)) len++
    const out = new Uint8Array(len)
    for (let i = len - 1; i >= 0; i--) {
      out[i] = n % 256
      n = Math.floor(n / 256)
    }
    return out
  }
  let hex = a.toString(16)
  if (hex.length % 2) hex = '0' + hex
  return new Uint8Array(Buffer.from(hex, 'hex'))
}

export function amountFromBytes(b: Uint8Array | undefined): bigint {
  if (!b || b.length === 0) return 0n
  if (b.length <= 6) {
    let n = 0
    for (let i = 0; i < b.length; i++) n = n * 256 + b[i]!
    return BigInt(n)
  }
  return BigInt('0x' + Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex'))
}

/** Parses a canonical non-negative decimal string ("0", "12", never "012", "+1", "1e3"). */
export function parseAmount(s: unknown, field = 'amount'): bigint {
  if (typeof s === 'bigint' && s >= 0n) return s
  if (typeof s === 'number' && Number.isSafeInteger(s) && s >= 0) return BigInt(s)
  if (typeof s !== 'string' || !/^(0|[1-9][0-9]{0,77})$/.test(s)) {
    throw new PolisError('invalid_message', `${field} must be a non-negative integer as a decimal string`)
  }
  return BigInt(s)
}
