/**
 * `npm run bench:siem` — one collector on this machine: events/s through ingestion (parse +
 * normalise + canonical entry + RFC 9162 leaf hash and append), the cost of a checkpoint (root +
 * consistency proof + signature), Sigma detection over the shipped rules, and the chain cost per
 * event with anchoring vs. one transaction per event. Options: --events N (default 100,000),
 * --anchor-every N (default 10,000), --workers N (default 2): the same input through a parse pool
 * of N worker threads; --rounds N (default 3): inline and pooled runs alternate N times (medians
 * reported), so both see the same background load. Besides wall-clock rates it reports events per
 * CPU-second (the process's CPU time: what one free core would give, whatever the machine's load),
 * how busy the collector's thread was with the pool, and µs per event of each stage alone.
 * Then alert latency on a running node (a `polis start` process; the collector agent and two
 * correlator agents in this process): --latency N trials (default 20; 0 skips), each a burst of
 * 5 failed logins from a new source over UDP syslog, timed from sending the 5th (the one that
 * fires the brute-force rule) to the alert being confirmed 2-of-2 on chain (polled every 20 ms).
 * --anchor-ms (collector cadence, default 1000), --poll-ms (correlators, default 200),
 * --block-ms (node, default 200). --live-attacks also replays the simulator's benign traffic and
 * its five attacks (at their own pace) to the live collector: false positives, and per attack the
 * time from its first event to a confirmed alert. The detection stage over a whole rule corpus
 * (bench/siem-detection.ts): --corpus DIR (default test/fixtures/sigma-corpus, SigmaHQ's; `none`
 * skips), --corpus-events N (default 1000) of a Windows/auditd/web/firewall mix, --corpus-rounds N
 * (default 3): events/s and rules × events/s (medians), per event kind µs and applicable rules.
 * Writes bench/results/siem.json.
 */
import { writeFileSync, mkdirSync } from 'node:fs'
import { Collector } from '../src/agents/siem/collector.js'
import { ParsePool } from '../src/siem/parse-pool.js'
import { loadRules } from '../src/siem/rule-set.js'
import { evaluate } from '../src/siem/sigma/detection.js'
import { Correlator } from '../src/siem/sigma/correlation.js'
import { encodeCanonical } from '../src/codec/cbor.js'
import { testKey } from '../src/kit/genesis-builder.js'
import { arg, median, round, summarize } from './stats.js'
import { loadavg } from 'node:os'
import { performance } from 'node:perf_hooks'
import { parseEvent } from '../src/siem/parsers.js'
import { canonicalJson } from '../src/siem/ecs.js'
import { canonicalEntryText } from '../src/siem/entry-encoding.js'
import { EntryArena } from '../src/siem/entry-arena.js'
import { MerkleLog } from '../src/siem/merkle-log.js'
import { join } from 'node:path'
import { createSocket } from 'node:dgram'
import { launchNode, makeHome } from '../src/kit/node-launcher.js'
import { PolisClient } from '../src/sdk/polis-client.js'
import { loadKeyFile } from '../src/sdk/keys.js'
import { identity } from '../src/sdk/msgs.js'
import { generateKeyPair } from '../src/crypto/keys.js'
import { CollectorAgent } from '../src/agents/siem/collector-agent.js'
import { SiemCorrelatorAgent } from '../src/agents/siem/correlator-agent.js'
import { ATTACKS, attackLines, simulateSiem } from '../src/agents/siem/sim.js'
import { corpusDetection } from './siem-detection.js'

const N = arg('events', 100_000)
const EVERY = arg('anchor-every', 10_000)
const T0 = Date.UTC(2026, 10, 24, 10, 0, 0)

// a mix of formats, as a gateway sees them
const lines = Array.from({ length: 1000 }, (_, i) => {
  const ip = `203.0.113.${i % 250}`
  switch (i % 4) {
    case 0: return `<38>1 ${new Date(T0 + i).toISOString()} cam-${i % 50} sshd ${i} - - Failed password for root from ${ip} port ${40000 + i} ssh2`
    case 1: return `<34>Nov 24 10:00:${String(i % 60).padStart(2, '0')} dvr-${i % 20} login[311]: FAILED LOGIN 1 FROM ${ip} FOR admin, Authentication failure`
    case 2: return `CEF:0|Acme|IoTGuard|1.2|100|Telnet connection|3|src=${ip} spt=${40000 + i} dst=10.0.0.${i % 200} dpt=23 proto=TCP rt=${T0 + i}`
    default: return JSON.stringify({ dst_host: '10.0.0.5', dst_port: 23, logdata: { USERNAME: 'root', PASSWORD: 'xc3511' }, logtype: 6001, node_id: 'canary-1', src_host: ip, src_port: 40000 + i, utc_time: '2026-11-24 10:00:00.000' })
  }
})

/** One collector on this thread: parse + normalise + canonical entry + leaf hash + append, a checkpoint every EVERY events. */
function runInline() {
  const col = new Collector('bench-city', testKey('bench/siem/collector'), 'gw')
  let anchors = 0
  let anchorMs = 0
  let chainBytes = 0
  const c0 = process.cpuUsage()
  const t0 = performance.now()
  for (let i = 0; i < N; i++) {
    col.ingest(lines[i % lines.length]!, 'auto', T0)
    if ((i + 1) % EVERY === 0) {
      const a = performance.now()
      const { checkpoint, msg } = col.checkpoint()
      chainBytes += encodeCanonical(msg).length + 32 + 8 + 64 + 100 // message + sender, nonce, tx signature, envelope
      col.markAnchored(checkpoint)
      anchorMs += performance.now() - a
      anchors++
    }
  }
  const wallS = (performance.now() - t0) / 1000
  return { col, perS: N / wallS, perCpuS: N / cpuSeconds(c0), anchors, anchorMs, chainBytes }
}

// the same input through a parse pool (worker threads), appended in submission order
const WORKERS = arg('workers', 2)
const bytes = lines.map((l) => new Uint8Array(Buffer.from(l)))
/** CPU seconds this process used since `c0`, all threads (GC helpers and parse workers included). */
function cpuSeconds(c0: NodeJS.CpuUsage): number {
  const c = process.cpuUsage(c0)
  return (c.user + c.system) / 1e6
}

async function runPool(): Promise<{ perS: number; perCpuS: number; collectorThreadBusy: number }> {
  const pcol = new Collector('bench-city', testKey('bench/siem/collector'), 'gw')
  const pool = new ParsePool(WORKERS, { name: 'gw', type: 'collector' })
  await pool.parse([bytes[0]!], 'auto', T0, [{}]) // workers loaded
  const BATCH = 512
  const elu0 = performance.eventLoopUtilization()
  const c0 = process.cpuUsage()
  const tp = performance.now()
  let applying: Promise<void> = Promise.resolve()
  const inflight: Promise<void>[] = []
  for (let i = 0; i < N; i += BATCH) {
    const n = Math.min(BATCH, N - i)
    const recs = Array.from({ length: n }, (_, j) => bytes[(i + j) % bytes.length]!)
    const parsed = pool.parse(recs, 'auto', T0, recs.map(() => ({})))
    applying = applying.then(() => parsed).then((b) => pcol.appendParsed(b))
    inflight.push(applying)
    if (inflight.length >= WORKERS * 4) await inflight.shift() // bounded queue, as a listener would be
  }
  await applying
  const perS = N / ((performance.now() - tp) / 1000)
  const perCpuS = N / cpuSeconds(c0)
  const busy = performance.eventLoopUtilization(elu0).utilization
  await pool.close()
  if (pcol.log.size !== N) throw new Error(`pool logged ${pcol.log.size} of ${N}`)
  return { perS, perCpuS, collectorThreadBusy: busy }
}

/** µs per event of each stage, alone, over the same lines (what bounds the collector's thread). */
function stages() {
  const M = Math.min(N, 50_000)
  const ctx = { receivedAt: T0, observer: { name: 'gw', type: 'collector' } }
  const evs = lines.map((l) => parseEvent(l, 'auto', ctx).event)
  const texts = evs.map(canonicalEntryText)
  // wall-clock µs, and CPU µs of the process (what the stage costs whatever the machine's load)
  const cpu: Record<string, number> = {}
  const time = (name: string, f: (i: number) => void) => {
    const c0 = process.cpuUsage()
    const t = performance.now()
    for (let i = 0; i < M; i++) f(i)
    cpu[name] = round((cpuSeconds(c0) * 1e6) / M, 2)
    return round(((performance.now() - t) * 1000) / M, 2)
  }
  const arena = new EntryArena()
  const log = new MerkleLog()
  const wall = {
    parse_normalise_us: time('parse_normalise_us', (i) => parseEvent(bytes[i % bytes.length]!, 'auto', ctx)),
    canonical_entry_us: time('canonical_entry_us', (i) => canonicalEntryText(evs[i % evs.length]!)),
    canonical_entry_general_us: time('canonical_entry_general_us', (i) => canonicalJson(evs[i % evs.length]!)),
    store_leaf_hash_append_us: time('store_leaf_hash_append_us', (i) => log.appendLeafHash(arena.leafHash(arena.addText(texts[i % texts.length]!)))),
  }
  return { wall, cpu }
}

// rounds alternate inline and pooled runs, so that both see the same background load
const ROUNDS = arg('rounds', 3)
const inlineRuns: number[] = []
const inlineCpu: number[] = []
const poolRuns: number[] = []
const poolCpu: number[] = []
const busyRuns: number[] = []
let first: ReturnType<typeof runInline> | undefined
for (let r = 0; r < ROUNDS; r++) {
  const run = runInline()
  first ??= run
  inlineRuns.push(run.perS)
  inlineCpu.push(run.perCpuS)
  if (WORKERS > 0) {
    const p = await runPool()
    poolRuns.push(p.perS)
    poolCpu.push(p.perCpuS)
    busyRuns.push(p.collectorThreadBusy)
  }
}
const { col, anchors, anchorMs, chainBytes } = first!
const stageUs = stages()

const rules = loadRules()
const sample = col.events.slice(0, 20_000).map((e) => e.event)
const t1 = performance.now()
const corr = new Correlator(rules.correlation)
let alerts = 0
for (const e of sample) alerts += corr.push(e, evaluate(rules.detection, e)).length
const detectS = (performance.now() - t1) / 1000

const avgEventBytes = col.events.slice(0, 1000).reduce((s, e) => s + e.entry.length, 0) / 1000
const result = {
  events: N,
  malformed: col.ingestor.counts.malformed,
  ingest_events_per_s: round(median(inlineRuns), 0),
  ingest_events_per_s_pool: WORKERS > 0 ? round(median(poolRuns), 0) : null,
  ingest_events_per_cpu_s: round(median(inlineCpu), 0),
  ingest_events_per_cpu_s_pool: WORKERS > 0 ? round(median(poolCpu), 0) : null,
  pool_workers: WORKERS,
  pool_gain: WORKERS > 0 ? round(median(poolRuns) / median(inlineRuns), 2) : null,
  pool_collector_thread_busy: WORKERS > 0 ? round(median(busyRuns), 2) : null,
  rounds: { inline: inlineRuns.map((x) => round(x, 0)), pool: poolRuns.map((x) => round(x, 0)) },
  stage_us_per_event: stageUs.wall,
  stage_cpu_us_per_event: stageUs.cpu,
  load_average: loadavg().map((x) => round(x, 2)),
  anchors,
  anchor_ms_avg: round(anchorMs / Math.max(anchors, 1), 3),
  detection_events_per_s: round(sample.length / detectS, 0),
  alerts_in_sample: alerts,
  chain_bytes_per_event: round(chainBytes / N, 4),
  chain_txs_per_event: round(anchors / N, 6),
  ethereum_tx_per_event: { txs_per_event: 1, bytes_per_event: round(avgEventBytes, 0), gas_per_event_min: 21000 + 16 * Math.round(avgEventBytes) },
}
const corpusArg = process.argv.indexOf('--corpus')
const CORPUS = corpusArg > 0 ? process.argv[corpusArg + 1]! : 'test/fixtures/sigma-corpus'
const corpus = CORPUS === 'none' ? null : corpusDetection(CORPUS, 'test/fixtures/sigma/placeholders.yml', arg('corpus-events', 1000), arg('corpus-rounds', 3))
const LATENCY = arg('latency', 20)
const latency = LATENCY > 0 ? await alertLatency(LATENCY, { anchorMs: arg('anchor-ms', 1000), pollMs: arg('poll-ms', 200), blockMs: arg('block-ms', 200) }) : null
const live = process.argv.includes('--live-attacks') ? await liveAttacks({ anchorMs: arg('anchor-ms', 1000), pollMs: arg('poll-ms', 200), blockMs: arg('block-ms', 200) }) : null
const out = { ...result, corpus_detection: corpus, alert_latency_ms: latency, live_attacks: live }
console.log(JSON.stringify(out, null, 2))
mkdirSync('bench/results', { recursive: true })
writeFileSync('bench/results/siem.json', JSON.stringify(out, null, 2) + '\n')

interface LiveSiem {
  client: PolisClient
  send(line: string): Promise<void>
  confirmed(rule?: string): Promise<number>
}

/** A `polis start` node, one collector agent (UDP syslog) and two correlator agents, all shipped correlation rules registered. */
async function withLiveSiem<T>(o: { anchorMs: number; pollMs: number; blockMs: number }, fn: (s: LiveSiem) => Promise<T>): Promise<T> {
  const home = makeHome({ chainId: 'bench-siem', name: 'polis-bench-siem' })
  const node = await launchNode({ home: home.home, blockIntervalMs: o.blockMs })
  const client = new PolisClient(node.url)
  const agents: Array<{ stop(): Promise<void> }> = []
  const sock = createSocket('udp4')
  try {
    const authority = loadKeyFile(join(home.home, 'keys', 'authority.json'))
    const [gw, socA, socB] = [generateKeyPair(), generateKeyPair(), generateKeyPair()]
    await client.signAndSubmit(authority, [
      identity.registerDevice(gw.publicKey), identity.register(socA.publicKey, ['operator']), identity.register(socB.publicKey, ['operator']),
    ])
    await client.signAndSubmit(authority, [
      { type: 'siem/register-collector', value: { collector: gw.publicKey, name: 'gw' } },
      { type: 'siem/register-correlator', value: { correlator: socA.publicKey } },
      { type: 'siem/register-correlator', value: { correlator: socB.publicKey } },
      ...rules.correlation.map((r) => ({ type: 'siem/register-rule', value: { id: r.name, version: 1n, hash: rules.hashes.get(r.name)!, action: 'none' } })),
    ])
    const col = new CollectorAgent({ client, key: gw, name: 'gw', dataDir: join(home.root, 'gw-store'), syslogUdpPort: 0, anchorIntervalMs: o.anchorMs, log: warnings })
    agents.push(col)
    const ep = await col.start()
    for (const k of [socA, socB]) {
      const c = new SiemCorrelatorAgent({ client: new PolisClient(node.url), key: k, collectors: [{ url: ep.api }], intervalMs: o.pollMs, log: warnings })
      agents.push(c)
      await c.start()
    }
    return await fn({
      client,
      send: (line) => new Promise<void>((r, j) => sock.send(line, ep.syslog_udp!, '127.0.0.1', (e) => (e ? j(e) : r()))),
      confirmed: async (rule) => (await client.query<{ alerts: unknown[] }>('siem', 'alerts', { confirmed: 'true', rule, limit: '1000' })).alerts.length,
    })
  } finally {
    sock.close()
    for (const a of agents.reverse()) await a.stop()
    await node.stop('SIGTERM')
    home.remove()
  }
}

function warnings(msg: string, data: Record<string, unknown> = {}, level = 'info'): void {
  if (level === 'warn' || level === 'error') console.error(JSON.stringify({ level, msg, ...data }))
}

/** Resolves with the ms from `t0` until more than `before` alerts are confirmed. */
async function confirmedAfter(s: LiveSiem, before: number, t0: number, rule?: string): Promise<number> {
  while ((await s.confirmed(rule)) === before) {
    if (performance.now() - t0 > 30_000) throw new Error('no confirmed alert within 30 s')
    await new Promise((r) => setTimeout(r, 20))
  }
  return performance.now() - t0
}

async function alertLatency(trials: number, o: { anchorMs: number; pollMs: number; blockMs: number }) {
  return withLiveSiem(o, async (s) => {
    const rule = 'corr_bruteforce_remote_shell'
    const ms: number[] = []
    for (let i = 0; i < trials; i++) {
      const before = await s.confirmed(rule)
      const src = `198.18.${i >> 8}.${i & 255}`
      let t0 = 0
      for (let j = 0; j < 5; j++) {
        await s.send(`<38>1 ${new Date().toISOString()} gw-1 sshd 22 - - Failed password for root from ${src} port ${50000 + j} ssh2`)
        t0 = performance.now()
      }
      ms.push(await confirmedAfter(s, before, t0, rule))
      await new Promise((r) => setTimeout(r, Math.floor(o.anchorMs * ((i * 7919) % 10) / 10))) // spread the trials over the anchoring cycle
    }
    return { ...summarize(ms), anchor_ms: o.anchorMs, correlator_poll_ms: o.pollMs, block_interval_ms: o.blockMs }
  })
}

/**
 * The simulator's attacks replayed live, at their own pace, after benign traffic: per attack, the
 * time from its first event to the first confirmed alert; and the alerts confirmed on benign traffic.
 */
async function liveAttacks(o: { anchorMs: number; pollMs: number; blockMs: number }) {
  return withLiveSiem(o, async (s) => {
    const benign = simulateSiem({ seed: 7, devices: 40, durationMs: 120_000 }).lines.filter((l) => l.label === null)
    const now = Date.now()
    for (const l of benign) await s.send(l.line.replaceAll(/2026-11-24T\d\d:\d\d:\d\d\.\d{3}Z/g, (t) => new Date(now - 120_000 + (Date.parse(t) - Date.UTC(2026, 10, 24, 10, 0, 0))).toISOString()))
    await new Promise((r) => setTimeout(r, o.anchorMs + 2000))
    const falsePositives = await s.confirmed()
    const out: Record<string, number> = {}
    for (const [k, kind] of ATTACKS.entries()) {
      const before = await s.confirmed()
      const start = Date.now()
      const t0 = performance.now()
      const sending = (async () => {
        for (const l of attackLines(kind, kind.startsWith('mirai') ? `10.0.7.${10 + k}` : `203.0.113.${10 + k}`, start)) {
          const wait = start + l.dt - Date.now()
          if (wait > 0) await new Promise((r) => setTimeout(r, wait))
          await s.send(l.line)
        }
      })()
      out[kind] = round(await confirmedAfter(s, before, t0).catch((e) => {
        throw new Error(`${kind}: ${(e as Error).message}`)
      }), 0)
      await sending
      await new Promise((r) => setTimeout(r, 6000)) // let the attack's windows close before the next one
    }
    return { benign_events: benign.length, false_positives: falsePositives, ms_from_first_event_to_confirmed: out, anchor_ms: o.anchorMs, correlator_poll_ms: o.pollMs, block_interval_ms: o.blockMs }
  })
}
