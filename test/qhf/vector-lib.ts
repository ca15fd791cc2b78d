/**
 * Shared by the QHF known-answer tests, the reproducibility test's worker/child, and the vector
 * generator: decodes the message specs of vectors.json and computes their hashes.
 */
import { readFileSync } from 'node:fs'
import { fromHex, toHex } from '../../src/base/bytes.js'
import { qhf, qhfBits, validateQhfParams } from '../../src/crypto/qhf/index.js'

export interface MessageSpec {
  /** UTF-8 text */ utf8?: string
  /** raw bytes */ hex?: string
  /** bytes i = (a·i + b) mod 256, i < length */ pattern?: { length: number; a: number; b: number }
  /** a bit string ('0'/'1' characters), hashed with qhfBits */ bits?: string
}
export interface VectorCase { name: string; message: MessageSpec; hash: string }
export interface VectorSet { params: Record<string, unknown>; cases: VectorCase[] }
export interface VectorFile { description: string; sets: VectorSet[] }

export function messageBytes(m: MessageSpec): Uint8Array {
  if (m.utf8 !== undefined) return new TextEncoder().encode(m.utf8)
  if (m.hex !== undefined) return fromHex(m.hex)
  if (m.pattern) {
    const { length, a, b } = m.pattern
    const out = new Uint8Array(length)
    for (let i = 0; i < length; i++) out[i] = (a * i + b) & 0xff
    return out
  }
  throw new Error('not a byte message')
}

export function hashSpec(m: MessageSpec, rawParams: Record<string, unknown>): string {
  const params = validateQhfParams(rawParams)
  if (m.bits !== undefined) return toHex(qhfBits(Uint8Array.from(m.bits, (c) => (c === '1' ? 1 : 0)), params))
  return toHex(qhf(messageBytes(m), params))
}

export function loadVectors(): VectorFile {
  return JSON.parse(readFileSync(new URL('./vectors.json', import.meta.url), 'utf8')) as VectorFile
}

/** Every case of the file, hashed here: [set, case, hex]. */
export function computeAll(file: VectorFile = loadVectors()): string[] {
  const out: string[] = []
  for (const s of file.sets) for (const c of s.cases) out.push(hashSpec(c.message, s.params))
  return out
}
