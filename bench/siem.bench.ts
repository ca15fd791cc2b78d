/**
 * `npm run bench:siem` — one collector on this machine: events/s through ingestion (parse +
 * normalise + canonical entry + RFC 9162 append), the cost of a checkpoint (root + consistency
 * proof + signature), Sigma detection over the shipped rules, and the chain cost per event with
 * anchoring vs. one transaction per event. Options: --events N (default 100,000), --anchor-every N
 * (default 10,000).
 * Then alert latency on a running node (a `polis start` process; the collector agent and two
 * correlator agents in this process): --latency N trials (default 20; 0 skips), each a burst of
 * 5 failed logins from a new source over UDP syslog, timed from sending the 5th (the one that
 * fires the brute-force rule) to the alert being confirmed 2-of-2 on chain (polled every 20 ms).
 * --anchor-ms (collector cadence, default 1000), --poll-ms (correlators, default 200),
 * --block-ms (node, default 200). Writes bench/results/siem.json.
 */
import { writeFileSync, mkdirSync } from 'node:fs'
import { Collector } from '../src/siem/collector.js'
import { loadRules } from '../src/siem/rule-set.js'
import { evaluate } from '../src/siem/sigma.js'
import { Correlator } from '../src/siem/correlate.js'
import { encodeCanonical } from '../src/codec/cbor.js'
import { testKey } from '../test/helpers/chain.js'
import { arg, round, summarize } from './stats.js'
import { join } from 'node:path'
import { createSocket } from 'node:dgram'
import { makeHome, startPolis } from '../test/sdk/polis-node.js'
import { PolisClient } from '../src/sdk/client.js'
import { loadKeyFile } from '../src/sdk/keys.js'
import { identity } from '../src/sdk/msgs.js'
import { generateKeyPair } from '../src/crypto/keys.js'
import { CollectorAgent } from '../src/agents/siem/collector-agent.js'
import { SiemCorrelatorAgent } from '../src/agents/siem/correlator-agent.js'

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

const col = new Collector('bench-city', testKey('bench/siem/collector'), 'gw')
let anchors = 0
let anchorMs = 0
let chainBytes = 0
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
const ingestS = (performance.now() - t0) / 1000

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
  ingest_events_per_s: round(N / ingestS, 0),
  anchors,
  anchor_ms_avg: round(anchorMs / Math.max(anchors, 1), 3),
  detection_events_per_s: round(sample.length / detectS, 0),
  alerts_in_sample: alerts,
  chain_bytes_per_event: round(chainBytes / N, 4),
  chain_txs_per_event: round(anchors / N, 6),
  ethereum_tx_per_event: { txs_per_event: 1, bytes_per_event: round(avgEventBytes, 0), gas_per_event_min: 21000 + 16 * Math.round(avgEventBytes) },
}
const LATENCY = arg('latency', 20)
const latency = LATENCY > 0 ? await alertLatency(LATENCY, { anchorMs: arg('anchor-ms', 1000), pollMs: arg('poll-ms', 200), blockMs: arg('block-ms', 200) }) : null
const out = { ...result, alert_latency_ms: latency }
console.log(JSON.stringify(out, null, 2))
mkdirSync('bench/results', { recursive: true })
writeFileSync('bench/results/siem.json', JSON.stringify(out, null, 2) + '\n')

async function alertLatency(trials: number, o: { anchorMs: number; pollMs: number; blockMs: number }) {
  const home = makeHome({ chainId: 'bench-siem', name: 'polis-bench-siem' })
  const node = await startPolis(['start', '--json', '--home', home.home], { env: { POLIS_API_PORT: '0', POLIS_BLOCK_INTERVAL_MS: String(o.blockMs) } })
  const client = new PolisClient(node.url)
  const agents: Array<{ stop(): Promise<void> }> = []
  try {
    const authority = loadKeyFile(join(home.home, 'keys', 'authority.json'))
    const [gw, socA, socB] = [generateKeyPair(), generateKeyPair(), generateKeyPair()]
    const rule = 'corr_bruteforce_remote_shell'
    await client.signAndSubmit(authority, [
      identity.registerDevice(gw.publicKey), identity.register(socA.publicKey, ['operator']), identity.register(socB.publicKey, ['operator']),
    ])
    await client.signAndSubmit(authority, [
      { type: 'siem/register-collector', value: { collector: gw.publicKey, name: 'gw' } },
      { type: 'siem/register-correlator', value: { correlator: socA.publicKey } },
      { type: 'siem/register-correlator', value: { correlator: socB.publicKey } },
      { type: 'siem/register-rule', value: { id: rule, version: 1n, hash: rules.hashes.get(rule)!, action: 'none' } },
    ])
    const col = new CollectorAgent({ client, key: gw, name: 'gw', dataDir: join(home.root, 'gw-store'), syslogUdpPort: 0, anchorIntervalMs: o.anchorMs })
    agents.push(col)
    const ep = await col.start()
    for (const k of [socA, socB]) {
      const c = new SiemCorrelatorAgent({ client: new PolisClient(node.url), key: k, collectors: [{ url: ep.api }], intervalMs: o.pollMs })
      agents.push(c)
      await c.start()
    }
    const sock = createSocket('udp4')
    const send = (line: string) => new Promise<void>((r, j) => sock.send(line, ep.syslog_udp!, '127.0.0.1', (e) => (e ? j(e) : r())))
    const confirmed = async () => (await client.query<{ alerts: unknown[] }>('siem', 'alerts', { confirmed: 'true', rule, limit: '1000' })).alerts.length
    const ms: number[] = []
    for (let i = 0; i < trials; i++) {
      const before = await confirmed()
      const src = `198.18.${i >> 8}.${i & 255}`
      let t0 = 0
      for (let j = 0; j < 5; j++) {
        await send(`<38>1 ${new Date().toISOString()} gw-1 sshd 22 - - Failed password for root from ${src} port ${50000 + j} ssh2`)
        t0 = performance.now()
      }
      while ((await confirmed()) === before) {
        if (performance.now() - t0 > 30_000) throw new Error(`trial ${i}: no confirmed alert within 30 s`)
        await new Promise((r) => setTimeout(r, 20))
      }
      ms.push(performance.now() - t0)
      await new Promise((r) => setTimeout(r, Math.floor(o.anchorMs * ((i * 7919) % 10) / 10))) // spread the trials over the anchoring cycle
    }
    sock.close()
    return { ...summarize(ms), anchor_ms: o.anchorMs, correlator_poll_ms: o.pollMs, block_interval_ms: o.blockMs }
  } finally {
    for (const a of agents.reverse()) await a.stop()
    await node.stop('SIGTERM')
    home.remove()
  }
}
