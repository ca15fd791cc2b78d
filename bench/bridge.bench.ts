/**
 * `npm run bench:bridge` — cross-city token transfers on the default two-city network: the real
 * `npm start` entry (`polis network up`: city-a and city-b as node processes, the relayer in the
 * supervisor) in a temp home, this process as the load generator with many sender accounts.
 *
 * Each transfer is `bridge/transfer` of 1 ucity from citizen-i on city-a to citizen-i on city-b
 * (one tx, one packet). Times are taken here: send = when the tx's batch was posted to city-a;
 * receipt = arrival of the `bridge.recv_packet` event of its sequence on city-b's /v1/events
 * WebSocket; ack = arrival of `bridge.acknowledge_packet` on city-a's. Signing happens before the
 * clock starts.
 *
 *   saturation  --transfers N offered at once (POST /v1/txs/batch): transfers/s = N / (last
 *               receipt − first send), and the same to the last ack; latencies (queueing included)
 *   steady      --rate R transfers/s offered for --seconds S: send→receipt and send→ack p50/p99
 *
 * Profile: CPU time of each process (city-a, city-b, supervisor = relayer, this load generator) during each phase, from
 * /proc. The one-core Ed25519 verification limit is measured in this run (bench/ed25519-limit.ts,
 * before, between and after the phases, median) and the received rate reported against it.
 * Writes bench/results/bridge.json.
 * Options: --senders N --transfers N --rate R --seconds S --block-interval-ms MS --batch-size N
 * --log-level L (the network's, default warn) --keep (keep the temp home).
 * CPU profiles of the three processes: POLIS_CPU_PROFILE_DIR=DIR POLIS_CPU_PROFILE_MATCH=polis
 * NODE_OPTIONS="--import $PWD/bench/cpu-profile-preload.mjs" npm run bench:bridge (one
 * DIR/<pid>.cpuprofile per process, the pids of city-a, city-b and the supervisor are printed).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { WebSocket } from 'ws'
import { PolisClient, type SignedTx } from '../src/sdk/polis-client.js'
import { Keyring } from '../src/sdk/keys.js'
import { bridge } from '../src/sdk/bridge.js'
import { arg, machine, median, round, summarize } from './stats.js'
import { ed25519Limit } from './ed25519-limit.js'
import { consecutive, freeBasePort } from '../src/kit/free-port.js'
import { NPM_START, REPO, launchProcess } from '../src/kit/node-launcher.js'

const SENDERS = arg('senders', 200)
const TRANSFERS = arg('transfers', 4_000)
const RATE = arg('rate', 1_000)
const SECONDS = arg('seconds', 5)
const BLOCK_INTERVAL_MS = arg('block-interval-ms', 50)
const BATCH_SIZE = arg('batch-size', 31)
/** the network's log level (debug: the relayer logs each pass's timings in relayer/relayer.log, see --keep) */
const LOG_LEVEL = process.argv.includes('--log-level') ? process.argv[process.argv.indexOf('--log-level') + 1]! : 'warn'

/** CPU seconds (user + system) of a process, from /proc. */
function cpuSeconds(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return (Number(f[11]) + Number(f[12])) / 100
}
function childrenOf(pid: number): number[] {
  return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number)
}

// ------------------------------------------------------------------ the network

/** bench/cpu-profile-preload.mjs's settings, passed on to the network (the launcher drops POLIS_* otherwise). */
function profiling(): Record<string, string> {
  const keep = ['POLIS_CPU_PROFILE_DIR', 'POLIS_CPU_PROFILE_MATCH'] as const
  return Object.fromEntries(keep.flatMap((k) => (process.env[k] !== undefined ? [[k, process.env[k]!]] : [])))
}

const root = mkdtempSync(join(tmpdir(), 'polis-bench-bridge-'))
const home = join(root, '.polis')
const base = await freeBasePort(consecutive(2))
const net = await launchProcess([...NPM_START, '--json', '--base-port', String(base), '--sample-accounts', String(SENDERS), '--block-interval-ms', String(BLOCK_INTERVAL_MS), '--batch-size', String(BATCH_SIZE)], {
  ready: /"event":"listening"/, env: { POLIS_HOME: home, POLIS_LOG_LEVEL: LOG_LEVEL, ...profiling() }, timeoutMs: 120_000,
})
const urlA = `http://127.0.0.1:${base}`
const urlB = `http://127.0.0.1:${base + 1}`
const A = new PolisClient(urlA)
const keys = new Keyring(join(home, 'city-a', 'keys'))
const senders = Array.from({ length: SENDERS }, (_, i) => keys.get(`citizen-${i + 1}`))
const cities = childrenOf(net.child.pid!) // city-a, city-b (forked in that order)
// the load generator shares the machine's cores: its CPU (posting, reading both event streams) is reported too
const procs: Record<string, number> = { 'city-a': cities[0]!, 'city-b': cities[1]!, 'relayer (supervisor)': net.child.pid!, 'bench (load generator)': process.pid }
process.stderr.write(`network up (${urlA}, ${urlB}); ${SENDERS} senders; pids ${JSON.stringify(procs)}\n`)

// ------------------------------------------------------------------ observing

const sentAt = new Map<string, number>() // tx hash → send time
const seqSent = new Map<string, number>() // sequence → send time
const seqHash = new Map<string, string>() // sequence → tx hash
const recvAt = new Map<string, number>()
const ackAt = new Map<string, number>()
type TxMsg = { kind: string; hash: string; code: number; events: Array<{ type: string; attributes: Array<{ key: string; value: string }> }> }
const attr = (e: TxMsg['events'][number], k: string) => e.attributes.find((a) => a.key === k)?.value
function watch(url: string, onTx: (m: TxMsg, t: number) => void): Promise<WebSocket> {
  // one frame per block: the JSON array of its bridge transactions
  const ws = new WebSocket(url.replace(/^http/, 'ws') + '/v1/events?kinds=tx&module=bridge&frames=block')
  ws.on('message', (d) => {
    const t = performance.now()
    for (const m of JSON.parse(d.toString()) as TxMsg[]) onTx(m, t)
  })
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws))
    ws.once('error', reject)
  })
}
const wsA = await watch(urlA, (m, t) => {
  if (m.code !== 0) return
  for (const e of m.events) {
    if (e.type === 'bridge.send_packet' && attr(e, 'source_client') === 'city-b') {
      const s = sentAt.get(m.hash)
      if (s !== undefined) seqSent.set(attr(e, 'sequence')!, s)
      seqHash.set(attr(e, 'sequence')!, m.hash)
    }
    if (e.type === 'bridge.acknowledge_packet' && attr(e, 'source_client') === 'city-b') ackAt.set(attr(e, 'sequence')!, t)
  }
})
const wsB = await watch(urlB, (m, t) => {
  if (m.code !== 0) return
  for (const e of m.events) if (e.type === 'bridge.recv_packet' && attr(e, 'dest_client') === 'city-a' && !recvAt.has(attr(e, 'sequence')!)) recvAt.set(attr(e, 'sequence')!, t)
})

// ------------------------------------------------------------------ workload

/** `perSender` transfers of each sender, signed, interleaved round-robin (nonce order per sender kept). */
async function sign(perSender: number): Promise<SignedTx[]> {
  const timeoutTime = BigInt(Date.now() + 3_600_000)
  const lists = await Promise.all(senders.map((s) => A.signMany(s, Array.from({ length: perSender }, () => [bridge.transfer({ clientId: 'city-b', amount: 1n, receiver: s, timeoutTimeMs: timeoutTime })]))))
  const out: SignedTx[] = []
  for (let r = 0; r < perSender; r++) for (const l of lists) out.push(l[r]!)
  return out
}

async function post(txs: SignedTx[]): Promise<void> {
  const t = performance.now()
  for (const tx of txs) sentAt.set(tx.hash, t)
  const results = await A.submitBatch(txs)
  const refused = results.filter((r) => r.code !== 0)
  if (refused.length) throw new Error(`${refused.length} transfers refused at admission, e.g. ${refused[0]!.log}`)
}

/** Waits until every transfer of `txs` is acknowledged on city-a; their packet sequences. */
async function settle(txs: SignedTx[], timeoutMs: number): Promise<string[]> {
  const end = Date.now() + timeoutMs
  const hashes = new Set(txs.map((t) => t.hash))
  for (;;) {
    const seqs = [...seqHash].filter(([, h]) => hashes.has(h)).map(([s]) => s)
    if (seqs.length === txs.length && seqs.every((s) => ackAt.has(s))) return seqs
    if (Date.now() > end) throw new Error(`not settled within ${timeoutMs} ms: ${seqs.length}/${txs.length} sent, ${seqs.filter((s) => recvAt.has(s)).length} received, ${seqs.filter((s) => ackAt.has(s)).length} acknowledged`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

function cpuOf(): Record<string, number> {
  return Object.fromEntries(Object.entries(procs).map(([k, pid]) => [k, cpuSeconds(pid)]))
}
function cpuShare(before: Record<string, number>, seconds: number): Record<string, string> {
  const now = cpuOf()
  return Object.fromEntries(Object.keys(procs).map((k) => [k, `${round(((now[k]! - before[k]!) / seconds) * 100, 0)} %`]))
}
/** CPU milliseconds each process spent per transfer since `before`. */
function cpuPerTransfer(before: Record<string, number>, transfers: number): Record<string, number> {
  const now = cpuOf()
  return Object.fromEntries(Object.keys(procs).map((k) => [k, round(((now[k]! - before[k]!) * 1000) / transfers, 3)]))
}

function latencies(seqs: string[]) {
  return {
    send_to_receipt_ms: summarize(seqs.map((s) => recvAt.get(s)! - seqSent.get(s)!)),
    send_to_ack_ms: summarize(seqs.map((s) => ackAt.get(s)! - seqSent.get(s)!)),
  }
}

const limits = [ed25519Limit()]

// warm-up: one transfer per sender (creates the escrow and voucher accounts, warms the relayer)
const warm = await sign(1)
await post(warm)
await settle(warm, 120_000)
process.stderr.write('warm-up done\n')

// saturation
const perSender = Math.max(1, Math.ceil(TRANSFERS / SENDERS))
const sat = await sign(perSender)
const cpu0 = cpuOf()
const s0 = performance.now()
for (let i = 0; i < sat.length; i += 1000) await post(sat.slice(i, i + 1000))
const admitted = performance.now()
const satSeqs = await settle(sat, 600_000)
const lastRecv = Math.max(...satSeqs.map((s) => recvAt.get(s)!))
const lastAck = Math.max(...satSeqs.map((s) => ackAt.get(s)!))
const saturation = {
  transfers: sat.length,
  admitted_per_s: round(sat.length / ((admitted - s0) / 1000)),
  received_per_s: round(sat.length / ((lastRecv - s0) / 1000)),
  acknowledged_per_s: round(sat.length / ((lastAck - s0) / 1000)),
  ...latencies(satSeqs),
  cpu: cpuShare(cpu0, (lastAck - s0) / 1000),
  cpu_ms_per_transfer: cpuPerTransfer(cpu0, sat.length),
}
process.stderr.write(`saturation: ${JSON.stringify(saturation)}\n`)

limits.push(ed25519Limit())

// steady rate
const steadyN = RATE * SECONDS
const steady = await sign(Math.max(1, Math.ceil(steadyN / SENDERS)))
const tick = 50
const perTick = Math.max(1, Math.round((RATE * tick) / 1000))
const cpu1 = cpuOf()
const r0 = performance.now()
// posts go one after the other (a sender's next nonce must not overtake its previous one); when
// admission falls behind the schedule the offered rate drops, and is reported as offered
let posting = Promise.resolve()
for (let i = 0; i < steady.length; i += perTick) {
  const due = r0 + (i / perTick) * tick
  const wait = due - performance.now()
  if (wait > 0) await new Promise((r) => setTimeout(r, wait))
  const slice = steady.slice(i, i + perTick)
  posting = posting.then(() => post(slice))
}
await posting
const offered = round(steady.length / ((performance.now() - r0) / 1000))
const steadySeqs = await settle(steady, 600_000)
const steadyResult = { rate: RATE, offered_per_s: offered, transfers: steady.length, ...latencies(steadySeqs), cpu: cpuShare(cpu1, (performance.now() - r0) / 1000) }
process.stderr.write(`steady: ${JSON.stringify(steadyResult)}\n`)

limits.push(ed25519Limit())
const ed25519 = { one_core_per_s: median(limits), runs: limits }
const ratio = round(saturation.received_per_s / ed25519.one_core_per_s, 3)
process.stderr.write(`received ${saturation.received_per_s}/s (goal 2,000); Ed25519 one core ${ed25519.one_core_per_s}/s; ratio ${ratio}; steady ${RATE}/s: send→receipt p99 ${steadyResult.send_to_receipt_ms.p99} ms (goal < 3,000 at 1,000/s)\n`)
const result = {
  bench: 'bridge', date: new Date().toISOString(), machine: { ...machine(), cpus: availableParallelism(), loadavg: loadavg().map((x) => round(x, 2)) },
  options: { senders: SENDERS, transfers: TRANSFERS, rate: RATE, seconds: SECONDS, block_interval_ms: BLOCK_INTERVAL_MS, relayer_batch_size: BATCH_SIZE },
  saturation, steady: steadyResult,
  ed25519, ratio_received_to_ed25519: ratio,
  goals: { received_per_s: 2000, steady_rate: 1000, send_to_receipt_p99_ms: 3000 },
}
mkdirSync(join(REPO, 'bench', 'results'), { recursive: true })
writeFileSync(join(REPO, 'bench', 'results', 'bridge.json'), JSON.stringify(result, null, 2) + '\n')
console.log(JSON.stringify(result, null, 2))

wsA.close()
wsB.close()
await net.stop('SIGTERM')
if (process.argv.includes('--keep')) process.stderr.write(`kept ${home} (relayer/relayer.log: per-pass timings)\n`)
else rmSync(root, { recursive: true, force: true })
