/** Fixed-width big-endian integers, for state keys that must sort in numeric order. */
import { concatBytes } from '../base/bytes.js'

/** `prefix` followed by the height as 8 big-endian bytes: keys that iterate in height order. */
export function heightKey(prefix: Uint8Array, h: bigint): Uint8Array {
  return concatBytes(prefix, u64be(h))
}

export function u64be(n: bigint): Uint8Array {
  const b = new Uint8Array(8)
  new DataView(b.buffer).setBigUint64(0, n)
  return b
}

export function u32be(n: number): Uint8Array {
  const b = new Uint8Array(4)
  new DataView(b.buffer).setUint32(0, n)
  return b
}

export function readU64be(b: Uint8Array, offset = 0): bigint {
  return new DataView(b.buffer, b.byteOffset + offset, 8).getBigUint64(0)
}

export function readU32be(b: Uint8Array, offset = 0): number {
  return new DataView(b.buffer, b.byteOffset + offset, 4).getUint32(0)
}
