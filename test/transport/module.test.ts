import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { ErrorCodes } from '../../src/base/errors.js'
import { compareBytes, toHex } from '../../src/base/bytes.js'
import type { KeyPair } from '../../src/crypto/keys.js'
import { SCALE, decayTo, scorePermille, transportModule, DEFAULT_PARAMS } from '../../src/modules/transport/index.js'
import { testKey } from '../helpers/chain.js'
import { TestChain } from './engine-port.js'

const rsu1 = testKey('rsu1'), rsu2 = testKey('rsu2'), rsu3 = testKey('rsu3')
const unplaced = testKey('rsu-without-area') // holds the rsu role, never registered with a coverage area
const [honest, liar, stranger] = [testKey('veh-honest'), testKey('veh-liar'), testKey('veh-unregistered')]
const [w1, w2, w3, newcomer] = [testKey('veh-w1'), testKey('veh-w2'), testKey('veh-w3'), testKey('veh-new')]
let chain: TestChain

const block = (txs: Uint8Array[] = []) => chain.block(txs)
const q = (path: string, params: Record<string, unknown> = {}) => {
  try {
    return { code: 0, value: chain.q(path, params) }
  } catch (e) {
    return { code: (e as { code: number }).code, value: undefined }
  }
}
const rep = (k: KeyPair) => chain.q('transport/reputation', { vehicle: toHex(k.publicKey) })
const currentWindow = () => BigInt(chain.q('transport/params').current_window)
const root = (n: number) => new Uint8Array(32).fill(n)
const verdicts = (rows: Array<[KeyPair, number, number]>) =>
  rows.map(([k, ok, bad]) => [k.publicKey, ok, bad]).sort((a, b) => compareBytes(a[0] as Uint8Array, b[0] as Uint8Array))
const sorted = (ks: KeyPair[]) => ks.map((k) => k.publicKey).sort(compareBytes)
/** Signed with the account's nonce on chain (refusals before the handler consume none). */
const tx = (from: KeyPair, value: Record<string, unknown>, type = 'transport/submit-window') => {
  chain.resync()
  return chain.tx(from, [{ type, value: value as never }])
}
const submit = (from: KeyPair, window: bigint, rows: Array<[KeyPair, number, number]>, r = root(1), extra: Record<string, unknown> = {}) =>
  tx(from, { window, root: r, verdicts: verdicts(rows), ...extra })

before(async () => {
  chain = await TestChain.open('transport-module',
    { window_blocks: '2', max_lag_windows: '3', threshold_permille: '400', decay_permille: '900', min_evidence: '2', event_quorum: '3', event_min_rsus: '2' },
    [{ key: unplaced, roles: ['rsu'] }])
  await block()
  // RSUs 1 and 2 cover (1000, 1000) with 400 m; RSU 3 (1500, 1000) with 400 m
  await chain.registerFleet([honest, liar, w1, w2, w3, newcomer], [rsu1, rsu2], { x: 1000n, y: 1000n, radius: 400n })
  const r = await chain.send(chain.dept, [{ type: 'transport/register-rsu', value: { rsu: rsu3.publicKey, x: 1500n, y: 1000n, radius: 400n } }])
  assert.equal(r.code, 0, r.log)
  while (currentWindow() < 2n) await block()
})
after(async () => {
  await chain?.close()
})

test('decay and score arithmetic are integer and as documented', () => {
  const p = { ...DEFAULT_PARAMS, decayPermille: 900n }
  assert.deepEqual(decayTo(p, { alpha: 1000n, beta: 3000n, lastWindow: 4n }, 6n), { alpha: 810n, beta: 2430n, lastWindow: 6n })
  assert.deepEqual(decayTo(p, { alpha: 1000n, beta: 3000n, lastWindow: 6n }, 5n), { alpha: 1000n, beta: 3000n, lastWindow: 6n }) // never backwards
  assert.equal(scorePermille({ alpha: 0n, beta: 0n, lastWindow: 0n }), 500n) // the prior
  assert.equal(scorePermille({ alpha: 0n, beta: 2n * SCALE, lastWindow: 0n }), 250n)
  assert.equal(scorePermille({ alpha: 3n * SCALE, beta: SCALE, lastWindow: 0n }), 666n)
})

test('RSU windows: evidence per vehicle, the liar is flagged, the honest driver is not, the window is kept', async () => {
  const w = currentWindow() - 1n
  let r = await block([submit(rsu1, w, [[honest, 10, 0], [liar, 1, 9]], root(7), { size: 11n, traffic: [[1000n, 900n, 4n, 1250n, 35n]] })])
  assert.equal(r[0]!.code, 0, r[0]!.log)
  assert.equal(rep(liar).alpha, '100')
  assert.equal(rep(liar).beta, '900')
  assert.equal(rep(liar).flagged, false) // one unit of evidence < min_evidence
  const stored = chain.q('transport/window', { rsu: toHex(rsu1.publicKey), window: w.toString() })
  assert.equal(stored.root, toHex(root(7)))
  assert.equal(stored.size, '11')
  assert.equal(stored.verdicts.length, 2)
  assert.deepEqual(stored.traffic, [{ x: '1000', y: '900', flow: '4', speed_cms: '1250', occupancy_permille: '35' }])

  r = await block([submit(rsu2, w, [[honest, 8, 1], [liar, 0, 10]])])
  assert.equal(r[0]!.code, 0, r[0]!.log)
  const events = r[0]!.events.filter((e) => e.type === 'transport.flagged')
  assert.equal(events.length, 1)
  assert.equal(events[0]!.attributes.find((a) => a.key === 'vehicle')!.value, toHex(liar.publicKey))
  assert.equal(rep(liar).flagged, true)
  assert.ok(Number(rep(liar).score_permille) < 400)
  assert.equal(rep(honest).flagged, false)
  assert.ok(Number(rep(honest).score_permille) > 700)
  assert.deepEqual(chain.q('transport/flagged').flagged.map((f: { vehicle: string }) => f.vehicle), [toHex(liar.publicKey)])
})

test('an event is confirmed by enough reputable vehicles through different RSUs; a flagged, new or repeated reporter does not count', async () => {
  // give w1..w3 standing: two windows of plausible reports from two RSUs
  for (let i = 0; i < 2; i++) {
    while (currentWindow() - 1n <= BigInt(chain.q('transport/reputation', { vehicle: toHex(w1.publicKey) }).last_window)) await block()
    const w = currentWindow() - 1n
    const r = await block([submit(rsu1, w, [[w1, 10, 0], [w2, 10, 0], [w3, 10, 0]]), submit(rsu2, w, [[w1, 10, 0], [w2, 10, 0], [w3, 10, 0]])])
    assert.deepEqual(r.map((x) => x.code), [0, 0], r.map((x) => x.log).join())
  }
  await block()
  const w = currentWindow() - 1n
  const accident = (reporters: KeyPair[], x = 1210n) => [[2n, x, 1010n, sorted(reporters)]]
  // RSU 1: w1, w2, the flagged liar (still lying) and a newcomer without evidence report an accident: 2 count
  assert.equal(rep(liar).flagged, true)
  let r = await block([submit(rsu1, w, [[w1, 5, 0], [w2, 5, 0], [liar, 0, 5], [newcomer, 5, 0]], root(2), { events: accident([w1, w2, liar, newcomer]) })])
  assert.equal(r[0]!.code, 0, r[0]!.log)
  assert.equal(chain.q('transport/events').events.length, 0)
  // RSU 3 hears w1 again: still two distinct vehicles
  r = await block([submit(rsu3, w, [[w1, 5, 0]], root(3), { events: accident([w1], 1250n) })])
  assert.equal(r[0]!.code, 0, r[0]!.log)
  assert.equal(chain.q('transport/events').events.length, 0)
  // RSU 2 hears w3: three reputable vehicles through two RSUs
  r = await block([submit(rsu2, w, [[w3, 5, 0]], root(4), { events: accident([w3], 1290n) })])
  assert.equal(r[0]!.code, 0, r[0]!.log)
  const confirmed = r[0]!.events.find((e) => e.type === 'transport.event_confirmed')
  assert.ok(confirmed)
  assert.equal(confirmed.attributes.find((a) => a.key === 'reporters')!.value, '3')
  assert.deepEqual(chain.q('transport/events').events.map((e: { event: string; x: string }) => [e.event, e.x]), [['accident', '1290']])
})

test('a flagged vehicle recovers only through good evidence; old evidence decays', async () => {
  while (currentWindow() < 12n) await block()
  const w = currentWindow() - 1n
  const before = rep(liar)
  const r = await block([submit(rsu1, w, [[liar, 10, 0]]), submit(rsu2, w, [[liar, 10, 0]])])
  assert.deepEqual(r.map((x) => x.code), [0, 0])
  const after = rep(liar)
  assert.equal(after.last_window, w.toString())
  assert.ok(BigInt(after.beta) < BigInt(before.beta)) // decayed
  assert.equal(after.flagged, false)
  assert.ok(r[0]!.events.some((e) => e.type === 'transport.unflagged'))
})

test('bad submissions are refused with typed errors and change nothing', async () => {
  const w = () => currentWindow() - 1n // blocks go by: each case aims at the window just closed
  const snapshot = JSON.stringify([rep(honest), rep(liar)])
  const ev = (x: bigint, y: bigint, rs: KeyPair[] = [honest]) => ({ events: [[1n, x, y, sorted(rs)]] })
  const cases: Array<[string, () => Uint8Array, number]> = [
    ['window not closed', () => submit(rsu1, currentWindow() + 1n, [[honest, 1, 0]]), ErrorCodes.invalid_message],
    ['from the future', () => submit(rsu1, currentWindow() + 100n, [[honest, 1, 0]]), ErrorCodes.invalid_message],
    ['too old', () => submit(rsu1, 0n, [[honest, 1, 0]]), ErrorCodes.expired],
    ['a vehicle is no RSU', () => submit(honest, w(), [[honest, 1, 0]]), ErrorCodes.unauthorized],
    ['an RSU without a registered area', () => submit(unplaced, w(), [[honest, 1, 0]]), ErrorCodes.unauthorized],
    ['unregistered vehicle', () => submit(rsu1, w(), [[stranger, 0, 5]]), ErrorCodes.unauthorized],
    ['not a vehicle', () => submit(rsu1, w(), [[rsu2, 0, 5]]), ErrorCodes.unauthorized],
    ['event outside the coverage', () => submit(rsu1, w(), [[honest, 1, 0]], root(1), ev(1500n, 1000n)), ErrorCodes.unauthorized],
    ['segment outside the coverage', () => submit(rsu3, w(), [[honest, 1, 0]], root(1), { traffic: [[1000n, 1000n, 1n, 100n, 1n]] }), ErrorCodes.unauthorized],
    ['reporter the window did not judge', () => submit(rsu1, w(), [[honest, 1, 0]], root(1), ev(1000n, 1000n, [liar])), ErrorCodes.invalid_message],
    ['event code 0', () => submit(rsu1, w(), [[honest, 1, 0]], root(1), { events: [[0n, 1000n, 1000n, sorted([honest])]] }), ErrorCodes.invalid_message],
    ['occupancy over 1000 ‰', () => submit(rsu1, w(), [[honest, 1, 0]], root(1), { traffic: [[1000n, 1000n, 1n, 100n, 1001n]] }), ErrorCodes.invalid_message],
    ['unsorted verdicts', () => tx(rsu1, { window: w(), root: root(1), verdicts: verdicts([[honest, 1, 0], [liar, 0, 1]]).reverse() }), ErrorCodes.invalid_message],
    ['empty verdict', () => tx(rsu1, { window: w(), root: root(1), verdicts: [[honest.publicKey, 0, 0]] }), ErrorCodes.invalid_message],
    ['short root', () => tx(rsu1, { window: w(), root: new Uint8Array(31), verdicts: [] }), ErrorCodes.invalid_message],
    ['unknown field', () => tx(rsu1, { window: w(), root: root(1), verdicts: [], extra: 1 }), ErrorCodes.invalid_message],
    ['register-rsu by a vehicle', () => tx(honest, { rsu: stranger.publicKey, x: 1n, y: 1n, radius: 10n }, 'transport/register-rsu'), ErrorCodes.unauthorized],
    ['register-rsu with radius 0', () => tx(chain.dept, { rsu: stranger.publicKey, x: 1n, y: 1n, radius: 0n }, 'transport/register-rsu'), ErrorCodes.invalid_message],
    ['heartbeat of an unregistered RSU', () => tx(unplaced, {}, 'transport/heartbeat'), ErrorCodes.unauthorized],
  ]
  for (const [what, make, code] of cases) {
    const r = await block([make()])
    assert.equal(r[0]!.code, code, `${what}: ${r[0]!.log}`)
  }
  assert.equal(JSON.stringify([rep(honest), rep(liar)]), snapshot)
  // a suspended vehicle's reports refuse the window; reinstated, they are accepted again
  const id = chain.q('vehicles/vehicle', { plate: chain.q('vehicles/by-owner', { owner: toHex(chain.dept.publicKey) }).vehicles.find((v: { device: string }) => v.device === toHex(honest.publicKey)).plate }).id
  let r = await block([tx(chain.dept, { vehicle: Buffer.from(id, 'hex'), reason: 'stolen' }, 'vehicles/suspend')])
  assert.equal(r[0]!.code, 0, r[0]!.log)
  r = await block([submit(rsu1, w(), [[honest, 1, 0]])])
  assert.equal(r[0]!.code, ErrorCodes.unauthorized, r[0]!.log)
  r = await block([tx(chain.dept, { vehicle: Buffer.from(id, 'hex'), reason: 'recovered' }, 'vehicles/reinstate')])
  assert.equal(r[0]!.code, 0, r[0]!.log)
  // a duplicate window
  const last = w()
  const ok = await block([submit(rsu1, last, [[honest, 3, 0]])])
  assert.equal(ok[0]!.code, 0, ok[0]!.log)
  const dup = await block([submit(rsu1, last, [[liar, 0, 3]])])
  assert.equal(dup[0]!.code, ErrorCodes.already_exists)
  assert.equal(q('transport/window', { rsu: toHex(rsu2.publicKey), window: '99' }).code, ErrorCodes.not_found)
  // heartbeats record when the chain last heard of an RSU
  const hb = await block([tx(rsu1, {}, 'transport/heartbeat')])
  assert.equal(hb[0]!.code, 0, hb[0]!.log)
  assert.equal(chain.q('transport/rsu', { rsu: toHex(rsu1.publicKey) }).last_seen, chain.height.toString())
})

test('genesis refuses out-of-range parameters', () => {
  const m = transportModule()
  assert.throws(() => m.validateGenesis!({ threshold_permille: '1001' }), /threshold_permille/)
  assert.throws(() => m.validateGenesis!({ window_blocks: '0' }), /window_blocks/)
  assert.throws(() => m.validateGenesis!({ decay_permille: 5 }), /decay_permille/)
  assert.throws(() => m.validateGenesis!({ event_quorum: '0' }), /event_quorum/)
  m.validateGenesis!(undefined)
})
