/**
 * Key/value views the App hands to modules. Writes go to a CacheKV layered over the block's
 * state; a transaction's layer is merged into the block only when the transaction succeeds,
 * so a refused transaction changes nothing.
 */
import { compareBytes, concatBytes } from '../base/bytes.js'

export interface IterateOptions { gte?: Uint8Array; lt?: Uint8Array; reverse?: boolean; limit?: number }

export interface KVReader {
  get(key: Uint8Array): Uint8Array | undefined
  iterate(opts?: IterateOptions): Iterable<[Uint8Array, Uint8Array]>
}

export interface KV extends KVReader {
  set(key: Uint8Array, value: Uint8Array): void
  delete(key: Uint8Array): void
}

// Buffer's latin1Slice reads any Uint8Array directly (three times faster than wrapping it in a
// Buffer first, and the hot path calls this for every state access); the wrapper is the fallback.
// (The guard: the console's browser bundle loads this file through the SDK, without Buffer.)
const latin1Slice = typeof Buffer === 'undefined' ? undefined : (Buffer.prototype as unknown as { latin1Slice?: (this: Uint8Array, start: number, end: number) => string }).latin1Slice

/** The key as a latin1 string (one char per byte): strings compare exactly as the bytes do. */
export const keyString: (k: Uint8Array) => string = latin1Slice
  ? (k) => latin1Slice.call(k, 0, k.length)
  : (k) => Buffer.from(k.buffer, k.byteOffset, k.byteLength).toString('latin1')

/** `ks` is the key as a latin1 string: comparing those orders keys exactly as their bytes. */
interface Entry { ks: string; key: Uint8Array; value: Uint8Array | null }

const byKey = (a: Entry, b: Entry): number => (a.ks < b.ks ? -1 : a.ks > b.ks ? 1 : 0)

export class CacheKV implements KV {
  private readonly writes = new Map<string, Entry>()

  constructor(private readonly parent: KVReader) {}

  get size(): number {
    return this.writes.size
  }

  get(key: Uint8Array): Uint8Array | undefined {
    return this.getKeyed(keyString(key), key)
  }

  /** get() with the key's string form computed once for the whole chain of layers. */
  getKeyed(ks: string, key: Uint8Array): Uint8Array | undefined {
    const e = this.writes.get(ks)
    if (e) return e.value ?? undefined
    const p = this.parent as KVReader & { getKeyed?: (ks: string, key: Uint8Array) => Uint8Array | undefined }
    return p.getKeyed ? p.getKeyed(ks, key) : p.get(key)
  }

  set(key: Uint8Array, value: Uint8Array): void {
    if (value.length === 0) throw new Error('empty values are not stored; delete the key instead')
    const ks = keyString(key)
    this.writes.set(ks, { ks, key: new Uint8Array(key), value })
  }

  delete(key: Uint8Array): void {
    const ks = keyString(key)
    this.writes.set(ks, { ks, key: new Uint8Array(key), value: null })
  }

  /** The pending writes, sorted by key: deterministic order for applying them. */
  sortedWrites(): Entry[] {
    return [...this.writes.values()].sort(byKey)
  }

  /** Moves this layer's writes into `target` (another layer or the store's working tree). */
  writeTo(target: KV): void {
    if (target instanceof CacheKV) {
      // Layer into layer: the entries move as they are (the target sorts when it is written out).
      for (const e of this.writes.values()) target.writes.set(e.ks, e)
      this.writes.clear()
      return
    }
    for (const e of this.sortedWrites()) {
      if (e.value === null) target.delete(e.key)
      else target.set(e.key, e.value)
    }
    this.writes.clear()
  }

  discard(): void {
    this.writes.clear()
  }

  *iterate(opts: IterateOptions = {}): Iterable<[Uint8Array, Uint8Array]> {
    const { gte, lt, reverse = false, limit = Infinity } = opts
    if (limit <= 0) return
    // Select the range before sorting: a block's buffer holds every write of the block, and the
    // modules' end-block scans each read one small range of it.
    const lo = gte ? keyString(gte) : undefined
    const hi = lt ? keyString(lt) : undefined
    const mine: Entry[] = []
    for (const e of this.writes.values()) if ((lo === undefined || e.ks >= lo) && (hi === undefined || e.ks < hi)) mine.push(e)
    mine.sort(byKey)
    if (reverse) mine.reverse()
    const cmp = reverse ? (a: Uint8Array, b: Uint8Array) => compareBytes(b, a) : compareBytes
    const it = this.parent.iterate({ gte, lt, reverse })[Symbol.iterator]()
    let p = it.next()
    let i = 0
    let n = 0
    while (n < limit) {
      const m = mine[i]
      if (p.done && !m) return
      if (!p.done && (!m || cmp(p.value[0], m.key) < 0)) {
        yield p.value
        n++
        p = it.next()
        continue
      }
      // cache entry first (or both equal: the cache shadows the parent)
      if (!p.done && m && cmp(p.value[0], m.key) === 0) p = it.next()
      i++
      if (m!.value !== null) {
        yield [m!.key, m!.value]
        n++
      }
    }
  }
}

/** A view of `inner` restricted to keys under `prefix`; keys are given and returned without it. */
export class PrefixKV implements KV {
  constructor(private readonly inner: KV, private readonly prefix: Uint8Array) {}

  get(key: Uint8Array) {
    return this.inner.get(concatBytes(this.prefix, key))
  }
  set(key: Uint8Array, value: Uint8Array) {
    this.inner.set(concatBytes(this.prefix, key), value)
  }
  delete(key: Uint8Array) {
    this.inner.delete(concatBytes(this.prefix, key))
  }
  *iterate(opts: IterateOptions = {}): Iterable<[Uint8Array, Uint8Array]> {
    const gte = concatBytes(this.prefix, opts.gte ?? new Uint8Array(0))
    const lt = opts.lt ? concatBytes(this.prefix, opts.lt) : prefixEnd(this.prefix)
    const n = this.prefix.length
    for (const [k, v] of this.inner.iterate({ gte, lt, reverse: opts.reverse, limit: opts.limit })) yield [k.subarray(n), v]
  }
}

/** Read-only view: every write throws (queries run on these). */
export class ReadOnlyKV implements KV {
  constructor(private readonly inner: KVReader) {}
  get(key: Uint8Array) {
    return this.inner.get(key)
  }
  iterate(opts?: IterateOptions) {
    return this.inner.iterate(opts)
  }
  set(): void {
    throw new Error('read-only state')
  }
  delete(): void {
    throw new Error('read-only state')
  }
}

/** The smallest key greater than every key starting with `prefix` (undefined if none). */
export function prefixEnd(prefix: Uint8Array): Uint8Array | undefined {
  const end = new Uint8Array(prefix)
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i] = end[i]! + 1
      return end.subarray(0, i + 1)
    }
  }
  return undefined
}
