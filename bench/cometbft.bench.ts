/**
 * `npm run bench:cometbft` — Polis under CometBFT vs CometBFT's built-in kvstore app, same run,
 * identical 4-validator loopback testnets (same generator, ports aside, same timeouts).
 *
 * Workload: S senders, each submitting K transactions one after another through
 * `broadcast_tx_sync` to its own node (sender s → node s mod 4), so S requests are in flight.
 *   polis:   signed bank/send transfers (Ed25519, nonce, full pipeline, IAVL commit) to a sink
 *   kvstore: "key=value" transactions of the same size
 * Transactions are signed before the clock starts. A poller follows node0's blocks and stamps
 * every transaction with the moment its block was first seen in node0's block store (decided by
 * consensus): commit latency = that moment − submission; tx/s = committed / (last commit − first
 * submission). CPU time of the App and CometBFT processes is read from /proc around the run.
 * Checks (after the clock): every Polis transfer committed with code 0 and the sink's balance grew by exactly that.
 * Writes bench/results/cometbft.json.
 * Options: --senders S (64) --txs-per-sender K (40) --rounds R (1) --timeout-commit 200ms
 *          --verify-threads N (0: inline; four Apps share the cores) --skip-kvstore --skip-polis
 *          --config 'mempool.recheck=false,…': CometBFT config overrides, the same for both nets
 *          --pprof-seconds N: CPU-profile node0's CometBFT for N s from the first submission
 *            (rpc.pprof_laddr on node0 only) into bench/results/cometbft-<app>.pprof;
 *            read it with `go tool pprof -top .cache/bin/cometbft bench/results/cometbft-polis.pprof`
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { freePort } from '../src/kit/free-port.js'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { Testnet, generateTestnet, testnetKey, testnetPorts } from '../src/network/cometbft-testnet.js'
import { freeBasePort } from '../src/kit/free-port.js'
import { cometbftVersion } from '../src/engine/cometbft/binary.js'
import { sha256 } from '../src/crypto/hash.js'
import { toHex, utf8 } from '../src/base/bytes.js'
import { Signer } from '../src/kit/signer.js'
import { round, summarize } from './stats.js'
import { ed25519Limit } from './ed25519-limit.js'

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf('--' + name)
  return i > 0 ? process.argv[i + 1]! : dflt
}
const flag = (name: string) => process.argv.includes('--' + name)
const SENDERS = Number(arg('senders', '64'))
const PER_SENDER = Number(arg('txs-per-sender', '40'))
const ROUNDS = Number(arg('rounds', '1'))
const TIMEOUT_COMMIT = arg('timeout-commit', '200ms')
const VERIFY_THREADS = Number(arg('verify-threads', '0'))
const PPROF_SECONDS = Number(arg('pprof-seconds', '0'))
/** Extra CometBFT settings for both nets (experiments): "a.b=v,c.d=w"; numbers and booleans as such. */
const CONFIG: Record<string, string | number | boolean> = Object.fromEntries(arg('config', '').split(',').filter(Boolean).map((kv) => {
  const [k, v = ''] = kv.split('=')
  return [k!, v === 'true' ? true : v === 'false' ? false : /^\d+$/.test(v) ? Number(v) : v]
}))
const VALIDATORS = 4

interface RunResult {
  app: 'polis' | 'kvstore'
  txs: number
  committed: number
  refused: number
  seconds: number
  txPerSec: number
  latencyMs: ReturnType<typeof summarize>
  /** broadcast_tx_sync round trips (submission → CheckTx answer): what paces the closed-loop senders. */
  submitMs: ReturnType<typeof summarize>
  blocks: number
  maxTxsPerBlock: number
  /** CPU time (user + system) of all App and all CometBFT processes during the run, per committed tx. */
  cpuMsPerTx: { app: number; cometbft: number }
  /** CPU ms per second of the same processes over IDLE_MS before the run, with no transaction. */
  idleCpuMsPerSec: { app: number; cometbft: number }
  /** cpuMsPerTx less what the idle rate accounts for over the run's duration. */
  cpuMsPerTxNetOfIdle: { app: number; cometbft: number }
}

/** The quiet window before each run in which the nets' idle CPU is measured. */
const IDLE_MS = 3000

/** Summed CPU ms (utime + stime from /proc) of the nodes' App and CometBFT processes. */
function cpuOf(tn: Testnet): { app: number; cometbft: number } {
  const tick = 10 // ms per clock tick (USER_HZ = 100 on Linux)
  const read = (pid: number | undefined) => {
    if (!pid) return 0
    try {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8')
      const parts = f.slice(f.lastIndexOf(')') + 2).split(' ')
      return (Number(parts[11]) + Number(parts[12])) * tick
    } catch {
      return 0
    }
  }
  let app = 0
  let cometbft = 0
  for (let i = 0; i < tn.size; i++) {
    app += read(tn.appPid(i))
    cometbft += read(tn.cometbftPid(i))
  }
  return { app, cometbft }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function runOne(app: 'polis' | 'kvstore'): Promise<RunResult> {
  const dir = mkdtempSync(join(tmpdir(), `polis-bench-${app}-`))
  const chainId = 'bench-city'
  const keySeed = 'bench'
  generateTestnet({
    out: dir, validators: VALIDATORS, chainId, app, keySeed, basePort: await freeBasePort((b) => testnetPorts(b, VALIDATORS)),
    citizens: app === 'polis' ? SENDERS + 1 : 0, citizenBalance: 1_000_000_000n,
    timeouts: { commit: TIMEOUT_COMMIT }, mempoolSize: 20_000, configOverrides: CONFIG,
  })
  let pprofPort = 0
  if (PPROF_SECONDS > 0) {
    pprofPort = await freePort()
    const cfg = join(dir, 'node0', 'cometbft', 'config', 'config.toml')
    writeFileSync(cfg, readFileSync(cfg, 'utf8').replace('pprof_laddr = ""', `pprof_laddr = "127.0.0.1:${pprofPort}"`))
  }
  const tn = new Testnet(dir, { verifyThreads: VERIFY_THREADS })
  try {
    await tn.start()
    await tn.waitForHeight(1n)
    // -------- sign everything first
    const perSender: Uint8Array[][] = []
    const sink = testnetKey(keySeed, `citizen/${SENDERS}`)
    if (app === 'polis') {
      const signer = new Signer(chainId)
      for (let s = 0; s < SENDERS; s++) {
        const from = testnetKey(keySeed, `citizen/${s}`)
        perSender.push(Array.from({ length: PER_SENDER }, () => signer.send(from, sink, 1n)))
      }
    } else {
      // the same size as a Polis transfer
      const size = new Signer(chainId).send(testnetKey(keySeed, 'x'), sink, 1n).length
      for (let s = 0; s < SENDERS; s++) {
        perSender.push(Array.from({ length: PER_SENDER }, (_, k) => {
          const key = `s${s}-${k}`
          return utf8(`${key}=${'v'.repeat(Math.max(1, size - key.length - 1))}`)
        }))
      }
    }
    const total = SENDERS * PER_SENDER
    const idle0 = cpuOf(tn)
    await sleep(IDLE_MS)
    const cpu0 = cpuOf(tn)
    const idle = { app: ((cpu0.app - idle0.app) * 1000) / IDLE_MS, cometbft: ((cpu0.cometbft - idle0.cometbft) * 1000) / IDLE_MS }
    const submitted = new Map<string, number>()
    const committedAt = new Map<string, number>()
    const txBlocks: bigint[] = []
    let refused = 0
    const rtts: number[] = []
    let blocks = 0
    let maxTxs = 0
    // -------- follow node0's blocks
    const rpc0 = tn.rpc(0)
    let polling = true
    let seen = await rpc0.height()
    const poller = (async () => {
      while (polling) {
        let h: bigint
        try {
          h = await rpc0.height()
        } catch {
          await sleep(20)
          continue
        }
        for (; seen < h; ) {
          seen++
          const b = await rpc0.block(seen)
          const now = performance.now() // decided: the block is in node0's store
          const txs: string[] = b.block.data.txs ?? []
          if (!txs.length) continue
          blocks++
          txBlocks.push(seen)
          maxTxs = Math.max(maxTxs, txs.length)
          for (const t of txs) {
            const k = toHex(sha256(Buffer.from(t, 'base64')))
            if (!committedAt.has(k)) committedAt.set(k, now)
          }
        }
        await sleep(15)
      }
    })()
    // -------- submit
    const t0 = performance.now()
    const profile = pprofPort ? fetch(`http://127.0.0.1:${pprofPort}/debug/pprof/profile?seconds=${PPROF_SECONDS}`).then(async (r) => {
      const out = new URL(`./results/cometbft-${app}.pprof`, import.meta.url)
      mkdirSync(new URL('./results/', import.meta.url), { recursive: true })
      writeFileSync(out, Buffer.from(await r.arrayBuffer()))
    }) : undefined
    await Promise.all(perSender.map(async (txs, s) => {
      const rpc = tn.rpc(s % VALIDATORS)
      for (const tx of txs) {
        const k = toHex(sha256(tx))
        const ts = performance.now()
        submitted.set(k, ts)
        try {
          const r = await rpc.broadcastTxSync(tx)
          if (r.code !== 0) refused++
        } catch {
          refused++
        }
        rtts.push(performance.now() - ts)
      }
    }))
    const deadline = Date.now() + 120_000
    while (committedAt.size < total - refused && Date.now() < deadline) await sleep(50)
    polling = false
    await poller
    await profile
    const lat: number[] = []
    let last = t0
    for (const [k, t] of committedAt) {
      const s = submitted.get(k)
      if (s === undefined) continue
      lat.push(t - s)
      if (t > last) last = t
    }
    const seconds = (last - t0) / 1000
    const cpu1 = cpuOf(tn)
    const cpuMsPerTx = { app: round((cpu1.app - cpu0.app) / committedAt.size, 3), cometbft: round((cpu1.cometbft - cpu0.cometbft) / committedAt.size, 3) }
    const wall = (performance.now() - t0) / 1000 // the CPU window: submission to the end of polling
    const netOfIdle = (busy: number, rate: number) => round(Math.max(0, busy - rate * wall) / committedAt.size, 3)
    const cpuMsPerTxNetOfIdle = { app: netOfIdle(cpu1.app - cpu0.app, idle.app), cometbft: netOfIdle(cpu1.cometbft - cpu0.cometbft, idle.cometbft) }
    const idleCpuMsPerSec = { app: round(idle.app, 1), cometbft: round(idle.cometbft, 1) }
    if (app === 'polis') {
      // after the clock: every transfer must have succeeded
      let bad = 0
      for (const h of txBlocks) {
        let res: any
        for (let tries = 0; ; tries++) {
          try {
            res = await rpc0.blockResults(h)
            break
          } catch (e) {
            if (tries > 100) throw e
            await sleep(50)
          }
        }
        bad += (res.txs_results ?? []).filter((r: { code?: number }) => (r.code ?? 0) !== 0).length
      }
      if (bad) throw new Error(`${bad} transfers committed with a non-zero code`)
      // a block is in node0's store before node0's App has committed it: read the balance once it has
      const lastTxBlock = txBlocks.reduce((m, h) => (h > m ? h : m), 0n)
      for (let tries = 0; BigInt((await rpc0.abciInfo()).response.last_block_height ?? 0) < lastTxBlock; tries++) {
        if (tries > 400) throw new Error(`node0's App did not reach height ${lastTxBlock}`)
        await sleep(50)
      }
      const q = await rpc0.abciQuery('bank/balance', utf8(JSON.stringify({ address: toHex(sink.publicKey) })))
      const bal = BigInt(JSON.parse(Buffer.from(q.response.value, 'base64').toString()).amount)
      if (bal !== 1_000_000_000n + BigInt(committedAt.size)) throw new Error(`sink balance ${bal} != ${1_000_000_000n + BigInt(committedAt.size)}`)
    }
    return { app, txs: total, committed: committedAt.size, refused, seconds: round(seconds, 2), txPerSec: round(committedAt.size / seconds), latencyMs: summarize(lat), submitMs: summarize(rtts), blocks, maxTxsPerBlock: maxTxs, cpuMsPerTx, idleCpuMsPerSec, cpuMsPerTxNetOfIdle }
  } finally {
    await tn.stop()
    if (process.env.POLIS_KEEP_TESTNET) console.log(`testnet kept in ${dir}`)
    else rmSync(dir, { recursive: true, force: true })
  }
}

const results: RunResult[] = []
for (let r = 0; r < ROUNDS; r++) {
  for (const app of ['polis', 'kvstore'] as const) {
    if (flag(`skip-${app}`)) continue
    try {
      const x = await runOne(app)
      console.log(JSON.stringify(x))
      results.push(x)
    } catch (e) {
      console.error(`${app} round ${r + 1} failed: ${(e as Error).stack ?? e}`)
      process.exitCode = 1
    }
  }
}
const best = (app: string) => results.filter((x) => x.app === app).sort((a, b) => b.txPerSec - a.txPerSec)[0]
const p = best('polis')
const k = best('kvstore')
// the one-core Ed25519 limit of this run (every validator verifies each transfer once, at admission)
const ed25519 = Math.round(ed25519Limit())
const summary = {
  date: new Date().toISOString(),
  cometbft: cometbftVersion(),
  node: process.version,
  cpus: cpus().length,
  validators: VALIDATORS,
  senders: SENDERS,
  txsPerSender: PER_SENDER,
  timeoutCommit: TIMEOUT_COMMIT,
  verifyThreads: VERIFY_THREADS,
  config: CONFIG,
  runs: results,
  ratio: p && k ? round(p.txPerSec / k.txPerSec, 2) : undefined,
  ed25519PerSecOneCore: ed25519,
  polisToEd25519: p ? round(p.txPerSec / ed25519, 3) : undefined,
}
console.log('\n| app | tx/s | p50 commit latency (ms) | p99 (ms) | submit p50 / p99 (ms) | committed | blocks | max txs/block | CPU ms/tx Apps / CometBFT | net of idle | idle CPU ms/s Apps / CometBFT |')
console.log('|---|---|---|---|---|---|---|---|---|---|---|')
for (const x of results) console.log(`| ${x.app} | ${x.txPerSec} | ${x.latencyMs.p50} | ${x.latencyMs.p99} | ${x.submitMs.p50} / ${x.submitMs.p99} | ${x.committed}/${x.txs} | ${x.blocks} | ${x.maxTxsPerBlock} | ${x.cpuMsPerTx.app} / ${x.cpuMsPerTx.cometbft} | ${x.cpuMsPerTxNetOfIdle.app} / ${x.cpuMsPerTxNetOfIdle.cometbft} | ${x.idleCpuMsPerSec.app} / ${x.idleCpuMsPerSec.cometbft} |`)
if (summary.ratio !== undefined) console.log(`\nratio polis/kvstore (tx/s, best round each): ${summary.ratio}`)
console.log(`Ed25519 one core, same run: ${ed25519}/s${p ? `; Polis committed / limit ${summary.polisToEd25519}` : ''}`)
mkdirSync(new URL('./results/', import.meta.url), { recursive: true })
writeFileSync(new URL('./results/cometbft.json', import.meta.url), JSON.stringify(summary, null, 2) + '\n')
