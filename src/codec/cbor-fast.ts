/**
 * A single-pass decoder for the common case of canonical CBOR: every transaction and most state
 * records. It accepts only what is canonical beyond doubt — shortest-form lengths and integers
 * below 2^32, definite lengths, text map keys in canonical order (length first, then bytewise)
 * without duplicates, valid UTF-8, false/true/null, nesting within the depth limit — and returns
 * exactly the value the general path (cborg's strict decoder, then re-encoding and comparing)
 * returns for those bytes. For anything else it answers FALLBACK and the caller takes the general
 * path, which produces the value or the error: the fast path never decides a refusal.
 */
export const FALLBACK: unique symbol = Symbol('cbor fast path declined')

const MAX_DEPTH = 16
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

// Node's Buffer reads ASCII straight from any Uint8Array; the console's browser bundle has no Buffer.
const latin1 = typeof Buffer === 'undefined' ? undefined : (Buffer.prototype as unknown as { latin1Slice?: (this: Uint8Array, start: number, end: number) => string }).latin1Slice

let buf: Uint8Array = new Uint8Array(0)
let pos = 0

class Decline extends Error {}
const DECLINE = new Decline()

function decline(): never {
  throw DECLINE
}

/** The argument of the item whose initial byte's low bits are `ai`, in shortest form, or decline. */
function argument(ai: number): number {
  if (ai < 24) return ai
  let n: number
  if (ai === 24) {
    if (pos + 1 > buf.length) decline()
    n = buf[pos++]!
    if (n < 24) decline()
  } else if (ai === 25) {
    if (pos + 2 > buf.length) decline()
    n = (buf[pos]! << 8) | buf[pos + 1]!
    pos += 2
    if (n < 256) decline()
  } else if (ai === 26) {
    if (pos + 4 > buf.length) decline()
    n = buf[pos]! * 0x1000000 + ((buf[pos + 1]! << 16) | (buf[pos + 2]! << 8) | buf[pos + 3]!)
    pos += 4
    if (n < 65536) decline()
  } else decline() // 8-byte arguments (bigints), reserved values, indefinite lengths
  return n
}

function text(len: number): string {
  if (pos + len > buf.length) decline()
  const start = pos
  pos += len
  let ascii = true
  for (let i = start; i < pos; i++) {
    if (buf[i]! >= 0x80) {
      ascii = false
      break
    }
  }
  if (ascii) return latin1 ? latin1.call(buf, start, pos) : utf8.decode(buf.subarray(start, pos))
  // A leading byte-order mark is where decoders disagree: leave it to the general path.
  if (len >= 3 && buf[start] === 0xef && buf[start + 1] === 0xbb && buf[start + 2] === 0xbf) decline()
  try {
    return utf8.decode(buf.subarray(start, pos))
  } catch {
    return decline()
  }
}

/** Orders two key encodings' payloads as canonical CBOR does: length first, then bytewise. */
function keyAfter(prevStart: number, prevLen: number, start: number, len: number): boolean {
  if (len !== prevLen) return len > prevLen
  for (let i = 0; i < len; i++) {
    const a = buf[prevStart + i]!
    const b = buf[start + i]!
    if (a !== b) return b > a
  }
  return false // equal: a duplicate key
}

function item(depth: number): unknown {
  if (depth > MAX_DEPTH || pos >= buf.length) decline()
  const ib = buf[pos++]!
  const major = ib >> 5
  const ai = ib & 31
  switch (major) {
    case 0:
      return argument(ai)
    case 1:
      return -1 - argument(ai)
    case 2: {
      const len = argument(ai)
      if (pos + len > buf.length) decline()
      const out = buf.slice(pos, pos + len)
      pos += len
      return out
    }
    case 3:
      return text(argument(ai))
    case 4: {
      const len = argument(ai)
      if (len > buf.length - pos) decline()
      const out = new Array(len)
      for (let i = 0; i < len; i++) out[i] = item(depth + 1)
      return out
    }
    case 5: {
      const len = argument(ai)
      if (len > buf.length - pos) decline()
      const out: Record<string, unknown> = {}
      let prevStart = -1
      let prevLen = 0
      for (let i = 0; i < len; i++) {
        if (pos >= buf.length) decline()
        const kb = buf[pos++]!
        if (kb >> 5 !== 3) decline()
        const klen = argument(kb & 31)
        const kstart = pos
        if (prevStart >= 0 && !keyAfter(prevStart, prevLen, kstart, klen)) decline()
        const key = text(klen)
        prevStart = kstart
        prevLen = klen
        const value = item(depth + 1)
        if (key === '__proto__') Object.defineProperty(out, key, { value, configurable: true, enumerable: true, writable: true })
        else out[key] = value
      }
      return out
    }
    case 7:
      if (ib === 0xf4) return false
      if (ib === 0xf5) return true
      if (ib === 0xf6) return null
      return decline() // undefined, floats, other simple values
    default:
      return decline() // tags
  }
}

/** The value of `bytes` if they are canonical CBOR of the common kind, else FALLBACK. */
export function decodeFast(bytes: Uint8Array): unknown {
  buf = bytes
  pos = 0
  try {
    const v = item(0)
    return pos === bytes.length ? v : FALLBACK
  } catch (e) {
    if (e === DECLINE) return FALLBACK
    throw e
  } finally {
    buf = EMPTY
  }
}

const EMPTY = new Uint8Array(0)
