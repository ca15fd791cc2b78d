/**
 * A CPU profile of the App's main thread on the ledger workload, without the clients' signing:
 * `--rounds` blocks of `--block` signed transfers (signed first), each submitted at once to the solo
 * engine and then cut into one block, with the V8 profiler on only around that. Prints the time per
 * transaction of the two phases and writes the profile (summarise it with profile-summary.ts).
 * With `--alloc`, a sampling heap profile instead (where the garbage comes from): the allocation
 * sites by bytes, summarised directly.
 *
 *   node --import tsx bench/ledger-profile.ts [--accounts 10000] [--block 5000] [--rounds 5] [--out FILE] [--threads N] [--alloc]
 * `--threads 0` verifies signatures inline: then the process CPU per transfer is all main thread,
 * which, unlike wall time, stays meaningful on a loaded machine.
 * `--throughput N` profiles what `npm run bench` measures instead: one throughput round of N
 * transfers offered at once (blocks cut by the engine every 50 ms or at a full block, mempool
 * rechecks included), after a 5,000-transfer warm-up.
 *   node --import tsx bench/profile-summary.ts FILE
 */
import { Session } from 'node:inspector/promises'
import { writeFileSync } from 'node:fs'
import { SoloEngine } from '../src/engine/solo/engine.js'
import { tmpDir } from '../src/kit/temp-dir.js'
import { inprocThroughput, transferCity, transfers } from './transfers.js'
import { arg, round } from './stats.js'

const ACCOUNTS = arg('accounts', 10_000)
const BLOCK = arg('block', 5_000)
const ROUNDS = arg('rounds', 5)
const outAt = process.argv.indexOf('--out')
const OUT = outAt > 0 ? process.argv[outAt + 1]! : 'ledger.cpuprofile'

const ALLOC = process.argv.includes('--alloc')
const THROUGHPUT = arg('throughput', 0)

interface HeapNode { callFrame: { functionName: string; url: string }; selfSize: number; children: HeapNode[] }

/** Prints the functions that allocate the most bytes (self), as a share of all sampled bytes. */
function summariseAllocations(p: { head: HeapNode }) {
  const by = new Map<string, number>()
  let total = 0
  const walk = (n: HeapNode) => {
    const name = `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/^.*\/(src|bench|node_modules)\//, '$1/')}`.trim()
    by.set(name, (by.get(name) ?? 0) + n.selfSize)
    total += n.selfSize
    n.children.forEach(walk)
  }
  walk(p.head)
  console.log(`allocated (sampled): ${round(total / 2 ** 20)} MiB; top allocation sites by bytes:`)
  for (const [k, b] of [...by].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`${((100 * b) / total).toFixed(1).padStart(5)} %  ${k}`)
}

const city = transferCity(ACCOUNTS, BLOCK)
const next = transfers(city)
const dir = tmpDir('bench-ledger-profile')
const threadsAt = process.argv.indexOf('--threads')
const THREADS = threadsAt > 0 ? Number(process.argv[threadsAt + 1]) : undefined
const engine = await SoloEngine.open({ dataDir: dir.path, genesis: city.genesis, validatorKey: city.validator, blockIntervalMs: THROUGHPUT ? 50 : 3_600_000, verifyThreads: THREADS })
try {
  const warm = next(BLOCK)
  const batches = THROUGHPUT ? [] : Array.from({ length: ROUNDS }, () => next(BLOCK))
  const offered = THROUGHPUT ? next(THROUGHPUT) : []
  if (THROUGHPUT) {
    engine.start()
    await inprocThroughput(engine, warm)
  } else {
    await Promise.all(warm.map((tx) => engine.submit(tx)))
    await engine.produceBlock()
  }
  const session = new Session()
  session.connect()
  if (ALLOC) await session.post('HeapProfiler.startSampling', { samplingInterval: 16_384, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true })
  else {
    await session.post('Profiler.enable')
    await session.post('Profiler.start')
  }
  let submitMs = 0
  let blockMs = 0
  const cpu0 = process.cpuUsage()
  if (THROUGHPUT) {
    const r = await inprocThroughput(engine, offered)
    console.log(`throughput round: ${r.txPerSec} tx/s, process CPU ${r.processCpuUsPerTx} µs/tx, main thread busy ${r.mainThreadUtilisation}`)
  }
  for (const txs of batches) {
    const t0 = performance.now()
    const refused = (await Promise.all(txs.map((tx) => engine.submit(tx)))).filter((r) => r.code !== 0)
    if (refused.length) throw new Error(`${refused.length} refused, e.g. ${refused[0]!.log}`)
    const t1 = performance.now()
    await engine.produceBlock()
    submitMs += t1 - t0
    blockMs += performance.now() - t1
  }
  const cpu = process.cpuUsage(cpu0)
  if (ALLOC) {
    const { profile } = await session.post('HeapProfiler.stopSampling')
    writeFileSync(OUT, JSON.stringify(profile))
    summariseAllocations(profile)
  }
  else writeFileSync(OUT, JSON.stringify((await session.post('Profiler.stop')).profile))
  const n = THROUGHPUT || ROUNDS * BLOCK
  if (THROUGHPUT) console.log(`process CPU per transfer ${round((cpu.user + cpu.system) / n)} µs; profile in ${OUT}`)
  else console.log(`per transfer: admission ${round((submitMs * 1000) / n)} µs, block (execute + commit) ${round((blockMs * 1000) / n)} µs (wall); process CPU ${round((cpu.user + cpu.system) / n)} µs${THREADS === 0 ? ' (signatures verified inline)' : ''}; profile in ${OUT}`)
} finally {
  await engine.stop()
  dir.remove()
}
