/**
 * Restoring a snapshot (format 1, snapshot.ts) as its chunks arrive. Each chunk is parsed as far as
 * it goes (a record may span chunks); the tree is rebuilt bottom-up from the pre-order stream with an
 * explicit stack, and the completed subtrees are hashed and written to the database in groups of
 * `band` tree levels, so memory holds one chunk, the open path of the tree and the subtrees not
 * yet written — not the whole snapshot and the whole tree. The store's pages go to disk under a
 * root record of the snapshot's height; nothing makes the App see them until `finish` has checked
 * the root against the light-client-verified app hash and written the App record. A restore that
 * fails (or a crash in the middle) leaves pages behind with no App record: `begin` and `abort`
 * clear the store's key range, so the next restore starts from an empty store.
 */
import { createHash, type Hash } from 'node:crypto'
import type { ClassicLevel } from 'classic-level'
import { bytesEqual, toHex, utf8 } from '../../base/bytes.js'
import { fail } from '../../base/errors.js'
import { decodeTrusted } from '../../codec/cbor.js'
import { Node } from '../../store/node.js'
import { NodeDb } from '../../store/node-db.js'
import { Layout, encodeUvarints } from '../../store/layout.js'
import { GENESIS_KEY, MAGIC, META_KEY, STORE_PREFIX } from './snapshot.js'

/** The end of the store's key range (its prefix is "s"). */
const STORE_END = utf8('t')
/** Deepest tree accepted (an AVL tree of 2^40 leaves is ~58 high). */
const MAX_HEIGHT = 128
/** Longest single record (key, value, App record, genesis) accepted. */
const MAX_RECORD = 256 * 1024 * 1024

/** An inner node whose children are still arriving. */
interface Frame { node: Node; leftHeight?: number; leftSize?: number }

/** Thrown inside the parser when the bytes so far end in the middle of a record. */
const MORE = Symbol('more')

export class SnapshotRestorer {
  private readonly nodes: NodeDb
  private readonly whole: Hash = createHash('sha256')
  private rest: Buffer = Buffer.alloc(0)
  private stage: 'magic' | 'meta' | 'genesis' | 'nodes' | 'done' = 'magic'
  private meta?: Uint8Array
  private genesis?: Uint8Array
  private readonly stack: Frame[] = []
  private root?: Node
  private pending: Promise<void> = Promise.resolve()
  /** Nodes parsed and subtrees written so far (for logs and benchmarks). */
  readonly stats = { nodes: 0, written: 0, bytes: 0 }

  constructor(
    private readonly db: ClassicLevel<Uint8Array, Uint8Array>,
    readonly height: bigint,
    private readonly appHash: Uint8Array,
    /** Tree levels written together (a group holds up to 2^band nodes). */
    private readonly band = 8,
  ) {
    this.nodes = new NodeDb(db, STORE_PREFIX, 1000)
  }

  /** Refuses a database that holds an App; clears what an interrupted restore left in the store. */
  async begin(): Promise<void> {
    if (this.db.getSync(META_KEY)) fail('invalid_state', 'the App already holds state: a snapshot is restored into an empty database only')
    await this.db.clear({ gte: STORE_PREFIX, lt: STORE_END })
  }

  /** Drops what was written (the snapshot was refused). */
  async abort(): Promise<void> {
    await this.pending.catch(() => undefined)
    await this.db.clear({ gte: STORE_PREFIX, lt: STORE_END })
  }

  /** Parses the next chunk (in order), writing the subtrees it completes. */
  async push(chunk: Uint8Array): Promise<void> {
    if (this.stage === 'done') fail('invalid_request', 'snapshot: bytes after the tree')
    this.whole.update(chunk)
    this.stats.bytes += chunk.length
    const buf = this.rest.length ? Buffer.concat([this.rest, chunk]) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
    let pos = 0
    const uvarint = (): number => {
      let n = 0
      let mul = 1
      for (let i = 0; i < 8; i++) {
        if (pos >= buf.length) throw MORE
        const x = buf[pos++]!
        n += (x & 0x7f) * mul
        if (x < 0x80) return n
        mul *= 128
      }
      fail('invalid_request', 'snapshot: varint too long')
    }
    const bytes = (): Uint8Array => {
      const n = uvarint()
      if (n > MAX_RECORD) fail('invalid_request', `snapshot: a record of ${n} bytes`)
      if (pos + n > buf.length) throw MORE
      const out = new Uint8Array(n)
      out.set(buf.subarray(pos, pos + n))
      pos += n
      return out
    }
    let start = 0
    try {
      for (;;) {
        start = pos
        if (this.stage === 'magic') {
          if (buf.length < MAGIC.length) throw MORE
          if (!bytesEqual(buf.subarray(0, MAGIC.length), MAGIC)) fail('invalid_request', 'not a Polis snapshot of format 1')
          pos = MAGIC.length
          this.stage = 'meta'
        } else if (this.stage === 'meta') {
          this.meta = bytes()
          this.checkMeta(this.meta)
          this.stage = 'genesis'
        } else if (this.stage === 'genesis') {
          this.genesis = bytes()
          this.stage = 'nodes'
        } else if (this.stage === 'nodes') {
          if (pos >= buf.length) throw MORE
          const h = uvarint()
          const version = uvarint()
          const key = bytes()
          if (version < 1 || version > Number(this.height)) fail('invalid_request', `snapshot: node version ${version} outside 1..${this.height}`)
          if (h > MAX_HEIGHT || this.stack.length >= MAX_HEIGHT) fail('invalid_request', 'snapshot: tree too deep')
          this.stats.nodes++
          if (h === 0) await this.complete(new Node(key, bytes(), version, 0, 1))
          else this.stack.push({ node: new Node(key, undefined, version, h, 0) })
        } else {
          if (pos < buf.length) fail('invalid_request', 'snapshot: bytes after the tree')
          throw MORE
        }
      }
    } catch (e) {
      if (e !== MORE) throw e
      this.rest = Buffer.from(buf.subarray(start))
    }
  }

  /** All chunks are in: checks the tree, its hash and the snapshot's, then writes the App record. */
  async finish(snapshotHash: Uint8Array): Promise<void> {
    if (this.stage === 'magic' || this.stage === 'meta' || this.stage === 'genesis') fail('invalid_request', 'snapshot truncated')
    if (this.stack.length || this.rest.length) fail('invalid_request', 'snapshot truncated')
    if (!bytesEqual(new Uint8Array(this.whole.digest()), snapshotHash)) fail('proof_invalid', 'snapshot does not hash to its announced hash')
    const { rootHash, ops } = this.nodes.persist(this.root, Number(this.height))
    if (!bytesEqual(rootHash, this.appHash)) fail('proof_invalid', `snapshot: the restored state's hash ${toHex(rootHash)} is not the verified app hash ${toHex(this.appHash)}`)
    // the first retained version is H: the store's pruning then has nothing older to look for
    const floor = { type: 'put' as const, key: new Layout(STORE_PREFIX).floorKey(), value: encodeUvarints(Number(this.height)) }
    await this.db.batch([...ops, floor, { type: 'put', key: GENESIS_KEY, value: this.genesis! }, { type: 'put', key: META_KEY, value: this.meta! }])
  }

  private checkMeta(meta: Uint8Array): void {
    let m: { height: bigint; app_hash: Uint8Array }
    try {
      m = decodeTrusted(meta) as typeof m
    } catch {
      fail('invalid_request', 'snapshot: the App record does not decode')
    }
    if (BigInt(m.height) !== this.height) fail('proof_invalid', `snapshot: the App record is of height ${m.height}, not ${this.height}`)
    if (!(m.app_hash instanceof Uint8Array) || !bytesEqual(m.app_hash, this.appHash)) fail('proof_invalid', 'snapshot: the App record names another app hash than the verified header')
  }

  /** A node whose subtree is complete: written if tall enough, then given to its parent (which may complete in turn). */
  private async complete(n: Node): Promise<void> {
    for (;;) {
      const f = this.stack.at(-1)
      // subtrees are written in groups of `band` levels: a node whose parent is in a higher band closes one
      if (f && Math.floor(f.node.height / this.band) > Math.floor(n.height / this.band)) await this.write(n)
      if (!f) {
        if (this.root) fail('invalid_request', 'snapshot: bytes after the tree')
        this.root = n
        this.stage = 'done'
        return
      }
      const p = f.node
      if (f.leftHeight === undefined) {
        if (n.seq) [p.leftSeq, p.leftHash] = [n.seq, n.hash]
        else p.left = n
        f.leftHeight = n.height
        f.leftSize = n.size
        return
      }
      if (n.seq) [p.rightSeq, p.rightHash] = [n.seq, n.hash]
      else p.right = n
      if (p.height !== 1 + Math.max(f.leftHeight, n.height)) fail('invalid_request', 'snapshot: node heights do not form a tree')
      p.size = f.leftSize! + n.size
      this.stack.pop()
      n = p
    }
  }

  /**
   * Hashes and writes one completed subtree (its nodes become persisted nodes, referred to by
   * sequence and hash). The root record of height H goes with it so that the store forgets the
   * pages it wrote; `finish` overwrites it with the whole tree's.
   */
  private async write(n: Node): Promise<void> {
    const { ops } = this.nodes.persist(n, Number(this.height))
    this.pending = this.db.batch(ops.slice(0, -1))
    await this.pending
    this.stats.written++
  }
}
