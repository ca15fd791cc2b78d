/**
 * A collector's log entries, packed: entries are written back to back into large chunks, each
 * preceded by the RFC 9162 leaf prefix 0x00, so the leaf hash SHA-256(0x00‖entry) is one native
 * one-shot hash over bytes already in place, and the heap holds a few large buffers instead of
 * one small buffer (and its event object graph) per event. Views of an entry are made on demand.
 */
import { hash } from 'node:crypto'

const CHUNK = 4 * 1024 * 1024

export class EntryArena {
  /** the chunks as plain Uint8Arrays: their subarray() is cheaper than Buffer's */
  private readonly chunks: Uint8Array[] = []
  private chunk: Buffer = Buffer.allocUnsafeSlow(0)
  private used = 0
  // per entry: chunk number, start (after the 0x00 prefix) and end offsets in it
  private where = new Int32Array(3 * 1024)
  private n = 0

  get size(): number {
    return this.n
  }

  private room(max: number): void {
    if (this.chunk.length - this.used >= max) return
    this.chunk = Buffer.allocUnsafeSlow(Math.max(CHUNK, max))
    this.chunks.push(new Uint8Array(this.chunk.buffer, this.chunk.byteOffset, this.chunk.length))
    this.used = 0
  }

  private record(start: number, end: number): number {
    if (3 * this.n === this.where.length) {
      const w = new Int32Array(this.where.length * 2)
      w.set(this.where)
      this.where = w
    }
    const i = this.n++
    this.where[3 * i] = this.chunks.length - 1
    this.where[3 * i + 1] = start
    this.where[3 * i + 2] = end
    this.used = end
    return i
  }

  /** Appends the UTF-8 encoding of `text`; returns its index. */
  addText(text: string): number {
    this.room(1 + 3 * text.length) // UTF-8 needs at most 3 bytes per UTF-16 code unit
    this.chunk[this.used] = 0
    const start = this.used + 1
    return this.record(start, start + this.chunk.write(text, start, 'utf8'))
  }

  addBytes(bytes: Uint8Array): number {
    this.room(1 + bytes.length)
    this.chunk[this.used] = 0
    const start = this.used + 1
    this.chunk.set(bytes, start)
    return this.record(start, start + bytes.length)
  }

  /**
   * Appends entries packed as a parse worker packs them: entry i is `packed[ends[i-1] + 1, ends[i])`,
   * each after its 0x00 prefix (ends[-1] = 0). One copy for the batch; returns the first index.
   */
  addPacked(packed: Uint8Array, ends: Uint32Array): number {
    const first = this.n
    if (ends.length === 0) return first
    if (ends[ends.length - 1] !== packed.length) throw new RangeError('packed entries: the last end must be the length')
    let start = 1
    for (let i = 0; i < ends.length; i++) {
      if (ends[i]! < start || packed[start - 1] !== 0) throw new RangeError(`packed entries: entry ${i} is malformed`)
      start = ends[i]! + 1
    }
    // checked: now copy and record (nothing changes on a refused batch)
    this.room(packed.length)
    const base = this.used
    this.chunk.set(packed, base)
    start = 1
    for (let i = 0; i < ends.length; i++) {
      this.record(base + start, base + ends[i]!)
      start = ends[i]! + 1
    }
    return first
  }

  /** The entry's bytes (a view: valid for the arena's lifetime, never overwritten). */
  entry(i: number): Uint8Array {
    const [c, s, e] = this.at(i)
    return this.chunks[c]!.subarray(s, e)
  }

  /** SHA-256(0x00‖entry): its RFC 9162 leaf hash. */
  leafHash(i: number): Buffer {
    this.at(i)
    const w = this.where
    return hash('sha256', this.chunks[w[3 * i]!]!.subarray(w[3 * i + 1]! - 1, w[3 * i + 2]!), 'buffer')
  }

  private at(i: number): [number, number, number] {
    if (!(Number.isInteger(i) && i >= 0 && i < this.n)) throw new RangeError(`no entry ${i} (size ${this.n})`)
    return [this.where[3 * i]!, this.where[3 * i + 1]!, this.where[3 * i + 2]!]
  }
}
