import { test } from 'node:test'
import assert from 'node:assert/strict'
import { VerifyPool } from '../../src/crypto/verify-pool.js'
import { packBatch, verifyPacked, type Item } from '../../src/crypto/verify-batch.js'
import { generateKeyPair, verifySignature } from '../../src/crypto/keys.js'

/** Good signatures, a flipped bit in each part, wrong lengths, empty and large messages. */
function items(): { items: Item[]; expected: boolean[] } {
  const k = generateKeyPair()
  const other = generateKeyPair()
  const out: Item[] = []
  const expected: boolean[] = []
  const add = (it: Item, ok: boolean) => {
    out.push(it)
    expected.push(ok)
  }
  for (const size of [0, 1, 160, 70_000]) {
    const msg = new Uint8Array(size).map((_, i) => i * 31)
    const sig = k.sign(msg)
    add([k.publicKey, msg, sig], true)
    add([other.publicKey, msg, sig], false)
    if (size > 0) add([k.publicKey, msg.map((b, i) => (i === 0 ? b ^ 1 : b)), sig], false)
    add([k.publicKey, msg, sig.map((b, i) => (i === 5 ? b ^ 1 : b))], false)
    add([k.publicKey.subarray(1), msg, sig], false)
    add([k.publicKey, msg, sig.subarray(0, 63)], false)
  }
  // a signature over a view into a larger buffer
  const big = new Uint8Array(300).fill(9)
  const view = big.subarray(50, 210)
  add([k.publicKey, view, k.sign(view)], true)
  return { items: out, expected }
}

test('a packed batch gives the verdicts of verifying each item', () => {
  const { items: its, expected } = items()
  assert.deepEqual(its.map((it) => verifySignature(...it)), expected)
  assert.deepEqual([...verifyPacked(packBatch(its), verifySignature)], expected.map(Number))
  assert.deepEqual([...verifyPacked(packBatch([]), verifySignature)], [])
})

test('the worker pool answers each request with its own verdict', async () => {
  const pool = new VerifyPool(2, 4)
  try {
    const { items: its, expected } = items()
    assert.deepEqual(await pool.verifyMany([...its, ...its]), [...expected, ...expected])
  } finally {
    await pool.close()
  }
})
