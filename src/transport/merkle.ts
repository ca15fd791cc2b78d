/**
 * Merkle tree over an RSU window's reports, RFC 6962/9162 shape: leaf = SHA-256(0x00 ‖ report),
 * node = SHA-256(0x01 ‖ left ‖ right), split at the largest power of two below n. The reports stay
 * with the RSU; the chain keeps the root, and any one report is proven by an audit path.
 */
import { sha256 } from '../crypto/hash.js'
import { concatBytes } from '../base/bytes.js'

const LEAF = new Uint8Array([0])
const NODE = new Uint8Array([1])
export const leafHash = (data: Uint8Array) => sha256(concatBytes(LEAF, data))
const nodeHash = (l: Uint8Array, r: Uint8Array) => sha256(concatBytes(NODE, l, r))
const split = (n: number) => {
  let k = 1
  while (k * 2 < n) k *= 2
  return k
}

function rootOf(leaves: Uint8Array[], lo: number, hi: number): Uint8Array {
  if (hi - lo === 1) return leaves[lo]!
  const k = split(hi - lo)
  return nodeHash(rootOf(leaves, lo, lo + k), rootOf(leaves, lo + k, hi))
}

/** Root of the leaf hashes; the empty tree's root is SHA-256 of nothing. */
export function merkleRoot(leafHashes: Uint8Array[]): Uint8Array {
  return leafHashes.length === 0 ? sha256(new Uint8Array(0)) : rootOf(leafHashes, 0, leafHashes.length)
}

/** Audit path of leaf `index` (bottom-up). */
export function auditPath(leafHashes: Uint8Array[], index: number): Uint8Array[] {
  if (!(index >= 0 && index < leafHashes.length)) throw new RangeError('leaf index out of range')
  const path: Uint8Array[] = []
  const walk = (lo: number, hi: number) => {
    if (hi - lo === 1) return
    const k = split(hi - lo)
    if (index < lo + k) {
      walk(lo, lo + k)
      path.push(rootOf(leafHashes, lo + k, hi))
    } else {
      walk(lo + k, hi)
      path.push(rootOf(leafHashes, lo, lo + k))
    }
  }
  walk(0, leafHashes.length)
  return path
}

/** RFC 9162 §2.1.3.2 inclusion verification. */
export function verifyInclusion(report: Uint8Array, index: number, size: number, path: Uint8Array[], root: Uint8Array): boolean {
  if (!(index >= 0 && index < size)) return false
  let fn = index, sn = size - 1
  let r = leafHash(report)
  for (const p of path) {
    if (sn === 0) return false
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r)
      if (fn % 2 === 0) while (fn % 2 === 0 && fn !== 0) (fn >>= 1), (sn >>= 1)
    } else r = nodeHash(r, p)
    fn >>= 1
    sn >>= 1
  }
  return sn === 0 && r.length === root.length && r.every((b, i) => b === root[i])
}
