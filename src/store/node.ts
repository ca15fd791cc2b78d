/**
 * Tree nodes, their IAVL hashes and their on-disk encoding.
 *
 * A node is either *dirty* (`seq === 0`: created since the last commit, mutable, may point at other
 * dirty nodes through `left`/`right`) or *persisted* (`seq > 0`: immutable, shared between versions
 * and the cache, and refers to its children only by `leftSeq/leftHash` and `rightSeq/rightHash`, so
 * holding one never pins a subtree in memory).
 *
 * Hashes are exactly cosmos/iavl's, which is what ICS-23's `iavlSpec` checks:
 *   leaf  = sha256(zz(0) ‖ zz(1) ‖ zz(version) ‖ uvarint(len key) ‖ key ‖ uvarint(32) ‖ sha256(value))
 *   inner = sha256(zz(height) ‖ zz(size) ‖ zz(version) ‖ uvarint(32) ‖ left ‖ uvarint(32) ‖ right)
 * where zz is Go's zigzag varint (`binary.PutVarint`).
 */
import { hash as nodeCryptoHash } from 'node:crypto'
import { fail } from '../base/errors.js'
import { ownBytes } from './bytes.js'
import { putUvarint, Reader, uvarintSize, zigzag } from './varint.js'

export const HASH_SIZE = 32

export class Node {
  /** Position in the store's node sequence (its database key); 0 while dirty. */
  seq = 0
  /** Cached hash. Always set on persisted nodes; on dirty nodes cleared by every mutation. */
  hash: Uint8Array | undefined = undefined
  leftSeq = 0
  rightSeq = 0
  leftHash: Uint8Array | undefined = undefined
  rightHash: Uint8Array | undefined = undefined
  /** In-memory child, only ever set on a dirty node whose child is dirty too. */
  left: Node | undefined = undefined
  right: Node | undefined = undefined

  constructor(
    /** Leaf: its key. Inner: the smallest key of its right subtree. */
    public key: Uint8Array,
    /** Leaf value; undefined on inner nodes. */
    public value: Uint8Array | undefined,
    /** Version that created this node (for dirty nodes: the version being built). */
    public version: number,
    public height: number,
    /** Number of leaves below (1 for a leaf). */
    public size: number,
  ) {}

  get isLeaf(): boolean {
    return this.height === 0
  }
}

/** One-shot SHA-256 (`crypto.hash`: the hot path, about 40% faster than a Hash object per call). */
export const sha256 = (data: Uint8Array): Uint8Array => nodeCryptoHash('sha256', data, 'buffer')

/** SHA-256 into a fresh 32-byte array held in V8's heap: for hashes that are kept (see `ownBytes`). */
function keptSha256(data: Uint8Array): Uint8Array {
  const d = nodeCryptoHash('sha256', data, 'buffer')
  return ownBytes(d, 0, d.length)
}

/** Root hash of the empty tree: sha256 of the empty string (never a zero root). */
export const EMPTY_HASH: Uint8Array = sha256(new Uint8Array(0))

let scratch = new Uint8Array(256)
const scratchOf = (size: number): Uint8Array => {
  if (scratch.length < size) scratch = new Uint8Array(Math.max(size, scratch.length * 2))
  return scratch
}

/** Bytes an inner node's hash preimage (and ICS-23 inner op) starts with: zz(height) zz(size) zz(version). */
export function innerHeader(height: number, size: number, version: number): Uint8Array {
  const out = new Uint8Array(uvarintSize(zigzag(height)) + uvarintSize(zigzag(size)) + uvarintSize(zigzag(version)))
  let p = putUvarint(out, 0, zigzag(height))
  p = putUvarint(out, p, zigzag(size))
  putUvarint(out, p, zigzag(version))
  return out
}

/** The ICS-23 leaf-op prefix of a leaf: zz(0) zz(1) zz(version). */
export function leafPrefix(version: number): Uint8Array {
  return innerHeader(0, 1, version)
}

export function leafHash(version: number, key: Uint8Array, value: Uint8Array): Uint8Array {
  const size = 2 + uvarintSize(zigzag(version)) + uvarintSize(key.length) + key.length + 1 + HASH_SIZE
  const buf = scratchOf(size)
  buf[0] = 0
  buf[1] = 2
  let p = putUvarint(buf, 2, zigzag(version))
  p = putUvarint(buf, p, key.length)
  buf.set(key, p)
  p += key.length
  buf[p++] = HASH_SIZE
  buf.set(sha256(value), p)
  p += HASH_SIZE
  return keptSha256(buf.subarray(0, p))
}

export function innerHash(height: number, size: number, version: number, left: Uint8Array, right: Uint8Array): Uint8Array {
  const buf = scratchOf(3 * 9 + 2 * (1 + HASH_SIZE))
  let p = putUvarint(buf, 0, zigzag(height))
  p = putUvarint(buf, p, zigzag(size))
  p = putUvarint(buf, p, zigzag(version))
  buf[p++] = HASH_SIZE
  buf.set(left, p)
  p += HASH_SIZE
  buf[p++] = HASH_SIZE
  buf.set(right, p)
  p += HASH_SIZE
  return keptSha256(buf.subarray(0, p))
}

/** The node's hash, computing (and caching) it and those of its dirty descendants as needed. */
export function hashOf(n: Node): Uint8Array {
  if (n.hash) return n.hash
  if (n.isLeaf) {
    n.hash = leafHash(n.version, n.key, n.value!)
  } else {
    const l = n.left ? hashOf(n.left) : n.leftHash
    const r = n.right ? hashOf(n.right) : n.rightHash
    if (!l || !r) fail('invalid_state', 'inner node without child hash')
    n.hash = innerHash(n.height, n.size, n.version, l, r)
  }
  return n.hash
}

/*
 * On-disk encoding (value of the node's database key):
 *   leaf:  uvarint(0) uvarint(version) uvarint(len key) key value
 *   inner: uvarint(height) uvarint(size) uvarint(version) uvarint(len key) key
 *          leftHash[32] uvarint(leftSeq) rightHash[32] uvarint(rightSeq)
 * The node's own hash is not stored: its parent (or its version's root record) holds it.
 */
/** Bytes `writeNode` will write for `n`. */
export function nodeSize(n: Node): number {
  const k = n.key.length
  if (n.isLeaf) return 1 + uvarintSize(n.version) + uvarintSize(k) + k + n.value!.length
  return uvarintSize(n.height) + uvarintSize(n.size) + uvarintSize(n.version) + uvarintSize(k) + k +
    2 * HASH_SIZE + uvarintSize(n.leftSeq) + uvarintSize(n.rightSeq)
}

/** Writes the encoding of `n` (whose children must be persisted) at `pos`; returns the end. */
export function writeNode(out: Uint8Array, pos: number, n: Node): number {
  const k = n.key
  if (n.isLeaf) {
    const v = n.value!
    let p = putUvarint(out, pos, 0)
    p = putUvarint(out, p, n.version)
    p = putUvarint(out, p, k.length)
    out.set(k, p)
    out.set(v, p + k.length)
    return p + k.length + v.length
  }
  if (n.left || n.right || !n.leftHash || !n.rightHash || n.leftSeq <= 0 || n.rightSeq <= 0) {
    fail('invalid_state', 'encoding an inner node whose children are not persisted')
  }
  let p = putUvarint(out, pos, n.height)
  p = putUvarint(out, p, n.size)
  p = putUvarint(out, p, n.version)
  p = putUvarint(out, p, k.length)
  out.set(k, p)
  p += k.length
  out.set(n.leftHash, p)
  p = putUvarint(out, p + HASH_SIZE, n.leftSeq)
  out.set(n.rightHash, p)
  return putUvarint(out, p + HASH_SIZE, n.rightSeq)
}

/**
 * Decodes the persisted node in buf[start, end); `hash` is what its referrer recorded for it.
 * The node's bytes are copied first and its fields are views into that copy: one allocation per
 * node, and the node does not keep `buf` (a whole page) alive.
 */
export function decodeNode(buf: Uint8Array, start: number, end: number, seq: number, hash: Uint8Array): Node {
  const r = new Reader(ownBytes(buf, start, end), `node ${seq}`)
  const height = r.uvarint()
  let n: Node
  if (height === 0) {
    const version = r.uvarint()
    const key = r.bytes(r.uvarint())
    const value = r.rest()
    if (key.length === 0 || value.length === 0) fail('invalid_state', `node ${seq}: empty leaf key or value`)
    n = new Node(key, value, version, 0, 1)
  } else {
    const size = r.uvarint()
    const version = r.uvarint()
    const key = r.bytes(r.uvarint())
    n = new Node(key, undefined, version, height, size)
    n.leftHash = r.bytes(HASH_SIZE)
    n.leftSeq = r.uvarint()
    n.rightHash = r.bytes(HASH_SIZE)
    n.rightSeq = r.uvarint()
    r.end()
    if (size < 2 || n.leftSeq === 0 || n.rightSeq === 0) fail('invalid_state', `node ${seq}: malformed inner node`)
  }
  n.seq = seq
  n.hash = hash
  return n
}
