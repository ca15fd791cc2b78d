/**
 * The part of `node:crypto` that bundled src/ files use beyond src/crypto/hash.ts, for the console
 * bundle only: `hash('sha256', data, 'buffer')` (src/siem/merkle-log.ts). Anything else fails the build.
 */
import { sha256 } from '@noble/hashes/sha2.js'

export function hash(algorithm: string, data: Uint8Array, outputEncoding: string): Uint8Array {
  if (algorithm !== 'sha256' || outputEncoding !== 'buffer') throw new Error(`node:crypto hash(${algorithm}, ${outputEncoding}) is not available in the browser`)
  return sha256(data)
}
