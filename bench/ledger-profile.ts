/**
 * A CPU profile of the App's main thread on the ledger workload, without the clients' signing:
 * `--rounds` blocks of `--block` signed transfers (signed first), each submitted at once to the solo
 * engine and then cut into one block, with the V8 profiler on only around that. Prints the time per
 * transaction of the two phases and writes the profile (summarise it with profile-summary.ts).
 *
 *   node --import tsx bench/ledger-profile.ts [--accounts 10000] [--block 5000] [--rounds 5] [--out FILE]
 *   node --import tsx bench/profile-summary.ts FILE
 */
import { Session } from 'node:inspector/promises'
import { writeFileSync } from 'node:fs'
import { SoloEngine } from '../src/engine/solo/engine.js'
import { tmpDir } from '../src/kit/temp-dir.js'
import { transferCity, transfers } from './transfers.js'
import { arg, round } from './stats.js'

const ACCOUNTS = arg('accounts', 10_000)
const BLOCK = arg('block', 5_000)
const ROUNDS = arg('rounds', 5)
const outAt = process.argv.indexOf('--out')
const OUT = outAt > 0 ? process.argv[outAt + 1]! : 'ledger.cpuprofile'

const city = transferCity(ACCOUNTS, BLOCK)
const next = transfers(city)
const dir = tmpDir('bench-ledger-profile')
const engine = await SoloEngine.open({ dataDir: dir.path, genesis: city.genesis, validatorKey: city.validator, blockIntervalMs: 3_600_000 })
try {
  const warm = next(BLOCK)
  const batches = Array.from({ length: ROUNDS }, () => next(BLOCK))
  await Promise.all(warm.map((tx) => engine.submit(tx)))
  await engine.produceBlock()
  const session = new Session()
  session.connect()
  await session.post('Profiler.enable')
  await session.post('Profiler.start')
  let submitMs = 0
  let blockMs = 0
  for (const txs of batches) {
    const t0 = performance.now()
    const refused = (await Promise.all(txs.map((tx) => engine.submit(tx)))).filter((r) => r.code !== 0)
    if (refused.length) throw new Error(`${refused.length} refused, e.g. ${refused[0]!.log}`)
    const t1 = performance.now()
    await engine.produceBlock()
    submitMs += t1 - t0
    blockMs += performance.now() - t1
  }
  const { profile } = await session.post('Profiler.stop')
  writeFileSync(OUT, JSON.stringify(profile))
  const n = ROUNDS * BLOCK
  console.log(`per transfer: admission ${round((submitMs * 1000) / n)} µs, block (execute + commit) ${round((blockMs * 1000) / n)} µs; profile in ${OUT}`)
} finally {
  await engine.stop()
  dir.remove()
}
