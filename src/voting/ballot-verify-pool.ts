/**
 * Ballots verified at admission, on worker threads, so that the block does not verify them again
 * (verdicts.ts). `preverifyBallot` is called by the voting module's admission precheck: it returns
 * at once; the ballots of one tick go to a worker as one batch (checkBallots: one multi-scalar
 * multiplication for all of them) and the worker's "valid" answers become verdicts. Nothing waits
 * for them: a block that comes first verifies inline, with the same result.
 *
 * Threads: POLIS_BALLOT_VERIFY_THREADS (default one per core, at most 4; 0 = no preverification). A worker that fails
 * is dropped; its ballots are verified in their block.
 */
import { availableParallelism } from 'node:os'
import type { Worker } from 'node:worker_threads'
import { startTsWorker } from '../util/ts-worker.js'
import type { ElectionContext } from './context.js'
import { pointBytes } from './group.js'
import type { Manifest } from './manifest.js'
import { knownValid, rememberValid, verdictKey } from './verdicts.js'

export interface BallotJob {
  id: number
  contexts: Array<{ manifest: Manifest; electionHash: Uint8Array; publicKey: Uint8Array }>
  items: Array<{ context: number; account: Uint8Array; bytes: Uint8Array }>
}

export interface BallotAnswer {
  id: number
  /** 1 = valid. */
  ok: Uint8Array
  /** A valid ballot's ciphertexts in compact form (running-aggregate.ts). */
  ciphertexts: Array<Uint8Array | null>
}

const MAX_BATCH = 256

class BallotVerifyPool {
  private readonly workers: Worker[] = []
  private readonly inflight = new Map<number, { keys: string[]; worker: Worker }>()
  private readonly pending = new Set<string>()
  private queue: Array<{ key: string; ctx: ElectionContext; account: Uint8Array; bytes: Uint8Array }> = []
  private scheduled = false
  private nextId = 1
  private rr = 0

  constructor(threads: number) {
    for (let i = 0; i < threads; i++) {
      const w = startTsWorker(new URL('./ballot-verify-worker.ts', import.meta.url))
      w.unref()
      w.on('message', (m: BallotAnswer) => {
        const job = this.inflight.get(m.id)
        if (!job) return
        this.inflight.delete(m.id)
        job.keys.forEach((k, j) => {
          this.pending.delete(k)
          if (m.ok[j] === 1) rememberValid(k, m.ciphertexts[j] ?? null)
        })
      })
      w.on('error', (err) => {
        this.workers.splice(this.workers.indexOf(w), 1)
        for (const [id, job] of this.inflight) {
          if (job.worker !== w) continue
          this.inflight.delete(id)
          job.keys.forEach((k) => this.pending.delete(k))
        }
        console.error('ballot verify worker failed:', err)
      })
      this.workers.push(w)
    }
  }

  submit(ctx: ElectionContext, account: Uint8Array, bytes: Uint8Array): void {
    if (!this.workers.length) return
    const key = verdictKey(ctx, account, bytes)
    if (knownValid(key) || this.pending.has(key)) return
    this.pending.add(key)
    this.queue.push({ key, ctx, account: account.slice(), bytes: bytes.slice() })
    if (this.queue.length >= MAX_BATCH) this.flush()
    else if (!this.scheduled) {
      this.scheduled = true
      setImmediate(() => this.flush())
    }
  }

  private flush(): void {
    this.scheduled = false
    const q = this.queue
    this.queue = []
    // Split over the workers (a tick's ballots would otherwise all go to one of them).
    const size = Math.min(MAX_BATCH, Math.max(16, Math.ceil(q.length / Math.max(1, this.workers.length))))
    for (let off = 0; off < q.length; off += size) {
      const part = q.slice(off, off + size)
      const w = this.workers[this.rr++ % this.workers.length]
      if (!w) {
        part.forEach((x) => this.pending.delete(x.key))
        continue
      }
      const contexts: BallotJob['contexts'] = []
      const index = new Map<ElectionContext, number>()
      const items = part.map((x) => {
        let c = index.get(x.ctx)
        if (c === undefined) {
          index.set(x.ctx, (c = contexts.length))
          contexts.push({ manifest: x.ctx.manifest, electionHash: x.ctx.electionHash, publicKey: pointBytes(x.ctx.publicKey) })
        }
        return { context: c, account: x.account, bytes: x.bytes }
      })
      const id = this.nextId++
      this.inflight.set(id, { keys: part.map((x) => x.key), worker: w })
      w.postMessage({ id, contexts, items } satisfies BallotJob)
    }
  }

  /** Resolves when every worker has loaded its code (an empty job answered). */
  async warm(): Promise<void> {
    await Promise.all(
      this.workers.map((w) => {
        const id = this.nextId++
        this.inflight.set(id, { keys: [], worker: w })
        w.postMessage({ id, contexts: [], items: [] } satisfies BallotJob)
        return new Promise<void>((resolve) => {
          const wait = () => (this.inflight.has(id) && this.workers.includes(w) ? setTimeout(wait, 5) : resolve())
          wait()
        })
      }),
    )
  }

  /** Resolves when every submitted ballot has its answer (benchmarks and tests). */
  async settled(): Promise<void> {
    this.flush()
    while (this.inflight.size) await new Promise((r) => setTimeout(r, 5))
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()))
    this.workers.length = 0
  }
}

let pool: BallotVerifyPool | undefined

/** One worker per core, at most four (the main thread's share of a ballot is small next to its verification). */
export const DEFAULT_BALLOT_VERIFY_THREADS = Math.max(1, Math.min(4, availableParallelism()))

function threads(): number {
  const v = process.env.POLIS_BALLOT_VERIFY_THREADS
  const n = v === undefined || v === '' ? DEFAULT_BALLOT_VERIFY_THREADS : Number(v)
  return Number.isInteger(n) && n >= 0 ? Math.min(n, 8) : DEFAULT_BALLOT_VERIFY_THREADS
}

/** Starts verifying a ballot on a worker thread if it is not verified yet; returns at once. */
export function preverifyBallot(ctx: ElectionContext, account: Uint8Array, bytes: Uint8Array): void {
  pool ??= new BallotVerifyPool(threads())
  pool.submit(ctx, account, bytes)
}

/** Starts the workers now and waits until they are ready, rather than at the first ballot. */
export async function startBallotVerifyPool(): Promise<void> {
  pool ??= new BallotVerifyPool(threads())
  await pool.warm()
}

/** Waits for every preverification in flight (benchmarks and tests). */
export async function preverificationSettled(): Promise<void> {
  await pool?.settled()
}

/** Stops the workers (a later preverifyBallot starts new ones). */
export async function closeBallotVerifyPool(): Promise<void> {
  const p = pool
  pool = undefined
  await p?.close()
}
