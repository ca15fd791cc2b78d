/**
 * The one-core Ed25519 verification limit, measured in the benchmark's own run: signatures of
 * transaction-sized messages verified inline on the main thread with node:crypto (the same
 * `verifySignature` the verification workers call). Every benchmark that reports a committed rate
 * reports it beside this limit and the ratio of the two, so that figures from a loaded machine
 * can still be compared.
 */
import { generateKeyPair, verifySignature } from '../src/crypto/keys.js'
import { round } from './stats.js'

const KEYS = 64
const MESSAGE_BYTES = 160

/** Verifications per second on one core, over `n` signatures (distinct keys, distinct messages). */
export function ed25519Limit(n = 4000): number {
  const keys = Array.from({ length: KEYS }, () => generateKeyPair())
  const items = Array.from({ length: n }, (_, i) => {
    const k = keys[i % KEYS]!
    const msg = new Uint8Array(MESSAGE_BYTES)
    new DataView(msg.buffer).setUint32(0, i)
    return [k.publicKey, msg, k.sign(msg)] as const
  })
  // warm-up: JIT and the key-object cache
  for (let i = 0; i < Math.min(200, n); i++) verifySignature(...items[i]!)
  const t0 = performance.now()
  for (const it of items) if (!verifySignature(...it)) throw new Error('ed25519 limit: a valid signature did not verify')
  return round(n / ((performance.now() - t0) / 1000))
}
