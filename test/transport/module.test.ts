import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { SoloEngine } from '../../src/engine/solo/engine.js'
import { ErrorCodes } from '../../src/app/errors.js'
import { compareBytes, toHex, utf8 } from '../../src/crypto/hash.js'
import type { KeyPair } from '../../src/crypto/keys.js'
import { SCALE, decayTo, scorePermille, transportModule, DEFAULT_PARAMS } from '../../src/modules/transport/index.js'
import { Signer, testCity, testKey, tmpDir } from '../helpers/chain.js'

const city = testCity({ citizens: 1, extra: {} })
const rsu1 = testKey('rsu1'), rsu2 = testKey('rsu2')
const [honest, liar, stranger] = [testKey('veh-honest'), testKey('veh-liar'), testKey('veh-unregistered')]
const accounts = (city.genesis.app_state.identity as { accounts: Array<{ pub_key: string; roles: string[] }> }).accounts
accounts.push({ pub_key: toHex(rsu1.publicKey), roles: ['rsu'] }, { pub_key: toHex(rsu2.publicKey), roles: ['rsu'] })
accounts.push({ pub_key: toHex(honest.publicKey), roles: ['vehicle'] }, { pub_key: toHex(liar.publicKey), roles: ['vehicle'] })
;(city.genesis.app_state as Record<string, unknown>).transport = { window_blocks: '2', max_lag_windows: '3', threshold_permille: '400', decay_permille: '900', min_evidence: '2' }

const dir = tmpDir('transport')
const signer = new Signer(city.chainId)
let engine: SoloEngine
let time = 1767225600000n

async function block(txs: Uint8Array[] = []) {
  time += 1000n
  const height = engine.app.info().lastHeight + 1n
  const fin = await engine.app.finalizeBlock({ height, time, txs, proposer: city.validator.publicKey })
  await engine.app.commit()
  return { height, results: fin.results }
}
const q = (path: string, params: Record<string, unknown> = {}) => {
  const r = engine.app.query({ path, data: utf8(JSON.stringify(params)) })
  return { code: r.code, log: r.log, value: r.code === 0 ? JSON.parse(Buffer.from(r.value!).toString('utf8')) : undefined }
}
const rep = (k: KeyPair) => q('transport/reputation', { vehicle: toHex(k.publicKey) }).value
const currentWindow = () => BigInt(q('transport/params').value.current_window)
const root = (n: number) => new Uint8Array(32).fill(n)
const verdicts = (rows: Array<[KeyPair, number, number]>) =>
  rows.map(([k, ok, bad]) => [k.publicKey, ok, bad]).sort((a, b) => compareBytes(a[0] as Uint8Array, b[0] as Uint8Array))
const nonce = (k: KeyPair) => BigInt(q('identity/account', { address: toHex(k.publicKey) }).value.nonce)
/** Signed with the account's nonce on chain (refusals before the handler consume none). */
const tx = (from: KeyPair, value: Record<string, unknown>, n?: bigint) =>
  signer.tx(from, [{ type: 'transport/submit-window', value: value as never }], { nonce: n ?? nonce(from) })
const submit = (from: KeyPair, window: bigint, rows: Array<[KeyPair, number, number]>, r = root(1), n?: bigint) =>
  tx(from, { window, root: r, verdicts: verdicts(rows) }, n)

before(async () => {
  engine = await SoloEngine.open({ dataDir: dir.path, genesis: city.genesis, validatorKey: city.validator, modules: [transportModule()], verifyThreads: 0 })
  await block()
  while (currentWindow() < 2n) await block()
})
after(async () => {
  await engine.stop()
  dir.remove()
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
  let r = await block([submit(rsu1, w, [[honest, 10, 0], [liar, 1, 9]], root(7))])
  assert.equal(r.results[0]!.code, 0, r.results[0]!.log)
  assert.equal(rep(liar).alpha, '100')
  assert.equal(rep(liar).beta, '900')
  assert.equal(rep(liar).flagged, false) // one unit of evidence < min_evidence
  const stored = q('transport/window', { rsu: toHex(rsu1.publicKey), window: w.toString() }).value
  assert.equal(stored.root, toHex(root(7)))
  assert.equal(stored.verdicts.length, 2)

  r = await block([submit(rsu2, w, [[honest, 8, 1], [liar, 0, 10]])])
  assert.equal(r.results[0]!.code, 0, r.results[0]!.log)
  const events = r.results[0]!.events.filter((e) => e.type === 'transport.flagged')
  assert.equal(events.length, 1)
  assert.equal(events[0]!.attributes.find((a) => a.key === 'vehicle')!.value, toHex(liar.publicKey))
  assert.equal(rep(liar).flagged, true)
  assert.ok(Number(rep(liar).score_permille) < 400)
  assert.equal(rep(honest).flagged, false)
  assert.ok(Number(rep(honest).score_permille) > 700)
  assert.deepEqual(q('transport/flagged').value.map((f: { vehicle: string }) => f.vehicle), [toHex(liar.publicKey)])
})

test('a flagged vehicle recovers only through good evidence; old evidence decays', async () => {
  while (currentWindow() < 5n) await block()
  const w = currentWindow() - 1n
  const before = rep(liar)
  const r = await block([submit(rsu1, w, [[liar, 10, 0]]), submit(rsu2, w, [[liar, 10, 0]])])
  assert.deepEqual(r.results.map((x) => x.code), [0, 0])
  const after = rep(liar)
  assert.equal(after.last_window, w.toString())
  assert.ok(BigInt(after.beta) < BigInt(before.beta)) // decayed
  assert.equal(after.flagged, false)
  assert.ok(r.results[0]!.events.some((e) => e.type === 'transport.unflagged')) // one good window from 0.46 → above the threshold
})

test('bad submissions are refused with typed errors and change nothing', async () => {
  const w = () => currentWindow() - 1n // blocks go by: each case aims at the window just closed
  const snapshot = JSON.stringify([rep(honest), rep(liar)])
  const cases: Array<[() => Uint8Array, number]> = [
    [() => submit(rsu1, currentWindow() + 1n, [[honest, 1, 0]]), ErrorCodes.invalid_message], // window not closed (or not even begun)
    [() => submit(rsu1, currentWindow() + 100n, [[honest, 1, 0]]), ErrorCodes.invalid_message], // from the future
    [() => submit(rsu1, 0n, [[honest, 1, 0]]), ErrorCodes.expired], // too old
    [() => submit(rsu1, 1n, [[honest, 1, 0]]), ErrorCodes.expired],
    [() => submit(honest, w(), [[honest, 1, 0]]), ErrorCodes.unauthorized], // a vehicle is no RSU
    [() => submit(rsu1, w(), [[stranger, 0, 5]]), ErrorCodes.unknown_account], // unregistered vehicle
    [() => submit(rsu1, w(), [[rsu2, 0, 5]]), ErrorCodes.unauthorized], // not a vehicle
    [() => tx(rsu1, { window: w(), root: root(1), verdicts: verdicts([[honest, 1, 0], [liar, 0, 1]]).reverse() }), ErrorCodes.invalid_message],
    [() => tx(rsu1, { window: w(), root: root(1), verdicts: [[honest.publicKey, 0, 0]] }), ErrorCodes.invalid_message],
    [() => tx(rsu1, { window: w(), root: new Uint8Array(31), verdicts: [] }), ErrorCodes.invalid_message],
    [() => tx(rsu1, { window: w(), root: root(1), verdicts: [], extra: 1 }), ErrorCodes.invalid_message],
  ]
  for (const [make, code] of cases) {
    const r = await block([make()])
    assert.equal(r.results[0]!.code, code, r.results[0]!.log)
  }
  assert.equal(JSON.stringify([rep(honest), rep(liar)]), snapshot)
  // a duplicate window
  const last = w()
  const ok = await block([submit(rsu1, last, [[honest, 3, 0]])])
  assert.equal(ok.results[0]!.code, 0, ok.results[0]!.log)
  const dup = await block([submit(rsu1, last, [[liar, 0, 3]])])
  assert.equal(dup.results[0]!.code, ErrorCodes.already_exists)
  assert.equal(q('transport/window', { rsu: toHex(rsu2.publicKey), window: '99' }).code, ErrorCodes.not_found)
})

test('genesis refuses out-of-range parameters', () => {
  const m = transportModule()
  assert.throws(() => m.validateGenesis!({ threshold_permille: '1001' }), /threshold_permille/)
  assert.throws(() => m.validateGenesis!({ window_blocks: '0' }), /window_blocks/)
  assert.throws(() => m.validateGenesis!({ decay_permille: 5 }), /decay_permille/)
  m.validateGenesis!(undefined)
})
