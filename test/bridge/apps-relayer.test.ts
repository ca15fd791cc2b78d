/**
 * The vehicle and threat-intelligence apps end to end through what a city runs: two real solo
 * nodes (in process, HTTP API on port 0, the default city modules), the relayer agent unchanged
 * (it carries any payload), and the `polis` CLI commands: `tx bridge vehicle-transfer`,
 * `tx bridge share-indicators --entries`, `tx threat-intel accept-peer`, `query threat-intel …`.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { sha256 } from '../../src/crypto/hash.js'
import { fromHex, toHex, utf8 } from '../../src/base/bytes.js'
import type { KeyPair } from '../../src/crypto/keys.js'
import type { Msg } from '../../src/app/tx.js'
import { startNode, type RunningNode } from '../../src/node/node.js'
import { PolisClient } from '../../src/sdk/polis-client.js'
import { bridge } from '../../src/sdk/bridge.js'
import { saveKeyFile } from '../../src/sdk/keys.js'
import { Relayer } from '../../src/agents/relayer/index.js'
import { Collector } from '../../src/agents/siem/collector.js'
import { testCity, testKey, type TestCity } from '../../src/kit/genesis-builder.js'
import { tmpDir } from '../../src/kit/temp-dir.js'
import { cli } from '../helpers/cli.js'

interface City { city: TestCity; node: RunningNode; api: PolisClient; relayer: KeyPair; dir: { remove(): void } }

const alice = testKey('ar/alice') // a citizen of both cities, same key
const dmv = testKey('ar/dmv')
const sec = testKey('ar/security')
const gw = testKey('ar/collector')
const correlators = [testKey('ar/correlator-1'), testKey('ar/correlator-2')]
const camera = testKey('ar/camera')
const home = tmpDir('apps-relayer-home')
let A: City
let B: City
let relayer: Relayer

async function openCity(chainId: string, accounts: Array<[KeyPair, string[]]>): Promise<City> {
  const city = testCity({ chainId, citizens: 1 })
  const relayerKey = testKey(chainId + '/relayer')
  const ids = city.genesis.app_state.identity as { accounts: unknown[] }
  for (const [k, roles] of [...accounts, [relayerKey, ['relayer']] as [KeyPair, string[]]]) ids.accounts.push({ pub_key: toHex(k.publicKey), roles })
  const dir = tmpDir('apps-relayer-' + chainId)
  const node = await startNode({ dataDir: dir.path, genesis: city.genesis, validatorKey: city.validator, port: 0, blockIntervalMs: 20, logLevel: 'silent' })
  return { city, node, api: new PolisClient(node.url), relayer: relayerKey, dir }
}

const keyFile = (name: string, k: KeyPair) => {
  const path = join(home.path, name + '.json')
  saveKeyFile(path, k, name, { overwrite: true })
  return path
}
const polis = (c: City, ...argv: string[]) => cli(['--home', home.path, '--node', c.node.url, ...argv])
async function ok(c: City, ...argv: string[]) {
  const r = await polis(c, ...argv)
  assert.equal(r.code, 0, `polis ${argv.join(' ')}: ${r.stderr}${r.stdout}`)
  return r
}
async function submit(c: City, key: KeyPair, msgs: Msg[]) {
  const r = await c.api.signAndSubmit(key, msgs)
  assert.ok('events' in r && r.ok, 'log' in r ? r.log : 'not committed')
  return r
}
async function until<T>(what: string, f: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const v = await f()
    if (v !== undefined) return v
    if (Date.now() > end) throw new Error('timed out waiting for ' + what)
    await new Promise((r) => setTimeout(r, 50))
  }
}
const vehicle = (c: City, id: string) => c.api.query<{ status: string; origin: string | null; owner: string }>('vehicles', 'vehicle', { id }).catch(() => undefined)

before(async () => {
  A = await openCity('city-a', [[alice, ['citizen']], [dmv, ['transport']], [sec, ['security']], [gw, ['device']], [camera, ['device']], ...correlators.map((k) => [k, ['operator']] as [KeyPair, string[]])])
  B = await openCity('city-b', [[alice, ['citizen']]])
  await submit(A, A.city.authority, [bridge.createClient({ clientId: 'to-b', chainId: 'city-b', counterpartyClient: 'to-a', validator: B.city.validator, header: await B.api.header(await B.api.height()) })])
  await submit(B, B.city.authority, [bridge.createClient({ clientId: 'to-a', chainId: 'city-a', counterpartyClient: 'to-b', validator: A.city.validator, header: await A.api.header(await A.api.height()) })])
  relayer = new Relayer({ a: { url: A.node.url, clientId: 'to-b', key: A.relayer }, b: { url: B.node.url, clientId: 'to-a', key: B.relayer }, intervalMs: 50 })
  relayer.start()
})
after(async () => {
  await relayer?.stop()
  for (const c of [A, B]) {
    await c?.node.stop()
    c?.dir.remove()
  }
  home.remove()
})

test('CLI vehicle transfer carried by the relayer: registered in B with its origin, exported in A', async () => {
  const salt = 'cd'.repeat(32)
  const reg = await ok(A, '--json', 'tx', 'vehicles', 'register', 'WVWZZZ1JZXW000777', 'AR-1', toHex(alice.publicKey), toHex(testKey('ar/car-device').publicKey), '--salt', salt, '--from', keyFile('dmv', dmv))
  const id = reg.json().vin_commitment as string
  // a stranger cannot send it
  assert.equal((await polis(A, 'tx', 'bridge', 'vehicle-transfer', 'to-b', 'AR-1', '--from', keyFile('stranger', testKey('ar/stranger')))).code, 1)
  await ok(A, 'tx', 'bridge', 'vehicle-transfer', 'to-b', 'AR-1', '--from', keyFile('alice', alice))
  const inB = await until('the vehicle in B', () => vehicle(B, id))
  assert.deepEqual([inB.status, inB.origin, inB.owner], ['active', 'city-a', toHex(alice.publicKey)])
  await until('the export settled in A', async () => ((await vehicle(A, id))?.status === 'exported' ? true : undefined))
  const shown = await ok(B, 'query', 'vehicles', 'vehicle', 'AR-1')
  assert.match(shown.stdout, /AR-1/)
})

test('CLI threat-intel share of a confirmed alert, carried by the relayer, listed in B with provenance', async () => {
  // A's SIEM confirms an alert: an anchored event, two correlators
  const col = new Collector('city-a', gw, 'gw')
  col.ingest(JSON.stringify({ '@timestamp': '2026-11-24T10:00:01Z', message: 'malware dropped', 'source.ip': '198.51.100.77', 'file.hash.sha256': 'ef'.repeat(32) }), 'json', 0)
  const ruleHash = sha256(utf8('a rule'))
  await submit(A, A.city.authority, [
    { type: 'siem/register-collector', value: { collector: gw.publicKey, name: 'gw' } },
    ...correlators.map((k) => ({ type: 'siem/register-correlator', value: { correlator: k.publicKey } })),
    { type: 'siem/register-rule', value: { id: 'malware', version: 1n, hash: ruleHash, action: 'none' } },
  ])
  const cp = col.checkpoint()
  await submit(A, gw, [cp.msg])
  col.markAnchored(cp.checkpoint)
  const e = col.evidence(0)
  let alert = ''
  for (const k of correlators) {
    const r = await submit(A, k, [{
      type: 'siem/attest',
      value: { rule: 'malware', version: 1n, rule_hash: ruleHash, subject: camera.publicKey, evidence: [{ collector: gw.publicKey, index: 0n, size: BigInt(e.size), leaf_hash: fromHex(e.leafHash), proof: e.proof.map(fromHex) }] },
    }])
    alert = ('events' in r ? r.events : []).find((x) => x.type === 'siem.alert_attested')!.attributes.find((a) => a.key === 'alert')!.value
  }
  const log = join(home.path, 'events.log')
  writeFileSync(log, ['not an entry', ...col.events.slice().map((x) => Buffer.from(x.entry).toString('utf8'))].join('\n') + '\n')

  // B accepts A's indicators (authority only)
  assert.equal((await ok(B, 'query', 'threat-intel', 'peers')).stdout, 'no accepted peers\n')
  await ok(B, 'tx', 'threat-intel', 'accept-peer', 'to-a', '--from', keyFile('b-authority', B.city.authority))
  assert.equal((await ok(B, 'query', 'threat-intel', 'peers')).stdout, 'to-a\n')
  assert.equal((await ok(B, 'query', 'threat-intel', 'blocklist')).stdout, 'the blocklist is empty\n')

  const secFile = keyFile('security', sec)
  // an indicator that is not in the alert, and an unknown alert, are refused on A
  assert.equal((await polis(A, 'tx', 'bridge', 'share-indicators', 'to-b', alert, 'ip:192.0.2.1', '--entries', log, '--from', secFile)).code, 1)
  assert.equal((await polis(A, 'tx', 'bridge', 'share-indicators', 'to-b', 'ab'.repeat(32), `device:${toHex(camera.publicKey)}`, '--from', secFile)).code, 1)
  await ok(A, 'tx', 'bridge', 'share-indicators', 'to-b', alert, `device:${toHex(camera.publicKey)}`, 'ip:198.51.100.77', `file_hash:${'EF'.repeat(32)}`, '--entries', log, '--ttl', '5000', '--from', secFile)
  const listed = await until('the indicators in B', async () => {
    const r = await ok(B, '--json', 'query', 'threat-intel', 'blocklist')
    const entries = r.json().entries as Array<{ kind: string; value: string }>
    return entries.length === 3 ? entries : undefined
  })
  assert.deepEqual(listed.map((x) => `${x.kind}:${x.value}`).sort(), [`device:${toHex(camera.publicKey)}`, `file_hash:${'ef'.repeat(32)}`, 'ip:198.51.100.77'])
  await until('the answer on A', async () => (/^to-b #\d+ {2}alert \w+ {2}3 indicators {2}accepted$/m.test((await ok(A, 'query', 'threat-intel', 'shared')).stdout) ? true : undefined))
  const one = await ok(B, 'query', 'threat-intel', 'indicator', 'ip:198.51.100.77')
  assert.match(one.stdout, new RegExp(`is listed\\n  from city-a \\(client to-a\\) alert ${alert} rule malware confirmed at \\d+ by 2 attesters`))
  const dev = await B.api.query<{ active: boolean }>('vehicles', 'device-active', { device: toHex(camera.publicKey) })
  assert.equal(dev.active, false)
  // B's authority delists one; a citizen cannot
  assert.equal((await polis(B, 'tx', 'threat-intel', 'delist', 'ip:198.51.100.77', '--reason', 'shared NAT address', '--from', keyFile('b-citizen', B.city.citizens[0]!))).code, 1)
  await ok(B, 'tx', 'threat-intel', 'delist', 'ip:198.51.100.77', '--reason', 'shared NAT address', '--from', keyFile('b-authority', B.city.authority))
  assert.match((await ok(B, 'query', 'threat-intel', 'indicator', 'ip:198.51.100.77')).stdout, /is not listed/)
  assert.match((await ok(B, 'query', 'threat-intel', 'blocklist', '--all', '--kind', 'ip')).stdout, /^ip:198\.51\.100\.77 {2}delisted/)
  assert.equal((await polis(B, 'query', 'threat-intel', 'indicator', 'url:http://x')).code, 1)
})
