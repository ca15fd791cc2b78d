/**
 * A correlator's persistent replicas (embedded LevelDB through classic-level), so that a restart
 * resumes where it stopped instead of fetching every collector's log from index 0 again. Per
 * collector, the verified entries and the anchored checkpoint they rebuild are written in one
 * atomic batch, so the store never holds entries without the root that vouches for them:
 *   e|collector hex|index (u64 BE) -> entry
 *   a|collector hex                -> anchored checkpoint (CBOR: size, root)
 * On load the entries are checked against that root again (LogReplica.extend).
 */
import { ClassicLevel } from 'classic-level'
import { decodeTrusted, encodeCanonical } from '../codec/cbor.js'
import { readU64be, u64be } from '../codec/be.js'
import { concatBytes, toHex, utf8 } from '../base/bytes.js'

const entryPrefix = (collector: Uint8Array) => utf8(`e|${toHex(collector)}|`)
const entryKey = (collector: Uint8Array, i: number) => concatBytes(entryPrefix(collector), u64be(BigInt(i)))
const anchoredKey = (collector: Uint8Array) => utf8(`a|${toHex(collector)}`)
const after = (p: Uint8Array) => concatBytes(p, new Uint8Array([0xff]))

export class ReplicaStore {
  private constructor(private readonly db: ClassicLevel<Uint8Array, Uint8Array>) {}

  static async open(dir: string): Promise<ReplicaStore> {
    const db = new ClassicLevel<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' })
    await db.open()
    return new ReplicaStore(db)
  }

  /** The stored replica of `collector`: its entries in log order and the checkpoint they rebuild. */
  async load(collector: Uint8Array): Promise<{ entries: Uint8Array[]; anchored: { size: number; root: Uint8Array } } | undefined> {
    const a = await this.db.get(anchoredKey(collector))
    if (!a) return undefined
    const m = decodeTrusted(a) as { size: number | bigint; root: Uint8Array }
    const entries: Uint8Array[] = []
    const p = entryPrefix(collector)
    for await (const [k, v] of this.db.iterator({ gte: p, lt: after(p) })) {
      if (Number(readU64be(k, p.length)) !== entries.length) break // a hole: the caller sees a size mismatch
      entries.push(v)
    }
    return { entries: entries.slice(0, Number(m.size)), anchored: { size: Number(m.size), root: m.root } }
  }

  /** Appends entries [from, from + entries.length) and the checkpoint they reach, atomically. */
  async save(collector: Uint8Array, from: number, entries: readonly Uint8Array[], anchored: { size: number; root: Uint8Array }): Promise<void> {
    const ops = entries.map((e, k) => ({ type: 'put' as const, key: entryKey(collector, from + k), value: e }))
    ops.push({ type: 'put', key: anchoredKey(collector), value: encodeCanonical({ size: BigInt(anchored.size), root: anchored.root }) })
    await this.db.batch(ops)
  }

  /** Forgets a collector's replica (it no longer matched the chain). */
  async clear(collector: Uint8Array): Promise<void> {
    const p = entryPrefix(collector)
    await this.db.batch([{ type: 'del', key: anchoredKey(collector) }])
    await this.db.clear({ gte: p, lt: after(p) })
  }

  async close(): Promise<void> {
    await this.db.close()
  }
}
