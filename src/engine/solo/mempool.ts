/**
 * The solo engine's mempool: admitted transactions in arrival order (which, per sender, is nonce
 * order, since admission checks each nonce against the sender's pending ones: src/chain/admission.ts).
 */
import { PolisError } from '../../base/errors.js'
import { toHex } from '../../base/bytes.js'

export interface MempoolTx { bytes: Uint8Array; hash: Uint8Array; hashHex: string }

export class Mempool {
  private readonly txs = new Map<string, MempoolTx>()
  private bytesTotal = 0

  constructor(readonly maxTxs = 50_000, readonly maxBytes = 256 * 1024 * 1024) {}

  get size(): number {
    return this.txs.size
  }

  has(hashHex: string): boolean {
    return this.txs.has(hashHex)
  }

  /** Throws mempool_full / duplicate_tx; call before the (expensive) App check. */
  ensureRoom(hash: Uint8Array, bytes: number): void {
    if (this.txs.has(toHex(hash))) throw new PolisError('duplicate_tx', 'transaction is already in the mempool')
    if (this.txs.size >= this.maxTxs || this.bytesTotal + bytes > this.maxBytes) throw new PolisError('mempool_full', 'mempool is full; retry later')
  }

  add(tx: MempoolTx): void {
    this.txs.set(tx.hashHex, tx)
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

  remove(hashHex: string): void {
    const tx = this.txs.get(hashHex)
    if (!tx) return
    this.txs.delete(hashHex)
    this.bytesTotal -= tx.bytes.length
  }

  all(): MempoolTx[] {
    return [...this.txs.values()]
  }
}
