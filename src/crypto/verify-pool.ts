/**
 * Parallel Ed25519 verification on worker threads. Requests are gathered for one tick and sent
 * to the workers in batches, so the per-message cost of crossing threads is amortised.
 * With `threads: 0` verification runs inline (for tools and tests that want no workers).
 */
import type { Worker } from 'node:worker_threads'
import { startTsWorker } from '../util/ts-worker.js'
import { availableParallelism } from 'node:os'
import { verifySignature } from './keys.js'
import { packBatch, type Item } from './verify-batch.js'

interface Pending { items: Item[]; resolves: Array<(ok: boolean) => void> }

export class VerifyPool {
  private readonly workers: Worker[] = []
  private readonly inflight = new Map<number, Pending>()
  private queue: Pending = { items: [], resolves: [] }
  private scheduled = false
  private nextId = 1
  private rr = 0
  private closed = false

  constructor(threads = Math.max(1, availableParallelism()), private readonly batchSize = 256) {
    for (let i = 0; i < threads; i++) {
      const w = startTsWorker(new URL('./verify-worker.ts', import.meta.url))
      w.unref()
      w.on('message', (m: { id: number; out: Uint8Array }) => {
        const p = this.inflight.get(m.id)
        if (!p) return
        this.inflight.delete(m.id)
        for (let j = 0; j < p.resolves.length; j++) p.resolves[j]!(m.out[j] === 1)
      })
      w.on('error', (err) => {
        // A worker crash must not lose requests: fail over to inline verification.
        for (const [id, p] of this.inflight) {
          this.inflight.delete(id)
          p.items.forEach((it, j) => p.resolves[j]!(verifySignature(...it)))
        }
        this.workers.splice(this.workers.indexOf(w), 1)
        console.error('verify worker failed:', err)
      })
      this.workers.push(w)
    }
  }

  get threads(): number {
    return this.workers.length
  }

  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<boolean> {
    if (this.workers.length === 0 || this.closed) return Promise.resolve(verifySignature(publicKey, message, signature))
    return new Promise((resolve) => {
      this.queue.items.push([publicKey, message, signature])
      this.queue.resolves.push(resolve)
      if (this.queue.items.length >= this.batchSize) this.flush()
      else if (!this.scheduled) {
        this.scheduled = true
        setImmediate(() => this.flush())
      }
    })
  }

  /** Verifies many at once; resolves to one boolean per item, in order. */
  verifyMany(items: Item[]): Promise<boolean[]> {
    return Promise.all(items.map((it) => this.verify(...it)))
  }

  private flush(): void {
    this.scheduled = false
    const q = this.queue
    if (q.items.length === 0) return
    this.queue = { items: [], resolves: [] }
    for (let off = 0; off < q.items.length; off += this.batchSize) {
      const part: Pending = { items: q.items.slice(off, off + this.batchSize), resolves: q.resolves.slice(off, off + this.batchSize) }
      const w = this.workers[this.rr++ % this.workers.length]
      if (!w) {
        part.items.forEach((it, j) => part.resolves[j]!(verifySignature(...it)))
        continue
      }
      const id = this.nextId++
      this.inflight.set(id, part)
      const packed = packBatch(part.items)
      w.postMessage({ id, packed }, [packed.buffer as ArrayBuffer])
    }
  }

  async close(): Promise<void> {
    this.closed = true
    this.flush()
    await Promise.all(this.workers.map((w) => w.terminate()))
    this.workers.length = 0
  }
}
