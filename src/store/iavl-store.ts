/**
 * IavlStore: the authenticated, versioned key-value store under the App's state.
 *
 * An immutable AVL+ tree as in cosmos/iavl, hashed exactly as IAVL hashes, so that its proofs verify
 * with `@confio/ics23`'s `iavlSpec`. Every committed version stays readable and provable.
 *
 *   const store = IavlStore.open(db, { prefix: utf8('s'), cacheSize: 200_000 })   // sync
 *   store.set(k, v); store.delete(k2); store.get(k)            // working state
 *   const appHash = store.workingHash()                         // what commit() would produce
 *   const { version, rootHash, ops } = store.commit()
 *   await db.batch([...ops, ...myOwnOps], { sync: true })       // the caller writes, atomically
 *   store.getAt(version, k); store.prove(version, k)            // reads and proofs at a height
 *
 * API
 *   static open(db, { prefix = 's', cacheSize = DEFAULT_CACHE_SIZE })  opens at the latest committed version
 *   version                     latest committed version; 0 before the first commit (versions start at 1)
 *   get(key)                    working state (committed + uncommitted writes); undefined if absent
 *   set(key, value)             key and value must be non-empty (`invalid_request` otherwise)
 *   delete(key)                 true if the key was present
 *   buildSorted(entries, write)  the empty store's first tree from ascending entries, in one pass
 *   iterate({gte, lt, reverse, version})  [key, value] in key order; working state unless `version`.
 *                               Modifying the store while iterating its working state throws.
 *   workingHash()               root hash if committed now (new nodes get version = version + 1)
 *   commit()                    { version, rootHash, ops }: the caller MUST write each commit's `ops`
 *                               in one atomic batch, commits in order. Reads keep working before the
 *                               write lands; if the write fails, discard this store and open it again.
 *   rollback()                  discards uncommitted writes
 *   rootHash(version?)          committed root at `version` (default latest); sha256("") if empty
 *   getAt(version, key)         value at a committed version
 *   proveExistence(version, key)     ics23 CommitmentProof { exist }; `not_found` if absent
 *   proveNonExistence(version, key)  ics23 CommitmentProof { nonexist } with the neighbours;
 *                               `already_exists` if present, `not_found` if the tree is empty
 *   prove(version, key)         { value?, proof: protobuf CommitmentProof } of existence or absence
 *   hasVersion(version)         whether `version` is committed and readable (false once pruned)
 *   prune(keepFrom)             ops deleting versions below keepFrom (needs `recordOrphans`); reads
 *                               at a pruned version fail with `pruned`. See prune.ts.
 *   verify(version?)            O(n) integrity check (hashes and AVL invariants) of a version or
 *                               of the working tree
 *
 * Version 0 reads as the empty tree (root sha256(""), no keys) but is not a committed version.
 * Returned keys and values are copies; the store copies what it is given.
 *
 * Memory: nodes are read lazily with `db.getSync` (a page of nodes per record, see page.ts) into a
 * CLOCK cache of `cacheSize` decoded nodes. Persisted nodes refer to children by sequence number
 * and hash only, so the cache bounds memory; only uncommitted (dirty) nodes, and a commit's pages
 * until its batch is on disk, are held otherwise. Opening reads three records, whatever the size.
 *
 * Files: avl.ts (AVL+ mutations), node.ts (nodes, hashes, encoding), page.ts and layout.ts (what is
 * stored where), node-db.ts (reads, cache, commit ops), iterate.ts, proof.ts, verify.ts.
 */
import { fail } from '../base/errors.js'
import { ics23 } from '@confio/ics23'
import { lookup, Mutator } from './avl.js'
import { buildSorted } from './bulk-build.js'
import { leaves, type Range } from './iterate.js'
import { NodeDb, type BatchOp, type SyncReader } from './node-db.js'
import type { PruneStep } from './prune.js'
import { EMPTY_HASH, hashOf, type Node } from './node.js'
import { encodeProof, existenceProof, nonExistenceProof } from './proof.js'
import { verifyTree, type TreeStats } from './verify.js'
import { copy, copyOf } from './bytes.js'

export type { BatchOp } from './node-db.js'
export type { TreeStats } from './verify.js'
export type { PruneStep } from './prune.js'

/**
 * The database the store reads: an opened classic-level instance with 'view' or 'buffer' keys and
 * values (e.g. `ClassicLevel<Uint8Array, Uint8Array>`), shared with the rest of the node.
 */
export interface StoreDatabase extends SyncReader {
  readonly status: string
  keyEncoding(): { commonName: string }
  valueEncoding(): { commonName: string }
}

export interface IavlStoreOptions {
  /** Key prefix under which the store keeps all its records. Default 's'. */
  prefix?: Uint8Array
  /** Decoded nodes kept in the cache (at most 100M). Default DEFAULT_CACHE_SIZE. */
  cacheSize?: number
  /**
   * Record, with each commit, the nodes it drops, so that old versions can be pruned (`prune`).
   * Costs a few bytes per changed node. Default false: every version is kept forever.
   */
  recordOrphans?: boolean
}

export interface StoreIterateOptions extends Range {
  /** Read this committed version instead of the working state. */
  version?: number
}

export interface CommitResult {
  version: number
  rootHash: Uint8Array
  ops: BatchOp[]
}

/**
 * Decoded nodes are small (~0.6 KiB of heap) but, with the garbage collector's slack, each cache
 * entry costs about 1.5 KiB of resident memory in practice. 200k entries hold the whole tree of a
 * state of ~100k keys and the upper levels of bigger ones; with it a 1M-key store stays under
 * ~1.5 GiB RSS (bench/store.bench.ts). Raise it on machines with memory to spare.
 */
export const DEFAULT_CACHE_SIZE = 200_000

const DEFAULT_PREFIX = Uint8Array.of(0x73) // 's'
const BYTE_FORMATS = new Set(['view', 'buffer'])

function checkBytes(what: string, b: unknown): asserts b is Uint8Array {
  if (!(b instanceof Uint8Array)) fail('invalid_request', `${what} must be a Uint8Array`)
  if (b.length === 0) fail('invalid_request', `${what} must not be empty`)
}

export class IavlStore {
  private latest: number
  private committed: Node | undefined
  private working: Node | undefined
  private mutator: Mutator
  /** Bumped by every change to the working tree; iterators over it check it. */
  private changes = 0

  private constructor(private readonly nodes: NodeDb, version: number, root: Node | undefined, private readonly recordOrphans: boolean) {
    this.latest = version
    this.committed = root
    this.working = root
    this.mutator = new Mutator(nodes, version + 1)
  }

  static open(db: StoreDatabase, opts: IavlStoreOptions = {}): IavlStore {
    if (db.status !== 'open') fail('invalid_state', `the database must be open (status: ${db.status})`)
    for (const [what, enc] of [['key', db.keyEncoding()], ['value', db.valueEncoding()]] as const) {
      if (!BYTE_FORMATS.has(enc.commonName)) fail('invalid_request', `the database's ${what} encoding must be 'view' or 'buffer', not '${enc.commonName}'`)
    }
    const prefix = opts.prefix ?? DEFAULT_PREFIX
    if (!(prefix instanceof Uint8Array)) fail('invalid_request', 'prefix must be a Uint8Array')
    const cacheSize = opts.cacheSize ?? DEFAULT_CACHE_SIZE
    if (!Number.isSafeInteger(cacheSize) || cacheSize < 0 || cacheSize > 100_000_000) fail('invalid_request', `cacheSize must be an integer from 0 to 100M, got ${cacheSize}`)
    const nodes = new NodeDb(db, copy(prefix), cacheSize)
    const version = nodes.openedVersion
    let root: Node | undefined
    if (version > 0) {
      const rec = nodes.readRoot(version) ?? fail('invalid_state', `store metadata names version ${version} but its root record is missing`)
      root = nodes.loadRoot(rec)
    }
    return new IavlStore(nodes, version, root, opts.recordOrphans ?? false)
  }

  /** Latest committed version; 0 before the first commit. */
  get version(): number {
    return this.latest
  }

  // ------------------------------------------------------------------ working state

  get(key: Uint8Array): Uint8Array | undefined {
    return copyOf(lookup(this.working, key, this.nodes))
  }

  set(key: Uint8Array, value: Uint8Array): void {
    checkBytes('key', key)
    checkBytes('value', value)
    this.working = this.mutator.set(this.working, copy(key), copy(value))
    this.changes++
  }

  delete(key: Uint8Array): boolean {
    if (!(key instanceof Uint8Array)) fail('invalid_request', 'key must be a Uint8Array')
    const r = this.mutator.remove(this.working, key)
    if (!r.removed) return false
    this.working = r.root
    this.changes++
    return true
  }

  /**
   * Fills the empty working tree (before the first commit) with `entries`, keys strictly ascending,
   * in one pass: the same tree, and hash, as `set` of each in that order (bulk-build.ts). Finished
   * subtrees are handed to `write` as batch ops on the way (the caller writes them; nothing names
   * them until the commit); the arrays given are kept, not copied.
   */
  async buildSorted(entries: Iterable<readonly [Uint8Array, Uint8Array]>, write: (ops: BatchOp[]) => Promise<void>): Promise<void> {
    if (this.latest !== 0 || this.working) fail('invalid_state', 'a tree is built from sorted entries only into an empty store')
    this.changes++
    this.working = await buildSorted(this.nodes, this.latest + 1, entries, { write })
  }

  *iterate(opts: StoreIterateOptions = {}): Generator<[Uint8Array, Uint8Array]> {
    const { version, ...range } = opts
    if (version !== undefined) {
      for (const n of leaves(this.rootAt(version), this.nodes, range)) yield [copy(n.key), copy(n.value!)]
      return
    }
    const stamp = this.changes
    for (const n of leaves(this.working, this.nodes, range)) {
      if (this.changes !== stamp) fail('invalid_state', 'the store was modified while iterating its working state')
      yield [copy(n.key), copy(n.value!)]
    }
  }

  workingHash(): Uint8Array {
    return copy(this.working ? hashOf(this.working) : EMPTY_HASH)
  }

  commit(): CommitResult {
    const version = this.latest + 1
    const { rootHash, ops, root } = this.nodes.persist(this.working, version, this.recordOrphans ? this.mutator.orphans : undefined)
    this.latest = version
    this.committed = root
    this.working = root
    this.mutator = new Mutator(this.nodes, version + 1)
    return { version, rootHash: copy(rootHash), ops }
  }

  rollback(): void {
    if (this.working !== this.committed) this.changes++
    this.working = this.committed
    this.mutator = new Mutator(this.nodes, this.latest + 1)
  }

  // ------------------------------------------------------------------ pruning

  /** The smallest version that wrote a leaf in [gte, lt) of the latest committed tree. */
  minLeafVersion(range: Range): number | undefined {
    let min: number | undefined
    for (const n of leaves(this.committed, this.nodes, range)) if (min === undefined || n.version < min) min = n.version
    return min
  }

  /** First retained version: versions below it are pruned (1 if none is). */
  get firstVersion(): number {
    return this.nodes.floor
  }

  /** Whether `version` was committed and has since been pruned. */
  isPruned(version: number): boolean {
    return Number.isSafeInteger(version) && version >= 1 && version < this.nodes.floor && version <= this.latest
  }

  /**
   * Prunes every version below `keepFrom` (at most the latest): returns the ops, which the caller
   * MUST write in one atomic batch before calling again; never part of a commit's batch. Only
   * versions committed with `recordOrphans` free their nodes. Reads at pruned versions fail with
   * `pruned` from now on.
   */
  prune(keepFrom: number): PruneStep {
    if (!Number.isSafeInteger(keepFrom) || keepFrom > this.latest) fail('invalid_request', `cannot prune up to version ${keepFrom} (latest is ${this.latest})`)
    if (keepFrom <= this.nodes.floor) return { ops: [], prunedVersions: 0, pagesDeleted: 0, nodesPruned: 0 }
    return this.nodes.prune(keepFrom)
  }

  // ------------------------------------------------------------------ committed versions

  hasVersion(version: number): boolean {
    return Number.isSafeInteger(version) && version >= 1 && version <= this.latest && this.nodes.readRoot(version) !== undefined
  }

  rootHash(version: number = this.latest): Uint8Array {
    this.checkVersion(version)
    if (version === 0) return copy(EMPTY_HASH)
    const rec = this.nodes.readRoot(version) ?? fail('not_found', `version ${version} is not stored`)
    return copy(rec.hash)
  }

  getAt(version: number, key: Uint8Array): Uint8Array | undefined {
    return copyOf(lookup(this.rootAt(version), key, this.nodes))
  }

  proveExistence(version: number, key: Uint8Array): ics23.ICommitmentProof {
    checkBytes('key', key)
    const exist = existenceProof(this.rootAt(version), key, this.nodes)
    if (!exist) fail('not_found', `key is absent at version ${version}`)
    return { exist }
  }

  proveNonExistence(version: number, key: Uint8Array): ics23.ICommitmentProof {
    checkBytes('key', key)
    const nonexist = nonExistenceProof(this.rootAt(version), key, this.nodes)
    if (!nonexist) fail('already_exists', `key is present at version ${version}`)
    return { nonexist }
  }

  /** Proof of the key's value, or of its absence, at `version`, encoded as protobuf. */
  prove(version: number, key: Uint8Array): { value?: Uint8Array; proof: Uint8Array } {
    checkBytes('key', key)
    const root = this.rootAt(version)
    const exist = existenceProof(root, key, this.nodes)
    if (exist) return { value: exist.value!, proof: encodeProof({ exist }) }
    const nonexist = nonExistenceProof(root, key, this.nodes)
    if (!nonexist) fail('invalid_state', 'key neither present nor absent')
    return { proof: encodeProof({ nonexist }) }
  }

  /** Recomputes every hash and checks the AVL invariants of a committed version (or the working tree). */
  verify(version?: number): TreeStats {
    if (version === undefined) return verifyTree(this.working, this.nodes)
    const stats = verifyTree(this.rootAt(version), this.nodes)
    const recorded = this.rootHash(version)
    if (Buffer.compare(stats.rootHash, recorded) !== 0) fail('invalid_state', `version ${version}: recomputed root differs from its record`)
    return stats
  }

  // ------------------------------------------------------------------ helpers

  private checkVersion(version: number): void {
    if (!Number.isSafeInteger(version) || version < 0) fail('invalid_request', `version must be a non-negative integer, got ${version}`)
    if (version > this.latest) fail('not_found', `version ${version} is not committed (latest is ${this.latest})`)
    if (this.isPruned(version)) fail('pruned', `version ${version} is pruned (the first retained version is ${this.nodes.floor})`)
  }

  /** Root node of a committed version (undefined for an empty tree). */
  private rootAt(version: number): Node | undefined {
    this.checkVersion(version)
    if (version === this.latest) return this.committed
    if (version === 0) return undefined
    const rec = this.nodes.readRoot(version) ?? fail('not_found', `version ${version} is not stored`)
    return this.nodes.loadRoot(rec)
  }
}
