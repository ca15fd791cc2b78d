/**
 * A correlator's verified copy of a collector's log: entries are appended only in batches that
 * bring the log to an anchored checkpoint, and the batch is kept only if the recomputed RFC 9162
 * root equals the root anchored on chain. So every event a correlator evaluates is exactly what
 * the collector committed to, and the evidence it attests is proven from its own copy. Entries
 * are kept packed (EntryArena); events are parsed back on demand.
 */
import { bytesEqual, toHex } from '../base/bytes.js'
import { MerkleLog } from './merkle-log.js'
import { EntryArena } from './entry-arena.js'
import { HashIndex } from './hash-index.js'
import type { EvidenceLog, InclusionEvidence } from './evidence.js'
import type { SiemEvent } from './ecs.js'

export class ReplicaMismatchError extends Error {
  override name = 'ReplicaMismatchError'
}

const parseEntry = (entry: Uint8Array) => JSON.parse(Buffer.from(entry.buffer, entry.byteOffset, entry.length).toString('utf8')) as SiemEvent

export class LogReplica implements EvidenceLog {
  private log = new MerkleLog()
  private arena = new EntryArena()
  private byHash = new HashIndex()
  private anchored: { size: number; root: Uint8Array } | undefined
  readonly key: { publicKey: Uint8Array }

  constructor(collector: Uint8Array) {
    this.key = { publicKey: collector }
  }

  get size(): number {
    return this.log.size
  }

  get lastAnchored(): { size: number; root: Uint8Array } | undefined {
    return this.anchored
  }

  /**
   * Appends `entries` (the log from index `size` on) and checks the result against the anchored
   * (size, root). On a mismatch nothing is kept: the replica is rebuilt from an empty log (the
   * caller restarts from index 0) and a ReplicaMismatchError says why.
   */
  extend(entries: readonly Uint8Array[], anchored: { size: number; root: Uint8Array }): SiemEvent[] {
    if (this.log.size + entries.length !== anchored.size) throw new ReplicaMismatchError(`got ${entries.length} entries after ${this.log.size}, the anchored size is ${anchored.size}`)
    const events: SiemEvent[] = []
    const hashes: string[] = []
    let bad: string | undefined
    for (const entry of entries) {
      const i = this.arena.addBytes(entry)
      const index = this.log.appendLeafHash(this.arena.leafHash(i))
      try {
        const e = parseEntry(entry)
        events.push(e)
        hashes.push(e.event.hash)
      } catch {
        bad ??= `entry ${index} is not an event`
      }
    }
    const root = this.log.root(anchored.size)
    if (bad || !bytesEqual(root, anchored.root)) {
      this.log = new MerkleLog()
      this.arena = new EntryArena()
      this.byHash = new HashIndex()
      this.anchored = undefined
      throw new ReplicaMismatchError(bad ?? `the served entries give root ${toHex(root)} at size ${anchored.size}, the anchored root is ${toHex(anchored.root)}`)
    }
    const first = anchored.size - entries.length
    hashes.forEach((h, k) => this.byHash.add(h, first + k))
    this.anchored = anchored
    return events
  }

  /** Root of the verified log at `size` (at most the replica's size). */
  root(size: number): Uint8Array {
    return this.log.root(size)
  }

  entry(index: number): Uint8Array {
    return this.arena.entry(index)
  }

  eventAt(index: number): SiemEvent | undefined {
    return index >= 0 && index < this.arena.size ? parseEntry(this.arena.entry(index)) : undefined
  }

  indicesOf(hash: string): number[] {
    return this.byHash.get(hash)
  }

  evidence(index: number, size: number): InclusionEvidence {
    return { collector: toHex(this.key.publicKey), index, size, leafHash: toHex(this.log.leafHashAt(index)), proof: this.log.inclusionProof(index, size).map(toHex) }
  }
}
