/**
 * Prometheus metrics (prom-client), one registry per node so that several nodes can share a process.
 *
 *   polis_height                         last committed height
 *   polis_block_time_seconds             header time of the last block (unix seconds)
 *   polis_block_interval_seconds         histogram of the time between consecutive blocks
 *   polis_block_txs                      histogram of transactions per block
 *   polis_mempool_size                   transactions waiting in the mempool
 *   polis_txs_submitted_total            transactions admitted to the mempool
 *   polis_txs_rejected_total{error}      transactions refused at submission, by error name
 *   polis_txs_committed_total{result}    transactions in committed blocks: result "ok" or the error name
 *                                        (rate(polis_txs_committed_total[1m]) is the tx/s)
 *   polis_ws_clients                     open event-stream connections
 *   polis_http_requests_total{method,route,status}  and  polis_http_request_seconds (histogram)
 *   + prom-client's default process metrics (polis_process_*, polis_nodejs_*)
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import { errorNameOf } from '../base/errors.js'
import type { ApiBackend, BlockEvent } from './backend.js'

export class NodeMetrics {
  readonly registry = new Registry()
  readonly height: Gauge
  readonly blockTime: Gauge
  readonly blockInterval: Histogram
  readonly blockTxs: Histogram
  readonly mempool: Gauge
  readonly submitted: Counter
  readonly rejected: Counter<'error'>
  readonly committed: Counter<'result'>
  readonly wsClients: Gauge
  readonly httpRequests: Counter<'method' | 'route' | 'status'>
  readonly httpSeconds: Histogram<'method' | 'route'>
  private lastBlockAt?: number

  constructor(backend: ApiBackend) {
    const registers = [this.registry]
    collectDefaultMetrics({ register: this.registry, prefix: 'polis_' })
    this.height = new Gauge({ name: 'polis_height', help: 'last committed block height', registers, async collect() { this.set(Number(await backend.height())) } })
    this.blockTime = new Gauge({ name: 'polis_block_time_seconds', help: 'header time of the last committed block (unix seconds)', registers })
    this.blockInterval = new Histogram({ name: 'polis_block_interval_seconds', help: 'time between consecutive committed blocks', registers, buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] })
    this.blockTxs = new Histogram({ name: 'polis_block_txs', help: 'transactions per committed block', registers, buckets: [1, 10, 100, 500, 1000, 2500, 5000, 10000] })
    this.mempool = new Gauge({ name: 'polis_mempool_size', help: 'transactions waiting in the mempool', registers, async collect() { this.set(await backend.mempoolSize().catch(() => 0)) } })
    this.submitted = new Counter({ name: 'polis_txs_submitted_total', help: 'transactions admitted to the mempool', registers })
    this.rejected = new Counter({ name: 'polis_txs_rejected_total', help: 'transactions refused at submission, by error', labelNames: ['error'], registers })
    this.committed = new Counter({ name: 'polis_txs_committed_total', help: 'transactions in committed blocks, by result (ok or the error name)', labelNames: ['result'], registers })
    this.wsClients = new Gauge({ name: 'polis_ws_clients', help: 'open event-stream connections', registers })
    this.httpRequests = new Counter({ name: 'polis_http_requests_total', help: 'HTTP requests served', labelNames: ['method', 'route', 'status'], registers })
    this.httpSeconds = new Histogram({ name: 'polis_http_request_seconds', help: 'HTTP request duration', labelNames: ['method', 'route'], registers, buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5] })
    const t = backend.lastBlockTime?.()
    if (t !== undefined) this.blockTime.set(Number(t) / 1000)
  }

  onBlock(b: BlockEvent): void {
    const now = performance.now()
    if (this.lastBlockAt !== undefined) this.blockInterval.observe((now - this.lastBlockAt) / 1000)
    this.lastBlockAt = now
    this.blockTime.set(Number(b.time) / 1000)
    this.blockTxs.observe(b.results.length)
    let ok = 0
    const failed = new Map<string, number>()
    for (const r of b.results) {
      if (r.code === 0) ok++
      else {
        const name = errorNameOf(r.code)
        failed.set(name, (failed.get(name) ?? 0) + 1)
      }
    }
    if (ok) this.committed.inc({ result: 'ok' }, ok)
    for (const [name, n] of failed) this.committed.inc({ result: name }, n)
  }

  onSubmit(code: number): void {
    if (code === 0) this.submitted.inc()
    else this.rejected.inc({ error: errorNameOf(code) })
  }
}
