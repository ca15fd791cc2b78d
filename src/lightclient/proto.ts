/** The few protobuf encodings that CometBFT hashes and signs, written by hand (proto3 rules). */

export class ProtoWriter {
  private readonly parts: number[] = []

  private varint(v: bigint): void {
    if (v < 0n) v = BigInt.asUintN(64, v) // negative int64/int32 as two's complement, 10 bytes
    while (v >= 0x80n) {
      this.parts.push(Number(v & 0x7fn) | 0x80)
      v >>= 7n
    }
    this.parts.push(Number(v))
  }

  private tag(field: number, wire: number): void {
    this.varint(BigInt((field << 3) | wire))
  }

  /** varint field (int32, int64, uint32, uint64, enum); omitted when zero. */
  uint(field: number, v: bigint | number): this {
    const b = BigInt(v)
    if (b !== 0n) {
      this.tag(field, 0)
      this.varint(b)
    }
    return this
  }

  /** sfixed64 field; omitted when zero. */
  sfixed64(field: number, v: bigint): this {
    if (v !== 0n) {
      this.tag(field, 1)
      let x = BigInt.asUintN(64, v)
      for (let i = 0; i < 8; i++) {
        this.parts.push(Number(x & 0xffn))
        x >>= 8n
      }
    }
    return this
  }

  /** bytes field; omitted when empty. */
  bytes(field: number, v: Uint8Array): this {
    if (v.length) this.raw(field, v)
    return this
  }

  string(field: number, v: string): this {
    return this.bytes(field, new TextEncoder().encode(v))
  }

  /** Embedded message, always written (a gogoproto non-nullable field), even when empty. */
  message(field: number, v: Uint8Array): this {
    return this.raw(field, v)
  }

  private raw(field: number, v: Uint8Array): this {
    this.tag(field, 2)
    this.varint(BigInt(v.length))
    for (const b of v) this.parts.push(b)
    return this
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.parts)
  }
}
