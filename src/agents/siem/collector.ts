/**
 * A collector agent's core: ingests records, normalises them, appends each event's canonical
 * form to its RFC 9162 log, and produces signed checkpoints with consistency proofs for the chain
 * (message `siem/anchor`), and inclusion proofs for anyone who wants to verify an event.
 * Events are indexed in memory; the agent (collector-agent.ts) persists entries through `onAppend`
 * and reloads them with `restore`. `enrich` runs on each event before it is logged (device
 * identity from the identity module), with the origin of the record (sender address, device id).
 */
import type { KeyPair } from '../../crypto/keys.js'
import type { Msg } from '../../app/tx.js'
import { toHex } from '../../base/bytes.js'
import { MerkleLog } from '../../siem/merkle-log.js'
import { Ingestor, type InputFormat, type ParseResult } from '../../siem/parsers.js'
import { eventEntry, type SiemEvent } from '../../siem/ecs.js'
import { signCheckpoint, type SignedCheckpoint } from '../../siem/checkpoint.js'
import type { ParsedBatch } from '../../siem/parse-pool.js'
import type { Origin } from '../../siem/origin.js'
import type { InclusionEvidence } from '../../siem/evidence.js'
import { siemMsgs } from '../../modules/siem/types.js'

export interface LoggedEvent { index: number; event: SiemEvent; entry: Uint8Array }

export interface CollectorHooks {
  enrich?: (e: SiemEvent, origin: Origin) => void
  onAppend?: (index: number, entry: Uint8Array) => void
}

/** A logged event whose object is parsed from its entry only when first read. */
function lazyLogged(index: number, entry: Uint8Array): LoggedEvent {
  let event: SiemEvent | undefined
  return {
    index,
    entry,
    get event() {
      return (event ??= JSON.parse(Buffer.from(entry).toString('utf8')) as SiemEvent)
    },
  }
}

export class Collector {
  readonly log = new MerkleLog()
  readonly events: LoggedEvent[] = []
  private readonly byHash = new Map<string, number[]>()
  readonly ingestor: Ingestor
  private anchored: SignedCheckpoint | undefined
  private origin: Origin = {}

  constructor(readonly chainId: string, readonly key: KeyPair, readonly name: string, private readonly hooks: CollectorHooks = {}) {
    this.ingestor = new Ingestor({ name, type: 'collector' }, (e) => this.append(e))
  }

  ingest(input: Uint8Array | string, format: InputFormat = 'auto', receivedAt?: number, origin: Origin = {}): ParseResult & { index: number } {
    this.origin = origin
    const r = this.ingestor.ingest(input, format, receivedAt)
    return { ...r, index: this.log.size - 1 }
  }

  /** Re-appends an entry read back from the store (no parsing, no enrichment, no onAppend). */
  restore(entry: Uint8Array): void {
    const index = this.log.append(entry)
    const logged = lazyLogged(index, entry)
    this.events.push(logged)
    this.indexHash(logged.event.event.hash, index)
  }

  /** Appends a batch parsed on worker threads (ParsePool), in order: entries with their leaf hashes. */
  appendParsed(b: ParsedBatch): void {
    const c = this.ingestor.counts
    let start = 0
    for (let i = 0; i < b.ends.length; i++) {
      const entry = b.entries.subarray(start, b.ends[i])
      start = b.ends[i]!
      const index = this.log.appendLeafHash(b.leaves.slice(32 * i, 32 * i + 32))
      this.events.push(lazyLogged(index, entry))
      this.indexHash(b.hashes[i]!, index)
      if (b.ok[i]) c.accepted++
      else c.malformed++
      c.byDataset[b.datasets[i]!] = (c.byDataset[b.datasets[i]!] ?? 0) + 1
      this.hooks.onAppend?.(index, entry)
    }
  }

  private append(event: SiemEvent): void {
    this.hooks.enrich?.(event, this.origin)
    const entry = eventEntry(event)
    const index = this.index(event, entry)
    this.hooks.onAppend?.(index, entry)
  }

  private index(event: SiemEvent, entry: Uint8Array): number {
    const index = this.log.append(entry)
    this.events.push({ index, event, entry })
    this.indexHash(event.event.hash, index)
    return index
  }

  private indexHash(hash: string, index: number): void {
    const same = this.byHash.get(hash)
    if (same) same.push(index)
    else this.byHash.set(hash, [index])
  }

  /** Log indices of the events whose event.hash (hash of the original input) is `hash`. */
  indicesOf(hash: string): number[] {
    return this.byHash.get(hash) ?? []
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
