/**
 * AVL+ mutations, as cosmos/iavl does them (same rotations, same rebalancing decisions, same
 * inner-node keys), so the tree's shape depends only on the sequence of operations.
 *
 * Persisted nodes are never modified: a path is copied into dirty nodes (`own`) and dirty nodes are
 * then modified in place, clearing their cached hash. Leaves are never modified, only replaced.
 */
import { compareBytes } from '../crypto/hash.js'
import { fail } from '../app/errors.js'
import { Node } from './node.js'

/** Loads a persisted node from its sequence number and the hash its parent recorded. */
export interface NodeLoader {
  load(seq: number, hash: Uint8Array): Node
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
    if (n.isLeaf) return compareBytes(key, n.key) === 0 ? n.value : undefined
    n = compareBytes(key, n.key) < 0 ? leftOf(n, nodes) : rightOf(n, nodes)
  }
  return undefined
}

/** The tree being built for the next version: new nodes get `version`. */
export class Mutator {
  constructor(private readonly nodes: NodeLoader, readonly version: number) {}

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

  private update(n: Node): void {
    const l = this.left(n)
    const r = this.right(n)
    n.height = Math.max(l.height, r.height) + 1
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

  /** Inserts or replaces `key`; returns the new root. */
  set(root: Node | undefined, key: Uint8Array, value: Uint8Array): Node {
    if (!root) return this.leaf(key, value)
    return this.setIn(root, key, value).node
  }

  private setIn(node: Node, key: Uint8Array, value: Uint8Array): { node: Node; updated: boolean } {
    if (node.isLeaf) {
      const c = compareBytes(key, node.key)
      if (c < 0) return { node: this.inner(node.key, this.leaf(key, value), node), updated: false }
      if (c > 0) return { node: this.inner(key, node, this.leaf(key, value)), updated: false }
      return { node: this.leaf(key, value), updated: true }
    }
    const n = this.own(node)
    let updated: boolean
    if (compareBytes(key, n.key) < 0) {
      const r = this.setIn(this.left(n), key, value)
      this.setLeft(n, r.node)
      updated = r.updated
    } else {
      const r = this.setIn(this.right(n), key, value)
      this.setRight(n, r.node)
      updated = r.updated
    }
    if (updated) return { node: n, updated }
    this.update(n)
    return { node: this.balance(n), updated }
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
    if (node.isLeaf) return compareBytes(key, node.key) === 0 ? { node: undefined, newKey: undefined } : undefined
    if (compareBytes(key, node.key) < 0) {
      const r = this.removeIn(this.left(node), key)
      if (!r) return undefined
      // The left child was the removed leaf: the right subtree takes this node's place, and its
      // smallest key (this node's key) is the new smallest key of this subtree.
      if (!r.node) return { node: this.right(node), newKey: node.key }
      const n = this.own(node)
      this.setLeft(n, r.node)
      this.update(n)
      return { node: this.balance(n), newKey: r.newKey }
    }
    const r = this.removeIn(this.right(node), key)
    if (!r) return undefined
    if (!r.node) return { node: this.left(node), newKey: undefined }
    const n = this.own(node)
    this.setRight(n, r.node)
    if (r.newKey) n.key = r.newKey
    this.update(n)
    return { node: this.balance(n), newKey: undefined }
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

  /** Restores the AVL invariant at a dirty node whose children are balanced. */
  private balance(n: Node): Node {
    const b = this.balanceOf(n)
    if (b > 1) {
      const l = this.left(n)
      if (this.balanceOf(l) >= 0) return this.rotateRight(n)
      this.setLeft(n, this.rotateLeft(l))
      return this.rotateRight(n)
    }
    if (b < -1) {
      const r = this.right(n)
      if (this.balanceOf(r) <= 0) return this.rotateLeft(n)
      this.setRight(n, this.rotateRight(r))
      return this.rotateLeft(n)
    }
    return n
  }
}
