/**
 * Building the tree of an empty store from keys given in ascending order, in one pass: for a
 * genesis, where the App writes its whole initial state into an empty tree in key order.
 *
 * The result is, node for node, the tree that inserting the keys one by one in that order
 * (avl.ts, `Mutator.set`) gives: an IAVL hash covers the tree's shape, so a balanced tree of another
 * shape would change the app hash. Ascending insertion only ever adds a leaf at the right end, so
 * only the tree's right spine ever changes: what hangs off the spine to the left is final. The
 * builder keeps just the spine (as frames), applies to it exactly what `Mutator.set` does on that
 * path (the new inner node, heights, the same left rotations), and hands each node that leaves the
 * spine over as finished. Finished subtrees are hashed once and written (`NodeDb.persist`) in groups
 * of `band` tree levels as they complete, so memory holds the spine and the top band of each
 * subtree hanging off it, not the tree. The spine itself becomes dirty nodes at the end: the first
 * commit writes them with the rest of its changes.
 *
 * The shape equality is checked against `Mutator` by test/store/bulk-build.test.ts (every size up
 * to a few thousand keys, a property over random key sets, and whole genesis files through the App).
 */
import { compare } from './bytes.js'
import { fail } from '../base/errors.js'
import { Node } from './node.js'
import type { BatchOp, NodeDb } from './node-db.js'

/** A node of the right spine: its left subtree is final, its right child is the next frame (or the last leaf). */
interface Frame {
  key: Uint8Array
  left: Node
  height: number
}

/** Ops written together (about this many pages of nodes per database batch). */
const WRITE_OPS = 2048

export interface BuildOptions {
  /** Tree levels written together (a group holds up to 2^band nodes). */
  band?: number
  /** Called with each batch of ops; the caller writes it (and the build waits for it). */
  write: (ops: BatchOp[]) => Promise<void>
}

/**
 * The working tree of `version` holding `entries` (keys strictly ascending, keys and values
 * non-empty; the arrays are kept, not copied), or undefined if there are none. The nodes written
 * on the way are reachable only from the returned root: nothing names them until a commit writes
 * the root record of `version`.
 */
export async function buildSorted(nodes: NodeDb, version: number, entries: Iterable<readonly [Uint8Array, Uint8Array]>, opts: BuildOptions): Promise<Node | undefined> {
  const band = opts.band ?? 8
  const spine: Frame[] = []
  let last: Node | undefined
  let ops: BatchOp[] = []

  const flush = async (): Promise<void> => {
    if (ops.length === 0) return
    const batch = ops
    ops = []
    await opts.write(batch)
  }
  /** Sets `parent`'s child to the finished `child`, writing the child's subtree first when it closes a band. */
  const attach = (parent: Node, side: 'left' | 'right', child: Node): void => {
    if (child.seq === 0 && Math.floor(parent.height / band) > Math.floor(child.height / band)) {
      const out = nodes.persist(child, version).ops
      // pages and the root record (so that the store releases its copy of the pages); not its metadata
      for (let i = 0; i < out.length - 1; i++) ops.push(out[i]!)
    }
    if (child.seq === 0) parent[side] = child
    else if (side === 'left') [parent.leftSeq, parent.leftHash] = [child.seq, child.hash]
    else [parent.rightSeq, parent.rightHash] = [child.seq, child.hash]
  }
  /** A finished inner node (it has left the spine). */
  const inner = (key: Uint8Array, left: Node, right: Node): Node => {
    const n = new Node(key, undefined, version, Math.max(left.height, right.height) + 1, left.size + right.size)
    attach(n, 'left', left)
    attach(n, 'right', right)
    return n
  }
  const heightAt = (i: number): number => (i < spine.length ? spine[i]!.height : 0)

  for (const [key, value] of entries) {
    if (key.length === 0 || value.length === 0) fail('invalid_request', 'keys and values must not be empty')
    const leaf = new Node(key, value, version, 0, 1)
    if (!last) {
      last = leaf
      continue
    }
    if (compare(last.key, key) >= 0) fail('invalid_request', 'bulk build: keys must be strictly ascending')
    // Mutator.set at the rightmost leaf: a new inner node keyed by the new key, old leaf left, new leaf right
    spine.push({ key, left: last, height: 1 })
    last = leaf
    // then, up the path, what Mutator.setIn does after its recursive call: update, balance
    for (let i = spine.length - 2; i >= 0; i--) {
      const f = spine[i]!
      const before = f.height
      const lh = f.left.height
      const rh = heightAt(i + 1)
      if (lh - rh < -1) {
        const r = spine[i + 1]!
        if (r.left.height - heightAt(i + 2) > 0) fail('invalid_state', 'bulk build: a double rotation on the right spine (not possible in ascending order)')
        // rotateLeft(f): f, with its left subtree and r's, becomes r's left child and leaves the spine
        r.left = inner(f.key, f.left, r.left)
        r.height = Math.max(r.left.height, heightAt(i + 2)) + 1
        spine.splice(i, 1)
        if (r.height === before) break
      } else {
        f.height = Math.max(lh, rh) + 1
        if (f.height === before) break
      }
    }
    if (ops.length >= WRITE_OPS) await flush()
  }
  // the spine, bottom up, as dirty nodes: the first commit writes them
  let root = last
  for (let i = spine.length - 1; i >= 0 && root; i--) {
    const f = spine[i]!
    const n = inner(f.key, f.left, root)
    if (n.height !== f.height) fail('invalid_state', 'bulk build: spine heights disagree')
    root = n
  }
  await flush()
  return root
}
