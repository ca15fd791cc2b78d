/**
 * AVL+ mutations, as cosmos/iavl does them (same rotations, same rebalancing decisions, same
 * inner-node keys), so the tree's shape depends only on the sequence of operations.
 *
 * Persisted nodes are never modified: a path is copied into dirty nodes (`own`) and dirty nodes are
 * then modified in place, clearing their cached hash. Leaves are never modified, only replaced.
 */
import { compare } from './bytes.js'
import { fail } from '../base/errors.js'
import { Node } from './node.js'

/** Loads a persisted node from its sequence number and the hash its parent recorded. */
export interface NodeLoader {
  load(seq: number, hash: Uint8Array): Node
  /** Hint: this persisted node was just replaced in the working tree (cache it less eagerly). */
  replaced?(seq: number): void
}

export function leftOf(n: Node, nodes: NodeLoader): Node {
  if (n.left) return n.left
  if (!n.leftHash || n.leftSeq === 0) fail('invalid_state', 'inner node without left child')
  return nodes.load(n.leftSeq, n.leftHash)
}

export function rightOf(n: Node, nodes: NodeLoader): Node {
  if (n.right) return n.right
  if (!n.rightHash || n.rightSeq === 0) fail('invalid_state', 'inner node without right child')
  return nodes.load(n.rightSeq, n.rightHash)
}

/** Point lookup from `root`. */
export function lookup(root: Node | undefined, key: Uint8Array, nodes: NodeLoader): Uint8Array | undefined {
  let n = root
  while (n) {
    if (n.isLeaf) return compare(key, n.key) === 0 ? n.value : undefined
    n = compare(key, n.key) < 0 ? leftOf(n, nodes) : rightOf(n, nodes)
  }
  return undefined
}

/**
 * The tree being built for the next version: new nodes get `version`. `orphans` collects the
 * sequence numbers of persisted nodes this version drops (they live up to `version - 1`), which is
 * what pruning needs to know.
 */
export class Mutator {
  readonly orphans: number[] = []

  constructor(private readonly nodes: NodeLoader, readonly version: number) {}

  private drop(n: Node): void {
    if (n.seq !== 0) this.orphans.push(n.seq)
  }

  private left(n: Node): Node {
    return leftOf(n, this.nodes)
  }

  private right(n: Node): Node {
    return rightOf(n, this.nodes)
  }

  /** `n` itself if dirty, else a dirty copy of it (an inner node). */
  private own(n: Node): Node {
    if (n.seq === 0) {
      n.hash = undefined
      return n
    }
    this.nodes.replaced?.(n.seq)
    this.orphans.push(n.seq)
    const c = new Node(n.key, undefined, this.version, n.height, n.size)
    c.leftSeq = n.leftSeq
    c.leftHash = n.leftHash
    c.rightSeq = n.rightSeq
    c.rightHash = n.rightHash
    return c
  }

  private setLeft(n: Node, child: Node): void {
    n.hash = undefined
    if (child.seq === 0) {
      n.left = child
      n.leftSeq = 0
      n.leftHash = undefined
    } else {
      n.left = undefined
      n.leftSeq = child.seq
      n.leftHash = child.hash
    }
  }

  private setRight(n: Node, child: Node): void {
    n.hash = undefined
    if (child.seq === 0) {
      n.right = child
      n.rightSeq = 0
      n.rightHash = undefined
    } else {
      n.right = undefined
      n.rightSeq = child.seq
      n.rightHash = child.hash
    }
  }

  /** Recomputes height and size of dirty `n` from its children `l` and `r`. */
  private update(n: Node, l: Node = this.left(n), r: Node = this.right(n)): void {
    n.height = (l.height > r.height ? l.height : r.height) + 1
    n.size = l.size + r.size
    n.hash = undefined
  }

  private balanceOf(n: Node): number {
    return this.left(n).height - this.right(n).height
  }

  private leaf(key: Uint8Array, value: Uint8Array): Node {
    return new Node(key, value, this.version, 0, 1)
  }

  private inner(key: Uint8Array, left: Node, right: Node): Node {
    const n = new Node(key, undefined, this.version, 1, 2)
    this.setLeft(n, left)
    this.setRight(n, right)
    return n
  }

  /** Set by `setIn` when the key existed (the shape, heights and sizes do not change then). */
  private replaced = false

  /** Inserts or replaces `key`; returns the new root. */
  set(root: Node | undefined, key: Uint8Array, value: Uint8Array): Node {
    if (!root) return this.leaf(key, value)
    this.replaced = false
    return this.setIn(root, key, value)
  }

  private setIn(node: Node, key: Uint8Array, value: Uint8Array): Node {
    if (node.isLeaf) {
      const c = compare(key, node.key)
      if (c < 0) return this.inner(node.key, this.leaf(key, value), node)
      if (c > 0) return this.inner(key, node, this.leaf(key, value))
      this.replaced = true
      this.drop(node)
      return this.leaf(key, value)
    }
    const n = this.own(node)
    let l: Node
    let r: Node
    if (compare(key, n.key) < 0) {
      l = this.setIn(this.left(n), key, value)
      this.setLeft(n, l)
      if (this.replaced) return n
      r = this.right(n)
    } else {
      r = this.setIn(this.right(n), key, value)
      this.setRight(n, r)
      if (this.replaced) return n
      l = this.left(n)
    }
    this.update(n, l, r)
    return this.balance(n, l, r)
  }

  /** Removes `key`; returns the new root, or `removed: false` (and the same root) if it was absent. */
  remove(root: Node | undefined, key: Uint8Array): { root: Node | undefined; removed: boolean } {
    if (!root) return { root, removed: false }
    const r = this.removeIn(root, key)
    return r ? { root: r.node, removed: true } : { root, removed: false }
  }

  /**
   * Returns undefined if `key` is not below `node`; else the subtree that replaces `node` (undefined
   * if it was the removed leaf) and, when the subtree's smallest key changed, the new one.
   */
  private removeIn(node: Node, key: Uint8Array): { node: Node | undefined; newKey: Uint8Array | undefined } | undefined {
    if (node.isLeaf) {
      if (compare(key, node.key) !== 0) return undefined
      this.drop(node)
      return { node: undefined, newKey: undefined }
    }
    if (compare(key, node.key) < 0) {
      const r = this.removeIn(this.left(node), key)
      if (!r) return undefined
      // The left child was the removed leaf: the right subtree takes this node's place, and its
      // smallest key (this node's key) is the new smallest key of this subtree.
      if (!r.node) {
        this.drop(node)
        return { node: this.right(node), newKey: node.key }
      }
      const n = this.own(node)
      this.setLeft(n, r.node)
      const right = this.right(n)
      this.update(n, r.node, right)
      return { node: this.balance(n, r.node, right), newKey: r.newKey }
    }
    const r = this.removeIn(this.right(node), key)
    if (!r) return undefined
    if (!r.node) {
      this.drop(node)
      return { node: this.left(node), newKey: undefined }
    }
    const n = this.own(node)
    this.setRight(n, r.node)
    if (r.newKey) n.key = r.newKey
    const left = this.left(n)
    this.update(n, left, r.node)
    return { node: this.balance(n, left, r.node), newKey: undefined }
  }

  private rotateRight(node: Node): Node {
    const n = this.own(node)
    const top = this.own(this.left(n))
    this.setLeft(n, this.right(top))
    this.setRight(top, n)
    this.update(n)
    this.update(top)
    return top
  }

  private rotateLeft(node: Node): Node {
    const n = this.own(node)
    const top = this.own(this.right(n))
    this.setRight(n, this.left(top))
    this.setLeft(top, n)
    this.update(n)
    this.update(top)
    return top
  }

  /** Restores the AVL invariant at dirty `n` (children `l`, `r`), whose subtrees are balanced. */
  private balance(n: Node, l: Node, r: Node): Node {
    const b = l.height - r.height
    if (b > 1) {
      if (this.balanceOf(l) >= 0) return this.rotateRight(n)
      this.setLeft(n, this.rotateLeft(l))
      return this.rotateRight(n)
    }
    if (b < -1) {
      if (this.balanceOf(r) <= 0) return this.rotateLeft(n)
      this.setRight(n, this.rotateRight(r))
      return this.rotateLeft(n)
    }
    return n
  }
}
