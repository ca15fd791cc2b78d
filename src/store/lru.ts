/**
 * A bounded cache with CLOCK eviction (second chance), an O(1) approximation of LRU.
 *
 * A hit only sets a bit: no Map mutation, unlike a Map-ordered LRU whose delete-and-reinsert on
 * every hit leaves tombstones for V8 to skip. Capacity is exact, so a working set that fits is
 * kept whole (a two-generation scheme drops half the cache at every turn).
 */
export class Lru<K, V> {
  private readonly index = new Map<K, number>()
  private readonly keys: Array<K | undefined> = []
  private readonly values: Array<V | undefined> = []
  private readonly referenced: Uint8Array
  private hand = 0

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 0) throw new RangeError(`cache capacity must be a non-negative integer, got ${capacity}`)
    this.referenced = new Uint8Array(capacity)
  }

  get size(): number {
    return this.index.size
  }

  get(key: K): V | undefined {
    const slot = this.index.get(key)
    if (slot === undefined) return undefined
    this.referenced[slot] = 1
    return this.values[slot]
  }

  set(key: K, value: V): void {
    if (this.capacity === 0) return
    const existing = this.index.get(key)
    if (existing !== undefined) {
      this.values[existing] = value
      this.referenced[existing] = 1
      return
    }
    let slot: number
    if (this.keys.length < this.capacity) {
      slot = this.keys.length
      this.keys.push(key)
      this.values.push(value)
    } else {
      // Sweep: referenced slots get a second chance (bit cleared); the first unreferenced one goes.
      while (this.referenced[this.hand] === 1) {
        this.referenced[this.hand] = 0
        this.hand = this.hand + 1 === this.capacity ? 0 : this.hand + 1
      }
      slot = this.hand
      this.hand = this.hand + 1 === this.capacity ? 0 : this.hand + 1
      this.index.delete(this.keys[slot] as K)
      this.keys[slot] = key
      this.values[slot] = value
    }
    this.referenced[slot] = 1
    this.index.set(key, slot)
  }

  /** Marks an entry as the next to evict (it stays readable until then). */
  demote(key: K): void {
    const slot = this.index.get(key)
    if (slot !== undefined) this.referenced[slot] = 0
  }

  clear(): void {
    this.index.clear()
    this.keys.length = 0
    this.values.length = 0
    this.referenced.fill(0)
    this.hand = 0
  }
}
