import { createHash, hash as oneShot } from 'node:crypto'

/** SHA-256 of the concatenation of the given byte strings (one-shot for one or two: the hot paths). */
export function sha256(...parts: Uint8Array[]): Uint8Array {
  if (parts.length <= 1) return asView(oneShot('sha256', parts[0] ?? new Uint8Array(0), 'buffer'))
  if (parts.length === 2 || parts.length === 3) return asView(oneShot('sha256', Buffer.concat(parts), 'buffer'))
  const h = createHash('sha256')
  for (const p of parts) h.update(p)
  return asView(h.digest())
}

const asView = (d: Buffer): Uint8Array => new Uint8Array(d.buffer, d.byteOffset, d.byteLength)
