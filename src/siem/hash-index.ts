/** event.hash -> the log indices of the events with that hash (most hashes have one: kept as a number). */
export class HashIndex {
  private readonly map = new Map<string, number | number[]>()

  add(hash: string, index: number): void {
    const same = this.map.get(hash)
    if (same === undefined) this.map.set(hash, index)
    else if (typeof same === 'number') this.map.set(hash, [same, index])
    else same.push(index)
  }

  get(hash: string): number[] {
    const found = this.map.get(hash)
    return found === undefined ? [] : typeof found === 'number' ? [found] : [...found]
  }
}
