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
import { SoloEngine, type CommittedBlock } from '../src/engine/solo/engine.js'
import { toHex } from '../src/base/bytes.js'
import { Signer, testCity, tmpDir } from '../test/helpers/chain.js'
import { median, round, summarize, arg } from './stats.js'

const ACCOUNTS = arg('accounts', 10_000)
const TXS = arg('txs', 60_000)
const ROUNDS = arg('rounds', 3)
const RATE = arg('rate', 4_000)
const LATENCY_SECONDS = arg('latency-seconds', 5)

const city = testCity({ chainId: 'bench-city', citizens: ACCOUNTS, balance: 1_000_000_000n, extra: { consensus: { block: { max_txs: 5_000 } } } })

function signTransfers(n: number, offset: number): Uint8Array[] {
  const s = new Signer(city.chainId)
  const nonces = new Array<bigint>(ACCOUNTS).fill(0n)
  for (let i = 0; i < offset; i++) nonces[i % ACCOUNTS]!++
  const out: Uint8Array[] = []
  for (let i = offset; i < offset + n; i++) {
    const from = i % ACCOUNTS
    const to = (i * 7919 + 1) % ACCOUNTS
    out.push(s.tx(city.citizens[from]!, [{ type: 'bank/send', value: { to: city.citizens[to]!.publicKey, amount: 1n } }], { nonce: nonces[from]!++ }))
  }
  return out
}

async function throughputRound(engine: SoloEngine, txs: Uint8Array[]) {
  const submitted = new Map<string, number>()
  const lat: number[] = []
  let committed = 0
  let failed = 0
  let lastCommit = 0
  const done = new Promise<void>((resolve) => {
    const on = (b: CommittedBlock) => {
      const now = performance.now()
      for (const r of b.results) {
        const t = submitted.get(toHex(r.hash))
        if (t === undefined) continue
        if (r.code === 0) committed++
        else failed++
        lat.push(now - t)
      }
      lastCommit = now
      if (committed + failed >= txs.length) {
        engine.off('block', on)
        resolve()
      }
    }
    engine.on('block', on)
  })
  const t0 = performance.now()
  const refusals: string[] = []
  const CHUNK = 2000
  for (let i = 0; i < txs.length; i += CHUNK) {
    await Promise.all(txs.slice(i, i + CHUNK).map(async (tx) => {
      const at = performance.now()
      const r = await engine.submit(tx)
      if (r.code !== 0) refusals.push(r.log)
      else submitted.set(toHex(r.hash), at)
    }))
  }
  if (refusals.length) throw new Error(`${refusals.length} refused, e.g. ${refusals[0]}`)
  await done
  return { txPerSec: round(committed / ((lastCommit - t0) / 1000)), committed, failed, latencyMs: summarize(lat) }
}

async function latencyRound(engine: SoloEngine, txs: Uint8Array[], rate: number) {
  const lat: number[] = []
  const intervalMs = 10
  const perTick = Math.max(1, Math.round((rate * intervalMs) / 1000))
  let i = 0
  const t0 = performance.now()
  const pending: Promise<void>[] = []
  while (i < txs.length) {
    const due = Math.floor(((performance.now() - t0) / 1000) * rate)
    while (i < Math.min(due + perTick, txs.length)) {
      const tx = txs[i++]!
      const at = performance.now()
      pending.push(engine.submitAndWait(tx, 60_000).then(() => void lat.push(performance.now() - at)))
    }
    await new Promise((r) => setTimeout(r, intervalMs))
  }
  await Promise.all(pending)
  return { offeredPerSec: rate, achievedPerSec: round(txs.length / ((performance.now() - t0) / 1000)), latencyMs: summarize(lat) }
}

async function main() {
  console.log(`solo engine bench: ${ACCOUNTS} accounts, ${TXS} transfers x ${ROUNDS} rounds, latency at ${RATE} tx/s; ${availableParallelism()} cores (${cpus()[0]?.model})`)
  const dir = tmpDir('bench-ledger')
  const engine = await SoloEngine.open({ dataDir: dir.path, genesis: city.genesis, validatorKey: city.validator, blockIntervalMs: 50 })
  engine.start()
  const rounds: Array<Awaited<ReturnType<typeof throughputRound>>> = []
  const latency: Array<Awaited<ReturnType<typeof latencyRound>>> = []
  let offset = 0
  try {
    // warm-up: one small round (JIT, caches)
    await throughputRound(engine, signTransfers(5_000, offset))
    offset += 5_000
    for (let r = 0; r < ROUNDS; r++) {
      const txs = signTransfers(TXS, offset)
      offset += TXS
      const res = await throughputRound(engine, txs)
      console.log(`  throughput round ${r + 1}: ${res.txPerSec} tx/s (${res.committed} ok, ${res.failed} failed), latency p50 ${res.latencyMs.p50} ms p99 ${res.latencyMs.p99} ms`)
      rounds.push(res)
      if (RATE <= 0) continue
      const ltx = signTransfers(RATE * LATENCY_SECONDS, offset)
      offset += ltx.length
      const lres = await latencyRound(engine, ltx, RATE)
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
