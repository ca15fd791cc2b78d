/**
 * ICS-23 proofs over a committed tree, in the shape `iavlSpec` accepts:
 *  - leaf op: SHA256, key as is, value prehashed with SHA256, VAR_PROTO lengths, prefix zz(0) zz(1) zz(version)
 *  - one inner op per ancestor, leaf to root: prefix zz(height) zz(size) zz(version) 0x20 [leftHash 0x20],
 *    suffix [0x20 rightHash] (the bracketed part is the sibling, on whichever side it is).
 */
import { ics23 } from '@confio/ics23'
import { fail } from '../base/errors.js'
import { concatBytes, toHex } from '../base/bytes.js'
import { leftOf, rightOf, type NodeLoader } from './avl.js'
import { leaves } from './iterate.js'
import { HASH_SIZE, innerHeader, leafPrefix, type Node } from './node.js'
import { compare, copy } from './bytes.js'

const LEN = Uint8Array.of(HASH_SIZE)
const EMPTY = new Uint8Array(0)

/** Existence proof of `key` in the (fully persisted) tree at `root`, or undefined if absent. */
export function existenceProof(root: Node | undefined, key: Uint8Array, nodes: NodeLoader): ics23.IExistenceProof | undefined {
  if (!root) return undefined
  const path: ics23.IInnerOp[] = []
  let n = root
  while (!n.isLeaf) {
    if (!n.leftHash || !n.rightHash) fail('invalid_state', 'proof requested over uncommitted nodes')
    const header = innerHeader(n.height, n.size, n.version)
    if (compare(key, n.key) < 0) {
      path.push({ hash: ics23.HashOp.SHA256, prefix: concatBytes(header, LEN), suffix: concatBytes(LEN, n.rightHash) })
      n = leftOf(n, nodes)
    } else {
      path.push({ hash: ics23.HashOp.SHA256, prefix: concatBytes(header, LEN, n.leftHash, LEN), suffix: EMPTY })
      n = rightOf(n, nodes)
    }
  }
  if (compare(key, n.key) !== 0) return undefined
  path.reverse()
  return {
    key: copy(n.key),
    value: copy(n.value!),
    leaf: {
      hash: ics23.HashOp.SHA256,
      prehashKey: ics23.HashOp.NO_HASH,
      prehashValue: ics23.HashOp.SHA256,
      length: ics23.LengthOp.VAR_PROTO,
      prefix: leafPrefix(n.version),
    },
    path,
  }
}

/**
 * Non-existence proof of `key`: existence proofs of its left and right neighbours (one of them
 * absent at the edges). Undefined if the key is present. An empty tree has no neighbours to prove
 * with: its root is sha256("") and nothing is in it, so that case is refused.
 */
export function nonExistenceProof(root: Node | undefined, key: Uint8Array, nodes: NodeLoader): ics23.INonExistenceProof | undefined {
  if (!root) fail('not_found', 'the tree is empty at this version: there is no neighbour to prove absence with')
  const next = leaves(root, nodes, { gte: key }).next()
  const right = next.done ? undefined : next.value
  if (right && compare(right.key, key) === 0) return undefined
  const prev = leaves(root, nodes, { lt: key, reverse: true }).next()
  const left = prev.done ? undefined : prev.value
  const proof: ics23.INonExistenceProof = { key: copy(key) }
  if (left) proof.left = mustProve(root, left.key, nodes)
  if (right) proof.right = mustProve(root, right.key, nodes)
  return proof
}

function mustProve(root: Node, key: Uint8Array, nodes: NodeLoader): ics23.IExistenceProof {
  return existenceProof(root, key, nodes) ?? fail('invalid_state', `neighbour ${toHex(key)} vanished while proving`)
}

export function encodeProof(p: ics23.ICommitmentProof): Uint8Array {
  return ics23.CommitmentProof.encode(p).finish()
}
