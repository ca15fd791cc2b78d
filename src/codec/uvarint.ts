/** Protobuf's unsigned varint, and the length-delimited framing built on it (CometBFT's ABCI frames, vote sign bytes). */
export function encodeUvarint(n: number): Uint8Array {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`cannot encode ${n} as a uvarint`)
  const out: number[] = []
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80)
    n = Math.floor(n / 0x80)
  }
  out.push(n)
  return Uint8Array.from(out)
}

/** uvarint(length) || payload. */
export function lengthDelimited(payload: Uint8Array): Uint8Array {
  const len = encodeUvarint(payload.length)
  const out = new Uint8Array(len.length + payload.length)
  out.set(len, 0)
  out.set(payload, len.length)
  return out
}
