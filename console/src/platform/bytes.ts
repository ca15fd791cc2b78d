/** Browser version of src/base/bytes.ts for the console bundle: the same functions without Buffer. */
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'

export { bytesEqual, concatBytes, utf8 } from '../../../src/base/bytes.ts'

export function toHex(b: Uint8Array): string {
  return bytesToHex(b)
}

export function fromHex(s: string): Uint8Array {
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(s)) throw new TypeError('not a hex string')
  return hexToBytes(s.toLowerCase())
}

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1
}
