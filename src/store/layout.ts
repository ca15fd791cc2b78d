/**
 * Where the store keeps its records, all under the caller's key prefix P:
 *   P 'n' be64(page)     a page of nodes (see page.ts; nodes encoded as in node.ts); node sequence
 *                        numbers only grow, so each commit appends keys in order (cheap for LevelDB)
 *   P 'r' be64(version)  root record of a committed version: uvarint(rootSeq, 0 = empty) ‖ rootHash[32]
 *   P 'm'                metadata: uvarint(format = 1) ‖ uvarint(latest version) ‖ uvarint(next seq)
 * With pruning (see prune.ts):
 *   P 'o' be64(version)  orphans of a version: the nodes it dropped (alive up to version - 1),
 *                        uvarint(count) then uvarint deltas of their ascending sequence numbers
 *   P 'd' be64(page)     a partly pruned page: uvarint(nodes in the page) ‖ uvarint(nodes pruned)
 *   P 'f'                first retained version: uvarint(version); older versions are pruned
 */
import { fail } from '../base/errors.js'
import { HASH_SIZE } from './node.js'
import { putUvarint, Reader, uvarintSize } from './varint.js'

const NODE = 0x6e // 'n'
const ROOT = 0x72 // 'r'
const META = 0x6d // 'm'
const ORPHANS = 0x6f // 'o'
const DEAD = 0x64 // 'd'
const FLOOR = 0x66 // 'f'
const FORMAT = 1

export interface RootRecord {
  /** Sequence number of the root node; 0 for an empty tree. */
  seq: number
  hash: Uint8Array
}

export interface Meta {
  version: number
  nextSeq: number
}

function putBe64(buf: Uint8Array, pos: number, n: number): void {
  const hi = Math.floor(n / 0x1_0000_0000)
  const lo = n >>> 0
  buf[pos] = hi >>> 24
  buf[pos + 1] = hi >>> 16
  buf[pos + 2] = hi >>> 8
  buf[pos + 3] = hi
  buf[pos + 4] = lo >>> 24
  buf[pos + 5] = lo >>> 16
  buf[pos + 6] = lo >>> 8
  buf[pos + 7] = lo
}

export class Layout {
  private readonly scratch: Uint8Array

  constructor(readonly prefix: Uint8Array) {
    this.scratch = new Uint8Array(prefix.length + 9)
    this.scratch.set(prefix)
  }

  private numbered(tag: number, n: number): Uint8Array {
    const out = new Uint8Array(this.prefix.length + 9)
    out.set(this.prefix)
    out[this.prefix.length] = tag
    putBe64(out, this.prefix.length + 1, n)
    return out
  }

  pageKey(page: number): Uint8Array {
    return this.numbered(NODE, page)
  }

  /** The page key in a shared buffer: valid only until the next call (for synchronous reads). */
  pageKeyScratch(page: number): Uint8Array {
    this.scratch[this.prefix.length] = NODE
    putBe64(this.scratch, this.prefix.length + 1, page)
    return this.scratch
  }

  rootKey(version: number): Uint8Array {
    return this.numbered(ROOT, version)
  }

  metaKey(): Uint8Array {
    return this.tagged(META)
  }

  orphansKey(version: number): Uint8Array {
    return this.numbered(ORPHANS, version)
  }

  deadKey(page: number): Uint8Array {
    return this.numbered(DEAD, page)
  }

  floorKey(): Uint8Array {
    return this.tagged(FLOOR)
  }

  private tagged(tag: number): Uint8Array {
    const out = new Uint8Array(this.prefix.length + 1)
    out.set(this.prefix)
    out[this.prefix.length] = tag
    return out
  }
}

export function encodeRoot(r: RootRecord): Uint8Array {
  const out = new Uint8Array(uvarintSize(r.seq) + HASH_SIZE)
  out.set(r.hash, putUvarint(out, 0, r.seq))
  return out
}

export function decodeRoot(buf: Uint8Array, version: number): RootRecord {
  const rd = new Reader(buf, `root record of version ${version}`)
  const seq = rd.uvarint()
  const hash = rd.bytes(HASH_SIZE)
  rd.end()
  return { seq, hash }
}

export function encodeMeta(m: Meta): Uint8Array {
  const out = new Uint8Array(uvarintSize(FORMAT) + uvarintSize(m.version) + uvarintSize(m.nextSeq))
  putUvarint(out, putUvarint(out, putUvarint(out, 0, FORMAT), m.version), m.nextSeq)
  return out
}

export function decodeMeta(buf: Uint8Array): Meta {
  const rd = new Reader(buf, 'store metadata')
  const format = rd.uvarint()
  if (format !== FORMAT) fail('invalid_state', `store metadata format ${format} is not supported (expected ${FORMAT})`)
  const version = rd.uvarint()
  const nextSeq = rd.uvarint()
  rd.end()
  return { version, nextSeq }
}

/** Ascending, distinct sequence numbers as uvarint(count) then uvarint deltas. */
export function encodeSeqs(seqs: readonly number[]): Uint8Array {
  let size = uvarintSize(seqs.length)
  let prev = 0
  for (const q of seqs) {
    size += uvarintSize(q - prev)
    prev = q
  }
  const out = new Uint8Array(size)
  let p = putUvarint(out, 0, seqs.length)
  prev = 0
  for (const q of seqs) {
    p = putUvarint(out, p, q - prev)
    prev = q
  }
  return out
}

export function decodeSeqs(buf: Uint8Array, what: string): number[] {
  const rd = new Reader(buf, what)
  const n = rd.uvarint()
  const out = new Array<number>(n)
  let prev = 0
  for (let i = 0; i < n; i++) out[i] = prev += rd.uvarint()
  rd.end()
  return out
}

export function encodeUvarints(...xs: number[]): Uint8Array {
  const out = new Uint8Array(xs.reduce((a, x) => a + uvarintSize(x), 0))
  let p = 0
  for (const x of xs) p = putUvarint(out, p, x)
  return out
}

export function decodeUvarints(buf: Uint8Array, count: number, what: string): number[] {
  const rd = new Reader(buf, what)
  const out = Array.from({ length: count }, () => rd.uvarint())
  rd.end()
  return out
}
