/**
 * `polis voting verify` on every core: the record's ballots — nearly all of the work — are checked
 * in batches of 256 on worker threads, and the results taken in the record's order (which ballot
 * of an account counts depends on it); everything else runs as in verifyElectionRecord, whose
 * report this gives, failure for failure.
 */
import { availableParallelism } from 'node:os'
import type { Worker } from 'node:worker_threads'
import { PolisError } from '../base/errors.js'
import { startTsWorker } from '../util/ts-worker.js'
import type { CompactCheck } from './ballot.js'
import { pointBytes } from './group.js'
import type { Manifest } from './manifest.js'
import { BALLOT_BATCH, finishRecord, prepareRecord, takeBallotChecks, type VerificationReport } from './record.js'

export type RecordVerifyMessage =
  | { kind: 'election'; manifest: Manifest; electionHash: Uint8Array; publicKey: Uint8Array }
  | { kind: 'ballots'; id: number; items: Array<{ account: Uint8Array; bytes: Uint8Array }> }

export interface RecordVerifyOptions {
  /** Worker threads (default: one per core). */
  threads?: number
  /** Ballots per chunk sent to a worker (default BALLOT_BATCH; tests use small chunks to cross many). */
  batch?: number
  /** After each batch: ballots checked so far, of `total`. */
  onProgress?: (done: number, total: number) => void
}

/** Chunks in flight per worker: one being checked, one waiting. */
const DEPTH = 2

/**
 * Worker threads that verify records' ballots, kept between records (a worker's start — loading
 * the curve code — costs about as much as checking a few hundred ballots).
 */
export class RecordVerifyPool {
  private readonly workers: Worker[] = []
  private busy = false

  constructor(readonly threads = availableParallelism()) {}

  /** The report verifyElectionRecord gives for `json`, the ballots checked on the workers. */
  async verify(json: unknown, opts: Omit<RecordVerifyOptions, 'threads'> = {}): Promise<VerificationReport> {
    if (this.busy) throw new PolisError('invalid_state', 'this verifier pool is already verifying a record')
    const p = prepareRecord(json)
    if (!('rec' in p)) return p
    const ballots = p.rec.ballots
    const batch = Math.max(1, Math.floor(opts.batch ?? BALLOT_BATCH))
    const chunks = Math.ceil(ballots.length / batch)
    if (chunks === 0) return finishRecord(p)
    const threads = Math.max(1, Math.min(this.threads, chunks))
    while (this.workers.length < threads) this.workers.push(startTsWorker(new URL('./record-verify-worker.ts', import.meta.url)))
    const used = this.workers.slice(0, threads)
    // The workers need the questions, not the (possibly 100,000) eligible accounts.
    const manifest: Manifest = { ...p.manifest, eligibility: { ...p.manifest.eligibility, accounts: [] } }
    const election: RecordVerifyMessage = { kind: 'election', manifest, electionHash: p.ctx.electionHash, publicKey: pointBytes(p.ctx.publicKey) }
    const results = new Map<number, CompactCheck[]>()
    let sent = 0
    let taken = 0
    const listeners: Array<[Worker, (m: { id: number; checks: CompactCheck[] }) => void, (e: Error) => void]> = []
    this.busy = true
    try {
      await new Promise<void>((resolve, reject) => {
        const send = (w: Worker) => {
          if (sent >= chunks) return
          const id = sent++
          const part = ballots.slice(id * batch, (id + 1) * batch)
          w.postMessage({ kind: 'ballots', id, items: part.map((b) => ({ account: b.account, bytes: b.ballot })) } satisfies RecordVerifyMessage)
        }
        for (const w of used) {
          const onMessage = (m: { id: number; checks: CompactCheck[] }) => {
            results.set(m.id, m.checks)
            // taken in the record's order: which ballot of an account counts depends on it
            while (results.has(taken)) {
              takeBallotChecks(p, taken * batch, results.get(taken)!)
              results.delete(taken++)
            }
            opts.onProgress?.(p.counted.cast, ballots.length)
            if (taken === chunks) resolve()
            else send(w)
          }
          listeners.push([w, onMessage, reject])
          w.on('message', onMessage)
          w.on('error', reject)
          w.postMessage(election)
          for (let d = 0; d < DEPTH; d++) send(w)
        }
      })
    } catch (e) {
      await this.close() // a failed worker: start afresh next time
      throw e
    } finally {
      for (const [w, onMessage, onError] of listeners) w.off('message', onMessage).off('error', onError)
      this.busy = false
    }
    return finishRecord(p)
  }

  async close(): Promise<void> {
    const ws = this.workers.splice(0)
    await Promise.all(ws.map((w) => w.terminate()))
  }
}

/** verifyElectionRecord with the ballots checked on worker threads (started and stopped here). */
export async function verifyElectionRecordOnWorkers(json: unknown, opts: RecordVerifyOptions = {}): Promise<VerificationReport> {
  const pool = new RecordVerifyPool(opts.threads)
  try {
    return await pool.verify(json, opts)
  } finally {
    await pool.close()
  }
}
