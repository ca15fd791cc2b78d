/**
 * Varints as Go's encoding/binary writes them, for non-negative safe integers.
 * IAVL hashes its int64 fields (height, size, version) with zigzag `PutVarint`; for n >= 0 that is
 * the unsigned varint of 2n. Lengths use the plain unsigned varint (`PutUvarint`).
 */
import { fail } from '../base/errors.js'

/** Bytes the unsigned varint of `n` takes. */
export function uvarintSize(n: number): number {
  if (n < 0x80) return 1
  if (n < 0x4000) return 2
  if (n < 0x200000) return 3
  let size = 1
  while (n >= 128) {
    n = Math.floor(n / 128)
    size++
  }
  return size
}

/** Writes the unsigned varint of `n` at `pos`; returns the position after it. */
export function putUvarint(buf: Uint8Array, pos: number, n: number): number {
  if (n < 0x80) {
    buf[pos] = n
    return pos + 1
  }
  while (n >= 128) {
    buf[pos++] = (n % 128) | 128
    n = Math.floor(n / 128)
  }
  buf[pos++] = n
  return pos
}

/** Zigzag encoding of a non-negative integer (what Go's PutVarint stores for int64 n >= 0). */
export const zigzag = (n: number): number => n * 2

/** A cursor over bytes read from the database; malformed input is an `invalid_state` error. */
export class Reader {
  pos: number
  private readonly limit: number

  /** Reads buf[start, end). */
  constructor(readonly buf: Uint8Array, readonly what: string, start = 0, end = buf.length) {
    this.pos = start
    this.limit = end
  }

  uvarint(): number {
    let result = 0
    let scale = 1
    for (let i = 0; i < 8; i++) {
      const b = this.pos < this.limit ? this.buf[this.pos++] : undefined
      if (b === undefined) fail('invalid_state', `${this.what}: truncated varint`)
      result += (b & 127) * scale
      if (b < 128) {
        if (!Number.isSafeInteger(result)) break
        return result
      }
      scale *= 128
    }
    fail('invalid_state', `${this.what}: varint too large`)
  }

  /** The next `n` bytes: a view into the buffer being read. */
  bytes(n: number): Uint8Array {
    if (this.pos + n > this.limit) fail('invalid_state', `${this.what}: truncated (${n} bytes wanted, ${this.limit - this.pos} left)`)
    const out = this.buf.subarray(this.pos, this.pos + n)
    this.pos += n
    return out
  }

  /** The remaining bytes (a view). */
  rest(): Uint8Array {
    return this.bytes(this.limit - this.pos)
  }

  end(): void {
    if (this.pos !== this.limit) fail('invalid_state', `${this.what}: ${this.limit - this.pos} trailing bytes`)
  }
}
