/**
 * A collector's persistent event store (embedded LevelDB through classic-level): the log entries
 * in log order and the last checkpoint the chain accepted. Appends are queued and written in one
 * batch per flush; a caller that acknowledges input (HTTP 202) or anchors a checkpoint flushes
 * first, so a process killed with SIGKILL loses nothing it acknowledged or anchored (the write
 * reached the OS before the reply left).
 *   e|index (u64 BE) -> entry (the event's canonical JSON)
 *   a                -> last anchored checkpoint (CBOR: size, root, sig)
 */
import { ClassicLevel } from 'classic-level'
import { decodeTrusted, encodeCanonical } from '../codec/cbor.js'
import { readU64be, u64be } from '../codec/be.js'
import { concatBytes, utf8 } from '../base/bytes.js'
import type { SignedCheckpoint } from './checkpoint.js'

const ENTRY = utf8('e|')
const ANCHORED = utf8('a')
const entryKey = (i: number) => concatBytes(ENTRY, u64be(BigInt(i)))

export class EventStore {
  private pending: Array<[number, Uint8Array]> = []
  private writing: Promise<void> = Promise.resolve()

  private constructor(private readonly db: ClassicLevel<Uint8Array, Uint8Array>) {}

  static async open(dir: string): Promise<EventStore> {
    const db = new ClassicLevel<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' })
    await db.open()
    return new EventStore(db)
  }

  /** Every stored entry in log order; throws if the indices are not 0, 1, 2, … (a damaged store). */
  async *entries(): AsyncGenerator<Uint8Array> {
    let next = 0
    for await (const [k, v] of this.db.iterator({ gte: ENTRY, lt: utf8('e}') })) {
      const i = Number(readU64be(k, ENTRY.length))
      if (i !== next) throw new Error(`event store: entry ${next} is missing (found ${i})`)
      next++
      yield v
    }
  }

  async anchored(collector: Uint8Array): Promise<SignedCheckpoint | undefined> {
    const b = await this.db.get(ANCHORED)
    if (!b) return undefined
    const m = decodeTrusted(b) as { size: number | bigint; root: Uint8Array; sig: Uint8Array }
    return { collector, size: Number(m.size), root: m.root, sig: m.sig }
  }

  append(index: number, entry: Uint8Array): void {
    this.pending.push([index, entry])
  }

  get unflushed(): number {
    return this.pending.length
  }

  /** Writes the queued entries (one batch); resolves once everything appended before the call is written. */
  flush(): Promise<void> {
    const batch = this.pending
    this.pending = []
    if (batch.length) this.writing = this.writing.then(() => this.db.batch(batch.map(([i, e]) => ({ type: 'put' as const, key: entryKey(i), value: e }))))
    return this.writing
  }

  async saveAnchored(cp: SignedCheckpoint): Promise<void> {
    await this.flush()
    await this.db.put(ANCHORED, encodeCanonical({ size: BigInt(cp.size), root: cp.root, sig: cp.sig }))
  }

  async close(): Promise<void> {
    await this.flush().catch(() => undefined)
    await this.db.close()
  }
}
