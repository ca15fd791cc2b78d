import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { SoloEngine } from '../../src/engine/solo/engine.js'
import { ErrorCodes } from '../../src/base/errors.js'
import { sha256 } from '../../src/crypto/hash.js'
import { fromHex, toHex, utf8 } from '../../src/base/bytes.js'
import type { Msg } from '../../src/app/tx.js'
import { testCity, testKey } from '../../src/kit/genesis-builder.js'
import { tmpDir } from '../../src/kit/temp-dir.js'
import { Signer } from '../../src/kit/signer.js'
import { siemModule } from '../../src/modules/siem/index.js'
import { ALERT_RESOLUTION, SIEM_EVENT, siemMsgs } from '../../src/modules/siem/types.js'
import { threatIntelMsgs } from '../../src/modules/threatintel/types.js'
import { cityModules } from '../../src/chain/city-modules.js'
import { Collector } from '../../src/agents/siem/collector.js'
import { BUILTIN_RULES_DIR } from '../../src/siem/rule-set.js'

const city = testCity({ citizens: 1 })
const gw = testKey('siem/alerts/gw')
const [c1, c2, c3] = [1, 2, 3].map((i) => testKey(`siem/alerts/correlator-${i}`)) as [ReturnType<typeof testKey>, ReturnType<typeof testKey>, ReturnType<typeof testKey>]
const victim = testKey('siem/alerts/camera-17')
const analyst = testKey('siem/alerts/analyst')
city.genesis.app_state.identity = {
  accounts: [
    ...(city.genesis.app_state.identity as any).accounts,
    { pub_key: toHex(gw.publicKey), roles: ['device'] },
    ...[c1, c2, c3].map((k) => ({ pub_key: toHex(k.publicKey), roles: ['operator'] })),
    { pub_key: toHex(victim.publicKey), roles: ['device'] },
    { pub_key: toHex(analyst.publicKey), roles: ['soc'] },
  ],
}
const dir = tmpDir('siem-alerts')
let engine: SoloEngine
const signer = new Signer(city.chainId)
const T0 = Date.UTC(2026, 10, 24, 10, 0, 0)
const col = new Collector(city.chainId, gw, 'gw')
const RULE = 'mirai_default_credentials'
const ruleHash = sha256(readFileSync(BUILTIN_RULES_DIR + RULE + '.yml'))

function query(path: string, params: Record<string, unknown>): any {
  const r = engine.app.query({ path, data: utf8(JSON.stringify(params)) })
  assert.equal(r.code, 0, r.log)
  return JSON.parse(Buffer.from(r.value!).toString('utf8'))
}
const tx = (key: typeof gw, msgs: Msg[]) => signer.tx(key, msgs, { nonce: BigInt(query('identity/account', { address: toHex(key.publicKey) }).nonce) })
async function one(t: Uint8Array, code: number) {
  const fin = await engine.app.finalizeBlock({ height: engine.app.info().lastHeight + 1n, time: BigInt(T0) + engine.app.info().lastHeight, txs: [t], proposer: city.validator.publicKey })
  await engine.app.commit()
  assert.equal(fin.results[0]!.code, code, fin.results[0]!.log)
  return fin
}
const evidence = (indices: number[]) =>
  indices.map((i) => {
    const e = col.evidence(i)
    return { collector: gw.publicKey, index: BigInt(i), size: BigInt(e.size), leaf_hash: fromHex(e.leafHash), proof: e.proof.map(fromHex) }
  })
const attest = (key: typeof gw, ev: ReturnType<typeof evidence>, over: Record<string, any> = {}): Msg => ({
  type: 'siem/attest',
  value: { rule: RULE, version: 1n, rule_hash: ruleHash, subject: victim.publicKey, evidence: ev, ...over },
})

before(async () => {
  engine = await SoloEngine.open({ dataDir: dir.path, genesis: city.genesis, validatorKey: city.validator, verifyThreads: 1, modules: cityModules() })
  await one(
    tx(city.authority, [
      { type: 'siem/register-collector', value: { collector: gw.publicKey, name: 'gw' } },
      { type: 'siem/register-correlator', value: { correlator: c1.publicKey } },
      { type: 'siem/register-correlator', value: { correlator: c2.publicKey } },
      { type: 'siem/register-rule', value: { id: RULE, version: 1n, hash: ruleHash, action: 'quarantine' } },
      { type: 'siem/set-threshold', value: { k: 2n } },
    ]),
    0,
  )
  for (let i = 0; i < 3; i++) col.ingest(JSON.stringify({ dst_host: '10.0.0.17', dst_port: 23, logdata: { USERNAME: 'root', PASSWORD: 'xc3511' }, logtype: 6001, node_id: 'canary-1', src_host: '203.0.113.7', src_port: 40000 + i, utc_time: '2026-11-24 10:00:0' + i }), 'auto', T0)
  const cp = col.checkpoint()
  await one(tx(gw, [cp.msg]), 0)
  col.markAnchored(cp.checkpoint)
})
after(async () => {
  await engine.stop()
  dir.remove()
})

test('registry: rule versions only go up; only operators become correlators', async () => {
  assert.deepEqual(query('siem/rule', { id: RULE }), { id: RULE, version: '1', hash: toHex(ruleHash), action: 'quarantine' })
  await one(tx(city.authority, [{ type: 'siem/register-rule', value: { id: RULE, version: 1n, hash: ruleHash } }]), ErrorCodes.invalid_state)
  await one(tx(city.authority, [{ type: 'siem/register-rule', value: { id: RULE, version: 2n, hash: ruleHash, action: 'explode' } }]), ErrorCodes.invalid_message)
  await one(tx(city.authority, [{ type: 'siem/register-correlator', value: { correlator: victim.publicKey } }]), ErrorCodes.unauthorized)
  await one(tx(c1, [{ type: 'siem/register-correlator', value: { correlator: c3.publicKey } }]), ErrorCodes.unauthorized)
  assert.equal(query('siem/params', {}).k, '2')
})

test('bad attestations are refused: bad proof, unanchored size, wrong rule hash, unknown rule, non-correlator, duplicate evidence', async () => {
  const ev = evidence([0, 1, 2])
  const tampered = ev.map((e, i) => (i === 1 ? { ...e, leaf_hash: sha256(utf8('forged event')) } : e))
  await one(tx(c1, [attest(c1, tampered)]), ErrorCodes.proof_invalid)
  await one(tx(c1, [attest(c1, [{ ...ev[0]!, size: 2n }])]), ErrorCodes.proof_invalid)
  await one(tx(c1, [attest(c1, ev, { rule_hash: sha256(utf8('other rule text')) })]), ErrorCodes.invalid_state)
  await one(tx(c1, [attest(c1, ev, { rule: 'no_such_rule' })]), ErrorCodes.not_found)
  await one(tx(c3, [attest(c3, ev)]), ErrorCodes.unauthorized)
  await one(tx(c1, [attest(c1, [ev[0]!, ev[0]!])]), ErrorCodes.invalid_message)
  await one(tx(c1, [attest(c1, [])]), ErrorCodes.invalid_message)
})

test('k-of-n: one attestation is pending, a second attestation by the same correlator is refused, the k-th confirms and quarantines the device', async () => {
  const ev = evidence([0, 1, 2])
  const fin = await one(tx(c1, [attest(c1, ev)]), 0)
  const id = fin.results[0]!.events.find((e) => e.type === 'siem.alert_attested')!.attributes.find((a) => a.key === 'alert')!.value
  let a = query('siem/alert', { id })
  assert.deepEqual([a.attestations, a.confirmed_at, a.quarantined], ['1', null, false])
  await one(tx(c1, [attest(c1, ev)]), ErrorCodes.already_exists)
  // the same alert with its evidence in another order is the same alert
  const fin2 = await one(tx(c2, [attest(c2, [...ev].reverse())]), 0)
  assert.ok(fin2.results[0]!.events.some((e) => e.type === 'siem.alert_confirmed'))
  assert.ok(fin2.results[0]!.events.some((e) => e.type === 'identity.revoked'))
  a = query('siem/alert', { id })
  assert.equal(a.attestations, '2')
  assert.notEqual(a.confirmed_at, null)
  assert.equal(a.quarantined, true)
  assert.equal(a.evidence.length, 3)
  // the quarantined device's key is refused from the next block on
  await one(tx(victim, [{ type: 'siem/anchor', value: { size: 1n, root: new Uint8Array(32), sig: new Uint8Array(64) } }]), ErrorCodes.account_revoked)
})

test('triage: a SOC analyst acknowledges then closes an alert with reasons; others, bad input and wrong transitions are refused and change nothing', async () => {
  const [alert] = query('siem/alerts', { confirmed: 'true' }).alerts
  assert.equal(alert.status, 'open')
  const id = fromHex(alert.id)
  const msg = (type: string, value: Msg['value']): Msg => ({ type: `siem/${type}`, value })
  await one(tx(c1, [msg('ack-alert', { id, reason: 'not my job' })]), ErrorCodes.unauthorized)
  await one(tx(analyst, [msg('ack-alert', { id: sha256(utf8('no such alert')), reason: 'x' })]), ErrorCodes.not_found)
  await one(tx(analyst, [msg('ack-alert', { id, reason: '' })]), ErrorCodes.invalid_message)
  await one(tx(analyst, [msg('ack-alert', { id, reason: 'x'.repeat(257) })]), ErrorCodes.invalid_message)
  await one(tx(analyst, [msg('ack-alert', { id })]), ErrorCodes.invalid_message)
  assert.equal(query('siem/alert', { id: alert.id }).status, 'open')
  const fin = await one(tx(analyst, [msg('ack-alert', { id, reason: 'camera isolated' })]), 0)
  const ev = fin.results[0]!.events.find((e) => e.type === 'siem.alert_status')!
  assert.deepEqual(Object.fromEntries(ev.attributes.map((a) => [a.key, a.value])), { alert: alert.id, from: 'open', to: 'acknowledged', reason: 'camera isolated', by: toHex(analyst.publicKey) })
  await one(tx(analyst, [msg('ack-alert', { id, reason: 'again' })]), ErrorCodes.invalid_state)
  assert.deepEqual(query('siem/alerts', { status: 'acknowledged' }).alerts.map((a: any) => a.id), [alert.id])
  await one(tx(city.authority, [msg('close-alert', { id, reason: 'reflashed' })]), 0)
  await one(tx(analyst, [msg('close-alert', { id, reason: 'again' })]), ErrorCodes.invalid_state)
  await one(tx(analyst, [msg('ack-alert', { id, reason: 'reopen?' })]), ErrorCodes.invalid_state)
  const a = query('siem/alert', { id: alert.id })
  assert.deepEqual([a.status, a.status_reason, a.status_by], ['closed', 'reflashed', toHex(city.authority.publicKey)])
  assert.equal(a.quarantined, true, 'closing an alert does not lift the quarantine')
  assert.deepEqual(query('siem/alerts', { status: 'open' }).alerts, [])
  const r = engine.app.query({ path: 'siem/alerts', data: utf8(JSON.stringify({ status: 'pending' })) })
  assert.equal(r.code, ErrorCodes.invalid_request)
})

test('an alert closed as a false positive: resolution kept, and its indicators can no longer be shared (typed error, nothing changes)', async () => {
  const [first] = query('siem/alerts', { status: 'closed' }).alerts
  assert.equal(first.resolution, ALERT_RESOLUTION.resolved, 'a close without resolution is a resolved alert')
  // a second confirmed alert over other evidence, without a subject
  const ev = evidence([0, 2])
  const msg = () => siemMsgs.attest({ rule: RULE, version: 1n, ruleHash, evidence: ev.map((e) => ({ collector: e.collector, index: e.index, size: e.size, leafHash: e.leaf_hash, proof: e.proof })) })
  const fin = await one(tx(c1, [msg()]), 0)
  await one(tx(c2, [msg()]), 0)
  const id = fin.results[0]!.events.find((e) => e.type === SIEM_EVENT.alertAttested)!.attributes.find((a) => a.key === 'alert')!.value
  assert.notEqual(query('siem/alert', { id }).confirmed_at, null)
  await one(tx(analyst, [{ ...siemMsgs.closeAlert({ id: fromHex(id), reason: 'x' }), value: { id: fromHex(id), reason: 'x', resolution: 'benign' } }]), ErrorCodes.invalid_message)
  await one(tx(analyst, [{ ...siemMsgs.ackAlert({ id: fromHex(id), reason: 'x' }), value: { id: fromHex(id), reason: 'x', resolution: ALERT_RESOLUTION.falsePositive } }]), ErrorCodes.invalid_message)
  const closed = await one(tx(analyst, [siemMsgs.closeAlert({ id: fromHex(id), reason: 'pen test by the city', resolution: ALERT_RESOLUTION.falsePositive })]), 0)
  const st = closed.results[0]!.events.find((e) => e.type === SIEM_EVENT.alertStatus)!
  assert.equal(st.attributes.find((a) => a.key === 'resolution')?.value, ALERT_RESOLUTION.falsePositive)
  const a = query('siem/alert', { id })
  assert.deepEqual([a.status, a.resolution, a.status_reason], ['closed', ALERT_RESOLUTION.falsePositive, 'pen test by the city'])
  const share = (alert: Uint8Array) => threatIntelMsgs.share({ clientId: 'to-peer', alert, indicators: [{ kind: 'ip', value: '203.0.113.7' }], entries: [col.entry(0)], ttl: 10n })
  const refused = await one(tx(city.authority, [share(fromHex(id))]), ErrorCodes.invalid_state)
  assert.match(refused.results[0]!.log, /closed as a false positive/)
  // the alert closed as resolved passes this check (and fails later: this chain has no bridge client "to-peer")
  const other = await one(tx(city.authority, [share(fromHex(first.id))]), ErrorCodes.not_found)
  assert.doesNotMatch(other.results[0]!.log, /false positive/)
  assert.deepEqual(query('threatintel/shared', {}).shares, [], 'nothing was sent or recorded')
})
