/**
 * The solo engine's mempool: admitted transactions in arrival order (which, per sender, is nonce
 * order, since admission checks each nonce against the sender's pending ones: src/chain/admission.ts).
 * Transactions are keyed by `txKey` (the hash as a latin1 string: one char per byte, a third of
 * the cost of hex on a path every transaction takes several times).
 */
import { PolisError } from '../../base/errors.js'
import { keyString } from '../../app/kv.js'

export interface MempoolTx { bytes: Uint8Array; hash: Uint8Array; key: string }

/** The mempool's (and the engine's waiters') key of a transaction hash. */
export const txKey: (hash: Uint8Array) => string = keyString

export class Mempool {
  private readonly txs = new Map<string, MempoolTx>()
  private bytesTotal = 0

  constructor(readonly maxTxs = 50_000, readonly maxBytes = 256 * 1024 * 1024) {}

  get size(): number {
    return this.txs.size
  }

  has(key: string): boolean {
    return this.txs.has(key)
  }

  /** Throws mempool_full / duplicate_tx; call before the (expensive) App check. */
  ensureRoom(key: string, bytes: number): void {
    if (this.txs.has(key)) throw new PolisError('duplicate_tx', 'transaction is already in the mempool')
    if (this.txs.size >= this.maxTxs || this.bytesTotal + bytes > this.maxBytes) throw new PolisError('mempool_full', 'mempool is full; retry later')
  }

  add(tx: MempoolTx): void {
    this.txs.set(tx.key, tx)
    this.bytesTotal += tx.bytes.length
  }

  /** The oldest transactions, up to the block limits, without removing them. */
  reap(maxTxs: number, maxBytes: number): MempoolTx[] {
    const out: MempoolTx[] = []
    let bytes = 0
    for (const tx of this.txs.values()) {
      if (out.length >= maxTxs || bytes + tx.bytes.length > maxBytes) break
      out.push(tx)
      bytes += tx.bytes.length
    }
    return out
  }

  remove(key: string): void {
    const tx = this.txs.get(key)
    if (!tx) return
    this.txs.delete(key)
    this.bytesTotal -= tx.bytes.length
  }

  all(): MempoolTx[] {
    return [...this.txs.values()]
  }
}
