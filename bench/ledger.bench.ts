/**
 * `npm run bench` — committed signed token transfers per second end to end on the solo engine,
 * in process, and submit-to-commit latency. Two phases per round:
 *   throughput: all transfers offered at once, tx/s = committed / (last commit - first submit)
 *   latency:    transfers offered at a fixed rate (below saturation), p50/p99 submit → commit
 * Signing happens before the clock starts (clients sign, the node verifies). Writes
 * bench/results/ledger.json. Options: --accounts N --txs N --rounds N --rate TX_PER_S
 */
import { writeFileSync, mkdirSync } from 'node:fs'
import { availableParallelism, cpus } from 'node:os'
import { SoloEngine } from '../src/engine/solo/engine.js'
import { tmpDir } from '../src/kit/temp-dir.js'
import { median, arg } from './stats.js'
import { inprocLatency, inprocThroughput, transferCity, transfers } from './transfers.js'

const ACCOUNTS = arg('accounts', 10_000)
const TXS = arg('txs', 60_000)
const ROUNDS = arg('rounds', 3)
const RATE = arg('rate', 4_000)
const LATENCY_SECONDS = arg('latency-seconds', 5)

const city = transferCity(ACCOUNTS, 5_000)
const next = transfers(city)

async function main() {
  console.log(`solo engine bench: ${ACCOUNTS} accounts, ${TXS} transfers x ${ROUNDS} rounds, latency at ${RATE} tx/s; ${availableParallelism()} cores (${cpus()[0]?.model})`)
  const dir = tmpDir('bench-ledger')
  const engine = await SoloEngine.open({ dataDir: dir.path, genesis: city.genesis, validatorKey: city.validator, blockIntervalMs: 50 })
  engine.start()
  const rounds: Array<Awaited<ReturnType<typeof inprocThroughput>>> = []
  const latency: Array<Awaited<ReturnType<typeof inprocLatency>>> = []
  try {
    // warm-up: one small round (JIT, caches)
    await inprocThroughput(engine, next(5_000))
    for (let r = 0; r < ROUNDS; r++) {
      const res = await inprocThroughput(engine, next(TXS))
      console.log(`  throughput round ${r + 1}: ${res.txPerSec} tx/s (${res.committed} ok, ${res.failed} failed), latency p50 ${res.latencyMs.p50} ms p99 ${res.latencyMs.p99} ms`)
      rounds.push(res)
      if (RATE <= 0) continue
      const lres = await inprocLatency(engine, next(RATE * LATENCY_SECONDS), RATE)
      console.log(`  latency round ${r + 1} at ${RATE} tx/s offered: achieved ${lres.achievedPerSec} tx/s, p50 ${lres.latencyMs.p50} ms p99 ${lres.latencyMs.p99} ms`)
      latency.push(lres)
    }
  } finally {
    await engine.stop()
    dir.remove()
  }
  const result = {
    bench: 'ledger',
    date: new Date().toISOString(),
    machine: { cores: availableParallelism(), cpu: cpus()[0]?.model, node: process.version },
    params: { accounts: ACCOUNTS, txsPerRound: TXS, rounds: ROUNDS, latencyRate: RATE, maxBlockTxs: 5000, blockIntervalMs: 50, verifyThreads: availableParallelism() },
    throughput: { medianTxPerSec: median(rounds.map((r) => r.txPerSec)), rounds },
    latencyAtFixedRate: { medianP50Ms: median(latency.map((r) => r.latencyMs.p50)), medianP99Ms: median(latency.map((r) => r.latencyMs.p99)), rounds: latency },
  }
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true })
  writeFileSync(new URL('./results/ledger.json', import.meta.url), JSON.stringify(result, null, 2))
  console.log(`median throughput ${result.throughput.medianTxPerSec} tx/s; at ${RATE} tx/s: p50 ${result.latencyAtFixedRate.medianP50Ms} ms, p99 ${result.latencyAtFixedRate.medianP99Ms} ms`)
}

await main()
