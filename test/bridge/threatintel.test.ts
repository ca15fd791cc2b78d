/**
 * Threat intelligence over the bridge between real solo chains: A's SIEM confirms alerts (anchored
 * evidence, two correlators), A's security staff share indicators of them, B lists them with
 * provenance; forged, unconfirmed or unauthorised shares are refused on A; duplicates, expiry,
 * delisting and a hostile third chain are tested on B.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { ErrorCodes } from '../../src/base/errors.js'
import { sha256 } from '../../src/crypto/hash.js'
import { fromHex, toHex, utf8 } from '../../src/base/bytes.js'
import type { Msg } from '../../src/app/tx.js'
import type { CborValue } from '../../src/codec/cbor.js'
import { encodePayload } from '../../src/modules/bridge/index.js'
import { Collector } from '../../src/agents/siem/collector.js'
import { normalizeIndicator } from '../../src/modules/siem/indicators.js'
import { testKey } from '../../src/kit/genesis-builder.js'
import { attr, emptyBlock, exec, ok, query, recvMsg, sentPackets, timeoutMsg, type Chain } from './harness.js'
import { deliver, openTrio, registerAccounts, roundTrip, vinCommitment } from './apps-harness.js'

let A: Chain
let B: Chain
let H: Chain
let trio: Awaited<ReturnType<typeof openTrio>>
let BH: Chain
const gw = testKey('ti/collector')
const [c1, c2] = [testKey('ti/correlator-1'), testKey('ti/correlator-2')]
const victim = testKey('ti/camera-17')
const secA = testKey('ti/security-a')
const secB = testKey('ti/security-b')
const dmvB = testKey('ti/dmv-b')
const RULE = 'malware_drop'
const ruleHash = sha256(utf8('title: malware dropped on a device'))
const FILE_HASH = 'ab'.repeat(32)
let col: Collector
let alert1: Uint8Array // subject victim, evidence events 0 and 1
let alert2: Uint8Array // subject victim, evidence event 1 only
let pending: Uint8Array // attested once: not confirmed

before(async () => {
  trio = await openTrio()
  ;({ A, B, H, BH } = trio)
  await registerAccounts(A, [[gw, ['device']], [c1, ['operator']], [c2, ['operator']], [victim, ['device']], [secA, ['security']]])
  await registerAccounts(B, [[secB, ['security']], [dmvB, ['transport']]])
  await ok(A, A.city.authority, [
    { type: 'siem/register-collector', value: { collector: gw.publicKey, name: 'gw' } },
    { type: 'siem/register-correlator', value: { correlator: c1.publicKey } },
    { type: 'siem/register-correlator', value: { correlator: c2.publicKey } },
    { type: 'siem/register-rule', value: { id: RULE, version: 1n, hash: ruleHash, action: 'none' } },
    { type: 'siem/set-threshold', value: { k: 2n } },
  ])
  col = new Collector(A.city.chainId, gw, 'gw')
  const T0 = Date.UTC(2026, 10, 24, 10, 0, 0)
  col.ingest(JSON.stringify({ dst_host: '10.0.0.17', dst_port: 23, logdata: { USERNAME: 'root', PASSWORD: 'xc3511' }, logtype: 6001, node_id: 'canary-1', src_host: '203.0.113.7', src_port: 40000, utc_time: '2026-11-24 10:00:00' }), 'auto', T0)
  col.ingest(JSON.stringify({ '@timestamp': '2026-11-24T10:00:01Z', message: 'malware dropped', 'source.ip': '198.51.100.9', 'file.hash.sha256': FILE_HASH.toUpperCase() }), 'json', T0)
  col.ingest(JSON.stringify({ '@timestamp': '2026-11-24T10:00:02Z', message: 'unrelated', 'source.ip': '192.0.2.200' }), 'json', T0)
  const cp = col.checkpoint()
  await ok(A, gw, [cp.msg])
  col.markAnchored(cp.checkpoint)
  alert1 = await confirm([0, 1], [c1, c2])
  alert2 = await confirm([1], [c1, c2])
  pending = await confirm([2], [c1])
})
after(async () => {
  await trio?.close()
})

function evidence(indices: number[]) {
  return indices.map((i) => {
    const e = col.evidence(i)
    return { collector: gw.publicKey, index: BigInt(i), size: BigInt(e.size), leaf_hash: fromHex(e.leafHash), proof: e.proof.map(fromHex) }
  })
}
async function confirm(indices: number[], by: Array<ReturnType<typeof testKey>>): Promise<Uint8Array> {
  let id = ''
  for (const k of by) {
    const r = await ok(A, k, [{ type: 'siem/attest', value: { rule: RULE, version: 1n, rule_hash: ruleHash, subject: victim.publicKey, evidence: evidence(indices) } }])
    id = attr(r.events.find((e) => e.type === 'siem.alert_attested')!, 'alert')
  }
  return fromHex(id)
}
const entry = (i: number) => col.entry(i)
const ind = (kind: string, value: string) => ({ kind, value })
const share = (alert: Uint8Array, indicators: Array<{ kind: string; value: string }>, entries: Uint8Array[], ttl = 1000n, client = 'to-b'): Msg => ({
  type: 'threatintel/share', value: { client_id: client, alert, indicators, entries, ttl, timeout_height: 100_000n },
})
const indicator = (c: Chain, kind: string, value: string) => query(c, 'threatintel/indicator', { kind, value })
const blocklist = (c: Chain, params: Record<string, unknown> = {}) => query(c, 'threatintel/blocklist', params).entries as Array<{ kind: string; value: string; active: boolean }>
const deviceActive = (c: Chain, device: Uint8Array) => query(c, 'vehicles/device-active', { device: toHex(device) }).active as boolean
const VICTIM = () => toHex(victim.publicKey)

test('indicators have one spelling: IPv6 canonicalised, hex lower-cased, anything else refused', () => {
  const n = (kind: string, v: string) => normalizeIndicator(kind, v)?.value
  assert.equal(n('ip', '2001:DB8:0:0::1'), '2001:db8::1')
  assert.equal(n('ip', '2001:0db8:0000:0000:0000:0000:0000:0001'), '2001:db8::1')
  assert.equal(n('ip', '203.0.113.7'), '203.0.113.7')
  for (const bad of ['203.0.113.07', ' 203.0.113.7', 'fe80::1%eth0', 'example.org', '']) assert.equal(n('ip', bad), undefined, bad)
  assert.equal(n('device', 'AB'.repeat(32)), 'ab'.repeat(32))
  assert.equal(n('file_hash', 'ab'.repeat(31)), undefined)
  assert.equal(n('url', 'http://x'), undefined)
})

test('A refuses shares that are not backed by a confirmed alert of its own chain, or not from its security staff', async () => {
  const good = share(alert1, [ind('device', VICTIM())], [])
  assert.equal((await exec(A, A.city.citizens[0]!, [good])).code, ErrorCodes.unauthorized)
  assert.equal((await exec(A, c1, [good])).code, ErrorCodes.unauthorized, 'a correlator is not security staff')
  assert.equal((await exec(A, secA, [share(pending, [ind('ip', '192.0.2.200')], [entry(2)])])).code, ErrorCodes.invalid_state, 'unconfirmed')
  assert.equal((await exec(A, secA, [share(sha256(utf8('no alert')), [ind('device', VICTIM())], [])])).code, ErrorCodes.not_found)
  // an IP not in the evidence given, an entry that is not the alert's evidence, a device that is not the subject
  assert.equal((await exec(A, secA, [share(alert1, [ind('ip', '192.0.2.1')], [entry(0)])])).code, ErrorCodes.proof_invalid)
  assert.equal((await exec(A, secA, [share(alert1, [ind('ip', '192.0.2.200')], [entry(2)])])).code, ErrorCodes.proof_invalid)
  const forged = utf8(JSON.stringify({ source: { ip: '192.0.2.66' } }))
  assert.equal((await exec(A, secA, [share(alert1, [ind('ip', '192.0.2.66')], [forged])])).code, ErrorCodes.proof_invalid)
  assert.equal((await exec(A, secA, [share(alert1, [ind('device', toHex(gw.publicKey))], [])])).code, ErrorCodes.proof_invalid)
  // an IP of the alert's evidence but without the entry that shows it
  assert.equal((await exec(A, secA, [share(alert1, [ind('ip', '203.0.113.7')], [])])).code, ErrorCodes.proof_invalid)
  // malformed: non-canonical spelling, repeated indicator, unknown kind, ttl out of range
  assert.equal((await exec(A, secA, [share(alert1, [ind('device', VICTIM().toUpperCase())], [])])).code, ErrorCodes.invalid_message)
  assert.equal((await exec(A, secA, [share(alert1, [ind('device', VICTIM()), ind('device', VICTIM())], [])])).code, ErrorCodes.invalid_message)
  assert.equal((await exec(A, secA, [share(alert1, [ind('url', 'http://x')], [])])).code, ErrorCodes.invalid_message)
  assert.equal((await exec(A, secA, [share(alert1, [ind('ip', '2001:DB8::1')], [])])).code, ErrorCodes.invalid_message)
  assert.equal((await exec(A, secA, [share(alert1, [ind('device', VICTIM())], [], 0n)])).code, ErrorCodes.invalid_message)
  assert.equal(query(A, 'bridge/packet', { client_id: 'to-b', sequence: '1' }).commitment, null, 'nothing was sent')
})

test('B lists nothing from a peer it has not accepted (error ack); only its authority accepts peers', async () => {
  const r = await roundTrip(A, B, await ok(A, secA, [share(alert1, [ind('device', VICTIM())], [])]))
  assert.ok('error' in r.ack && /does not accept/.test(r.ack.error), JSON.stringify(r.ack))
  assert.ok(r.acked.events.some((e) => e.type === 'threatintel.share_result' && attr(e, 'ok') === 'false'))
  const [last] = query(A, 'threatintel/shared', { client_id: 'to-b', limit: 1 }).shares
  assert.deepEqual([last.sequence, last.alert, last.outcome, last.indicators], [String(r.packet.sequence), toHex(alert1), 'refused', '1'])
  assert.match(last.error, /does not accept/)
  assert.equal(blocklist(B).length, 0)
  assert.equal((await exec(B, secB, [{ type: 'threatintel/accept-peer', value: { client_id: 'to-a', accept: true } }])).code, ErrorCodes.unauthorized)
  assert.equal((await exec(B, B.city.authority, [{ type: 'threatintel/accept-peer', value: { client_id: 'no-such', accept: true } }])).code, ErrorCodes.not_found)
  await ok(B, B.city.authority, [{ type: 'threatintel/accept-peer', value: { client_id: 'to-a', accept: true } }])
  assert.deepEqual(query(B, 'threatintel/peers', {}).accepted, ['to-a'])
})

test('B lists shared indicators with provenance; a listed device key stops reporting and cannot be registered; a duplicate share changes nothing; entries expire', async () => {
  // B's transport department registered a vehicle with the victim's key before
  const car = vinCommitment('TI-CAR-1')
  await ok(B, dmvB, [{ type: 'vehicles/register', value: { vin_commitment: car, plate: 'TI-1', owner: B.city.citizens[0]!.publicKey, device_key: victim.publicKey } }])
  assert.equal(deviceActive(B, victim.publicKey), true)

  const indicators = [ind('device', VICTIM()), ind('file_hash', FILE_HASH), ind('ip', '198.51.100.9'), ind('ip', '203.0.113.7')]
  const sent = await ok(A, secA, [share(alert1, indicators, [entry(0), entry(1)], 8n)])
  const r = await roundTrip(A, B, sent)
  assert.deepEqual(r.ack, { ok: true })
  assert.ok(r.acked.events.some((e) => e.type === 'threatintel.share_result' && attr(e, 'ok') === 'true'))
  assert.equal(query(A, 'threatintel/shared', { limit: 1 }).shares[0].outcome, 'accepted')
  const recvHeight = r.recv.height
  assert.deepEqual(blocklist(B).map((e) => `${e.kind}:${e.value}`).sort(), indicators.map((i) => `${i.kind}:${i.value}`).sort())
  const got = indicator(B, 'device', VICTIM())
  assert.equal(got.listed, true)
  assert.equal(got.provenance.length, 1)
  const p = got.provenance[0]
  const a1 = query(A, 'siem/alert', { id: toHex(alert1) })
  assert.deepEqual(
    [p.source_chain, p.client_id, p.source_client, p.alert, p.rule, p.rule_version, p.confirmed_at, p.expires_at, [...p.attesters].sort()],
    ['city-a', 'to-a', 'to-b', toHex(alert1), RULE, '1', a1.confirmed_at, String(recvHeight + 8n), [toHex(c1.publicKey), toHex(c2.publicKey)].sort()],
  )
  assert.equal(indicator(B, 'ip', '192.0.2.200').listed, false)
  // the effect: the vehicle with that device key is no longer active, and the key cannot be bound anew
  assert.equal(deviceActive(B, victim.publicKey), false)
  await ok(B, dmvB, [{ type: 'vehicles/deregister', value: { vehicle: car, reason: 'compromised telematics unit' } }])
  const again = await exec(B, dmvB, [{ type: 'vehicles/register', value: { vin_commitment: vinCommitment('TI-CAR-2'), plate: 'TI-2', owner: B.city.citizens[0]!.publicKey, device_key: victim.publicKey } }])
  assert.equal(again.code, ErrorCodes.unauthorized, again.log)

  // the same alert shared again, and the same packet replayed: no second effect
  const before = indicator(B, 'device', VICTIM()).entry
  const dup = await roundTrip(A, B, await ok(A, secA, [share(alert1, indicators.slice(0, 2), [entry(1)], 1000n)]))
  assert.deepEqual(dup.ack, { ok: true })
  assert.equal(attr(dup.recv.events.find((e) => e.type === 'threatintel.received')!, 'listed'), '0')
  const replay = await ok(B, B.relayer, [await recvMsg(B, A, r.packet)])
  assert.ok(replay.events.some((e) => e.type === 'bridge.recv_packet_duplicate'))
  assert.deepEqual(indicator(B, 'device', VICTIM()).entry, before)
  assert.equal(indicator(B, 'device', VICTIM()).provenance.length, 1)

  // expiry at recv height + ttl
  while (B.engine.height + 1n < recvHeight + 8n) await emptyBlock(B)
  assert.equal(indicator(B, 'device', VICTIM()).listed, false)
  assert.equal(blocklist(B).length, 0)
  assert.equal(blocklist(B, { all: 'true' }).length, 4)
  assert.equal(blocklist(B, { all: 'true', kind: 'ip' }).length, 2)
})

test('a share that times out is recorded so on A, and B lists nothing from it', async () => {
  const msg = share(alert2, [ind('ip', '198.51.100.9')], [entry(1)])
  ;(msg.value as Record<string, unknown>).timeout_height = B.engine.height + 2n
  const [packet] = sentPackets(await ok(A, secA, [msg]))
  assert.equal(query(A, 'threatintel/shared', { limit: 1 }).shares[0].outcome, 'pending')
  for (let i = 0; i < 3; i++) await emptyBlock(B)
  await ok(A, A.relayer, [await timeoutMsg(A, B, packet!)])
  const [x] = query(A, 'threatintel/shared', { limit: 1 }).shares
  assert.deepEqual([x.sequence, x.outcome], [String(packet!.sequence), 'timed_out'])
  assert.equal((await exec(B, B.relayer, [await recvMsg(B, A, packet!)])).code, ErrorCodes.expired)
  assert.equal(indicator(B, 'ip', '198.51.100.9').provenance.length, 1, 'only the earlier share of alert 1')
})

test('a new alert lists an expired indicator again; B\'s security staff can delist it', async () => {
  const r = await roundTrip(A, B, await ok(A, secA, [share(alert2, [ind('device', VICTIM()), ind('file_hash', FILE_HASH)], [entry(1)], 1000n)]))
  assert.deepEqual(r.ack, { ok: true })
  const got = indicator(B, 'device', VICTIM())
  assert.deepEqual([got.listed, got.entry.sources, got.provenance.length], [true, '2', 2])
  const delist: Msg = { type: 'threatintel/delist', value: { kind: 'device', value: VICTIM(), reason: 'key rotated on the device' } }
  assert.equal((await exec(B, B.city.citizens[0]!, [delist])).code, ErrorCodes.unauthorized)
  await ok(B, secB, [delist])
  assert.deepEqual([indicator(B, 'device', VICTIM()).listed, indicator(B, 'device', VICTIM()).entry.delist_reason], [false, 'key rotated on the device'])
  assert.equal((await exec(B, secB, [delist])).code, ErrorCodes.invalid_state)
  assert.equal(indicator(B, 'file_hash', FILE_HASH).listed, true)
})

test('a hostile chain lists only under its own name, only once accepted, and cannot rewrite what A shared', async () => {
  const hostile = async (data: Record<string, CborValue>) => {
    const sent = await ok(H, H.city.citizens[0]!, [{ type: 'probe/send-raw', value: { client: 'to-b', payload: encodePayload('threatintel', data), timeout_height: 100_000n } }])
    return (await deliver(H, BH, sent)).ack
  }
  const data = (over: Record<string, CborValue> = {}): Record<string, CborValue> => ({
    alert: sha256(utf8('made up')), rule: 'made_up', rule_version: 1n, confirmed_at: 1n, attesters: [testKey('ti/fake').publicKey],
    indicators: [{ kind: 'file_hash', value: FILE_HASH }, { kind: 'ip', value: '192.0.2.99' }], ttl: 100n, ...over,
  })
  assert.ok('error' in (await hostile(data())), 'not accepted yet')
  assert.equal(indicator(B, 'ip', '192.0.2.99').listed, false)
  await ok(B, B.city.authority, [{ type: 'threatintel/accept-peer', value: { client_id: 'to-h', accept: true } }])
  for (const bad of [
    data({ indicators: [{ kind: 'ip', value: ' 192.0.2.99' }] }), data({ indicators: [{ kind: 'device', value: 'AB'.repeat(32) }] }), data({ ttl: 10n ** 9n }), data({ ttl: 0n }),
    data({ attesters: [] }), data({ alert: new Uint8Array(5) }), { ...data(), extra: 1n },
    data({ indicators: Array.from({ length: 65 }, (_, i) => ({ kind: 'ip', value: `10.0.${i}.1` })) }),
  ]) {
    assert.ok('error' in (await hostile(bad)), JSON.stringify(Object.keys(bad)))
  }
  assert.equal(indicator(B, 'ip', '192.0.2.99').listed, false)
  assert.deepEqual(await hostile(data()), { ok: true })
  const ip = indicator(B, 'ip', '192.0.2.99')
  assert.deepEqual([ip.listed, ip.provenance.map((p: { source_chain: string }) => p.source_chain)], [true, ['city-h']])
  // the file hash A shared keeps A's provenance; H's listing is a separate one
  const fh = indicator(B, 'file_hash', FILE_HASH)
  assert.deepEqual(fh.provenance.map((p: { source_chain: string }) => p.source_chain).sort(), ['city-a', 'city-a', 'city-h'])
  // B withdraws its acceptance: H lists nothing more
  await ok(B, B.city.authority, [{ type: 'threatintel/accept-peer', value: { client_id: 'to-h', accept: false } }])
  assert.ok('error' in (await hostile(data({ indicators: [{ kind: 'ip', value: '192.0.2.98' }] }))))
  assert.equal(indicator(B, 'ip', '192.0.2.98').listed, false)
})
