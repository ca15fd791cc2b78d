/**
 * A bounded cache with approximate LRU eviction in O(1): two generations. Hits in the old
 * generation are promoted to the young one; when the young generation is full it becomes the old
 * one and the previous old generation is dropped whole. (A single Map with delete-and-reinsert
 * on every hit degrades badly in V8: deleted slots pile up at the front and `keys().next()` walks them.)
 */
export class Lru<K, V> {
  private young = new Map<K, V>()
  private old = new Map<K, V>()
  private readonly half: number

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 0) throw new RangeError(`cache capacity must be a non-negative integer, got ${capacity}`)
    this.half = Math.max(1, Math.ceil(capacity / 2))
  }

  get size(): number {
    return this.young.size + this.old.size
  }

  get(key: K): V | undefined {
    const v = this.young.get(key)
    if (v !== undefined) return v
    const o = this.old.get(key)
    if (o !== undefined) {
      this.old.delete(key)
      this.insertYoung(key, o)
    }
    return o
  }

  set(key: K, value: V): void {
    if (this.capacity === 0) return
    this.old.delete(key)
    this.insertYoung(key, value)
  }

  private insertYoung(key: K, value: V): void {
    this.young.set(key, value)
    if (this.young.size >= this.half) {
      this.old = this.young
      this.young = new Map()
    }
  }

  clear(): void {
    this.young.clear()
    this.old.clear()
  }
}
