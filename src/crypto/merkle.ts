/** RFC 6962 / RFC 9162 Merkle tree hash (MTH) over byte strings: leaf 0x00, node 0x01, SHA-256. */
import { sha256 } from './hash.js'

const LEAF = new Uint8Array([0])
const NODE = new Uint8Array([1])

export const leafHash = (data: Uint8Array): Uint8Array => sha256(LEAF, data)
export const nodeHash = (l: Uint8Array, r: Uint8Array): Uint8Array => sha256(NODE, l, r)

/** MTH(D[n]): the empty tree hashes to SHA-256(""); splits at the largest power of two below n. */
export function merkleRoot(leaves: Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return sha256()
  let level = leaves.map(leafHash)
  // Bottom-up pairing with an odd last node promoted unchanged gives the same root as RFC 6962's recursion.
  while (level.length > 1) {
    const next: Uint8Array[] = []
    for (let i = 0; i + 1 < level.length; i += 2) next.push(nodeHash(level[i]!, level[i + 1]!))
    if (level.length % 2 === 1) next.push(level[level.length - 1]!)
    level = next
  }
  return level[0]!
}
