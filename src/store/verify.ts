/**
 * Full integrity check of one tree: recomputes every hash from the stored fields and checks the
 * AVL+ invariants (heights, sizes, balance, key order, inner key = smallest key on its right).
 * O(n): meant for tests, tooling and recovery, not for the block path.
 */
import { fail } from '../base/errors.js'
import { bytesEqual, toHex } from '../base/bytes.js'
import { compare } from './bytes.js'
import { leftOf, rightOf, type NodeLoader } from './avl.js'
import { EMPTY_HASH, innerHash, leafHash, type Node } from './node.js'

export interface TreeStats {
  rootHash: Uint8Array
  leaves: number
  innerNodes: number
  height: number
}

interface Sub {
  hash: Uint8Array
  min: Uint8Array
  max: Uint8Array
}

export function verifyTree(root: Node | undefined, nodes: NodeLoader): TreeStats {
  if (!root) return { rootHash: EMPTY_HASH, leaves: 0, innerNodes: 0, height: 0 }
  let innerNodes = 0
  const bad = (n: Node, why: string): never => fail('invalid_state', `store node ${n.seq || '(dirty)'} key ${toHex(n.key)}: ${why}`)
  const walk = (n: Node, recorded: Uint8Array | undefined): Sub => {
    let sub: Sub
    if (n.isLeaf) {
      if (n.size !== 1 || !n.value || n.value.length === 0 || n.key.length === 0) bad(n, 'malformed leaf')
      sub = { hash: leafHash(n.version, n.key, n.value!), min: n.key, max: n.key }
    } else {
      innerNodes++
      const l = leftOf(n, nodes)
      const r = rightOf(n, nodes)
      const ls = walk(l, n.left ? undefined : n.leftHash)
      const rs = walk(r, n.right ? undefined : n.rightHash)
      if (n.height !== Math.max(l.height, r.height) + 1) bad(n, `height ${n.height}, children ${l.height}/${r.height}`)
      if (Math.abs(l.height - r.height) > 1) bad(n, `unbalanced: children heights ${l.height}/${r.height}`)
      if (n.size !== l.size + r.size) bad(n, `size ${n.size}, children ${l.size}+${r.size}`)
      if (compare(ls.max, rs.min) >= 0) bad(n, 'keys out of order')
      if (!bytesEqual(n.key, rs.min)) bad(n, 'key is not the smallest key of the right subtree')
      if (n.version < l.version || n.version < r.version) bad(n, 'older than a child')
      sub = { hash: innerHash(n.height, n.size, n.version, ls.hash, rs.hash), min: ls.min, max: rs.max }
    }
    if (recorded && !bytesEqual(recorded, sub.hash)) bad(n, `hash ${toHex(sub.hash)} differs from the recorded ${toHex(recorded)}`)
    if (n.hash && !bytesEqual(n.hash, sub.hash)) bad(n, 'cached hash is stale')
    return sub
  }
  const top = walk(root, undefined)
  return { rootHash: top.hash, leaves: root.size, innerNodes, height: root.height }
}
