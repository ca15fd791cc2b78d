/**
 * Varints as Go's encoding/binary writes them, for non-negative safe integers.
 * IAVL hashes its int64 fields (height, size, version) with zigzag `PutVarint`; for n >= 0 that is
 * the unsigned varint of 2n. Lengths use the plain unsigned varint (`PutUvarint`).
 */
import { fail } from '../app/errors.js'

/** Bytes the unsigned varint of `n` takes. */
export function uvarintSize(n: number): number {
  let size = 1
  while (n >= 128) {
    n = Math.floor(n / 128)
    size++
  }
  return size
}

/** Writes the unsigned varint of `n` at `pos`; returns the position after it. */
export function putUvarint(buf: Uint8Array, pos: number, n: number): number {
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
  pos = 0
  constructor(readonly buf: Uint8Array, readonly what: string) {}

  uvarint(): number {
    let result = 0
    let scale = 1
    for (let i = 0; i < 8; i++) {
      const b = this.buf[this.pos++]
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

  bytes(n: number): Uint8Array {
    if (this.pos + n > this.buf.length) fail('invalid_state', `${this.what}: truncated (${n} bytes wanted at ${this.pos} of ${this.buf.length})`)
    const out = this.buf.subarray(this.pos, this.pos + n)
    this.pos += n
    return out
  }

  rest(): Uint8Array {
    const out = this.buf.subarray(this.pos)
    this.pos = this.buf.length
    return out
  }

  end(): void {
    if (this.pos !== this.buf.length) fail('invalid_state', `${this.what}: ${this.buf.length - this.pos} trailing bytes`)
  }
}
