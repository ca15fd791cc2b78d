/**
 * Nodes are stored in pages: one database record holds up to PAGE_SLOTS nodes with consecutive
 * sequence numbers (seq = page * PAGE_SLOTS + slot). A commit numbers its nodes in post-order, so
 * a page holds a small subtree's worth of neighbours, and writing one record per page instead of
 * one per node cuts the batch a commit hands to LevelDB about 30-fold (the per-record cost
 * dominates a commit's write). A page never spans two commits, and is closed early once it holds
 * PAGE_SOFT_BYTES, so big values do not make huge records.
 *
 * Page record: uvarint(first slot) uvarint(count) uvarint(length)×count, then the nodes' bytes.
 */
import { fail } from '../base/errors.js'
import { nodeSize, writeNode, type Node } from './node.js'
import { putUvarint, Reader, uvarintSize } from './varint.js'

export const PAGE_SLOTS = 32
export const PAGE_SOFT_BYTES = 8192

export const pageOf = (seq: number): number => Math.floor(seq / PAGE_SLOTS)
export const slotOf = (seq: number): number => seq % PAGE_SLOTS
/** The first sequence number of the next page (or `seq` itself if it starts one). */
export const nextPageStart = (seq: number): number => Math.ceil(seq / PAGE_SLOTS) * PAGE_SLOTS

/** Collects the nodes of one page, encoding them straight into a reused buffer. */
export class PageBuilder {
  private buf = new Uint8Array(2 * PAGE_SOFT_BYTES)
  private used = 0
  private readonly lengths: number[] = []
  private firstSlot = 0

  get bytes(): number {
    return this.used
  }

  get count(): number {
    return this.lengths.length
  }

  /** Starts a page whose first node has sequence number `seq`. */
  start(seq: number): void {
    this.used = 0
    this.lengths.length = 0
    this.firstSlot = slotOf(seq)
  }

  add(n: Node): void {
    const size = nodeSize(n)
    if (this.used + size > this.buf.length) {
      const bigger = new Uint8Array(Math.max(this.buf.length * 2, this.used + size))
      bigger.set(this.buf.subarray(0, this.used))
      this.buf = bigger
    }
    this.used = writeNode(this.buf, this.used, n)
    this.lengths.push(size)
  }

  /** The page record. */
  finish(): Uint8Array {
    let header = uvarintSize(this.firstSlot) + uvarintSize(this.lengths.length)
    for (const l of this.lengths) header += uvarintSize(l)
    const out = new Uint8Array(header + this.used)
    let p = putUvarint(out, 0, this.firstSlot)
    p = putUvarint(out, p, this.lengths.length)
    for (const l of this.lengths) p = putUvarint(out, p, l)
    out.set(this.buf.subarray(0, this.used), p)
    return out
  }
}

/** Where the node in `slot` lies in `page` ([start, end)), or undefined if the page does not hold it. */
export function slotRange(page: Uint8Array, slot: number, what: string): [number, number] | undefined {
  const r = new Reader(page, what)
  const first = r.uvarint()
  const count = r.uvarint()
  if (first + count > PAGE_SLOTS) fail('invalid_state', `${what}: ${count} slots from ${first}`)
  const i = slot - first
  if (i < 0 || i >= count) return undefined
  let offset = 0
  let length = 0
  for (let j = 0; j < count; j++) {
    const len = r.uvarint()
    if (j < i) offset += len
    else if (j === i) length = len
  }
  const start = r.pos + offset
  if (start + length > page.length) fail('invalid_state', `${what}: truncated`)
  return [start, start + length]
}
