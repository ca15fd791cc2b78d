import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { ErrorCodes } from '../../src/base/errors.js'
import { compareBytes, toHex } from '../../src/base/bytes.js'
import type { KeyPair } from '../../src/crypto/keys.js'
import { SCALE, decayTo, scorePermille, transportModule, DEFAULT_PARAMS } from '../../src/modules/transport/index.js'
import { testKey } from '../../src/kit/genesis-builder.js'
import { TestChain } from '../../src/kit/transport-chain.js'

const rsu1 = testKey('rsu1'), rsu2 = testKey('rsu2'), rsu3 = testKey('rsu3'), rsu4 = testKey('rsu4')
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
const settled = () => chain.q('transport/params').settled_window as string | null
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
const ok = async (txs: Uint8Array[]) => {
  const r = await block(txs)
  assert.deepEqual(r.map((x) => x.code), txs.map(() => 0), r.map((x) => x.log).join('; '))
  return r
}
const typesOf = (r: Array<{ events: Array<{ type: string }> }>) => r.flatMap((x) => x.events.map((e) => e.type))
/** The transport module's whole state, for "changes nothing". */
const transportState = () => [...chain.engine.app.stateReader().iterate()]
  .filter(([k]) => Buffer.from(k).toString('latin1').startsWith('transport/')).map(([k, v]) => toHex(k) + '=' + toHex(v)).join()

before(async () => {
  chain = await TestChain.open('transport-module',
    { max_lag_windows: '3', threshold_permille: '400', decay_permille: '900', min_evidence: '2', event_quorum: '3', event_min_rsus: '2' },
    [{ key: unplaced, roles: ['rsu'] }])
  await block()
  // RSUs 1 and 2 cover (1000, 1000) with 400 m; RSU 3 (1500, 1000) with 400 m
  await chain.registerFleet([honest, liar, w1, w2, w3, newcomer], [rsu1, rsu2], { x: 1000n, y: 1000n, radius: 400n })
  const r = await chain.send(chain.dept, [{ type: 'transport/register-rsu', value: { rsu: rsu3.publicKey, x: 1500n, y: 1000n, radius: 400n } }])
  assert.equal(r.code, 0, r.log)
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

test('RSU windows: kept on submission, applied when every RSU has passed the window; the liar is flagged, the honest driver is not', async () => {
  assert.deepEqual([settled(), chain.q('transport/params').next_window], [null, '0'])
  await ok([submit(rsu1, 0n, [[honest, 10, 0], [liar, 1, 9]], root(7), { size: 11n, traffic: [[1000n, 900n, 4n, 1250n, 35n]] })])
  const stored = chain.q('transport/window', { rsu: toHex(rsu1.publicKey), window: '0' })
  assert.equal(stored.root, toHex(root(7)))
  assert.equal(stored.size, '11')
  assert.equal(stored.verdicts.length, 2)
  assert.deepEqual(stored.traffic, [{ x: '1000', y: '900', flow: '4', speed_cms: '1250', occupancy_permille: '35' }])
  assert.equal(chain.q('transport/rsu', { rsu: toHex(rsu1.publicKey) }).last_window, '0')
  await ok([submit(rsu2, 0n, [[honest, 8, 1], [liar, 0, 10]])])
  // RSU 3 has not passed window 0 yet: nothing is applied
  assert.deepEqual([settled(), rep(liar).alpha, rep(liar).beta, rep(liar).flagged], [null, '0', '0', false])
  assert.equal(chain.q('transport/params').next_window, '1')
  const r = await ok([submit(rsu3, 0n, [])])
  assert.equal(settled(), '0')
  const flaggedEvents = r[0]!.events.filter((e) => e.type === 'transport.flagged')
  assert.deepEqual(flaggedEvents.map((e) => e.attributes.find((a) => a.key === 'vehicle')!.value), [toHex(liar.publicKey)])
  assert.deepEqual([rep(liar).alpha, rep(liar).beta, rep(liar).flagged], ['100', '1900', true])
  assert.equal(rep(honest).flagged, false)
  assert.ok(Number(rep(honest).score_permille) > 700)
  assert.deepEqual(chain.q('transport/flagged').flagged.map((f: { vehicle: string }) => f.vehicle), [toHex(liar.publicKey)])
})

test('an event is judged when its window settles, from the set of (reporter, RSU) pairs: a flagged, new or repeated reporter does not count', async () => {
  // give w1..w3 standing: two windows of plausible reports from two RSUs (RSU 3 heard nobody)
  for (const w of [1n, 2n]) {
    const good: Array<[KeyPair, number, number]> = [[w1, 10, 0], [w2, 10, 0], [w3, 10, 0]]
    await ok([submit(rsu1, w, good), submit(rsu2, w, good), submit(rsu3, w, [])])
  }
  assert.equal(settled(), '2')
  const event = (code: bigint, reporters: KeyPair[], x: bigint) => [[code, x, 1010n, sorted(reporters)]]
  // window 3. RSU 1: w1, w2, the flagged liar (still lying) and a newcomer without evidence report an
  // accident, and w1 a hazard; RSU 3 hears w1 again, about both; RSU 2 hears w3 about the accident
  assert.equal(rep(liar).flagged, true)
  const r = await ok([
    submit(rsu1, 3n, [[w1, 5, 0], [w2, 5, 0], [liar, 0, 5], [newcomer, 5, 0]], root(2), { events: [...event(2n, [w1, w2, liar, newcomer], 1210n), ...event(3n, [w1], 1010n)] }),
    submit(rsu3, 3n, [[w1, 5, 0]], root(3), { events: [...event(2n, [w1], 1250n), ...event(3n, [w1], 1190n)] }),
  ])
  assert.deepEqual(typesOf(r).filter((t) => t.startsWith('transport.')), ['transport.window', 'transport.window'])
  assert.equal(chain.q('transport/events').events.length, 0) // not settled: RSU 2 has not passed window 3
  const fin = await ok([submit(rsu2, 3n, [[w3, 5, 0]], root(4), { events: event(2n, [w3], 1290n) })])
  const confirmed = fin[0]!.events.filter((e) => e.type === 'transport.event_confirmed')
  assert.equal(confirmed.length, 1) // the hazard: one vehicle (w1) through two RSUs is no quorum
  // w1 (through RSUs 1 and 3), w2 and w3 count: three vehicles through three RSUs; the position is
  // the median of the three the RSUs gave
  assert.deepEqual(chain.q('transport/events').events, [{ window: '3', event: 'accident', x: '1250', y: '1010', reporters: '3', rsus: 3 }])
  // a confirmation is final: more reports of the cell within the span confirm nothing again
  await ok([
    submit(rsu1, 4n, [[w1, 5, 0], [w2, 5, 0]], root(5), { events: event(2n, [w1, w2], 1220n) }),
    submit(rsu2, 4n, [[w3, 5, 0]], root(5), { events: event(2n, [w3], 1220n) }),
    submit(rsu3, 4n, []),
  ])
  assert.equal(chain.q('transport/events').events.length, 1)
})

test('a flagged vehicle recovers only through good evidence; old evidence decays', async () => {
  const before = rep(liar)
  const w = 10n // windows 5–9 pass without a word about the liar
  await ok([submit(rsu3, w, [])])
  await ok([submit(rsu1, w, [[liar, 10, 0]]), submit(rsu2, w, [[liar, 10, 0]])])
  const after = rep(liar)
  assert.equal(after.last_window, w.toString())
  assert.ok(BigInt(after.beta) < BigInt(before.beta)) // decayed
  assert.equal(after.flagged, false)
  assert.equal(chain.q('transport/flagged').flagged.length, 0)
})

test('bad submissions are refused with typed errors and change nothing', async () => {
  const W = BigInt(chain.q('transport/params').next_window) // 11: open for every RSU
  // a new RSU: it has submitted nothing, but windows up to 10 have settled
  await ok([tx(chain.dept, { rsu: rsu4.publicKey, x: 1000n, y: 1000n, radius: 400n }, 'transport/register-rsu')])
  const snapshot = transportState()
  const ev = (x: bigint, y: bigint, rs: KeyPair[] = [honest]) => ({ events: [[1n, x, y, sorted(rs)]] })
  const cases: Array<[string, () => Uint8Array, number, RegExp?]> = [
    ['late: the window has settled', () => submit(rsu4, 10n, [[honest, 1, 0]]), ErrorCodes.expired, /every window up to 10 has settled/],
    ['late: below the RSU\'s last window', () => submit(rsu3, 9n, [[honest, 1, 0]]), ErrorCodes.expired, /already submitted window 10/],
    ['a window it already submitted', () => submit(rsu1, 10n, [[honest, 1, 0]]), ErrorCodes.already_exists],
    ['from the future: more than 2·(max_lag + 1) past the settled window', () => submit(rsu1, 10n + 9n, [[honest, 1, 0]]), ErrorCodes.invalid_message, /from the future/],
    ['a window number of 2^48 or more', () => submit(rsu1, 1n << 48n, [[honest, 1, 0]]), ErrorCodes.invalid_message, /window must be between 0 and/],
    ['a vehicle is no RSU', () => submit(honest, W, [[honest, 1, 0]]), ErrorCodes.unauthorized],
    ['an RSU without a registered area', () => submit(unplaced, W, [[honest, 1, 0]]), ErrorCodes.unauthorized],
    ['unregistered vehicle', () => submit(rsu1, W, [[stranger, 0, 5]]), ErrorCodes.unauthorized],
    ['not a vehicle', () => submit(rsu1, W, [[rsu2, 0, 5]]), ErrorCodes.unauthorized],
    ['event outside the coverage', () => submit(rsu1, W, [[honest, 1, 0]], root(1), ev(1500n, 1000n)), ErrorCodes.unauthorized],
    ['segment outside the coverage', () => submit(rsu3, W, [[honest, 1, 0]], root(1), { traffic: [[1000n, 1000n, 1n, 100n, 1n]] }), ErrorCodes.unauthorized],
    ['reporter the window did not judge', () => submit(rsu1, W, [[honest, 1, 0]], root(1), ev(1000n, 1000n, [liar])), ErrorCodes.invalid_message],
    ['two events of one kind in one cell', () => submit(rsu1, W, [[honest, 1, 0]], root(1), { events: [[1n, 1000n, 1000n, sorted([honest])], [1n, 1050n, 1050n, sorted([honest])]] }), ErrorCodes.invalid_message],
    ['event code 0', () => submit(rsu1, W, [[honest, 1, 0]], root(1), { events: [[0n, 1000n, 1000n, sorted([honest])]] }), ErrorCodes.invalid_message],
    ['occupancy over 1000 ‰', () => submit(rsu1, W, [[honest, 1, 0]], root(1), { traffic: [[1000n, 1000n, 1n, 100n, 1001n]] }), ErrorCodes.invalid_message],
    ['unsorted verdicts', () => tx(rsu1, { window: W, root: root(1), verdicts: verdicts([[honest, 1, 0], [liar, 0, 1]]).reverse() }), ErrorCodes.invalid_message],
    ['empty verdict', () => tx(rsu1, { window: W, root: root(1), verdicts: [[honest.publicKey, 0, 0]] }), ErrorCodes.invalid_message],
    ['short root', () => tx(rsu1, { window: W, root: new Uint8Array(31), verdicts: [] }), ErrorCodes.invalid_message],
    ['unknown field', () => tx(rsu1, { window: W, root: root(1), verdicts: [], extra: 1 }), ErrorCodes.invalid_message],
    ['register-rsu by a vehicle', () => tx(honest, { rsu: stranger.publicKey, x: 1n, y: 1n, radius: 10n }, 'transport/register-rsu'), ErrorCodes.unauthorized],
    ['register-rsu with radius 0', () => tx(chain.dept, { rsu: stranger.publicKey, x: 1n, y: 1n, radius: 0n }, 'transport/register-rsu'), ErrorCodes.invalid_message],
    ['heartbeat of an unregistered RSU', () => tx(unplaced, {}, 'transport/heartbeat'), ErrorCodes.unauthorized],
  ]
  for (const [what, make, code, log] of cases) {
    const r = await block([make()])
    assert.equal(r[0]!.code, code, `${what}: ${r[0]!.log}`)
    if (log) assert.match(r[0]!.log, log, what)
  }
  assert.equal(transportState(), snapshot)
  // a suspended vehicle's reports refuse the window; reinstated, they are accepted again
  const id = chain.q('vehicles/vehicle', { plate: chain.q('vehicles/by-owner', { owner: toHex(chain.dept.publicKey) }).vehicles.find((v: { device: string }) => v.device === toHex(honest.publicKey)).plate }).id
  await ok([tx(chain.dept, { vehicle: Buffer.from(id, 'hex'), reason: 'stolen' }, 'vehicles/suspend')])
  let r = await block([submit(rsu1, W, [[honest, 1, 0]])])
  assert.equal(r[0]!.code, ErrorCodes.unauthorized, r[0]!.log)
  await ok([tx(chain.dept, { vehicle: Buffer.from(id, 'hex'), reason: 'recovered' }, 'vehicles/reinstate')])
  await ok([submit(rsu1, W, [[honest, 3, 0]])])
  r = await block([submit(rsu1, W, [[liar, 0, 3]])])
  assert.equal(r[0]!.code, ErrorCodes.already_exists)
  assert.equal(q('transport/window', { rsu: toHex(rsu2.publicKey), window: '99' }).code, ErrorCodes.not_found)
  // heartbeats record when the chain last heard of an RSU
  await ok([tx(rsu1, {}, 'transport/heartbeat')])
  assert.equal(chain.q('transport/rsu', { rsu: toHex(rsu1.publicKey) }).last_seen, chain.height.toString())
})

test('genesis refuses out-of-range parameters', () => {
  const m = transportModule()
  assert.throws(() => m.validateGenesis!({ threshold_permille: '1001' }), /threshold_permille/)
  assert.throws(() => m.validateGenesis!({ max_lag_windows: '0' }), /max_lag_windows/)
  assert.throws(() => m.validateGenesis!({ decay_permille: 5 }), /decay_permille/)
  assert.throws(() => m.validateGenesis!({ event_quorum: '0' }), /event_quorum/)
  m.validateGenesis!(undefined)
})
