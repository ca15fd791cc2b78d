/**
 * RFC 9162 (Certificate Transparency v2) §2.1 Merkle tree log: append-only, SHA-256,
 * leaf hash SHA-256(0x00‖entry), node hash SHA-256(0x01‖left‖right), inclusion proofs (§2.1.3)
 * and consistency proofs (§2.1.4) with their verifiers.
 *
 * The log keeps every complete subtree hash (level k holds the hashes of aligned runs of 2^k
 * leaves), so appends are amortised O(1) and any root or proof costs O(log n) hashes.
 * Tree sizes are plain numbers (safe integers); bit operations are done arithmetically so that
 * sizes above 2^31 stay correct.
 */
import { hash } from 'node:crypto'
import { sha256 } from '../crypto/hash.js'
import { bytesEqual } from '../base/bytes.js'
import { leafHash, nodeHash } from '../crypto/merkle.js'

export { leafHash, nodeHash }

export const HASH_SIZE = 32
export const EMPTY_ROOT = sha256()

export class MerkleProofError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'MerkleProofError'
  }
}

const bad = (msg: string): never => {
  throw new MerkleProofError(msg)
}

function checkSize(n: number, name: string): void {
  if (!Number.isSafeInteger(n) || n < 0) bad(`${name} must be a non-negative safe integer`)
}

const isOdd = (n: number) => n % 2 === 1
const half = (n: number) => Math.floor(n / 2)
/** log2 of n when n is a power of two, else -1 (integer arithmetic only: this runs in consensus). */
function exactLog2(n: number): number {
  if (n < 1) return -1
  let k = 0
  let p = 1
  while (p < n) {
    p *= 2
    k++
  }
  return p === n ? k : -1
}
const isPow2 = (n: number) => exactLog2(n) >= 0

/** Largest power of two strictly smaller than n (n >= 2). */
export function splitPoint(n: number): number {
  let k = 1
  while (k * 2 < n) k *= 2
  return k
}

/** Hashes of one level of the tree, back to back in one growing buffer. */
class HashRow {
  private data = new Uint8Array(HASH_SIZE * 1024)
  length = 0

  get(i: number): Uint8Array | undefined {
    return i >= 0 && i < this.length ? this.data.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE) : undefined
  }

  /** Appends `n` hashes from `src` (at `offset`). */
  push(src: Uint8Array, offset = 0, n = 1): void {
    const need = (this.length + n) * HASH_SIZE
    if (need > this.data.length) {
      const d = new Uint8Array(Math.max(need, this.data.length * 2))
      d.set(this.data.subarray(0, this.length * HASH_SIZE))
      this.data = d // views handed out earlier keep the old buffer: its bytes never change
    }
    this.data.set(src.subarray(offset, offset + n * HASH_SIZE), this.length * HASH_SIZE)
    this.length += n
  }

  /** SHA-256(0x01‖h[i]‖h[i+1]) without copying the two children out. */
  parentOf(i: number): Buffer {
    NODE_INPUT.set(this.data.subarray(i * HASH_SIZE, (i + 2) * HASH_SIZE), 1)
    return hash('sha256', NODE_INPUT, 'buffer')
  }
}

const NODE_INPUT = new Uint8Array(1 + 2 * HASH_SIZE).fill(1, 0, 1)

export class MerkleLog {
  /** levels[k] holds the hashes of the complete subtrees over leaves [i·2^k, (i+1)·2^k). */
  private readonly levels: HashRow[] = [new HashRow()]

  get size(): number {
    return this.levels[0]!.length
  }

  /** Appends an entry (its leaf hash is computed here); returns its index. */
  append(entry: Uint8Array): number {
    return this.appendLeafHash(leafHash(entry))
  }

  appendLeafHash(h: Uint8Array): number {
    if (h.length !== HASH_SIZE) bad('leaf hash must be 32 bytes')
    const index = this.size
    this.levels[0]!.push(h)
    this.closeSubtrees(index)
    return index
  }

  /** Appends `leaves.length / 32` leaf hashes at once (a parse worker's batch); returns the first index. */
  appendLeafHashes(leaves: Uint8Array): number {
    if (leaves.length % HASH_SIZE !== 0) bad('leaf hashes must be 32 bytes each')
    const first = this.size
    const n = leaves.length / HASH_SIZE
    this.levels[0]!.push(leaves, 0, n)
    for (let i = first; i < first + n; i++) this.closeSubtrees(i)
    return first
  }

  /** Closes every complete subtree that leaf `index` finishes. */
  private closeSubtrees(index: number): void {
    let level = 0
    let i = index
    while (isOdd(i)) {
      const parent = this.levels[level]!.parentOf(i - 1)
      level++
      if (!this.levels[level]) this.levels[level] = new HashRow()
      this.levels[level]!.push(parent)
      i = half(i)
    }
  }

  leafHashAt(index: number): Uint8Array {
    const h = this.levels[0]!.get(index)
    if (!h) bad(`leaf ${index} is not in the log (size ${this.size})`)
    return h!
  }

  /** MTH over leaves [lo, hi), lo < hi <= size. */
  private mth(lo: number, hi: number): Uint8Array {
    const n = hi - lo
    if (n === 1) return this.levels[0]!.get(lo)!
    // An aligned power-of-two range is a stored complete subtree.
    const level = exactLog2(n)
    if (level >= 0 && lo % n === 0) {
      const h = this.levels[level]?.get(lo / n)
      if (h) return h
    }
    const k = splitPoint(n)
    return nodeHash(this.mth(lo, lo + k), this.mth(lo + k, hi))
  }

  /** Root of the tree of the first `size` leaves (default: the whole log). */
  root(size: number = this.size): Uint8Array {
    checkSize(size, 'size')
    if (size > this.size) bad(`size ${size} exceeds the log size ${this.size}`)
    return size === 0 ? EMPTY_ROOT : this.mth(0, size)
  }

  /** RFC 9162 §2.1.3.1 PATH(m, D[n]). */
  inclusionProof(index: number, size: number = this.size): Uint8Array[] {
    checkSize(index, 'index')
    checkSize(size, 'size')
    if (size > this.size) bad(`size ${size} exceeds the log size ${this.size}`)
    if (index >= size) bad(`index ${index} is not below size ${size}`)
    const path: Uint8Array[] = []
    const walk = (m: number, lo: number, hi: number): void => {
      const n = hi - lo
      if (n === 1) return
      const k = splitPoint(n)
      if (m < k) {
        walk(m, lo, lo + k)
        path.push(this.mth(lo + k, hi))
      } else {
        walk(m - k, lo + k, hi)
        path.push(this.mth(lo, lo + k))
      }
    }
    walk(index, 0, size)
    return path
  }

  /** RFC 9162 §2.1.4.1 PROOF(m, D[n]) for 0 < m <= n. */
  consistencyProof(size1: number, size2: number = this.size): Uint8Array[] {
    checkSize(size1, 'size1')
    checkSize(size2, 'size2')
    if (size2 > this.size) bad(`size ${size2} exceeds the log size ${this.size}`)
    if (size1 === 0 || size1 > size2) bad(`no consistency proof from size ${size1} to ${size2}`)
    const proof: Uint8Array[] = []
    const sub = (m: number, lo: number, hi: number, b: boolean): void => {
      const n = hi - lo
      if (m === n) {
        if (!b) proof.push(this.mth(lo, hi))
        return
      }
      const k = splitPoint(n)
      if (m <= k) {
        sub(m, lo, lo + k, b)
        proof.push(this.mth(lo + k, hi))
      } else {
        sub(m - k, lo + k, hi, false)
        proof.push(this.mth(lo, lo + k))
      }
    }
    sub(size1, 0, size2, true)
    return proof
  }
}

function checkHashes(hs: readonly Uint8Array[], what: string): void {
  for (const h of hs) if (!(h instanceof Uint8Array) || h.length !== HASH_SIZE) bad(`${what}: every hash must be 32 bytes`)
}

/** Root implied by an inclusion proof (RFC 9162 §2.1.3.2 steps 1–4); throws if the shape is wrong. */
export function rootFromInclusionProof(index: number, size: number, leaf: Uint8Array, proof: readonly Uint8Array[]): Uint8Array {
  checkSize(index, 'index')
  checkSize(size, 'size')
  checkHashes([leaf], 'leaf hash')
  checkHashes(proof, 'inclusion proof')
  if (index >= size) bad(`index ${index} is not below size ${size}`)
  let fn = index
  let sn = size - 1
  let r = leaf
  for (const p of proof) {
    if (sn === 0) bad('inclusion proof is too long')
    if (isOdd(fn) || fn === sn) {
      r = nodeHash(p, r)
      if (!isOdd(fn)) {
        while (!isOdd(fn) && fn !== 0) {
          fn = half(fn)
          sn = half(sn)
        }
      }
    } else {
      r = nodeHash(r, p)
    }
    fn = half(fn)
    sn = half(sn)
  }
  if (sn !== 0) bad('inclusion proof is too short')
  return r
}

/** Throws MerkleProofError unless `leaf` is at `index` in the tree of `size` with `root`. */
export function verifyInclusion(index: number, size: number, leaf: Uint8Array, proof: readonly Uint8Array[], root: Uint8Array): void {
  checkHashes([root], 'root')
  const r = rootFromInclusionProof(index, size, leaf, proof)
  if (!bytesEqual(r, root)) bad('inclusion proof does not lead to the root')
}

/**
 * Throws MerkleProofError unless the tree (size1, root1) is a prefix of (size2, root2)
 * (RFC 9162 §2.1.4.2). Policy, as transparency-dev/merkle: size1 = 0 is always refused;
 * size1 = size2 needs an empty proof and equal roots.
 */
export function verifyConsistency(size1: number, size2: number, root1: Uint8Array, root2: Uint8Array, proof: readonly Uint8Array[]): void {
  checkSize(size1, 'size1')
  checkSize(size2, 'size2')
  checkHashes(proof, 'consistency proof')
  if (size2 < size1) bad(`size2 ${size2} is smaller than size1 ${size1}`)
  if (size1 === 0) bad('no consistency proof from an empty tree')
  if (size1 === size2) {
    if (proof.length !== 0) bad('equal sizes need an empty proof')
    if (!bytesEqual(root1, root2)) bad('equal sizes with different roots')
    return
  }
  checkHashes([root1, root2], 'root')
  if (proof.length === 0) bad('empty consistency proof')
  const path = [...proof]
  if (isPow2(size1)) path.unshift(root1)
  let fn = size1 - 1
  let sn = size2 - 1
  while (isOdd(fn)) {
    fn = half(fn)
    sn = half(sn)
  }
  let fr = path[0]!
  let sr = path[0]!
  for (const c of path.slice(1)) {
    if (sn === 0) bad('consistency proof is too long')
    if (isOdd(fn) || fn === sn) {
      fr = nodeHash(c, fr)
      sr = nodeHash(c, sr)
      if (!isOdd(fn)) {
        while (!isOdd(fn) && fn !== 0) {
          fn = half(fn)
          sn = half(sn)
        }
      }
    } else {
      sr = nodeHash(sr, c)
    }
    fn = half(fn)
    sn = half(sn)
  }
  if (sn !== 0) bad('consistency proof is too short')
  if (!bytesEqual(fr, root1)) bad('consistency proof does not lead to the first root')
  if (!bytesEqual(sr, root2)) bad('consistency proof does not lead to the second root')
}

/** Boolean forms of the verifiers. */
export const checkInclusion = (...a: Parameters<typeof verifyInclusion>): boolean => {
  try {
    verifyInclusion(...a)
    return true
  } catch (e) {
    if (e instanceof MerkleProofError) return false
    throw e
  }
}
export const checkConsistency = (...a: Parameters<typeof verifyConsistency>): boolean => {
  try {
    verifyConsistency(...a)
    return true
  } catch (e) {
    if (e instanceof MerkleProofError) return false
    throw e
  }
}
