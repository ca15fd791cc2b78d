/**
 * Byte copies that really copy: `Buffer#slice` (and the Buffers the database returns) share memory,
 * so `.slice()` is not a copy for them. Everything the store hands out or takes in goes through these.
 */
export const copy = (u: Uint8Array): Uint8Array => new Uint8Array(u)

/**
 * A copy of src[start, end) in a fresh array. V8 keeps arrays of up to 64 bytes inside its own heap
 * (no malloc'd backing store, compactable), which is what keeps a cache of decoded nodes small.
 */
export function ownBytes(src: Uint8Array, start: number, end: number): Uint8Array {
  const n = end - start
  const out = new Uint8Array(n)
  if (n <= 64) for (let i = 0; i < n; i++) out[i] = src[start + i]!
  else out.set(src.subarray(start, end))
  return out
}

export const copyOf = (u: Uint8Array | undefined): Uint8Array | undefined => (u === undefined ? undefined : new Uint8Array(u))

/**
 * Byte-wise order (negative, 0, positive). A plain loop for short keys: cheaper than the native
 * call behind Buffer.compare, which tree walks make ~20 times per operation.
 */
export function compare(a: Uint8Array, b: Uint8Array): number {
  const n = a.length < b.length ? a.length : b.length
  if (n > 48) return Buffer.compare(a, b)
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!
    if (d !== 0) return d
  }
  return a.length - b.length
}
