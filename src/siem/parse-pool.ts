/**
 * Parsing and normalisation on worker threads: a collector hands batches of raw records to the
 * pool and appends the results to its log in submission order (Collector.appendParsed); only the
 * Merkle append and the bookkeeping stay on the collector's thread. A worker that fails rejects
 * its batches; the pool keeps going with the others.
 */
import type { Worker } from 'node:worker_threads'
import { startTsWorker } from '../util/ts-worker.js'
import type { Origin } from './origin.js'
import { NOTHING_LISTED, type ListedIndicators } from './identity.js'
import type { SiemEvent } from './ecs.js'
import type { InputFormat } from './parsers.js'
import type { ParseReply, ParseRequest } from './parse-worker.js'

export type ParsedBatch = ParseReply

export class ParsePool {
  private readonly workers: Worker[] = []
  private readonly inflight = new Map<number, { resolve: (r: ParsedBatch) => void; reject: (e: Error) => void; worker: Worker }>()
  private nextId = 1
  private rr = 0

  constructor(threads: number, private readonly observer: SiemEvent['observer'] = {}) {
    if (!(Number.isInteger(threads) && threads >= 1)) throw new Error('a parse pool needs at least one thread')
    for (let i = 0; i < threads; i++) {
      const w = startTsWorker(new URL('./parse-worker.ts', import.meta.url))
      w.on('message', (m: ParsedBatch) => {
        const p = this.inflight.get(m.id)
        this.inflight.delete(m.id)
        p?.resolve(m)
      })
      w.on('error', (err) => {
        this.workers.splice(this.workers.indexOf(w), 1)
        for (const [id, p] of this.inflight) {
          if (p.worker !== w) continue
          this.inflight.delete(id)
          p.reject(err)
        }
      })
      this.workers.push(w)
    }
  }

  get threads(): number {
    return this.workers.length
  }

  /** Sends the verified device table and the blocklist to every worker (see identity.ts). */
  setDevices(table: ReadonlyMap<string, string>, listed: ListedIndicators = NOTHING_LISTED): void {
    for (const w of this.workers) w.postMessage({ devices: [...table], listed: { devices: [...listed.devices], ips: [...listed.ips] } })
  }

  parse(records: Uint8Array[], format: InputFormat, receivedAt: number, origins: Origin[]): Promise<ParsedBatch> {
    const w = this.workers[this.rr++ % Math.max(1, this.workers.length)]
    if (!w) return Promise.reject(new Error('no parse worker left'))
    const id = this.nextId++
    return new Promise((resolve, reject) => {
      this.inflight.set(id, { resolve, reject, worker: w })
      let size = 0
      for (const r of records) size += r.length
      const data = new Uint8Array(size)
      const ends = new Uint32Array(records.length)
      let at = 0
      records.forEach((r, i) => {
        data.set(r, at)
        ends[i] = at += r.length
      })
      const req: ParseRequest = { id, format, receivedAt, observer: this.observer, data, ends, origins }
      w.postMessage(req, [data.buffer, ends.buffer])
    })
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()))
    this.workers.length = 0
  }
}
