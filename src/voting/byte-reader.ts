/** Sequential reader for the binary payloads: exact lengths, big-endian u32 counts, no trailing bytes. */
import { PolisError } from '../base/errors.js'

export class ByteReader {
  private o = 0
  constructor(
    private readonly bytes: Uint8Array,
    private readonly what: string,
  ) {}

  take(n: number, field: string): Uint8Array {
    if (this.o + n > this.bytes.length) throw new PolisError('invalid_message', `${this.what}: truncated at ${field}`)
    return this.bytes.subarray(this.o, (this.o += n))
  }

  u32(field: string): number {
    const b = this.take(4, field)
    return ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0
  }

  end(): void {
    if (this.o !== this.bytes.length) throw new PolisError('invalid_message', `${this.what}: ${this.bytes.length - this.o} trailing bytes`)
  }
}
