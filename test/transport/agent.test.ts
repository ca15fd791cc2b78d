import { test } from 'node:test'
import assert from 'node:assert/strict'
import { encodeCanonical } from '../../src/codec/cbor.js'
import { PolisError } from '../../src/base/errors.js'
import { toHex } from '../../src/base/bytes.js'
import { RsuAgent, type StationStatus } from '../../src/transport/agent.js'
import { REPORT_DOMAIN, camOf, openReport, signReport, type Cam } from '../../src/transport/report.js'
import { verifyInclusion } from '../../src/transport/merkle.js'
import { testKey } from '../../src/kit/genesis-builder.js'
import { VerifyPool } from '../../src/crypto/verify-pool.js'

const honest = testKey('agent-honest'), flagged = testKey('agent-flagged'), suspended = testKey('agent-suspended'), stranger = testKey('agent-stranger')
const status = new Map<string, StationStatus>([[toHex(honest.publicKey), 'active'], [toHex(flagged.publicKey), 'flagged'], [toHex(suspended.publicKey), 'suspended']])
const agent = () => new RsuAgent({ windowSeconds: 10, firstWindow: 100n, at: { x: 0, y: 0 }, radius: 350, status: (s) => status.get(toHex(s)) ?? 'unregistered' })
const cam = (k = honest, t = 1, x = 100): Cam => camOf(k.publicKey, t, [x, 0], [10, 0], 0.5)

test('signed reports: integer CAM fields round-trip; the signature covers the domain and every field', () => {
  const c = cam()
  assert.deepEqual([c.t, c.x, c.y, c.speed, c.heading, c.accel], [1000, 10000, 0, 1000, 900, 50]) // 90° = east
  const signed = signReport(c, honest)
  const o = openReport(signed)
  assert.equal(o.valid, true)
  assert.deepEqual(o.report, c)
  // a changed field, another station, or a signature without the domain prefix do not verify
  const [map, sig] = [{ v: 1, kind: 'cam', station: c.station, t: c.t, x: c.x + 1, y: c.y, speed: c.speed, heading: c.heading, accel: c.accel }, new Uint8Array(64)]
  assert.equal(openReport(encodeCanonical([map, honest.sign(encodeCanonical(map)).slice()])).valid, false)
  assert.equal(openReport(encodeCanonical([{ ...map, x: c.x }, sig])).valid, false)
  assert.equal(openReport(encodeCanonical([{ ...map, x: c.x, station: stranger.publicKey }, honest.sign(new Uint8Array([...REPORT_DOMAIN]))])).valid, false)
  // malformed reports are typed refusals, never crashes
  for (const bad of [new Uint8Array([1, 2, 3]), encodeCanonical([map]), encodeCanonical([{ ...map, heading: 3600 }, sig]), encodeCanonical([{ ...map, kind: 'teleport' }, sig]), encodeCanonical([{ ...map, extra: 1 }, sig])]) {
    assert.throws(() => openReport(bad), (e: unknown) => e instanceof PolisError && e.errorName === 'invalid_message')
  }
  assert.throws(() => signReport({ ...c, x: NaN }, honest)) // a NaN cannot even be signed
})

test('the RSU agent refuses forged, unregistered, suspended, malformed and late reports; judges flagged vehicles but keeps their events out', () => {
  const a = agent()
  const forged = signReport({ ...cam(stranger), station: honest.publicKey }, stranger) // claims to be the honest vehicle
  assert.equal(a.receive(signReport(cam(honest, 1), honest), 1.01), undefined)
  assert.equal(a.receive(forged, 1.02), 'forged')
  assert.equal(a.receive(signReport(cam(stranger, 1), stranger), 1.03), 'unregistered')
  assert.equal(a.receive(signReport(cam(suspended, 1), suspended), 1.04), 'suspended')
  assert.equal(a.receive('zz', 1.05), 'malformed')
  assert.equal(a.receive(new Uint8Array([0xa1]), 1.06), 'malformed')
  assert.equal(a.receive(signReport(cam(flagged, 1, 120), flagged), 1.07), undefined)
  assert.equal(a.receive(signReport({ kind: 'event', station: flagged.publicKey, t: 1100, x: 5000, y: 0, event: 'hazard' }, flagged), 1.1), undefined)
  assert.equal(a.receive(signReport({ kind: 'event', station: honest.publicKey, t: 1100, x: 5000, y: 0, event: 'hazard' }, honest), 1.1), undefined)
  // the next status messages: one plausible, one replayed (stale), one from the future
  assert.equal(a.receive(signReport(cam(honest, 2, 110), honest), 2.01), undefined)
  assert.equal(a.receive(signReport(cam(honest, 2, 110), honest), 2.5), undefined)
  assert.equal(a.receive(signReport(cam(honest, 9, 180), honest), 3.0), undefined)
  assert.deepEqual(a.refused, { malformed: 2, forged: 1, unregistered: 1, suspended: 1, late: 0 })
  const w = a.close(0)!
  // once window 0 is closed, a report dated in it (a replay into the next window) is refused as late
  assert.equal(a.receive(signReport(cam(honest, 5, 150), honest), 11), 'late')
  assert.equal(a.receive(signReport(cam(honest, 11, 200), honest), 11.01), undefined)
  assert.equal(a.windows.get(1)!.size, 1)
  const s = w.submission()
  assert.equal(s.window, 100n)
  assert.equal(s.size, 5) // only accepted status messages are in the tree
  const byVehicle = new Map(s.verdicts.map(([v, ok, bad]) => [toHex(v), [ok, bad]]))
  assert.deepEqual(byVehicle.get(toHex(honest.publicKey)), [2, 2]) // the replay and the report from the future are flagged
  assert.deepEqual(byVehicle.get(toHex(flagged.publicKey)), [1, 0])
  assert.deepEqual(s.events.map(([code, x, y, rs]) => [code, x, y, rs.map(toHex)]), [[3, 50, 0, [toHex(honest.publicKey)]]]) // the flagged vehicle's event is left out
  for (let i = 0; i < w.size; i++) assert.ok(verifyInclusion(w.report(i), i, w.size, w.proof(i), s.root))
})

test('receiveAll verifies on worker threads and judges exactly as receive does', async () => {
  const forged = signReport({ ...cam(stranger, 2), station: honest.publicKey }, stranger)
  const items = [
    { signed: signReport(cam(honest, 1), honest), rcvTime: 1.01 }, { signed: forged, rcvTime: 2.01 }, { signed: 'zz', rcvTime: 2.02 },
    { signed: signReport(cam(stranger, 2), stranger), rcvTime: 2.03 }, { signed: signReport(cam(honest, 2, 110), honest), rcvTime: 2.04 },
    { signed: signReport(cam(honest, 3, 400), honest), rcvTime: 3.01 }, // a jump
  ]
  const one = agent()
  const expected = items.map((it) => one.receive(it.signed, it.rcvTime))
  const pool = new VerifyPool(1)
  try {
    const two = agent()
    assert.deepEqual(await two.receiveAll(items, pool), expected)
    assert.deepEqual(two.refused, one.refused)
    const [a, b] = [one.close(0)!.submission(), two.close(0)!.submission()]
    assert.deepEqual(b, a)
    assert.deepEqual(a.verdicts.map(([, ok, bad]) => [ok, bad]), [[2, 1]])
  } finally {
    await pool.close()
  }
})
