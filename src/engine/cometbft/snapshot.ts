/**
 * State-sync snapshots of the App (format 1), for ABCI's ListSnapshots / LoadSnapshotChunk /
 * OfferSnapshot / ApplySnapshotChunk (abci-app.ts).
 *
 * A snapshot of height H is one byte string, cut into chunks:
 *
 *   magic "polis-snapshot/1" ‖ uvarint len ‖ a/meta ‖ uvarint len ‖ a/genesis ‖ nodes
 *
 * `nodes` is the state tree of version H in pre-order, each node as
 * uvarint height ‖ uvarint version ‖ uvarint len ‖ key [‖ uvarint len ‖ value, leaves only]: what
 * rebuilding the very same IAVL tree needs (an IAVL hash covers each node's version and the tree's
 * shape, so the key/value pairs alone would not give the same app hash). The snapshot's `hash` is
 * SHA-256 of the whole string; its `metadata` lists the SHA-256 of every chunk, so that a chunk is
 * checked on arrival and a bad one fetched again from another peer.
 *
 * Restoring (snapshot-restore.ts) rebuilds the tree as the chunks arrive, recomputes its root hash,
 * and accepts the snapshot only if it equals the app hash CometBFT verified with its light client
 * (header H+1) and the App record says height H with that app hash.
 */
import { createHash } from 'node:crypto'
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import type { ClassicLevel } from 'classic-level'
import { sha256 } from '../../crypto/hash.js'
import { toHex, utf8 } from '../../base/bytes.js'
import { fail } from '../../base/errors.js'
import { decodeTrusted } from '../../codec/cbor.js'
import { PreorderWalk, type RawNode } from '../../store/preorder.js'

export const SNAPSHOT_FORMAT = 1
export const MAGIC = utf8('polis-snapshot/1')
/** The App's state tree lives under this key prefix (src/chain/app.ts), the App record and genesis under these keys. */
export const STORE_PREFIX = utf8('s')
export const META_KEY = utf8('a/meta')
export const GENESIS_KEY = utf8('a/genesis')

export interface SnapshotInfo { height: bigint; format: number; chunks: number; hash: Uint8Array; metadata: Uint8Array }
export interface SnapshotMetadata { chunk_hashes: string[]; bytes: number }

/** What a snapshot of `height` needs from the moment of its commit: the App record and genesis (they change with the next block). */
export interface SnapshotStart { height: bigint; meta: Uint8Array; genesis: Uint8Array }

/** Right after the commit of `height`: the App records of that height (a/meta must say it). */
export function startSnapshot(db: ClassicLevel<Uint8Array, Uint8Array>, height: bigint): SnapshotStart {
  const meta = db.getSync(META_KEY)
  const genesis = db.getSync(GENESIS_KEY)
  if (!meta || !genesis) fail('invalid_state', 'no committed state to snapshot')
  const m = decodeTrusted(meta) as { height: bigint }
  if (BigInt(m.height) !== height) fail('invalid_state', `a snapshot of height ${height} asked while the App is at ${m.height}`)
  return { height, meta, genesis }
}

/**
 * Writes the snapshot string of a started snapshot to `file`, cut into chunks of `chunkBytes` as it
 * goes: returns the hash of each chunk and of the whole. The tree of that version is read straight
 * from its pages in pre-order (store/preorder.ts; its pages never change once written), `batch`
 * nodes at a time, yielding to the event loop in between so that the App goes on answering
 * CometBFT while a large state is exported. Memory: one chunk and the walk's page cache.
 */
export async function exportSnapshot(db: ClassicLevel<Uint8Array, Uint8Array>, start: SnapshotStart, file: string, chunkBytes: number, batch = 20_000): Promise<{ chunkHashes: string[]; bytes: number; hash: Uint8Array }> {
  const walk = new PreorderWalk(db, STORE_PREFIX, Number(start.height))
  const out = new ChunkFile(file, chunkBytes)
  try {
    out.bytes(MAGIC, false)
    out.bytes(start.meta)
    out.bytes(start.genesis)
    const visit = (n: RawNode): void => {
      out.uvarint(n.height)
      out.uvarint(n.version)
      out.uvarint(n.keyEnd - n.keyStart)
      out.bytes(n.buf.subarray(n.keyStart, n.keyEnd), false)
      if (n.height === 0) {
        out.uvarint(n.valueEnd - n.keyEnd)
        out.bytes(n.buf.subarray(n.keyEnd, n.valueEnd), false)
      }
    }
    while (walk.step(batch, visit)) await new Promise((r) => setImmediate(r))
    return out.finish()
  } finally {
    out.close()
  }
}

/** A snapshot file being written: bytes go through a chunk-sized buffer; each full chunk is hashed and appended. */
class ChunkFile {
  private readonly fd: number
  private readonly buf: Buffer
  private used = 0
  private total = 0
  private readonly hashes: string[] = []
  private readonly whole = createHash('sha256')

  constructor(file: string, private readonly size: number) {
    if (!Number.isSafeInteger(size) || size < 1) fail('invalid_request', `snapshot chunk size must be a positive integer, got ${size}`)
    this.fd = openSync(file, 'w')
    this.buf = Buffer.allocUnsafe(size)
  }

  uvarint(n: number): void {
    while (n >= 0x80) {
      this.byte((n & 0x7f) | 0x80)
      n = Math.floor(n / 128)
    }
    this.byte(n)
  }

  /** `x`, preceded by its length unless `sized` is false. */
  bytes(x: Uint8Array, sized = true): void {
    if (sized) this.uvarint(x.length)
    let at = 0
    while (at < x.length) {
      const n = Math.min(x.length - at, this.size - this.used)
      this.buf.set(x.subarray(at, at + n), this.used)
      this.used += n
      at += n
      if (this.used === this.size) this.emit()
    }
  }

  private byte(b: number): void {
    this.buf[this.used++] = b
    if (this.used === this.size) this.emit()
  }

  private emit(): void {
    if (this.used === 0) return
    const chunk = this.buf.subarray(0, this.used)
    this.hashes.push(toHex(sha256(chunk)))
    this.whole.update(chunk)
    writeSync(this.fd, chunk)
    this.total += this.used
    this.used = 0
  }

  finish(): { chunkHashes: string[]; bytes: number; hash: Uint8Array } {
    this.emit()
    return { chunkHashes: this.hashes, bytes: this.total, hash: new Uint8Array(this.whole.digest()) }
  }

  close(): void {
    closeSync(this.fd)
  }
}

/**
 * Snapshots on disk, `<dir>/<height>/{snapshot, info.json}`: made every `interval` blocks, the
 * newest `keep` kept.
 */
export class SnapshotStore {
  constructor(readonly dir: string, readonly opts: { interval: number; keep?: number; chunkBytes?: number }) {
    mkdirSync(dir, { recursive: true })
  }

  private running?: Promise<void>
  /** The height of the snapshot being made: its state must not be pruned meanwhile (node.ts). */
  exporting?: number

  /**
   * After the commit of `height`: starts a snapshot if one is due (and none is being made), and
   * returns at once; the snapshot is written in the background (`idle()` waits for it). `log` says
   * how it ended.
   */
  maybeTake(db: ClassicLevel<Uint8Array, Uint8Array>, height: bigint, log: (m: string) => void): void {
    if (this.opts.interval <= 0 || height % BigInt(this.opts.interval) !== 0n) return
    if (this.running) return log(`snapshot of height ${height} skipped: the previous one is still being made`)
    const start = startSnapshot(db, height)
    this.exporting = Number(height)
    const t0 = process.hrtime.bigint()
    this.running = this.take(db, start).then(
      (info) => log(`snapshot of height ${info.height}: ${info.chunks} chunks, ${JSON.parse(Buffer.from(info.metadata).toString('utf8')).bytes} bytes, made in ${(Number(process.hrtime.bigint() - t0) / 1e9).toFixed(1)} s`),
      (e: Error) => log(`snapshot of height ${height} failed: ${e.message}`),
    ).finally(() => {
      this.running = undefined
      this.exporting = undefined
    })
  }

  /** Resolves once no snapshot is being made. */
  idle(): Promise<void> {
    return this.running ?? Promise.resolve()
  }

  private async take(db: ClassicLevel<Uint8Array, Uint8Array>, start: SnapshotStart): Promise<SnapshotInfo> {
    const height = start.height
    const size = this.opts.chunkBytes ?? 1 << 20
    const tmp = join(this.dir, `.${height}`)
    rmSync(tmp, { recursive: true, force: true })
    mkdirSync(tmp)
    const made = await exportSnapshot(db, start, join(tmp, 'snapshot'), size)
    const metadata: SnapshotMetadata = { chunk_hashes: made.chunkHashes, bytes: made.bytes }
    writeFileSync(join(tmp, 'info.json'), JSON.stringify({ height: height.toString(), chunk_bytes: size, hash: toHex(made.hash), metadata }))
    renameSync(tmp, join(this.dir, height.toString()))
    const all = this.heights()
    for (const h of all.slice(0, Math.max(0, all.length - (this.opts.keep ?? 2)))) rmSync(join(this.dir, h.toString()), { recursive: true, force: true })
    return this.info(height)!
  }

  heights(): bigint[] {
    if (!existsSync(this.dir)) return []
    return readdirSync(this.dir).filter((d) => /^[0-9]+$/.test(d)).map(BigInt).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  }

  info(height: bigint): SnapshotInfo | undefined {
    const f = join(this.dir, height.toString(), 'info.json')
    if (!existsSync(f)) return undefined
    const j = JSON.parse(readFileSync(f, 'utf8')) as { hash: string; metadata: SnapshotMetadata }
    return { height, format: SNAPSHOT_FORMAT, chunks: j.metadata.chunk_hashes.length, hash: Buffer.from(j.hash, 'hex'), metadata: utf8(JSON.stringify(j.metadata)) }
  }

  list(): SnapshotInfo[] {
    return this.heights().map((h) => this.info(h)!).filter(Boolean)
  }

  chunk(height: bigint, index: number): Uint8Array | undefined {
    const f = join(this.dir, height.toString(), 'info.json')
    if (!existsSync(f)) return undefined
    const size = (JSON.parse(readFileSync(f, 'utf8')) as { chunk_bytes: number }).chunk_bytes
    // only the chunk's range of the file: a snapshot is hundreds of MiB at a million accounts
    const fd = openSync(join(this.dir, height.toString(), 'snapshot'), 'r')
    try {
      const total = fstatSync(fd).size
      if (!Number.isSafeInteger(index) || index < 0 || index * size >= total) return undefined
      const out = Buffer.alloc(Math.min(size, total - index * size))
      readSync(fd, out, 0, out.length, index * size)
      return out
    } finally {
      closeSync(fd)
    }
  }
}

/** The chunk hashes a snapshot's metadata announces; refuses metadata that is not ours. */
export function parseSnapshotMetadata(metadata: Uint8Array, chunks: number): string[] {
  let m: SnapshotMetadata
  try {
    m = JSON.parse(Buffer.from(metadata).toString('utf8')) as SnapshotMetadata
  } catch {
    fail('invalid_request', 'snapshot metadata is not JSON')
  }
  if (!Array.isArray(m.chunk_hashes) || m.chunk_hashes.length !== chunks || !m.chunk_hashes.every((h) => typeof h === 'string' && /^[0-9a-f]{64}$/.test(h))) fail('invalid_request', 'snapshot metadata does not list one SHA-256 per chunk')
  return m.chunk_hashes
}
