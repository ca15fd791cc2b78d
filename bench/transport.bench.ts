/**
 * BITS transport throughput (`npm run bench:transport`, i.e. `node --import tsx bench/transport.bench.ts`).
 * Writes bench/results/transport.json.
 *
 * 1. Reports/s through the RSU analyser on one core: a simulated city (default 400 vehicles, 60 s,
 *    16 RSUs); the RSUs' logs parsed once; then, ROUNDS times, every RSU's log through a fresh
 *    analyser (all plausibility checks, road map known); median reports/s, with and without JSON parsing.
 * 2. Chain cost of one RSU window: blocks each holding one `transport/submit-window` with
 *    VERDICTS vehicles (signature check, parse, reputation updates, commit), median ms per block.
 *
 * Options: --vehicles N --duration S --rounds N --verdicts N --windows N
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { simulate } from '../src/transport/sim.js'
import { ReceiverAnalyser } from '../src/transport/analyser.js'
import { parseLogLine, type LogLine } from '../src/transport/veremi.js'
import { SoloEngine } from '../src/engine/solo/engine.js'
import { transportModule } from '../src/modules/transport/index.js'
import { compareBytes, toHex } from '../src/crypto/hash.js'
import { Signer, testCity, testKey, tmpDir } from '../test/helpers/chain.js'

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf('--' + name)
  return i > 0 ? process.argv[i + 1]! : dflt
}
const VEHICLES = Number(arg('vehicles', '400'))
const DURATION = Number(arg('duration', '60'))
const ROUNDS = Number(arg('rounds', '5'))
const VERDICTS = Number(arg('verdicts', '1000'))
const WINDOWS = Number(arg('windows', '20'))
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

const dir = mkdtempSync(join(tmpdir(), 'polis-bench-transport-'))
try {
  const grid = { blocks: 8, blockLength: 200 }
  const sim = simulate({ seed: 1, vehicles: VEHICLES, duration: DURATION, grid, attack: 'randomPosOffset', attackerShare: 0.1, rsus: 16 }, dir)
  const logs = sim.rsuFiles.map((f) => readFileSync(f, 'utf8').split('\n').filter(Boolean))
  const parsed = logs.map((lines) => lines.map((l) => parseLogLine(l)).filter((e): e is LogLine => e !== undefined))
  const reports = parsed.flat().filter((e) => e.type === 3).length
  const run = (withParse: boolean) => {
    const rates: number[] = []
    for (let r = 0; r < ROUNDS + 1; r++) {
      const t0 = process.hrtime.bigint()
      for (let i = 0; i < logs.length; i++) {
        const a = new ReceiverAnalyser({ grid })
        if (withParse) for (const l of logs[i]!) a.push(parseLogLine(l)!)
        else for (const e of parsed[i]!) a.push(e)
      }
      const s = Number(process.hrtime.bigint() - t0) / 1e9
      if (r > 0) rates.push(reports / s) // round 0 warms up
    }
    return median(rates)
  }
  const analyser = run(false)
  const analyserWithJson = run(true)
  console.log(`analyser: ${reports} reports received by 16 RSUs; ${Math.round(analyser)} reports/s (checks), ${Math.round(analyserWithJson)} reports/s (JSON parse + checks)`)

  // chain cost per RSU window
  const city = testCity({ citizens: 0 })
  const accounts = (city.genesis.app_state.identity as { accounts: Array<{ pub_key: string; roles: string[] }> }).accounts
  const vehicles = Array.from({ length: VERDICTS }, (_, i) => testKey(`bench-vehicle-${i}`).publicKey).sort(compareBytes)
  for (const v of vehicles) accounts.push({ pub_key: toHex(v), roles: ['vehicle'] })
  const rsu = testKey('bench-rsu')
  accounts.push({ pub_key: toHex(rsu.publicKey), roles: ['rsu'] })
  ;(city.genesis.app_state as Record<string, unknown>).transport = { window_blocks: '1', max_lag_windows: '4' }
  const d = tmpDir('bench-transport')
  const engine = await SoloEngine.open({ dataDir: d.path, genesis: city.genesis, validatorKey: city.validator, modules: [transportModule()], verifyThreads: 0 })
  const signer = new Signer(city.chainId)
  let time = 1767225600000n
  const ms: number[] = []
  let txBytes = 0
  for (let w = 0; w < WINDOWS; w++) {
    const h = engine.app.info().lastHeight + 1n
    const tx = signer.tx(rsu, [{ type: 'transport/submit-window', value: { window: h - 1n, root: new Uint8Array(32).fill(w), verdicts: vehicles.map((v, i) => [v, 10 + (i % 5), i % 7 === 0 ? 8 : 0]) } }])
    txBytes = tx.length
    time += 1000n
    const t0 = process.hrtime.bigint()
    const fin = await engine.app.finalizeBlock({ height: h, time, txs: [tx], proposer: city.validator.publicKey })
    await engine.app.commit()
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6)
    if (fin.results[0]!.code !== 0) throw new Error(fin.results[0]!.log)
  }
  await engine.stop()
  d.remove()
  const window = median(ms.slice(2))
  console.log(`chain: one RSU window of ${VERDICTS} vehicles (${txBytes} B) executes and commits in ${window.toFixed(1)} ms (median of ${WINDOWS - 2})`)
  mkdirSync('bench/results', { recursive: true })
  writeFileSync('bench/results/transport.json', JSON.stringify({
    cpu: cpus()[0]?.model, vehicles: VEHICLES, duration_s: DURATION, reports, analyser_reports_per_s: Math.round(analyser),
    analyser_with_json_reports_per_s: Math.round(analyserWithJson), window_verdicts: VERDICTS, window_tx_bytes: txBytes, window_block_ms: window,
  }, null, 2) + '\n')
} finally {
  rmSync(dir, { recursive: true, force: true })
}
