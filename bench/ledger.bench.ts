/**
 * `npm run bench` — committed signed token transfers per second end to end on the solo engine,
 * in process, and submit-to-commit latency. Two phases per round:
 *   throughput: all transfers offered at once, tx/s = committed / (last commit - first submit)
 *   latency:    transfers offered at a fixed rate (below saturation), p50/p99 submit → commit
 * Signing happens before the clock starts (clients sign, the node verifies). Each round also
 * measures the one-core Ed25519 verification limit (node:crypto, main thread) and reports the
 * committed rate as a ratio of it; the summary gives medians over rounds. Writes a small summary to
 * bench/results/ledger.json. Options: --accounts N --txs N --rounds N --rate TX_PER_S
 *
 * Disk mode (`--disk N`, e.g. 1000000): N transfers into a fresh chain twice, with pruning off and
 * with `--keep N` recent heights (default 100), blocks of `--block-txs` (default 2000); reports the
 * data directory's size after each and writes bench/results/ledger-disk.json.
 */
import { writeFileSync, mkdirSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { ClassicLevel } from 'classic-level'
import { availableParallelism, cpus } from 'node:os'
import { SoloEngine } from '../src/engine/solo/engine.js'
import { tmpDir } from '../src/kit/temp-dir.js'
import { median, arg, round } from './stats.js'
import { ed25519Limit } from './ed25519-limit.js'
import { inprocLatency, inprocThroughput, transferCity, transfers } from './transfers.js'

const ACCOUNTS = arg('accounts', 10_000)
const TXS = arg('txs', 60_000)
const ROUNDS = arg('rounds', 3)
const RATE = arg('rate', 5_000)
const LATENCY_SECONDS = arg('latency-seconds', 5)

const DISK = arg('disk', 0)
const KEEP = arg('keep', 100)
const BLOCK_TXS = arg('block-txs', 2_000)

const CORES = availableParallelism()

/**
 * The rate this process could reach with `CORES` cores to itself: each transaction costs
 * `processUs` of CPU, of which verifying its signature (1 / the one-core Ed25519 rate) runs on the
 * workers and the rest — admission, execution, commit, GC — essentially on the main thread, which is
 * one core. So at most CORES / processUs, and at most 1 / (processUs − verifyUs).
 */
function twoCoreCeiling(processUs: number, ed25519PerSec: number): number {
  const verifyUs = 1e6 / ed25519PerSec
  return round(Math.min((CORES * 1e6) / processUs, 1e6 / Math.max(1, processUs - verifyUs)), 0)
}

const city = transferCity(ACCOUNTS, DISK > 0 ? BLOCK_TXS : 5_000)
const next = transfers(city)

function dirBytes(dir: string): number {
  let n = 0
  for (const e of readdirSync(dir, { withFileTypes: true })) n += e.isDirectory() ? dirBytes(join(dir, e.name)) : statSync(join(dir, e.name)).size
  return n
}

/** N transfers into a fresh chain with the given retention; the data directory's size afterwards. */
async function diskRun(keepRecent: number) {
  const gen = transfers(city)
  const dir = tmpDir('bench-disk')
  const engine = await SoloEngine.open({ dataDir: dir.path, genesis: city.genesis, validatorKey: city.validator, blockIntervalMs: 20, pruning: { keepRecent } })
  engine.start()
  const t0 = performance.now()
  const sizes: Array<{ transfers: number; height: number; mib: number }> = []
  try {
    for (let done = 0; done < DISK;) {
      const n = Math.min(20_000, DISK - done)
      await inprocThroughput(engine, gen(n))
      done += n
      if (done % 200_000 === 0 || done === DISK) {
        sizes.push({ transfers: done, height: Number(engine.height), mib: round(dirBytes(dir.path) / 2 ** 20) })
        console.log(`  keep ${keepRecent || 'all'}: ${done} transfers, height ${engine.height}, ${sizes[sizes.length - 1]!.mib} MiB`)
      }
    }
  } finally {
    await engine.stop()
  }
  const seconds = round((performance.now() - t0) / 1000)
  const mib = round(dirBytes(dir.path) / 2 ** 20)
  // LevelDB frees deleted records' space only when it compacts them: measure after a full compaction too.
  const db = new ClassicLevel<Uint8Array, Uint8Array>(dir.path, { keyEncoding: 'view', valueEncoding: 'view' })
  await db.open()
  await db.compactRange(Uint8Array.of(0), Uint8Array.of(0xff, 0xff))
  // The state tree's share (keys 's…') against blocks and results (kept whatever the retention).
  const treeMiB = round((await db.approximateSize(Uint8Array.of(0x73), Uint8Array.of(0x74))) / 2 ** 20)
  await db.close()
  const compactedMiB = round(dirBytes(dir.path) / 2 ** 20)
  console.log(`  keep ${keepRecent || 'all'}: ${mib} MiB at the end, ${compactedMiB} MiB after a full compaction, of which the state tree ${treeMiB} MiB`)
  dir.remove()
  return { keepRecent, transfers: DISK, seconds, finalMiB: mib, compactedMiB, treeMiB, sizes }
}

async function diskMode() {
  console.log(`disk use: ${DISK} transfers among ${ACCOUNTS} accounts, blocks of ${BLOCK_TXS}, pruning off vs keep ${KEEP}`)
  const runs = [await diskRun(0), await diskRun(KEEP)]
  const result = { bench: 'ledger-disk', date: new Date().toISOString(), machine: { cores: availableParallelism(), node: process.version }, params: { accounts: ACCOUNTS, transfers: DISK, blockTxs: BLOCK_TXS, keepRecent: KEEP }, runs }
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true })
  writeFileSync(new URL('./results/ledger-disk.json', import.meta.url), JSON.stringify(result, null, 2))
  console.log(`after ${DISK} transfers (compacted): ${runs[0]!.compactedMiB} MiB keeping every height (tree ${runs[0]!.treeMiB}), ${runs[1]!.compactedMiB} MiB keeping ${KEEP} (tree ${runs[1]!.treeMiB})`)
}

async function main() {
  console.log(`solo engine bench: ${ACCOUNTS} accounts, ${TXS} transfers x ${ROUNDS} rounds, latency at ${RATE} tx/s; ${availableParallelism()} cores (${cpus()[0]?.model})`)
  const dir = tmpDir('bench-ledger')
  const engine = await SoloEngine.open({ dataDir: dir.path, genesis: city.genesis, validatorKey: city.validator, blockIntervalMs: 50 })
  engine.start()
  const rounds: Array<Awaited<ReturnType<typeof inprocThroughput>> & { ed25519PerSec: number; ratio: number; ceilingTxPerSec: number }> = []
  const latency: Array<Awaited<ReturnType<typeof inprocLatency>>> = []
  try {
    // warm-up: one small round (JIT, caches)
    await inprocThroughput(engine, next(5_000))
    for (let r = 0; r < ROUNDS; r++) {
      const batch = next(TXS)
      const limit = ed25519Limit()
      const res = await inprocThroughput(engine, batch)
      const ratio = round(res.txPerSec / limit, 3)
      const ceiling = twoCoreCeiling(res.processCpuUsPerTx, limit)
      console.log(`  throughput round ${r + 1}: ${res.txPerSec} tx/s (${res.committed} ok, ${res.failed} failed), latency p50 ${res.latencyMs.p50} ms p99 ${res.latencyMs.p99} ms; Ed25519 one core ${limit}/s, ratio ${ratio}; process CPU ${res.processCpuUsPerTx} µs/tx, main thread busy ${res.mainThreadUtilisation} → ceiling on ${CORES} free cores ${ceiling} tx/s`)
      rounds.push({ ...res, ed25519PerSec: limit, ratio, ceilingTxPerSec: ceiling })
      if (RATE <= 0) continue
      const lres = await inprocLatency(engine, next(RATE * LATENCY_SECONDS), RATE)
      console.log(`  latency round ${r + 1} at ${RATE} tx/s offered: achieved ${lres.achievedPerSec} tx/s, p50 ${lres.latencyMs.p50} ms p99 ${lres.latencyMs.p99} ms (goal p99 < 500 ms), ${lres.blocks} blocks of ${lres.meanBlockTxs} transfers on average`)
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
    throughput: {
      medianTxPerSec: median(rounds.map((r) => r.txPerSec)),
      medianEd25519OneCorePerSec: median(rounds.map((r) => r.ed25519PerSec)),
      medianRatioToEd25519: median(rounds.map((r) => r.ratio)),
      medianProcessCpuUsPerTx: median(rounds.map((r) => r.processCpuUsPerTx)),
      medianMainThreadUtilisation: median(rounds.map((r) => r.mainThreadUtilisation)),
      medianCeilingTxPerSec: median(rounds.map((r) => r.ceilingTxPerSec)),
      goalTxPerSec: 10_000,
      rounds,
    },
    latencyAtFixedRate: { medianP50Ms: median(latency.map((r) => r.latencyMs.p50)), medianP99Ms: median(latency.map((r) => r.latencyMs.p99)), rounds: latency },
  }
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true })
  writeFileSync(new URL('./results/ledger.json', import.meta.url), JSON.stringify(result, null, 2))
  console.log(`median throughput ${result.throughput.medianTxPerSec} tx/s (goal 10,000); Ed25519 one core ${result.throughput.medianEd25519OneCorePerSec}/s; ratio ${result.throughput.medianRatioToEd25519}; process CPU ${result.throughput.medianProcessCpuUsPerTx} µs/tx, ceiling on ${CORES} free cores ${result.throughput.medianCeilingTxPerSec} tx/s; at ${RATE} tx/s: p50 ${result.latencyAtFixedRate.medianP50Ms} ms, p99 ${result.latencyAtFixedRate.medianP99Ms} ms`)
}

await (DISK > 0 ? diskMode() : main())
