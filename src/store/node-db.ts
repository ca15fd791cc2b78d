/**
 * The store's view of the database: loads nodes lazily (`getSync`, a page at a time) through a
 * bounded LRU cache of decoded nodes, reads root records and metadata, and turns a commit's dirty
 * nodes into batch ops (one per page of nodes).
 *
 * The store never writes: `persist` returns the ops and the caller writes them atomically with its
 * own. Until those ops are on disk, the pages they hold are kept in `unflushed` (consulted before
 * the disk), so the tree stays readable between `commit()` and the caller's write. A commit's pages
 * are released once its root record is seen on disk (checked at the next commit).
 */
import { fail } from '../base/errors.js'
import { toHex } from '../base/bytes.js'
import { Lru } from './lru.js'
import { decodeMeta, decodeRoot, encodeMeta, encodeRoot, encodeSeqs, Layout, type Meta, type RootRecord } from './layout.js'
import { pruneOps, readFloor, type PruneStep } from './prune.js'
import { decodeNode, EMPTY_HASH, hashOf, type Node } from './node.js'
import { nextPageStart, PAGE_SOFT_BYTES, PageBuilder, pageOf, slotOf, slotRange } from './page.js'

export type BatchOp = { type: 'put'; key: Uint8Array; value: Uint8Array } | { type: 'del'; key: Uint8Array }

/** What the store needs from the database: a synchronous read (classic-level's `getSync`). */
export interface SyncReader {
  getSync(key: Uint8Array): Uint8Array | undefined
}

interface Unflushed {
  version: number
  rootKey: Uint8Array
  root: RootRecord
  /** The commit's page records, by page number. */
  pages: Map<number, Uint8Array>
}

export class NodeDb {
  private readonly layout: Layout
  private readonly cache: Lru<number, Node>
  private readonly roots = new Lru<number, RootRecord>(4096)
  /** Raw pages recently read: the neighbours of a node just loaded are often loaded next. */
  private readonly pages = new Lru<number, Uint8Array>(256)
  private readonly builder = new PageBuilder()
  private unflushed: Unflushed[] = []
  private nextSeq: number
  /** Latest committed version found on disk when opened (0 if none). */
  readonly openedVersion: number
  /** First retained version: older ones are pruned (1 if nothing was pruned); read when first needed. */
  private floorVersion: number | undefined

  constructor(private readonly db: SyncReader, prefix: Uint8Array, cacheSize: number) {
    this.layout = new Layout(prefix)
    this.cache = new Lru(cacheSize)
    const raw = this.db.getSync(this.layout.metaKey())
    const meta: Meta = raw ? decodeMeta(raw) : { version: 0, nextSeq: 1 }
    this.nextSeq = meta.nextSeq
    this.openedVersion = meta.version
  }

  get floor(): number {
    return (this.floorVersion ??= readFloor(this.db, this.layout))
  }

  /**
   * Ops that prune every version below `newFloor` (see prune.ts); the caller writes them in one
   * batch, one step at a time. From now on those versions read as pruned.
   */
  prune(newFloor: number): PruneStep {
    const step = pruneOps(this.db, this.layout, this.floor, newFloor)
    this.floorVersion = newFloor
    return step
  }

  /** Root record of a committed version, or undefined if there is none. */
  readRoot(version: number): RootRecord | undefined {
    // Pruned root records are gone from disk; the check covers those still in `roots` (the floor is
    // loaded by then, since pruning reads it).
    if (this.floorVersion !== undefined && version < this.floorVersion) return undefined
    const cached = this.roots.get(version)
    if (cached) return cached
    const pending = this.unflushed.find((u) => u.version === version)
    if (pending) return pending.root
    const raw = this.db.getSync(this.layout.rootKey(version))
    if (!raw) return undefined
    const rec = decodeRoot(raw, version)
    this.roots.set(version, rec)
    return rec
  }

  /** Loads a persisted node; `hash` is what its referrer recorded for it. */
  load(seq: number, hash: Uint8Array): Node {
    let n = this.cache.get(seq)
    if (n) return n
    const id = pageOf(seq)
    let page = this.pages.get(id)
    if (!page) {
      for (const u of this.unflushed) if ((page = u.pages.get(id))) break
      page ??= this.db.getSync(this.layout.pageKeyScratch(id))
      if (page) this.pages.set(id, page)
    }
    const at = page && slotRange(page, slotOf(seq), `store page ${id}`)
    if (!page || !at) fail('invalid_state', `store node ${seq} (hash ${toHex(hash)}) is missing from the database`)
    n = decodeNode(page, at[0], at[1], seq, hash)
    this.cache.set(seq, n)
    return n
  }

  /** A persisted node was replaced in the working tree: let the cache evict it first. */
  replaced(seq: number): void {
    this.cache.demote(seq)
  }

  /** Loads the root node of a root record (undefined for an empty tree). */
  loadRoot(rec: RootRecord): Node | undefined {
    return rec.seq === 0 ? undefined : this.load(rec.seq, rec.hash)
  }

  /**
   * Persists the tree rooted at `root` as `version`: every dirty node gets a sequence number (children
   * before parents), its hash and its put op; the root record and metadata follow. Afterwards the
   * nodes are persisted nodes (no in-memory child pointers).
   */
  persist(root: Node | undefined, version: number, orphans?: readonly number[]): { rootHash: Uint8Array; ops: BatchOp[]; root: Node | undefined } {
    this.releaseFlushed()
    const ops: BatchOp[] = []
    const pages = new Map<number, Uint8Array>()
    const page = this.builder
    let pageId = -1
    const flush = (): void => {
      if (page.count > 0) {
        const value = page.finish()
        ops.push({ type: 'put', key: this.layout.pageKey(pageId), value })
        pages.set(pageId, value)
      }
      page.start(0)
    }
    const visit = (n: Node): void => {
      if (n.left) {
        visit(n.left)
        n.leftSeq = n.left.seq
        n.leftHash = n.left.hash
        n.left = undefined
      }
      if (n.right) {
        visit(n.right)
        n.rightSeq = n.right.seq
        n.rightHash = n.right.hash
        n.right = undefined
      }
      hashOf(n)
      n.seq = this.nextSeq++
      if (pageOf(n.seq) !== pageId) {
        flush()
        pageId = pageOf(n.seq)
        page.start(n.seq)
      }
      page.add(n)
      if (page.bytes >= PAGE_SOFT_BYTES) {
        flush()
        this.nextSeq = nextPageStart(this.nextSeq)
      }
      this.cache.set(n.seq, n)
    }
    if (root && root.seq === 0) visit(root)
    flush()
    // The next commit starts a new page: a page is written once, whole.
    this.nextSeq = nextPageStart(this.nextSeq)
    const rec: RootRecord = root ? { seq: root.seq, hash: root.hash! } : { seq: 0, hash: EMPTY_HASH }
    const rootKey = this.layout.rootKey(version)
    ops.push({ type: 'put', key: rootKey, value: encodeRoot(rec) })
    ops.push({ type: 'put', key: this.layout.metaKey(), value: encodeMeta({ version, nextSeq: this.nextSeq }) })
    if (orphans && orphans.length > 0) {
      const seqs = [...new Set(orphans)].sort((a, b) => a - b)
      ops.push({ type: 'put', key: this.layout.orphansKey(version), value: encodeSeqs(seqs) })
    }
    this.unflushed.push({ version, rootKey, root: rec, pages })
    this.roots.set(version, rec)
    return { rootHash: rec.hash, ops, root }
  }

  /** Drops the in-memory copies of commits whose root record has reached the disk. */
  private releaseFlushed(): void {
    if (this.unflushed.length === 0) return
    const last = this.unflushed[this.unflushed.length - 1]!
    // Batches are written in order, so the newest one being on disk means all of them are.
    if (this.db.getSync(last.rootKey)) this.unflushed = []
  }
}
