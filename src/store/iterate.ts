/** In-order range iteration over a tree, visiting only the subtrees that can hold keys in range. */
import { compare } from './bytes.js'
import { leftOf, rightOf, type NodeLoader } from './avl.js'
import type { Node } from './node.js'

export interface Range {
  /** Smallest key included. */
  gte?: Uint8Array
  /** Keys must be strictly less than this. */
  lt?: Uint8Array
  reverse?: boolean
}

/** Leaves of `root` with gte <= key < lt, in key order (descending if `reverse`). */
export function* leaves(root: Node | undefined, nodes: NodeLoader, range: Range = {}): Generator<Node> {
  const { gte, lt, reverse = false } = range
  if (!root || (gte && lt && compare(gte, lt) >= 0)) return
  const stack: Node[] = [root]
  while (stack.length > 0) {
    const n = stack.pop()!
    if (n.isLeaf) {
      if ((!gte || compare(n.key, gte) >= 0) && (!lt || compare(n.key, lt) < 0)) yield n
      continue
    }
    // Left subtree keys are < n.key; right subtree keys are >= n.key.
    const wantLeft = !gte || compare(gte, n.key) < 0
    const wantRight = !lt || compare(n.key, lt) < 0
    if (reverse) {
      if (wantLeft) stack.push(leftOf(n, nodes))
      if (wantRight) stack.push(rightOf(n, nodes))
    } else {
      if (wantRight) stack.push(rightOf(n, nodes))
      if (wantLeft) stack.push(leftOf(n, nodes))
    }
  }
}
