/**
 * The part of `node:crypto` that bundled src/ files use beyond src/crypto/hash.ts, for the console
 * bundle only: `hash('sha256', data, 'buffer')` (src/siem/merkle-log.ts) and
 * `createHash('sha256' | 'sha512').update(data).digest()` (src/voting/transcript.ts). Anything else fails the build.
 */
import { sha256, sha512 } from '@noble/hashes/sha2.js'

export function hash(algorithm: string, data: Uint8Array, outputEncoding: string): Uint8Array {
  if (algorithm !== 'sha256' || outputEncoding !== 'buffer') throw new Error(`node:crypto hash(${algorithm}, ${outputEncoding}) is not available in the browser`)
  return sha256(data)
}

/** node:crypto's Hash for SHA-256 and SHA-512, digest() as bytes (the voting transcript's use). */
export function createHash(algorithm: string): { update(data: Uint8Array): { digest(): Uint8Array }; digest(): Uint8Array } {
  const h = algorithm === 'sha256' ? sha256.create() : algorithm === 'sha512' ? sha512.create() : undefined
  if (!h) throw new Error(`node:crypto createHash(${algorithm}) is not available in the browser`)
  const self = {
    update(data: Uint8Array) {
      h.update(data)
      return self
    },
    digest: () => h.digest(),
  }
  return self
}
