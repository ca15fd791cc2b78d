/**
 * Verify once: the verdicts "this ballot is valid" that admission obtained ahead of the block (on
 * a worker thread, ballot-verify-pool.ts), so that the block's checkBallot does not verify the same
 * bytes again. A verdict is keyed by a digest of everything the verification reads: the election
 * hash, the joint key, the shape of every question, the voter's account and the exact ballot
 * bytes; checkBallot is a deterministic function of those, so a node that finds the verdict and a
 * node that verifies inline (a cache miss) reach the same result. Only valid verdicts are kept: a
 * ballot that fails is verified again inline, which names its failures. A verdict may carry the
 * ballot's ciphertexts as the verifier decoded them (affine coordinates, running-aggregate.ts), so
 * that the block adds them to the aggregate without decoding: the same points decoding would give.
 */
import type { ElectionContext } from './context.js'
import { pointBytes } from './group.js'
import { digest, u32 } from './transcript.js'

const MAX_VERDICTS = 50_000
/** Key → the ballot's ciphertexts in compact form (running-aggregate.ts), when the verifier sent them. */
const valid = new Map<string, Uint8Array | null>()

export function verdictKey(ctx: ElectionContext, account: Uint8Array, bytes: Uint8Array): string {
  const shape: Uint8Array[] = []
  for (const q of ctx.manifest.questions) shape.push(u32(q.options.length), u32(q.minSelections), u32(q.maxSelections))
  const d = digest('ballot-verdict', [ctx.electionHash, pointBytes(ctx.publicKey), u32(shape.length), ...shape, account, bytes])
  return Buffer.from(d.buffer, d.byteOffset, d.byteLength).toString('hex')
}

export function rememberValid(key: string, ciphertexts: Uint8Array | null = null): void {
  if (valid.has(key)) return
  if (valid.size >= MAX_VERDICTS) valid.delete(valid.keys().next().value!)
  valid.set(key, ciphertexts)
}

export function knownValid(key: string): boolean {
  return valid.has(key)
}

/** The compact ciphertexts a valid verdict came with (the block then decodes nothing). */
export function knownValidCiphertexts(key: string): Uint8Array | null | undefined {
  return valid.get(key)
}

/** For tests: forget every verdict. */
export function forgetVerdicts(): void {
  valid.clear()
}
