/**
 * `npm run bench:siem` — one collector on this machine: events/s through ingestion (parse +
 * normalise + canonical entry + RFC 9162 append), the cost of a checkpoint (root + consistency
 * proof + signature), Sigma detection over the shipped rules, and the chain cost per event with
 * anchoring vs. one transaction per event. Options: --events N (default 100,000), --anchor-every N
 * (default 10,000). Writes bench/results/siem.json.
 */
import { writeFileSync, mkdirSync } from 'node:fs'
import { Collector } from '../src/siem/collector.js'
import { loadRules } from '../src/siem/rule-set.js'
import { evaluate } from '../src/siem/sigma.js'
import { Correlator } from '../src/siem/correlate.js'
import { encodeCanonical } from '../src/codec/cbor.js'
import { testKey } from '../test/helpers/chain.js'
import { arg, round } from './stats.js'

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
console.log(JSON.stringify(result, null, 2))
mkdirSync('bench/results', { recursive: true })
writeFileSync('bench/results/siem.json', JSON.stringify(result, null, 2) + '\n')
