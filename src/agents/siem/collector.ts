/**
 * A collector agent's core: ingests records, normalises them, appends each event's canonical
 * form to its RFC 9162 log, and produces signed checkpoints with consistency proofs for the chain
 * (message `siem/anchor`), and inclusion proofs for anyone who wants to verify an event.
 * Entries are kept packed in memory (EntryArena) and events parsed back from them on demand; the
 * agent (collector-agent.ts) persists entries through `onAppend` and reloads them with `restore`.
 * `enrich` runs on each event before it is logged (device identity from the identity module),
 * with the origin of the record (sender address, device id).
 */
import type { KeyPair } from '../../crypto/keys.js'
import type { Msg } from '../../app/tx.js'
import { toHex } from '../../base/bytes.js'
import { MerkleLog } from '../../siem/merkle-log.js'
import { EntryArena } from '../../siem/entry-arena.js'
import { HashIndex } from '../../siem/hash-index.js'
import { canonicalEntryText } from '../../siem/entry-encoding.js'
import { Ingestor, type InputFormat, type ParseResult } from '../../siem/parsers.js'
import type { SiemEvent } from '../../siem/ecs.js'
import { signCheckpoint, type SignedCheckpoint } from '../../siem/checkpoint.js'
import type { ParsedBatch } from '../../siem/parse-pool.js'
import type { Origin } from '../../siem/origin.js'
import type { InclusionEvidence } from '../../siem/evidence.js'
import { siemMsgs } from '../../modules/siem/types.js'


export interface LoggedEvent { readonly index: number; readonly event: SiemEvent; readonly entry: Uint8Array }

export interface CollectorHooks {
  enrich?: (e: SiemEvent, origin: Origin) => void
  onAppend?: (index: number, entry: Uint8Array) => void
}

/**
 * The events of a collector's log, read from its packed entries: `at(i)` parses entry i on
 * demand, so the collector keeps no object per event (ingestion would otherwise spend its time
 * in the garbage collector tracing them).
 */
export class LoggedEvents {
  constructor(private readonly arena: EntryArena) {}

  get length(): number {
    return this.arena.size
  }

  at(index: number): LoggedEvent {
    const entry = this.arena.entry(index)
    return { index, entry, event: JSON.parse(Buffer.from(entry.buffer, entry.byteOffset, entry.length).toString('utf8')) as SiemEvent }
  }

  *[Symbol.iterator](): IterableIterator<LoggedEvent> {
    for (let i = 0; i < this.arena.size; i++) yield this.at(i)
  }

  /** Events [from, to), like Array.prototype.slice. */
  slice(from = 0, to = this.length): LoggedEvent[] {
    const out: LoggedEvent[] = []
    for (let i = Math.max(0, from); i < Math.min(to, this.length); i++) out.push(this.at(i))
    return out
  }
}

export class Collector {
  readonly log = new MerkleLog()
  private readonly arena = new EntryArena()
  readonly events = new LoggedEvents(this.arena)
  /** event.hash -> log indices, built on first use from the entries (only correlators ask). */
  private readonly byHash = new HashIndex()
  private hashed = 0
  readonly ingestor: Ingestor
  private anchored: SignedCheckpoint | undefined
  private head: SignedCheckpoint | undefined
  private origin: Origin = {}

  constructor(readonly chainId: string, readonly key: KeyPair, readonly name: string, private readonly hooks: CollectorHooks = {}) {
    this.ingestor = new Ingestor({ name, type: 'collector' }, (e) => this.append(e))
  }

  ingest(input: Uint8Array | string, format: InputFormat = 'auto', receivedAt?: number, origin: Origin = {}): ParseResult & { index: number } {
    this.origin = origin
    const r = this.ingestor.ingest(input, format, receivedAt) as ParseResult & { index: number }
    r.index = this.log.size - 1
    return r
  }

  /** The bytes of entry `index` (the event's canonical JSON). */
  entry(index: number): Uint8Array {
    return this.arena.entry(index)
  }

  /** Re-appends an entry read back from the store (no parsing, no enrichment, no onAppend). */
  restore(entry: Uint8Array): void {
    this.log.appendLeafHash(this.arena.leafHash(this.arena.addBytes(entry)))
  }

  /** Appends a batch parsed on worker threads (ParsePool), in order: entries with their leaf hashes. */
  appendParsed(b: ParsedBatch): void {
    const c = this.ingestor.counts
    if (b.leaves.length !== 32 * b.ends.length) throw new RangeError('a parsed batch needs one leaf hash per entry')
    const first = this.arena.addPacked(b.entries, b.ends) // checks the batch before taking it
    if (this.log.appendLeafHashes(b.leaves) !== first) throw new Error('entry arena and log out of step')
    for (let i = 0; i < b.ends.length; i++) {
      if (b.ok[i]) c.accepted++
      else c.malformed++
      c.byDataset[b.datasets[i]!] = (c.byDataset[b.datasets[i]!] ?? 0) + 1
      this.hooks.onAppend?.(first + i, this.arena.entry(first + i))
    }
  }

  private append(event: SiemEvent): void {
    this.hooks.enrich?.(event, this.origin)
    const index = this.arena.addText(canonicalEntryText(event))
    this.log.appendLeafHash(this.arena.leafHash(index))
    this.hooks.onAppend?.(index, this.arena.entry(index))
  }

  /** Log indices of the events whose event.hash (hash of the original input) is `hash`. */
  indicesOf(hash: string): number[] {
    for (; this.hashed < this.arena.size; this.hashed++) this.byHash.add(this.events.at(this.hashed).event.event.hash, this.hashed)
    return this.byHash.get(hash)
  }

  /** The last checkpoint the chain accepted (set with markAnchored). */
  get lastAnchored(): SignedCheckpoint | undefined {
    return this.anchored
  }

  /** A signed checkpoint of the whole log and the `siem/anchor` message carrying it. */
  checkpoint(): { checkpoint: SignedCheckpoint; msg: Msg } {
    const size = this.log.size
    if (size === 0) throw new Error('nothing to anchor: the log is empty')
    const cp = signCheckpoint(this.chainId, this.key, { size, root: this.log.root(size) })
    const proof = this.anchored && this.anchored.size < size ? this.log.consistencyProof(this.anchored.size, size) : []
    return { checkpoint: cp, msg: siemMsgs.anchor({ size: BigInt(size), root: cp.root, proof, sig: cp.sig }) }
  }

  /**
   * A signed checkpoint of the whole log as it is now (served to correlators, who compare it with
   * the chain: two signed roots for one size prove a history rewrite). Signed once per size.
   */
  signedHead(): SignedCheckpoint {
    const size = this.log.size
    if (this.head?.size !== size) this.head = signCheckpoint(this.chainId, this.key, { size, root: this.log.root(size) })
    return this.head
  }

  markAnchored(cp: SignedCheckpoint): void {
    this.anchored = cp
  }

  /** Inclusion evidence of event `index` against the tree of `size` (default: last anchored). */
  evidence(index: number, size = this.anchored?.size ?? this.log.size): InclusionEvidence {
    return {
      collector: toHex(this.key.publicKey),
      index,
      size,
      leafHash: toHex(this.log.leafHashAt(index)),
      proof: this.log.inclusionProof(index, size).map(toHex),
    }
  }
}
