/** End to end: a Mirai-infected camera brute-forces telnet; two correlators confirm the alert on chain; the camera is quarantined. */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { SoloEngine } from '../../src/engine/solo/engine.js'
import { ErrorCodes } from '../../src/base/errors.js'
import { toHex, utf8 } from '../../src/base/bytes.js'
import type { Msg } from '../../src/app/tx.js'
import { testCity, testKey } from '../../src/kit/genesis-builder.js'
import { tmpDir } from '../../src/kit/temp-dir.js'
import { Signer } from '../../src/kit/signer.js'
import { siemModule } from '../../src/modules/siem/index.js'
import { Collector } from '../../src/agents/siem/collector.js'
import { CorrelatorAgent } from '../../src/agents/siem/correlator.js'
import { loadRules } from '../../src/siem/rule-set.js'

const city = testCity({ citizens: 1 })
const gw = testKey('siem/scenario/gw')
const soc = [testKey('siem/scenario/soc-a'), testKey('siem/scenario/soc-b')]
const camera = testKey('siem/scenario/camera-17')
city.genesis.app_state.identity = {
  accounts: [
    ...(city.genesis.app_state.identity as any).accounts,
    { pub_key: toHex(gw.publicKey), roles: ['device'] },
    ...soc.map((k) => ({ pub_key: toHex(k.publicKey), roles: ['operator'] })),
    { pub_key: toHex(camera.publicKey), roles: ['device'] },
  ],
}
const deviceByIp = new Map([['10.0.0.17', camera.publicKey]])
const dir = tmpDir('siem-scenario')
let engine: SoloEngine
const signer = new Signer(city.chainId)
const T0 = Date.UTC(2026, 10, 24, 10, 0, 0)
const rules = loadRules()
const RULE = 'corr_bruteforce_remote_shell'

const query = (path: string, params: Record<string, unknown>): any => {
  const r = engine.app.query({ path, data: utf8(JSON.stringify(params)) })
  assert.equal(r.code, 0, r.log)
  return JSON.parse(Buffer.from(r.value!).toString('utf8'))
}
const tx = (key: typeof gw, msgs: Msg[]) => signer.tx(key, msgs, { nonce: BigInt(query('identity/account', { address: toHex(key.publicKey) }).nonce) })
async function block(...txs: Uint8Array[]) {
  const fin = await engine.app.finalizeBlock({ height: engine.app.info().lastHeight + 1n, time: BigInt(T0) + engine.app.info().lastHeight * 1000n, txs, proposer: city.validator.publicKey })
  await engine.app.commit()
  for (const r of fin.results) assert.equal(r.code, 0, r.log)
  return fin
}

before(async () => {
  engine = await SoloEngine.open({ dataDir: dir.path, genesis: city.genesis, validatorKey: city.validator, verifyThreads: 1, modules: [siemModule()] })
  await block(
    tx(city.authority, [
      { type: 'siem/register-collector', value: { collector: gw.publicKey, name: 'gw' } },
      ...soc.map((k) => ({ type: 'siem/register-correlator', value: { correlator: k.publicKey } })),
      { type: 'siem/register-rule', value: { id: RULE, version: 1n, hash: rules.hashes.get(RULE)!, action: 'quarantine' } },
    ]),
  )
})
after(async () => {
  await engine.stop()
  dir.remove()
})

test('Mirai brute force from a camera: benign traffic raises nothing; the attack is confirmed 2-of-2 and the camera quarantined', async () => {
  const col = new Collector(city.chainId, gw, 'gw')
  const at = (ms: number) => new Date(T0 + ms).toISOString()
  // benign: successful logins, a web request, a few isolated failures from different hosts
  col.ingest(`<38>1 ${at(0)} gw-a sshd 10 - - Accepted publickey for ops from 10.0.1.5 port 50000 ssh2`)
  col.ingest(JSON.stringify({ '@timestamp': at(100), src_ip: '10.0.1.9', dst_ip: '10.0.0.80', dst_port: 80, proto: 'tcp', message: 'GET /status' }))
  for (let i = 0; i < 3; i++) col.ingest(`<38>1 ${at(200 + i * 3000)} gw-a sshd 11 - - Failed password for pi from 10.0.2.${i} port 4000${i} ssh2`)
  col.ingest('this line is garbage \u0000')
  // the attack: the camera (10.0.0.17) tries Mirai credentials on telnet, 6 failures in 3 s
  const creds = ['root:xc3511', 'root:vizxv', 'admin:admin', 'root:888888', 'root:default', 'support:support']
  creds.forEach((c, i) => col.ingest(`<34>1 ${at(20_000 + i * 500)} dvr-3 login 311 - - FAILED LOGIN 1 FROM 10.0.0.17 FOR ${c.split(':')[0]}, Authentication failure`))
  assert.equal(col.ingestor.counts.malformed, 1)
  const cp = col.checkpoint()
  await block(tx(gw, [cp.msg]))
  col.markAnchored(cp.checkpoint)

  const registered = { version: 1n, hash: rules.hashes.get(RULE)! }
  const attestations = soc.map(() => {
    const agent = new CorrelatorAgent(rules)
    const alerts = agent.process(col.events.slice().map((e) => e.event))
    assert.deepEqual(alerts.map((a) => a.title), ['Brute Force on SSH/Telnet'], 'exactly one alert, none for the benign traffic')
    assert.equal(alerts[0]!.group['source.ip'], '10.0.0.17')
    return agent.attestation(alerts[0]!, col, registered, deviceByIp.get(alerts[0]!.group['source.ip']!))!
  })
  const first = await block(tx(soc[0]!, [attestations[0]!]))
  const id = first.results[0]!.events.find((e) => e.type === 'siem.alert_attested')!.attributes.find((a) => a.key === 'alert')!.value
  assert.equal(query('siem/alert', { id }).confirmed_at, null)
  await block(tx(soc[1]!, [attestations[1]!]))
  const alert = query('siem/alert', { id })
  assert.equal(alert.quarantined, true)
  assert.equal(alert.subject, toHex(camera.publicKey))
  // every evidence item verifies against the anchored checkpoint through the public query
  for (const e of alert.evidence) {
    const ev = col.evidence(Number(e.index), Number(e.size))
    assert.equal(query('siem/verify-event', { collector: e.collector, index: e.index, size: e.size, leaf_hash: e.leaf_hash, proof: ev.proof.join(',') }).verified, true)
  }
  // the camera is cut off
  const fin = await engine.app.finalizeBlock({ height: engine.app.info().lastHeight + 1n, time: BigInt(T0 + 60_000), txs: [tx(camera, [{ type: 'bank/send', value: { to: gw.publicKey, amount: 1n } }])], proposer: city.validator.publicKey })
  await engine.app.commit()
  assert.equal(fin.results[0]!.code, ErrorCodes.account_revoked)
})
