import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { compareBytes, toHex } from '../../src/base/bytes.js'
import type { KeyPair } from '../../src/crypto/keys.js'
import { testKey } from '../helpers/chain.js'
import { TestChain } from './engine-port.js'

// three honest RSUs and one that reports every honest driver as misbehaving; a fifth RSU alone
// with one other on a vehicle (no majority there)
const [a, b, c, liar] = ['a', 'b', 'c', 'liar'].map((n) => testKey(`rsu-${n}`)) as [KeyPair, KeyPair, KeyPair, KeyPair]
const drivers = [0, 1, 2, 3].map((i) => testKey(`driver-${i}`))
const cheat = testKey('driver-cheat')
let chain: TestChain

const block = async (txs: Uint8Array[] = []) => ({ results: await chain.block(txs) })
const q = (path: string, params: Record<string, unknown>) => chain.q(path, params)
const submit = (rsu: KeyPair, window: bigint, rows: Array<[KeyPair, number, number]>) =>
  chain.tx(rsu, [{ type: 'transport/submit-window', value: {
    window, root: new Uint8Array(32).fill(1),
    verdicts: rows.map(([k, ok, bad]) => [k.publicKey, ok, bad]).sort((x, y) => compareBytes(x[0] as Uint8Array, y[0] as Uint8Array)),
  } }])

before(async () => {
  chain = await TestChain.open('lying-rsu', { window_blocks: '1', max_lag_windows: '1', threshold_permille: '400', decay_permille: '950', min_evidence: '2' })
  await block()
  await chain.registerFleet([...drivers, cheat], [a, b, c, liar])
  await block()
})
after(async () => {
  await chain?.close()
})

test('an RSU whose verdicts keep disagreeing with its neighbours loses standing and weight; honest drivers stay unflagged; the cheat is flagged', async () => {
  const weights: number[] = []
  for (let i = 0; i < 10; i++) {
    const w = chain.height // the window just closed when the next block runs (window_blocks = 1)
    const honest = (rsu: KeyPair) => submit(rsu, w, [...drivers.map((d): [KeyPair, number, number] => [d, 10, 0]), [cheat, 1, 9]])
    const lying = submit(liar, w, [...drivers.map((d): [KeyPair, number, number] => [d, 0, 10]), [cheat, 10, 0]])
    const fin = await block([honest(a), honest(b), honest(c), lying])
    assert.deepEqual(fin.results.map((r) => r.code), [0, 0, 0, 0], fin.results.map((r) => r.log).join('; '))
    weights.push(Number(q('transport/rsu-standing', { rsu: toHex(liar.publicKey) }).weight_permille))
  }
  await block()
  await block() // the last windows settle
  const standing = (k: KeyPair) => q('transport/rsu-standing', { rsu: toHex(k.publicKey) })
  for (const k of [a, b, c]) {
    assert.ok(Number(standing(k).score_permille) > 800, `honest RSU standing ${standing(k).score_permille}`)
    assert.equal(standing(k).weight_permille, '1000')
  }
  assert.ok(Number(standing(liar).score_permille) < 200, `liar standing ${standing(liar).score_permille}`)
  assert.ok(weights[0]! === 1000 && weights[weights.length - 1]! < 400, `liar weight over time ${weights}`)
  for (let i = 1; i < weights.length; i++) assert.ok(weights[i]! <= weights[i - 1]!)
  for (const d of drivers) {
    const r = q('transport/reputation', { vehicle: toHex(d.publicKey) })
    assert.equal(r.flagged, false)
    assert.ok(Number(r.score_permille) > 700, `driver score ${r.score_permille}`)
  }
  assert.equal(q('transport/reputation', { vehicle: toHex(cheat.publicKey) }).flagged, true)
})

test('with only two RSUs on a vehicle nobody can tell who lies: no standing changes', async () => {
  const before = [a, liar].map((k) => q('transport/rsu-standing', { rsu: toHex(k.publicKey) }))
  const w = chain.height
  const fin = await block([submit(a, w, [[drivers[0]!, 10, 0]]), submit(liar, w, [[drivers[0]!, 0, 10]])])
  assert.deepEqual(fin.results.map((r) => r.code), [0, 0])
  await block()
  await block()
  const after = [a, liar].map((k) => q('transport/rsu-standing', { rsu: toHex(k.publicKey) }))
  assert.deepEqual(after.map((s) => [s.alpha, s.beta]), before.map((s) => [s.alpha, s.beta]))
  // and the settled window's per-vehicle shares are pruned from state
  const left = [...chain.engine.app.stateReader().iterate()].filter(([k]) => Buffer.from(k).toString('latin1').startsWith('transport/v'))
  assert.equal(left.length, 0)
})
