/**
 * A committed version's nodes in pre-order, read straight from the pages: for reading a whole tree
 * once (a state-sync snapshot), where NodeDb's path (a decoded Node object per node, the node cache)
 * costs more than the reading. Pages are read with `getSync` and kept, parsed, in a small LRU: a
 * commit numbers its nodes in post-order, so a page holds a subtree's worth of neighbours and the
 * pre-order walk reads each page a handful of times at most. Memory: the LRU and the walk's stack.
 *
 * Node encodings as in node.ts (`writeNode`), pages as in page.ts, keys as in layout.ts.
 */
import { fail } from '../base/errors.js'
import { decodeRoot, Layout } from './layout.js'
import { Lru } from './lru.js'
import { HASH_SIZE } from './node.js'
import { pageOf, PAGE_SLOTS, slotOf } from './page.js'

interface SyncReader {
  getSync(key: Uint8Array): Uint8Array | undefined
}

/** A page's bytes and where each of its nodes starts (`starts[i]..starts[i + 1]` is slot first + i). */
interface ParsedPage {
  buf: Uint8Array
  first: number
  starts: Int32Array
}

/**
 * One node as the walk meets it. `buf[keyStart, keyEnd)` is its key; a leaf's value is
 * `buf[keyEnd, valueEnd)`. The bytes are the page's: valid until the next node is visited.
 */
export interface RawNode {
  height: number
  version: number
  buf: Uint8Array
  keyStart: number
  keyEnd: number
  valueEnd: number
}

export class PreorderWalk {
  private readonly layout: Layout
  private readonly pages = new Lru<number, ParsedPage>(1024)
  private readonly stack: number[] = []
  private readonly node: RawNode = { height: 0, version: 0, buf: new Uint8Array(0), keyStart: 0, keyEnd: 0, valueEnd: 0 }
  private pos = 0
  /** Nodes visited so far. */
  visited = 0

  /** The walk of `version` (whose root record must be on disk); an empty tree has no nodes. */
  constructor(private readonly db: SyncReader, prefix: Uint8Array, version: number) {
    this.layout = new Layout(prefix)
    const raw = db.getSync(this.layout.rootKey(version)) ?? fail('invalid_state', `no state tree of version ${version}`)
    const root = decodeRoot(raw, version)
    if (root.seq !== 0) this.stack.push(root.seq)
  }

  get done(): boolean {
    return this.stack.length === 0
  }

  /** Visits up to `max` more nodes; returns false once the walk is over. */
  step(max: number, visit: (n: RawNode) => void): boolean {
    const n = this.node
    for (let k = 0; k < max && this.stack.length; k++) {
      const seq = this.stack.pop()!
      const page = this.page(pageOf(seq))
      const i = slotOf(seq) - page.first
      if (i < 0 || i >= page.starts.length - 1) fail('invalid_state', `store node ${seq} is missing from its page`)
      const buf = page.buf
      const end = page.starts[i + 1]!
      this.pos = page.starts[i]!
      n.buf = buf
      n.height = this.uvarint(buf)
      if (n.height === 0) {
        n.version = this.uvarint(buf)
        const klen = this.uvarint(buf)
        n.keyStart = this.pos
        n.keyEnd = this.pos + klen
        n.valueEnd = end
      } else {
        this.uvarint(buf) // size
        n.version = this.uvarint(buf)
        const klen = this.uvarint(buf)
        n.keyStart = this.pos
        n.keyEnd = n.valueEnd = this.pos + klen
        this.pos = n.keyEnd + HASH_SIZE
        const left = this.uvarint(buf)
        this.pos += HASH_SIZE
        const right = this.uvarint(buf)
        if (left === 0 || right === 0 || this.pos !== end) fail('invalid_state', `store node ${seq}: malformed inner node`)
        this.stack.push(right, left)
      }
      if (n.keyEnd > end) fail('invalid_state', `store node ${seq}: truncated`)
      this.visited++
      visit(n)
    }
    return this.stack.length > 0
  }

  private uvarint(buf: Uint8Array): number {
    let n = 0
    let mul = 1
    for (let i = 0; i < 8; i++) {
      const x = buf[this.pos++]
      if (x === undefined) fail('invalid_state', 'store page truncated')
      n += (x & 0x7f) * mul
      if (x < 0x80) return n
      mul *= 128
    }
    fail('invalid_state', 'store page: varint too long')
  }

  private page(id: number): ParsedPage {
    let p = this.pages.get(id)
    if (p) return p
    const buf = this.db.getSync(this.layout.pageKeyScratch(id)) ?? fail('invalid_state', `store page ${id} is missing from the database`)
    this.pos = 0
    const first = this.uvarint(buf)
    const count = this.uvarint(buf)
    if (first + count > PAGE_SLOTS) fail('invalid_state', `store page ${id}: ${count} slots from ${first}`)
    const starts = new Int32Array(count + 1)
    let at = 0
    for (let j = 0; j < count; j++) {
      starts[j] = at
      at += this.uvarint(buf)
    }
    starts[count] = at
    for (let j = 0; j <= count; j++) starts[j]! += this.pos
    if (starts[count]! > buf.length) fail('invalid_state', `store page ${id}: truncated`)
    p = { buf, first, starts }
    this.pages.set(id, p)
    return p
  }
}
