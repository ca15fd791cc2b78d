/**
 * `npm run bench:network` — blocks/s and tx/s of a city of `polis network up --engine cometbft`:
 * the real CLI (bin/polis) as a child process, in a temporary network home, makes two cities of
 * V CometBFT validators each (an App process and a cometbft process per validator), their bridge
 * clients and relayers, exactly as an operator starts it. The load goes to city-a through
 * bench/comet-load.ts (the load generator `bench:cometbft` measures with): S senders, each
 * submitting K signed bank/send transfers (signed before the clock) one after another through
 * `broadcast_tx_sync` to its own validator (sender s → validator s mod V), city-a's node0's blocks
 * followed for commit times. Checked after the clock: every transfer committed with code 0 and the
 * sink's balance grew by exactly that.
 *
 * CPU: utime + stime from /proc of every process under the CLI, read around the run (and over an
 * idle window before it), split into city-a's Apps, city-a's CometBFT nodes, and the rest (the CLI
 * with its relayers, city-b). The one-core Ed25519 limit is measured in the same run, before each
 * round and at the end, and its median reported (every validator verifies each transfer once, at admission).
 *
 * Writes bench/results/network.json. Options:
 *   --validators V (4) --senders S (64) --txs-per-sender K (40) --rounds R (1: one network per round)
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { launchProcess, type PolisProcess } from '../src/kit/node-launcher.js'
import { Keyring } from '../src/sdk/keys.js'
import { CometRpc } from '../src/engine/cometbft/rpc.js'
import { cometbftVersion } from '../src/engine/cometbft/binary.js'
import type { TestnetManifest } from '../src/network/cometbft-testnet.js'
import { balanceOf, checkTransfers, runLoad, signTransfers, type LoadRun } from './comet-load.js'
import { arg, median, round } from './stats.js'
import { ed25519Limit } from './ed25519-limit.js'

const VALIDATORS = arg('validators', 4)
const SENDERS = arg('senders', 64)
const PER_SENDER = arg('txs-per-sender', 40)
const ROUNDS = arg('rounds', 1)
if (SENDERS + 1 > 1000) throw new Error('--senders: at most 999 (the sample citizens of a network are at most 1000)')

/** The quiet window before each run in which the processes' idle CPU is measured. */
const IDLE_MS = 3000
const TICK_MS = 10 // USER_HZ = 100 on Linux

type Cpu = { apps: number; cometbft: number; rest: number }

/** The process tree under `root`: pid → [comm, cmdline] (read from /proc). */
function tree(root: number): Map<number, { comm: string; cmd: string; ticks: number }> {
  const all = new Map<number, { ppid: number; comm: string; cmd: string; ticks: number }>()
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8')
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8').replace(/\0/g, ' ')
      all.set(Number(d), { ppid: Number(f[1]), comm, cmd, ticks: Number(f[11]) + Number(f[12]) })
    } catch {
      // gone meanwhile
    }
  }
  const out = new Map<number, { comm: string; cmd: string; ticks: number }>()
  const add = (pid: number) => {
    const p = all.get(pid)
    if (!p || out.has(pid)) return
    out.set(pid, p)
    for (const [c, q] of all) if (q.ppid === pid) add(c)
  }
  add(root)
  return out
}

/** CPU ms so far of the processes under the CLI, by role; city-a's are those whose command line names its home. */
function cpuOf(cliPid: number, cityHome: string): Cpu {
  const c: Cpu = { apps: 0, cometbft: 0, rest: 0 }
  for (const p of tree(cliPid).values()) {
    const ms = p.ticks * TICK_MS
    const ours = p.cmd.includes(`${cityHome}/`)
    if (ours && p.comm === 'cometbft') c.cometbft += ms
    else if (ours && p.cmd.includes('cometbft-process')) c.apps += ms
    else c.rest += ms
  }
  return c
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const minus = (a: Cpu, b: Cpu): Cpu => ({ apps: a.apps - b.apps, cometbft: a.cometbft - b.cometbft, rest: a.rest - b.rest })

interface Round extends Omit<LoadRun, 'txBlocks'> {
  /** CPU ms per committed transfer over the run (submission to the last block followed) */
  cpuMsPerTx: Cpu
  /** CPU ms per second of the same processes over IDLE_MS before the run */
  idleCpuMsPerSec: Cpu
  /** share of the machine's cores the whole network used during the run */
  coresBusy: number
}

async function runOne(): Promise<Round> {
  const root = mkdtempSync(join(tmpdir(), 'polis-bench-network-'))
  const home = join(root, 'net')
  let up: PolisProcess | undefined
  try {
    const args = ['network', 'up', '--engine', 'cometbft', '--validators', String(VALIDATORS), '--base-port', '0', '--sample-accounts', String(SENDERS + 1), '--home', home, '--json']
    const p = await launchProcess(args, {
      env: { POLIS_LOG_LEVEL: 'warn' }, timeoutMs: 180_000,
      ready: (out) => out.split('\n').filter((l) => l.startsWith('{')).map((l) => { try { return JSON.parse(l) as Record<string, any> } catch { return {} } }).find((e) => e.event === 'listening'),
    })
    up = p
    const city = p.ready.cities[0] as { name: string; chain_id: string; home: string }
    const manifest = JSON.parse(readFileSync(join(city.home, 'cometbft', 'testnet.json'), 'utf8')) as TestnetManifest
    if (manifest.nodes.length !== VALIDATORS) throw new Error(`${city.name} has ${manifest.nodes.length} validators, not ${VALIDATORS}`)
    const rpcs = manifest.nodes.map((n) => new CometRpc(`http://${manifest.host}:${n.rpcPort}`))
    const keys = new Keyring(join(city.home, 'keys'))
    const senders = Array.from({ length: SENDERS }, (_, i) => keys.get(`citizen-${i + 1}`))
    const sink = keys.get(`citizen-${SENDERS + 1}`)
    const perSender = signTransfers(city.chain_id, senders, sink, PER_SENDER)
    const before = await balanceOf(rpcs[0]!, sink)
    const cliPid = p.child.pid!
    const idle0 = cpuOf(cliPid, city.home)
    await sleep(IDLE_MS)
    const cpu0 = cpuOf(cliPid, city.home)
    const t0 = performance.now()
    const run = await runLoad({ submitTo: (s) => rpcs[s % VALIDATORS]!, follow: rpcs[0]!, perSender })
    const wallMs = performance.now() - t0
    const used = minus(cpuOf(cliPid, city.home), cpu0)
    await checkTransfers(rpcs[0]!, run, sink, before)
    const per = (x: number) => round(x / run.committed, 3)
    const idle = minus(cpu0, idle0)
    const rate = (x: number) => round((x * 1000) / IDLE_MS, 1)
    const { txBlocks: _, ...rest } = run
    return {
      ...rest,
      cpuMsPerTx: { apps: per(used.apps), cometbft: per(used.cometbft), rest: per(used.rest) },
      idleCpuMsPerSec: { apps: rate(idle.apps), cometbft: rate(idle.cometbft), rest: rate(idle.rest) },
      coresBusy: round((used.apps + used.cometbft + used.rest) / wallMs, 2),
    }
  } finally {
    if (up) {
      const exit = await up.stop('SIGTERM')
      if (exit.code !== 0) console.error(`network up exited ${exit.code ?? exit.signal}:\n${up.stderr().slice(-2000)}`)
    }
    rmSync(root, { recursive: true, force: true })
  }
}

const load0 = loadavg()
const results: Round[] = []
/** the one-core Ed25519 limit, measured before each round and at the end (the machine's load moves) */
const limits: number[] = []
for (let r = 0; r < ROUNDS; r++) {
  limits.push(Math.round(ed25519Limit()))
  try {
    const x = await runOne()
    console.log(JSON.stringify(x))
    results.push(x)
  } catch (e) {
    console.error(`round ${r + 1} failed: ${(e as Error).stack ?? e}`)
    process.exitCode = 1
  }
}
limits.push(Math.round(ed25519Limit()))
const ed25519 = median(limits)
const load1 = loadavg()
const med = (f: (x: Round) => number) => (results.length ? round(median(results.map(f)), 2) : undefined)
const summary = {
  date: new Date().toISOString(),
  command: `npm run bench:network -- --validators ${VALIDATORS} --senders ${SENDERS} --txs-per-sender ${PER_SENDER} --rounds ${ROUNDS}`,
  cometbft: cometbftVersion(),
  node: process.version,
  cpus: cpus().length,
  loadavgBefore: load0.map((x) => round(x, 2)),
  loadavgAfter: load1.map((x) => round(x, 2)),
  validators: VALIDATORS,
  senders: SENDERS,
  txsPerSender: PER_SENDER,
  rounds: results,
  median: { txPerSec: med((x) => x.txPerSec), blocksPerSec: med((x) => x.blocksPerSec), p50Ms: med((x) => x.latencyMs.p50), p99Ms: med((x) => x.latencyMs.p99) },
  ed25519PerSecOneCore: ed25519,
  ed25519Measurements: limits,
  txPerSecToEd25519: results.length ? round(median(results.map((x) => x.txPerSec)) / ed25519, 3) : undefined,
}
console.log(`\n4-validator city through \`polis network up --engine cometbft\` (city-a of 2; ${SENDERS} senders × ${PER_SENDER})`)
console.log('| round | tx/s | blocks/s | p50 commit (ms) | p99 (ms) | committed | blocks with txs | max txs/block | CPU ms/tx Apps / CometBFT / rest | idle CPU ms/s Apps / CometBFT / rest | cores busy |')
console.log('|---|---|---|---|---|---|---|---|---|---|---|')
results.forEach((x, i) => console.log(`| ${i + 1} | ${x.txPerSec} | ${x.blocksPerSec} | ${x.latencyMs.p50} | ${x.latencyMs.p99} | ${x.committed}/${x.txs} | ${x.blocks} | ${x.maxTxsPerBlock} | ${x.cpuMsPerTx.apps} / ${x.cpuMsPerTx.cometbft} / ${x.cpuMsPerTx.rest} | ${x.idleCpuMsPerSec.apps} / ${x.idleCpuMsPerSec.cometbft} / ${x.idleCpuMsPerSec.rest} | ${x.coresBusy} |`))
console.log(`median tx/s ${summary.median.txPerSec}, blocks/s ${summary.median.blocksPerSec}; Ed25519 one core, same run (median of ${limits.join(', ')}): ${ed25519}/s (tx/s ÷ limit ${summary.txPerSecToEd25519}); load ${summary.loadavgBefore.join(' ')} → ${summary.loadavgAfter.join(' ')}`)
mkdirSync(new URL('./results/', import.meta.url), { recursive: true })
writeFileSync(new URL('./results/network.json', import.meta.url), JSON.stringify(summary, null, 2) + '\n')
