/**
 * The signed-transfer workload of the ledger and HTTP benchmarks (bench/ledger.bench.ts,
 * bench/http.bench.ts): a city of many funded accounts, transfers signed ahead of the clock, commit
 * tracking, and the in-process rounds both benchmarks measure.
 *
 *   throughput: all transfers offered at once, tx/s = committed / (last commit - first submit)
 *   latency:    transfers offered at a fixed rate (below saturation), submit → commit
 */
import type { CommittedBlock, SoloEngine } from '../src/engine/solo/engine.js'
import { toHex } from '../src/base/bytes.js'
import { keyString } from '../src/app/kv.js'
import { testCity, type TestCity } from '../src/kit/genesis-builder.js'
import { Signer } from '../src/kit/signer.js'
import { performance } from 'node:perf_hooks'
import { round, summarize } from './stats.js'

/** `accounts` citizens with a large balance each; blocks of at most `maxBlockTxs` transactions. */
export function transferCity(accounts: number, maxBlockTxs: number): TestCity {
  return testCity({ chainId: 'bench-city', citizens: accounts, balance: 1_000_000_000n, extra: { consensus: { block: { max_txs: maxBlockTxs } } } })
}

/** A generator of signed transfers of 1 between the city's citizens, nonces in order (one generator per chain). */
export function transfers(city: TestCity): (n: number) => Uint8Array[] {
  const accounts = city.citizens.length
  const s = new Signer(city.chainId)
  const nonces = new Array<bigint>(accounts).fill(0n)
  let i = 0
  return (n) => {
    const out: Uint8Array[] = []
    for (const end = i + n; i < end; i++) {
      const from = i % accounts
      const to = (i * 7919 + 1) % accounts
      out.push(s.tx(city.citizens[from]!, [{ type: 'bank/send', value: { to: city.citizens[to]!.publicKey, amount: 1n } }], { nonce: nonces[from]!++ }))
    }
    return out
  }
}

/** Commit tracking: submit times by hash, commit latency, last commit. */
export class Tracker {
  private readonly at = new Map<string, number>()
  readonly lat: number[] = []
  committed = 0
  failed = 0
  lastCommit = 0
  /** blocks that carried at least one tracked transaction */
  blocks = 0
  private waiting?: { n: number; resolve: () => void }
  submitted(hash: string, t: number) {
    this.at.set(hash, t)
  }
  onCommit(hashes: string[], codes: number[] | undefined, now: number) {
    const before = this.committed + this.failed
    hashes.forEach((h, i) => {
      const t = this.at.get(h)
      if (t === undefined) return
      this.at.delete(h)
      if (codes && codes[i] !== 0) this.failed++
      else this.committed++
      this.lat.push(now - t)
      this.lastCommit = now
    })
    if (this.committed + this.failed > before) this.blocks++
    if (this.waiting && this.committed + this.failed >= this.waiting.n) this.waiting.resolve()
  }
  until(n: number): Promise<void> {
    if (this.committed + this.failed >= n) return Promise.resolve()
    return new Promise((resolve) => (this.waiting = { n, resolve }))
  }
}

/**
 * Feeds the engine's committed blocks to `tr` until the returned function is called. Hashes are
 * named by `key` (hex by default, as HTTP answers them; the in-process rounds use latin1 strings,
 * a third of the cost, since this bookkeeping shares the node's main thread).
 */
export function trackBlocks(engine: SoloEngine, tr: Tracker, key: (hash: Uint8Array) => string = toHex): () => void {
  const on = (b: CommittedBlock) => tr.onCommit(b.results.map((r) => key(r.hash)), b.results.map((r) => r.code), performance.now())
  engine.on('block', on)
  return () => engine.off('block', on)
}

/** Runs `fn` over `items` with at most `conc` in flight, in order of start. */
export async function pool<T>(items: T[], conc: number, fn: (x: T) => Promise<void>) {
  let next = 0
  await Promise.all(Array.from({ length: Math.min(conc, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!)
  }))
}

/** In process, all transfers offered at once (in chunks of 2000 submissions in flight). */
export async function inprocThroughput(engine: SoloEngine, txs: Uint8Array[]) {
  const tr = new Tracker()
  const untrack = trackBlocks(engine, tr, keyString)
  const elu0 = performance.eventLoopUtilization()
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  const refusals: string[] = []
  const CHUNK = 2000
  for (let i = 0; i < txs.length; i += CHUNK) {
    await Promise.all(txs.slice(i, i + CHUNK).map(async (tx) => {
      const at = performance.now()
      const r = await engine.submit(tx)
      if (r.code !== 0) refusals.push(r.log)
      else tr.submitted(keyString(r.hash), at)
    }))
  }
  if (refusals.length) throw new Error(`${refusals.length} refused, e.g. ${refusals[0]}`)
  await tr.until(txs.length)
  untrack()
  return { txPerSec: round(tr.committed / ((tr.lastCommit - t0) / 1000)), committed: tr.committed, failed: tr.failed, latencyMs: summarize(tr.lat), ...cpuPerTx(elu0, cpu0, txs.length) }
}

/**
 * Where a round's CPU went: the whole process's CPU time per transaction (main thread, verification
 * workers, GC and LevelDB threads) and the main thread's utilisation (busy share of wall time; 1 =
 * the event loop never waited, so the main thread is what bounds the rate).
 */
function cpuPerTx(elu0: ReturnType<typeof performance.eventLoopUtilization>, cpu0: NodeJS.CpuUsage, n: number) {
  const elu = performance.eventLoopUtilization(elu0)
  const cpu = process.cpuUsage(cpu0)
  return { processCpuUsPerTx: round((cpu.user + cpu.system) / n), mainThreadUtilisation: round(elu.utilization, 2) }
}

/** Offers `txs` at `rate` a second through `submit`; `tr` sees their commits. */
export async function fixedRate(txs: Uint8Array[], rate: number, submit: (tx: Uint8Array) => Promise<void>, tr: Tracker) {
  const t0 = performance.now()
  const pending: Promise<void>[] = []
  let i = 0
  while (i < txs.length) {
    const due = Math.min(txs.length, Math.floor(((performance.now() - t0) / 1000) * rate) + 1)
    while (i < due) pending.push(submit(txs[i++]!))
    await new Promise((r) => setTimeout(r, 5))
  }
  await Promise.all(pending)
  await tr.until(txs.length)
  return { offeredPerSec: rate, achievedPerSec: round(txs.length / ((tr.lastCommit - t0) / 1000)), latencyMs: summarize(tr.lat), blocks: tr.blocks, meanBlockTxs: round(txs.length / Math.max(1, tr.blocks)) }
}

/** In process, one transfer at a time offered at a fixed rate: submit → commit latency. */
export async function inprocLatency(engine: SoloEngine, txs: Uint8Array[], rate: number) {
  const tr = new Tracker()
  const untrack = trackBlocks(engine, tr, keyString)
  const res = await fixedRate(txs, rate, async (tx) => {
    const at = performance.now()
    const r = await engine.submit(tx)
    if (r.code !== 0) throw new Error(r.log)
    tr.submitted(keyString(r.hash), at)
  }, tr)
  untrack()
  return res
}
