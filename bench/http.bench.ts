/**
 * `npm run bench:http` — the signed-transfer workload (bench/transfers.ts) of bench/ledger.bench.ts submitted over HTTP to
 * a node in another process (this process is the load generator), against the same workload
 * submitted in process, measured in the same run, for the ratio.
 *
 * Modes, alternating round by round (after a warm-up of each), one loaded at a time:
 *   inproc       SoloEngine in this process, all transfers offered at once (as bench/ledger.bench.ts)
 *   inproc-clients  the same engine, CONC_SINGLE clients each submitting one transfer at a time: the
 *                arrival pattern of http-single without HTTP, to isolate what HTTP itself costs
 *   http-batch   POST /v1/txs/batch, BATCH transfers a request, CONC_BATCH requests in flight, keep-alive
 *   http-single  POST /v1/txs, one transfer a request, CONC_SINGLE requests in flight, keep-alive
 *   latency      then, transfers offered one a request at a fixed RATE (below saturation), in process and over HTTP
 * tx/s = committed / (last commit - first submit). Latency = submit → commit as the client sees it: over
 * HTTP, the arrival of the block's message on the /v1/events WebSocket; in process, the 'block' event.
 * Signing happens before the clock starts. The one-core Ed25519 verification limit
 * (bench/ed25519-limit.ts) is measured after each round; each mode's median rate is reported
 * against the median limit. Writes bench/results/http.json.
 * Options: --accounts N --txs N --batch N --conc-batch N --conc-single N --rate TX_PER_S --latency-seconds N
 */
import { writeFileSync, mkdirSync } from 'node:fs'
import { Agent, request } from 'node:http'
import { availableParallelism, cpus, loadavg } from 'node:os'
import { WebSocket } from 'ws'
import { SoloEngine } from '../src/engine/solo/engine.js'
import { sha256 } from '../src/crypto/hash.js'
import { toHex } from '../src/base/bytes.js'
import { tmpDir } from '../src/kit/temp-dir.js'
import { launchNode } from '../src/kit/node-launcher.js'
import { median, round, summarize, arg } from './stats.js'
import { ed25519Limit } from './ed25519-limit.js'
import { Tracker, fixedRate, inprocLatency, inprocThroughput, pool, trackBlocks, transferCity, transfers } from './transfers.js'

const ACCOUNTS = arg('accounts', 4_000)
const TXS = arg('txs', 10_000)
const ROUNDS = arg('rounds', 3)
const BATCH = arg('batch', 250)
const CONC_BATCH = arg('conc-batch', 4)
const CONC_SINGLE = arg('conc-single', 64)
const RATE = arg('rate', 1_000)
const LATENCY_SECONDS = arg('latency-seconds', 5)
const WARMUP = 2_000
const BLOCK_INTERVAL_MS = 50
const MAX_BLOCK_TXS = 5_000

const city = transferCity(ACCOUNTS, MAX_BLOCK_TXS)

// ---------------------------------------------------------------- in process

/** In process, but as CONC_SINGLE clients each submitting one transfer at a time (the pattern of http-single). */
async function inprocClients(engine: SoloEngine, txs: Uint8Array[]) {
  const tr = new Tracker()
  const untrack = trackBlocks(engine, tr)
  const t0 = performance.now()
  await pool(txs, CONC_SINGLE, async (tx) => {
    const at = performance.now()
    tr.submitted(toHex(sha256(tx)), at)
    const r = await engine.submit(tx)
    if (r.code !== 0) throw new Error(r.log)
  })
  await tr.until(txs.length)
  untrack()
  return { txPerSec: round(tr.committed / ((tr.lastCommit - t0) / 1000)), committed: tr.committed, latencyMs: summarize(tr.lat) }
}

// ---------------------------------------------------------------- over HTTP

function httpClient(base: string, maxSockets: number) {
  const url = new URL(base)
  const agent = new Agent({ keepAlive: true, maxSockets })
  const post = (path: string, body: string) => new Promise<{ status: number; body: any }>((resolve, reject) => {
    const req = request({ agent, host: url.hostname, port: url.port, method: 'POST', path, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) })
        } catch (e) {
          reject(e)
        }
      })
    })
    req.on('error', reject)
    req.end(body)
  })
  return { post, close: () => agent.destroy() }
}

/** Block messages of the node's event stream, delivered to whichever tracker is current. */
async function blockStream(base: string) {
  let current: Tracker | undefined
  const ws = new WebSocket(base.replace(/^http/, 'ws') + '/v1/events?kinds=block')
  ws.on('message', (d) => {
    const now = performance.now()
    const m = JSON.parse(String(d)) as { txs: string[] }
    current?.onCommit(m.txs, undefined, now)
  })
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('error', reject)
  })
  return { track: (t: Tracker | undefined) => (current = t), close: () => ws.close() }
}

type Client = ReturnType<typeof httpClient>

async function httpBatch(client: Client, stream: Awaited<ReturnType<typeof blockStream>>, txs: Uint8Array[]) {
  const tr = new Tracker()
  stream.track(tr)
  const batches: Uint8Array[][] = []
  for (let i = 0; i < txs.length; i += BATCH) batches.push(txs.slice(i, i + BATCH))
  const refusals: string[] = []
  const t0 = performance.now()
  await pool(batches, CONC_BATCH, async (b) => {
    const body = JSON.stringify({ txs: b.map(toHex) })
    // hashes are known before sending: a block may commit before the answer arrives
    const at = performance.now()
    for (const tx of b) tr.submitted(toHex(sha256(tx)), at)
    const r = await client.post('/v1/txs/batch', body)
    if (r.status !== 200) throw new Error(`batch answered ${r.status}: ${JSON.stringify(r.body)}`)
    for (const x of r.body.results as Array<{ hash: string; code: number; log: string }>) if (x.code !== 0) refusals.push(x.log)
  })
  if (refusals.length) throw new Error(`${refusals.length} refused, e.g. ${refusals[0]}`)
  await tr.until(txs.length)
  stream.track(undefined)
  return { txPerSec: round(tr.committed / ((tr.lastCommit - t0) / 1000)), committed: tr.committed, latencyMs: summarize(tr.lat) }
}

async function httpSingle(client: Client, stream: Awaited<ReturnType<typeof blockStream>>, txs: Uint8Array[]) {
  const tr = new Tracker()
  stream.track(tr)
  const t0 = performance.now()
  await pool(txs, CONC_SINGLE, (tx) => submitOne(client, tr, tx))
  await tr.until(txs.length)
  stream.track(undefined)
  return { txPerSec: round(tr.committed / ((tr.lastCommit - t0) / 1000)), committed: tr.committed, latencyMs: summarize(tr.lat) }
}

async function submitOne(client: Client, tr: Tracker, tx: Uint8Array) {
  const body = JSON.stringify({ tx: toHex(tx) })
  const at = performance.now()
  tr.submitted(toHex(sha256(tx)), at)
  const r = await client.post('/v1/txs', body)
  if (r.status !== 202) throw new Error(`submit answered ${r.status}: ${JSON.stringify(r.body)}`)
}

async function httpLatency(client: Client, stream: Awaited<ReturnType<typeof blockStream>>, txs: Uint8Array[], rate: number) {
  const tr = new Tracker()
  stream.track(tr)
  const res = await fixedRate(txs, rate, (tx) => submitOne(client, tr, tx), tr)
  stream.track(undefined)
  return res
}

// ---------------------------------------------------------------- main

async function main() {
  console.log(`HTTP bench: ${ACCOUNTS} accounts, ${TXS} transfers x ${ROUNDS} rounds per mode; batch ${BATCH} x ${CONC_BATCH} in flight; singles ${CONC_SINGLE} in flight; latency at ${RATE} tx/s; ${availableParallelism()} cores (${cpus()[0]?.model})`)
  const latencyTxs = RATE > 0 ? RATE * LATENCY_SECONDS : 0
  // Both chains live through the run; the modes alternate round by round, so that a slower or
  // busier moment of the machine weighs on all of them alike. Only one is loaded at a time.
  const inNext = transfers(city)
  const httpNext = transfers(city)
  const dir = tmpDir('bench-http-inproc')
  const engine = await SoloEngine.open({ dataDir: dir.path, genesis: city.genesis, validatorKey: city.validator, blockIntervalMs: BLOCK_INTERVAL_MS })
  engine.start()
  const node = await launchNode({ city, blockIntervalMs: BLOCK_INTERVAL_MS, logLevel: 'warn', timeoutMs: 120_000 })
  const client = httpClient(node.url, Math.max(CONC_BATCH, CONC_SINGLE))
  const stream = await blockStream(node.url)
  const inproc: Array<Awaited<ReturnType<typeof inprocThroughput>>> = []
  const batch: Array<Awaited<ReturnType<typeof httpBatch>>> = []
  const single: Array<Awaited<ReturnType<typeof httpSingle>>> = []
  const clients: Array<Awaited<ReturnType<typeof inprocClients>>> = []
  const limits: number[] = []
  let inprocLat: Awaited<ReturnType<typeof inprocLatency>> | undefined
  let httpLat: Awaited<ReturnType<typeof httpLatency>> | undefined
  const show = (what: string, r: { txPerSec: number; latencyMs: { p50: number; p99: number } }) => console.log(`  ${what.padEnd(15)}: ${r.txPerSec} tx/s, p50 ${r.latencyMs.p50} ms p99 ${r.latencyMs.p99} ms`)
  try {
    // warm-up (JIT, caches, connections) of each mode
    await inprocThroughput(engine, inNext(WARMUP))
    await inprocClients(engine, inNext(WARMUP))
    await httpBatch(client, stream, httpNext(WARMUP))
    await httpSingle(client, stream, httpNext(WARMUP))
    for (let r = 0; r < ROUNDS; r++) {
      console.log(`round ${r + 1}`)
      const a = await inprocThroughput(engine, inNext(TXS))
      show('in process', a)
      inproc.push(a)
      const b = await httpBatch(client, stream, httpNext(TXS))
      show('HTTP batches', b)
      batch.push(b)
      const d = await inprocClients(engine, inNext(TXS))
      show('in proc, 1/req', d)
      clients.push(d)
      const c = await httpSingle(client, stream, httpNext(TXS))
      show('HTTP singles', c)
      single.push(c)
      limits.push(ed25519Limit())
      console.log(`  Ed25519 one core: ${limits.at(-1)}/s`)
    }
    if (latencyTxs) {
      inprocLat = await inprocLatency(engine, inNext(latencyTxs), RATE)
      console.log(`  in process   at ${RATE} tx/s: p50 ${inprocLat.latencyMs.p50} ms p99 ${inprocLat.latencyMs.p99} ms`)
      httpLat = await httpLatency(client, stream, httpNext(latencyTxs), RATE)
      console.log(`  HTTP singles at ${RATE} tx/s: p50 ${httpLat.latencyMs.p50} ms p99 ${httpLat.latencyMs.p99} ms`)
    }
  } finally {
    stream.close()
    client.close()
    const exit = await node.stop()
    if (exit.code !== 0) console.error(`node exited with ${exit.code ?? exit.signal}:\n${node.output()}`)
    node.cleanup()
    await engine.stop()
    dir.remove()
  }

  const inprocTps = median(inproc.map((r) => r.txPerSec))
  const batchTps = median(batch.map((r) => r.txPerSec))
  const singleTps = median(single.map((r) => r.txPerSec))
  const clientsTps = median(clients.map((r) => r.txPerSec))
  const limit = median(limits)
  const toLimit = (tps: number) => round(tps / limit, 3)
  const result = {
    bench: 'http',
    date: new Date().toISOString(),
    machine: { cores: availableParallelism(), cpu: cpus()[0]?.model, node: process.version, loadAverageAtEnd: loadavg().map((x) => round(x, 2)) },
    params: { accounts: ACCOUNTS, txsPerRound: TXS, rounds: ROUNDS, batchSize: BATCH, batchesInFlight: CONC_BATCH, singlesInFlight: CONC_SINGLE, latencyRate: RATE, latencySeconds: LATENCY_SECONDS, maxBlockTxs: MAX_BLOCK_TXS, blockIntervalMs: BLOCK_INTERVAL_MS },
    setup: 'load generator and node in separate processes on one machine, loopback, keep-alive; the in-process figure from the same run, modes alternating round by round',
    inProcess: { medianTxPerSec: inprocTps, rounds: inproc, latencyAtFixedRate: inprocLat },
    httpBatch: { medianTxPerSec: batchTps, ratioToInProcess: round(batchTps / inprocTps, 3), rounds: batch },
    inProcessOneTxPerRequest: { medianTxPerSec: clientsTps, clients: CONC_SINGLE, rounds: clients },
    httpSingle: { medianTxPerSec: singleTps, ratioToInProcess: round(singleTps / inprocTps, 3), ratioToInProcessOneTxPerRequest: round(singleTps / clientsTps, 3), rounds: single, latencyAtFixedRate: httpLat },
    goal: 'HTTP within 70% of the in-process figure (ratio >= 0.7)',
    ed25519: { oneCorePerSec: limit, rounds: limits, ratioInProcess: toLimit(inprocTps), ratioHttpBatch: toLimit(batchTps), ratioHttpSingle: toLimit(singleTps) },
  }
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true })
  writeFileSync(new URL('./results/http.json', import.meta.url), JSON.stringify(result, null, 2))
  console.log(`Ed25519 one core ${limit}/s; committed/limit: in process ${toLimit(inprocTps)}, HTTP batches ${toLimit(batchTps)}, HTTP singles ${toLimit(singleTps)}`)
  console.log(`median: in process ${inprocTps} tx/s; HTTP batches ${batchTps} tx/s (${round((100 * batchTps) / inprocTps)}%), HTTP singles ${singleTps} tx/s (${round((100 * singleTps) / inprocTps)}%; ${round((100 * singleTps) / clientsTps)}% of ${clientsTps} tx/s in process with the same ${CONC_SINGLE} one-at-a-time clients)`)
}

await main()
