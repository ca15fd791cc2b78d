/**
 * A single-pass canonical CBOR encoder for the common values (transaction results, events,
 * records): safe integers and bigints below 2^32 in magnitude, strings without surrogates, byte
 * arrays, arrays, plain objects with ASCII keys, booleans and null. It writes exactly the bytes
 * the general encoder (cborg with the options of cbor.ts) writes for them; for any other value it
 * answers FALLBACK and the caller takes the general path, which encodes or throws.
 */
import { FALLBACK } from './cbor-fast.js'

const MAX_DEPTH = 32
const SMALL = 0x100000000
const textEncoder = new TextEncoder()

let out = new Uint8Array(4096)
let pos = 0

class Decline extends Error {}
const DECLINE = new Decline()
function decline(): never {
  throw DECLINE
}

function room(n: number): void {
  if (pos + n <= out.length) return
  const bigger = new Uint8Array(Math.max(out.length * 2, pos + n))
  bigger.set(out.subarray(0, pos))
  out = bigger
}

function head(major: number, n: number): void {
  room(5)
  const m = major << 5
  if (n < 24) out[pos++] = m | n
  else if (n < 256) {
    out[pos++] = m | 24
    out[pos++] = n
  } else if (n < 65536) {
    out[pos++] = m | 25
    out[pos++] = n >> 8
    out[pos++] = n & 255
  } else if (n < SMALL) {
    out[pos++] = m | 26
    out[pos++] = (n >>> 24) & 255
    out[pos++] = (n >> 16) & 255
    out[pos++] = (n >> 8) & 255
    out[pos++] = n & 255
  } else decline()
}

function integer(n: number): void {
  if (n >= 0) head(0, n)
  else head(1, -1 - n)
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return false
  return true
}

function text(s: string): void {
  if (isAscii(s)) {
    head(3, s.length)
    room(s.length)
    for (let i = 0; i < s.length; i++) out[pos++] = s.charCodeAt(i)
    return
  }
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c >= 0xd800 && c <= 0xdfff) decline() // surrogates: left to the general encoder
  }
  const bytes = textEncoder.encode(s)
  head(3, bytes.length)
  room(bytes.length)
  out.set(bytes, pos)
  pos += bytes.length
}

/** Canonical order of ASCII text keys: shorter first, then bytewise (= code unit order). */
const keyOrder = (a: string, b: string): number => (a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0)

function value(v: unknown, depth: number): void {
  if (depth > MAX_DEPTH) decline()
  switch (typeof v) {
    case 'number':
      if (!Number.isSafeInteger(v) || Object.is(v, -0) || v >= SMALL || v <= -SMALL) decline()
      return integer(v)
    case 'bigint':
      if (v >= BigInt(SMALL) || v <= -BigInt(SMALL)) decline()
      return integer(Number(v))
    case 'string':
      return text(v)
    case 'boolean':
      room(1)
      out[pos++] = v ? 0xf5 : 0xf4
      return
    case 'object': {
      if (v === null) {
        room(1)
        out[pos++] = 0xf6
        return
      }
      if (v instanceof Uint8Array) {
        head(2, v.length)
        room(v.length)
        out.set(v, pos)
        pos += v.length
        return
      }
      if (Array.isArray(v)) {
        head(4, v.length)
        for (let i = 0; i < v.length; i++) {
          if (!(i in v)) decline()
          value(v[i], depth + 1)
        }
        return
      }
      const proto = Object.getPrototypeOf(v)
      if (proto !== Object.prototype) decline()
      const keys = Object.keys(v)
      for (const k of keys) if (!isAscii(k)) decline()
      keys.sort(keyOrder)
      head(5, keys.length)
      for (const k of keys) {
        text(k)
        value((v as Record<string, unknown>)[k], depth + 1)
      }
      return
    }
    default:
      decline() // undefined, functions, symbols
  }
}

/** The canonical CBOR of `v` if it is of the common kind, else FALLBACK. */
export function encodeFast(v: unknown): Uint8Array | typeof FALLBACK {
  pos = 0
  try {
    value(v, 0)
    return out.slice(0, pos)
  } catch (e) {
    if (e === DECLINE) return FALLBACK
    throw e
  } finally {
    if (out.length > 1 << 20) out = new Uint8Array(4096)
  }
}
