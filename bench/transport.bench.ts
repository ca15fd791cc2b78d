/**
 * BITS transport throughput (`npm run bench:transport`, i.e. `node --import tsx bench/transport.bench.ts`).
 * Writes bench/results/transport.json.
 *
 * 1. Reports/s through one RSU analyser on one core: a simulated city (default 400 vehicles, 60 s,
 *    16 RSUs) whose vehicles sign their reports; the RSUs' logs parsed once; then, ROUNDS times,
 *    every RSU's log through a fresh analyser (all plausibility checks, road map known); median
 *    reports/s: checks only, JSON parsing + checks, and the signed path (CBOR decoding + Ed25519
 *    verification + checks, `RsuAgent`), and that path with verification batched onto 1 and 2
 *    worker threads (`RsuAgent.receiveAll` with the node's `VerifyPool`).
 * 2. Ed25519 verifications/s of those reports: inline on this thread, and through the node's
 *    worker-thread pool (`VerifyPool`, batches of 256) with 1 and 2 threads.
 * 3. Chain cost of one RSU window: blocks each holding one `transport/submit-window` with
 *    VERDICTS registered vehicles (signature check, parse, registry and reputation updates, commit),
 *    median ms per block.
 *
 * Options: --vehicles N --duration S --rounds N --verdicts N --windows N
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { simulate } from '../src/transport/sim.js'
import { ReceiverAnalyser } from '../src/transport/analyser.js'
import { RsuAgent } from '../src/transport/agent.js'
import { openReport, reportSignBytes } from '../src/transport/report.js'
import { parseLogLine, type LogLine } from '../src/transport/veremi.js'
import { fromHex, compareBytes } from '../src/base/bytes.js'
import { verifySignature } from '../src/crypto/keys.js'
import { VerifyPool } from '../src/crypto/verify-pool.js'
import { decodeCanonical } from '../src/codec/cbor.js'
import { testKey } from '../src/kit/genesis-builder.js'
import { TestChain } from '../src/kit/transport-chain.js'
import { arg, median } from './stats.js'

const VEHICLES = arg('vehicles', 400)
const DURATION = arg('duration', 60)
const ROUNDS = arg('rounds', 5)
const VERDICTS = arg('verdicts', 1000)
const WINDOWS = arg('windows', 20)

const dir = mkdtempSync(join(tmpdir(), 'polis-bench-transport-'))
try {
  const grid = { blocks: 8, blockLength: 200 }
  const sim = simulate({ seed: 1, vehicles: VEHICLES, duration: DURATION, grid, attack: 'randomPosOffset', attackerShare: 0.1, rsus: 16, incidents: 0 }, dir)
  const logs = sim.rsuFiles.map((f) => readFileSync(f, 'utf8').split('\n').filter(Boolean))
  const parsed = logs.map((lines) => lines.map((l) => parseLogLine(l)).filter((e): e is LogLine => e !== undefined))
  const signed = logs.map((lines) => lines.map((l) => JSON.parse(l) as { type: number; cam?: string; rcvTime: number }).filter((e) => e.type === 3).map((e) => ({ cam: fromHex(e.cam!), rcvTime: e.rcvTime })))
  const positions = parsed.map((p) => p.find((e) => e.type === 2)!.pos)
  const reports = parsed.flat().filter((e) => e.type === 3).length
  const rate = (work: () => void) => {
    const rates: number[] = []
    for (let r = 0; r < ROUNDS + 1; r++) {
      const t0 = process.hrtime.bigint()
      work()
      const s = Number(process.hrtime.bigint() - t0) / 1e9
      if (r > 0) rates.push(reports / s) // round 0 warms up
    }
    return median(rates)
  }
  const analyser = rate(() => {
    for (const p of parsed) {
      const a = new ReceiverAnalyser({ grid })
      for (const e of p) a.push(e)
    }
  })
  const analyserWithJson = rate(() => {
    for (const lines of logs) {
      const a = new ReceiverAnalyser({ grid })
      for (const l of lines) {
        const e = parseLogLine(l)
        if (e) a.push(e)
      }
    }
  })
  const signedPath = rate(() => {
    signed.forEach((list, i) => {
      const a = new RsuAgent({ windowSeconds: 10, firstWindow: 0n, at: { x: positions[i]![0], y: positions[i]![1] }, radius: 350, status: () => 'active', analyser: { grid } })
      for (const e of list) a.receive(e.cam, e.rcvTime)
    })
  })
  console.log(`analyser: ${reports} reports received by 16 RSUs; ${Math.round(analyser)} reports/s (checks), ${Math.round(analyserWithJson)} reports/s (JSON parse + checks), ${Math.round(signedPath)} reports/s (signed: CBOR decode + Ed25519 verify + checks + Merkle leaf)`)
  // the same signed path with verification batched onto worker threads (RsuAgent.receiveAll)
  const signedPooled: Record<number, number> = {}
  for (const threads of [1, 2]) {
    const pool = new VerifyPool(threads)
    const rates: number[] = []
    for (let r = 0; r < ROUNDS + 1; r++) {
      const t0 = process.hrtime.bigint()
      for (const [i, list] of signed.entries()) {
        const a = new RsuAgent({ windowSeconds: 10, firstWindow: 0n, at: { x: positions[i]![0], y: positions[i]![1] }, radius: 350, status: () => 'active', analyser: { grid } })
        await a.receiveAll(list.map((e) => ({ signed: e.cam, rcvTime: e.rcvTime })), pool)
      }
      const sec = Number(process.hrtime.bigint() - t0) / 1e9
      if (r > 0) rates.push(reports / sec)
    }
    signedPooled[threads] = median(rates)
    await pool.close()
  }
  console.log(`signed path with verification on the worker pool: ${Math.round(signedPooled[1]!)} reports/s with 1 thread, ${Math.round(signedPooled[2]!)} with 2`)

  // Ed25519 verification alone: inline, and through the worker pool
  const items = signed.flat().slice(0, 20_000).map((e) => {
    const o = openReport(e.cam)
    const sig = (decodeCanonical(e.cam, 'invalid_message') as [unknown, Uint8Array])[1]
    return [o.report.station, reportSignBytes(o.report), sig] as [Uint8Array, Uint8Array, Uint8Array]
  })
  const perSecond = async (verify: () => Promise<void> | void) => {
    const rates: number[] = []
    for (let r = 0; r < 4; r++) {
      const t0 = process.hrtime.bigint()
      await verify()
      const s = Number(process.hrtime.bigint() - t0) / 1e9
      if (r > 0) rates.push(items.length / s)
    }
    return median(rates)
  }
  const inline = await perSecond(() => {
    for (const it of items) if (!verifySignature(...it)) throw new Error('bad signature')
  })
  const pooled: Record<string, number> = {}
  for (const threads of [1, 2]) {
    const pool = new VerifyPool(threads)
    pooled[threads] = await perSecond(async () => {
      const ok = await pool.verifyMany(items)
      if (!ok.every(Boolean)) throw new Error('bad signature')
    })
    await pool.close()
  }
  console.log(`Ed25519: ${Math.round(inline)} verifications/s inline; worker pool ${Math.round(pooled[1]!)}/s with 1 thread, ${Math.round(pooled[2]!)}/s with 2 (${cpus().length} CPUs, shared)`)

  // chain cost per RSU window
  const chain = await TestChain.open('bench-transport', { max_lag_windows: '4' })
  await chain.block()
  const vehicles = Array.from({ length: VERDICTS }, (_, i) => testKey(`bench-vehicle-${i}`))
  const rsu = testKey('bench-rsu')
  await chain.registerFleet(vehicles, [rsu])
  const keys = vehicles.map((v) => v.publicKey).sort(compareBytes)
  const ms: number[] = []
  let txBytes = 0
  for (let w = 0; w < WINDOWS; w++) {
    const tx = chain.tx(rsu, [{ type: 'transport/submit-window', value: { window: chain.height, root: new Uint8Array(32).fill(w), size: BigInt(VERDICTS * 12), verdicts: keys.map((v, i) => [v, 10 + (i % 5), i % 7 === 0 ? 8 : 0]) } }])
    txBytes = tx.length
    const t0 = process.hrtime.bigint()
    const r = await chain.block([tx])
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6)
    if (r[0]!.code !== 0) throw new Error(r[0]!.log)
  }
  await chain.close()
  const window = median(ms.slice(2))
  console.log(`chain: one RSU window of ${VERDICTS} vehicles (${txBytes} B) executes and commits in ${window.toFixed(1)} ms (median of ${WINDOWS - 2})`)
  mkdirSync('bench/results', { recursive: true })
  writeFileSync('bench/results/transport.json', JSON.stringify({
    cpu: cpus()[0]?.model, vehicles: VEHICLES, duration_s: DURATION, reports, analyser_reports_per_s: Math.round(analyser),
    analyser_with_json_reports_per_s: Math.round(analyserWithJson), signed_reports_per_s: Math.round(signedPath),
    signed_pool_1_reports_per_s: Math.round(signedPooled[1]!), signed_pool_2_reports_per_s: Math.round(signedPooled[2]!),
    ed25519_inline_per_s: Math.round(inline), ed25519_pool_1_per_s: Math.round(pooled[1]!), ed25519_pool_2_per_s: Math.round(pooled[2]!),
    window_verdicts: VERDICTS, window_tx_bytes: txBytes, window_block_ms: window,
  }, null, 2) + '\n')
} finally {
  rmSync(dir, { recursive: true, force: true })
}
