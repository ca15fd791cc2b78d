/**
 * The SIEM agents as processes against a real node: a collector (syslog UDP, HTTP, embedded MQTT,
 * persistent store, anchoring, device identity) and two correlators. A Mirai brute force replayed
 * over UDP becomes a 2-of-2 confirmed alert and the camera's key is revoked; an event is verified
 * end to end; events are searched; a SOC analyst acknowledges and closes the alert; a collector
 * killed with SIGKILL restarts with everything it acknowledged and keeps anchoring consistently.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import mqtt from 'mqtt'
import { PolisClient } from '../../src/sdk/polis-client.js'
import { cli } from '../helpers/cli.js'
import { launchProcess, makeHome, type PolisProcess, type TestHome } from '../../src/kit/node-launcher.js'
import { useNode } from '../helpers/use-node.js'
import { until } from '../helpers/until.js'

let home: TestHome
let collector: PolisProcess
const correlators: PolisProcess[] = []
let env: Record<string, string>
let api = ''
let udp = 0
let tcp = 0
let mqttUrl = ''
const node = useNode(() => {
  home = makeHome({ chainId: 'siem-agents', name: 'polis-siem-agents' })
  return { home: home.home, blockIntervalMs: 10 }
}, {
  setup,
  async teardown() {
    for (const c of correlators) await c.stop()
    await collector?.stop()
  },
  stopped: () => home.remove(),
})

const polis = async (...args: string[]) => {
  const r = await cli(['--home', home.home, ...args], { env })
  assert.equal(r.code, 0, `polis ${args.join(' ')}\n${r.stderr}${r.stdout}`)
  return r
}
const address = async (name: string) => (await polis('keys', 'show', name, '--json')).json<{ address: string }>().address
const getJson = async <T = any>(path: string, init?: RequestInit): Promise<T> => (await (await fetch(api + path, init)).json()) as T

const collectorArgs = () => [
  '--home', home.home, '--json', 'siem', 'collector', 'start', '--from', 'gw-1', '--data-dir', join(home.root, 'gw-1-store'),
  '--syslog-udp', String(udp), '--syslog-tcp', String(tcp), '--api-port', api ? new URL(api).port : '0', '--mqtt-port', '0', '--anchor-ms', '150',
  '--device', '10.0.0.17=camera-17', '--device', 'cam-17=camera-17',
]

/** Once the node listens: accounts, the collector and two correlators. */
async function setup() {
  env = { POLIS_NODE: node.url }
  for (const k of ['gw-1', 'soc-a', 'soc-b', 'camera-17', 'analyst']) await polis('keys', 'add', k)
  await polis('tx', 'identity', 'register-device', 'gw-1')
  await polis('tx', 'identity', 'register-device', 'camera-17')
  await polis('tx', 'identity', 'register', 'soc-a', 'operator')
  await polis('tx', 'identity', 'register', 'soc-b', 'operator')
  await polis('tx', 'identity', 'register', 'analyst', 'soc')
  await polis('siem', 'register-collector', 'gw-1')
  await polis('siem', 'register-correlator', 'soc-a')
  await polis('siem', 'register-correlator', 'soc-b')
  await polis('siem', 'register-rules', '--quarantine')
  collector = await launchProcess(collectorArgs(), { ready: /"event": "listening"[\s\S]*\n}\n/, env })
  const ready = JSON.parse(collector.stdout())
  api = ready.url
  udp = ready.syslog_udp
  tcp = ready.syslog_tcp
  mqttUrl = ready.mqtt
  for (const k of ['soc-a', 'soc-b']) correlators.push(await launchProcess(['--home', home.home, 'siem', 'correlator', 'start', '--from', k, '--collector', api, '--interval-ms', '100'], { ready: /following/, env }))
}

test('a Mirai brute force replayed over UDP becomes a 2-of-2 confirmed alert and the camera is quarantined', async () => {
  const camera = await address('camera-17')
  const r = await polis('simulate', 'siem', '--send', `udp://127.0.0.1:${udp}`, '--attack', 'mirai_bruteforce', '--source', '10.0.0.17')
  assert.match(r.stdout, /sent 10 records of mirai_bruteforce from 10\.0\.0\.17/)
  const alert = await until('a confirmed alert', async () => {
    const a = (await polis('siem', 'alerts', '--confirmed', '--json')).json<{ alerts: any[] }>().alerts
    return a.find((x) => x.quarantined) as any
  })
  assert.equal(alert.rule, 'corr_bruteforce_remote_shell')
  assert.equal(alert.subject, camera)
  assert.equal(alert.attestations, '2')
  const acct = (await polis('query', 'account', 'camera-17', '--json')).json<{ revoked_at: string | null }>()
  assert.notEqual(acct.revoked_at, null, 'the camera key is revoked')
  // the camera's own transactions are refused from then on
  const refused = await cli(['--home', home.home, 'tx', 'bank', 'send', 'gw-1', '1', '--from', 'camera-17'], { env })
  assert.equal(refused.code, 1)
  assert.match(refused.stderr, /\[account_revoked, code 9\]/)
  // every evidence event verifies end to end: entry and proof from the collector, root from the chain
  for (const e of alert.evidence) {
    const v = await polis('siem', 'verify-event', '--collector-url', api, '--index', e.index, '--json')
    assert.equal(v.json<{ verified: boolean }>().verified, true)
  }
  // the events are found by device, IP, category and time
  const byDevice = (await polis('siem', 'events', '--collector-url', api, '--device', 'camera-17', '--json')).json<{ events: any[] }>().events
  assert.equal(byDevice.length, 10)
  assert.ok(byDevice.every((x) => x.event.blocksiem.source_device === camera && x.event.source.ip === '10.0.0.17'))
  const byCat = (await polis('siem', 'events', '--collector-url', api, '--category', 'E1', '--ip', '10.0.0.17', '--from', new Date(Date.now() - 60_000).toISOString(), '--json')).json<{ events: any[] }>().events
  assert.equal(byCat.length, 10)
  assert.equal((await polis('siem', 'events', '--collector-url', api, '--to', '2000-01-01T00:00:00Z', '--json')).json<{ events: any[] }>().events.length, 0)
  const bad = await cli(['--home', home.home, 'siem', 'events', '--collector-url', api, '--ip', 'not-an-ip'], { env })
  assert.equal(bad.code, 1)
  assert.match(bad.stderr, /ip must be an IP address.*\[invalid_request, code 16\]/)

  // triage: only a SOC analyst (or the authority) acknowledges and closes, with a reason
  const notSoc = await cli(['--home', home.home, 'siem', 'ack', alert.id, '--reason', 'mine', '--from', 'citizen-1'], { env })
  assert.equal(notSoc.code, 1)
  assert.match(notSoc.stderr, /\[unauthorized, code 8\]/)
  await polis('siem', 'ack', alert.id, '--reason', 'camera isolated, ticket SOC-17', '--from', 'analyst')
  await polis('siem', 'close', alert.id, '--reason', 'firmware reflashed, credentials changed', '--from', 'analyst')
  const again = await cli(['--home', home.home, 'siem', 'ack', alert.id, '--reason', 'x', '--from', 'analyst'], { env })
  assert.equal(again.code, 1)
  // admission runs no handler: the transaction is refused in its block (stdout), or at admission (stderr)
  assert.match(again.stderr + again.stdout, /invalid_state/)
  const closed = (await polis('siem', 'alert', alert.id, '--json')).json<any>()
  assert.equal(closed.status, 'closed')
  assert.equal(closed.status_reason, 'firmware reflashed, credentials changed')
  assert.equal(closed.status_by, await address('analyst'))
  const list = (await polis('siem', 'alerts', '--status', 'closed', '--rule', 'corr_bruteforce_remote_shell', '--json')).json<{ alerts: any[] }>().alerts
  assert.deepEqual(list.map((a) => a.id), [alert.id])
})

test('a restarted correlator re-verifies the log from 0 and does not attest again what it already attested', async () => {
  const socA = await address('soc-a')
  const client = new PolisClient(node.url)
  const nonce = async () => (await client.account(socA))!.nonce
  // the ten attempts make two windows: wait until both alerts are attested by both correlators
  await until('both brute-force alerts confirmed', async () => {
    const a = (await client.query<{ alerts: Array<{ attestations: string }> }>('siem', 'alerts', { rule: 'corr_bruteforce_remote_shell' })).alerts
    return a.length === 2 && a.every((x) => x.attestations === '2') ? true : undefined
  })
  const before = await nonce()
  const size = Number((await client.query<{ size: string }>('siem', 'collector', { address: await address('gw-1') })).size)
  await correlators[0]!.stop()
  correlators[0] = await launchProcess(['--home', home.home, 'siem', 'correlator', 'start', '--from', 'soc-a', '--collector', api, '--interval-ms', '100'], { ready: /following/, env: { ...env, POLIS_LOG_LEVEL: 'debug' } })
  await until('the restarted correlator to verify the anchored log', async () => {
    const sizes = [...correlators[0]!.stderr().matchAll(/"msg":"verified".*?"size":(\d+)/g)].map((m) => Number(m[1]))
    return sizes.some((n) => n >= size) ? true : undefined
  })
  await new Promise((r) => setTimeout(r, 500))
  assert.equal(await nonce(), before, 'no transaction: the alerts it re-detected were already attested by it')
  assert.doesNotMatch(correlators[0]!.stderr(), /attestation refused/)
})

test('MQTT: a device publishing on the embedded broker is logged with its registered key as host.id', async () => {
  const camera = await address('camera-17')
  const client = await mqtt.connectAsync(mqttUrl)
  await client.publishAsync('siem/cam-17/events', JSON.stringify({ '@timestamp': new Date().toISOString(), src_ip: '10.0.0.17', dst_ip: '10.1.0.2', dst_port: 1883, message: 'mqtt telemetry' }), { qos: 1 })
  await client.publishAsync('siem/unknown-9/events', 'not json at all \u0000', { qos: 1 })
  await client.endAsync()
  const found = await until('the MQTT events', async () => {
    const ev = (await getJson<{ events: any[] }>('/v1/search?limit=2')).events
    return ev.length === 2 && ev.every((e) => e.event.event.dataset !== 'syslog.rfc5424') ? ev : undefined
  })
  assert.equal(found[0].event.host.id, camera)
  assert.equal(found[0].event.message, 'mqtt telemetry')
  assert.equal(found[1].event.event.kind, 'pipeline_error', 'garbage is kept raw')
  assert.equal(found[1].event.host?.id, undefined, 'an unmapped device id resolves to nothing')
})

test('every input of the running collector: TCP syslog, JSON and OpenCanary over HTTP; garbage is kept raw, oversized HTTP bodies are refused', async () => {
  const r = await polis('simulate', 'siem', '--send', `tcp://127.0.0.1:${tcp}`, '--attack', 'port_scan', '--source', '203.0.113.50')
  assert.match(r.stdout, /sent 30 records/)
  const canary = { dst_host: '10.0.0.5', dst_port: 23, logdata: { USERNAME: 'root', PASSWORD: 'xc3511' }, logtype: 6001, node_id: 'canary-1', src_host: '203.0.113.51', src_port: 40001, utc_time: '2026-11-24 10:00:00.000' }
  const c = await getJson<{ received: number }>('/v1/events?format=opencanary', { method: 'POST', body: JSON.stringify(canary) })
  assert.equal(c.received, 1)
  const j = await getJson<{ received: number }>('/v1/events', { method: 'POST', body: '{"src_ip":"203.0.113.52","message":"ndjson 1"}\nnot json\n' })
  assert.equal(j.received, 2)
  const bad = await fetch(api + '/v1/events?format=yaml', { method: 'POST', body: '{}' })
  assert.equal(bad.status, 400)
  const big = await fetch(api + '/v1/events', { method: 'POST', body: 'x'.repeat(4 * 1024 * 1024 + 1) })
  assert.equal(big.status, 413)
  const found = await until('the TCP, OpenCanary and NDJSON events', async () => {
    const scan = (await getJson<{ events: any[] }>('/v1/search?ip=203.0.113.50&limit=1000')).events
    const rest = (await getJson<{ events: any[] }>('/v1/search?limit=3')).events
    return scan.length === 30 ? { scan, rest } : undefined
  })
  assert.ok(found.scan.every((e) => e.event.event.dataset === 'syslog.rfc5424' && e.event.destination.ip === '10.0.0.10'))
  assert.deepEqual(found.rest.map((e) => e.event.event.dataset), ['opencanary', 'json', 'raw'])
  assert.equal(found.rest[0].event.source.ip, '203.0.113.51')
  assert.equal(found.rest[2].event.event.kind, 'pipeline_error')
})

test('a collector started on a store that lost anchored events refuses to start (it would sign a fork)', async () => {
  const args = collectorArgs().map((a) => (a.endsWith('gw-1-store') ? join(home.root, 'empty-store') : a)).map((a, i, all) => (all[i - 1] === '--api-port' || all[i - 1] === '--syslog-udp' || all[i - 1] === '--syslog-tcp' ? '0' : a))
  await assert.rejects(launchProcess(args, { ready: /"event": "listening"/, env }), /holds 0 events: refusing to start on a store that lost anchored events/)
})

test('kill -9: the restarted collector (now parsing on worker threads) has every acknowledged event and keeps anchoring consistently', async () => {
  const gw = await address('gw-1')
  const res = await getJson<{ received: number; next_index: number }>('/v1/events', { method: 'POST', body: [1, 2, 3].map((i) => JSON.stringify({ src_ip: '10.0.9.9', message: `acked ${i}` })).join('\n') })
  assert.equal(res.received, 3)
  const before = await getJson<{ size: number; root: string }>('/v1/status')
  assert.ok(before.size >= res.next_index)
  await collector.stop('SIGKILL')
  // restarted with parsing on 2 worker threads: the same log carries on
  collector = await launchProcess([...collectorArgs(), '--workers', '2'], { ready: /"event": "listening"[\s\S]*\n}\n/, env })
  const after = await getJson<{ size: number; root: string; anchored: { size: number } | null }>('/v1/status')
  assert.ok(after.size >= res.next_index, `restarted with ${after.size} events, ${res.next_index} were acknowledged`)
  const tail = await getJson<{ entries: string[] }>(`/v1/entries?from=${res.next_index - 3}&limit=3`)
  assert.deepEqual(tail.entries.map((e) => JSON.parse(e).message), ['acked 1', 'acked 2', 'acked 3'])
  // new input after the restart is anchored with a consistency proof the chain accepts
  await getJson('/v1/events', { method: 'POST', body: JSON.stringify({ message: 'after restart', src_ip: '10.0.0.17' }) })
  const size = after.size + 1
  await until('the post-restart checkpoint', async () => {
    const c = await new PolisClient(node.url).query<{ size: string; forked_at: string | null }>('siem', 'collector', { address: gw })
    return c && Number(c.size) === size && c.forked_at === null ? c : undefined
  })
  const v = await polis('siem', 'verify-event', '--collector-url', api, '--index', String(size - 1), '--json')
  const entry = v.json<{ verified: boolean; entry: any }>().entry
  assert.equal(entry.message, 'after restart')
  assert.equal(entry.blocksiem.source_device, await address('camera-17'), 'device identity in the workers')
})
