/** RFC 6962 / RFC 9162 Merkle tree hash (MTH) over byte strings: leaf 0x00, node 0x01, SHA-256. */
import { hash as oneShot } from 'node:crypto'
import { sha256 } from './hash.js'

const LEAF = new Uint8Array([0])
const NODE = new Uint8Array([1])

export const leafHash = (data: Uint8Array): Uint8Array => sha256(LEAF, data)
export const nodeHash = (l: Uint8Array, r: Uint8Array): Uint8Array => sha256(NODE, l, r)

/** MTH(D[n]): the empty tree hashes to SHA-256(""); splits at the largest power of two below n. */
export function merkleRoot(leaves: Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return sha256()
  // One scratch buffer for every preimage (a block's roots hash thousands of leaves).
  let scratch = new Uint8Array(256)
  let level: Uint8Array[] = leaves.map((d) => {
    if (scratch.length < d.length + 1) scratch = new Uint8Array(d.length + 1)
    scratch[0] = 0
    scratch.set(d, 1)
    return oneShot('sha256', scratch.subarray(0, d.length + 1), 'buffer')
  })
  const pair = scratch.length >= 65 ? scratch : new Uint8Array(65)
  pair[0] = 1
  // Bottom-up pairing with an odd last node promoted unchanged gives the same root as RFC 6962's recursion.
  while (level.length > 1) {
    const next: Uint8Array[] = []
    for (let i = 0; i + 1 < level.length; i += 2) {
      pair.set(level[i]!, 1)
      pair.set(level[i + 1]!, 33)
      next.push(oneShot('sha256', pair.subarray(0, 65), 'buffer'))
    }
    if (level.length % 2 === 1) next.push(level[level.length - 1]!)
    level = next
  }
  const root = level[0]!
  return new Uint8Array(root.buffer, root.byteOffset, root.byteLength)
}
