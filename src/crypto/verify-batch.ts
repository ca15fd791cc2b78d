/** Batches of Ed25519 verifications packed for the trip to a verification worker and back. */

export type Item = [publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array]

/**
 * A batch in one transferable buffer, per item: u32 message length, public key (32), signature
 * (64), message. Cloning hundreds of small arrays per message cost the main thread more than the
 * copy into one buffer, which then moves to the worker without a copy. An item whose key or
 * signature has the wrong length (which verifySignature refuses anyway) goes as a marker
 * (length 0xffffffff, no bytes) and is answered false.
 */
export function packBatch(items: readonly Item[]): Uint8Array {
  const wellFormed = (pub: Uint8Array, sig: Uint8Array) => pub.length === 32 && sig.length === 64
  let size = 0
  for (const [pub, msg, sig] of items) size += 100 + (wellFormed(pub, sig) ? msg.length : 0)
  const out = new Uint8Array(size)
  const view = new DataView(out.buffer)
  let p = 0
  for (const [pub, msg, sig] of items) {
    if (!wellFormed(pub, sig)) {
      view.setUint32(p, 0xffffffff)
      p += 100
      continue
    }
    view.setUint32(p, msg.length)
    out.set(pub, p + 4)
    out.set(sig, p + 36)
    out.set(msg, p + 100)
    p += 100 + msg.length
  }
  return out
}

/** The verdicts of a packed batch (what the worker runs), one byte per item. */
export function verifyPacked(packed: Uint8Array, verify: (pub: Uint8Array, msg: Uint8Array, sig: Uint8Array) => boolean): Uint8Array {
  const view = new DataView(packed.buffer, packed.byteOffset, packed.byteLength)
  const verdicts: number[] = []
  let p = 0
  while (p < packed.length) {
    const len = view.getUint32(p)
    if (len === 0xffffffff) {
      verdicts.push(0)
      p += 100
      continue
    }
    const pub = packed.subarray(p + 4, p + 36)
    const sig = packed.subarray(p + 36, p + 100)
    const msg = packed.subarray(p + 100, p + 100 + len)
    verdicts.push(verify(pub, msg, sig) ? 1 : 0)
    p += 100 + len
  }
  return Uint8Array.from(verdicts)
}
