import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { compareBytes, toHex } from '../../src/base/bytes.js'
import type { KeyPair } from '../../src/crypto/keys.js'
import { testKey } from '../../src/kit/genesis-builder.js'
import { TestChain } from '../../src/kit/transport-chain.js'

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
  chain = await TestChain.open('lying-rsu', { max_lag_windows: '1', threshold_permille: '400', decay_permille: '950', min_evidence: '2' })
  await block()
  await chain.registerFleet([...drivers, cheat], [a, b, c, liar])
  await block()
})
after(async () => {
  await chain?.close()
})

const standing = (k: KeyPair) => q('transport/rsu-standing', { rsu: toHex(k.publicKey) })

test('an RSU whose verdicts keep disagreeing with its neighbours loses standing and weight; honest drivers stay unflagged; the cheat is flagged', async () => {
  const weights: number[] = []
  for (let w = 0n; w < 10n; w++) {
    const honest = (rsu: KeyPair) => submit(rsu, w, [...drivers.map((d): [KeyPair, number, number] => [d, 10, 0]), [cheat, 1, 9]])
    const lying = submit(liar, w, [...drivers.map((d): [KeyPair, number, number] => [d, 0, 10]), [cheat, 10, 0]])
    const fin = await block([honest(a), honest(b), honest(c), lying])
    assert.deepEqual(fin.results.map((r) => r.code), [0, 0, 0, 0], fin.results.map((r) => r.log).join('; '))
    // all four RSUs are past window w: it settled in this block
    assert.equal(q('transport/params', {}).settled_window, w.toString())
    weights.push(Number(standing(liar).weight_permille))
    if (w === 0n) {
      // the window's evidence is weighted by the standing it earned: the liar's "bad" counts 666/1000
      const d = q('transport/reputation', { vehicle: toHex(drivers[0]!.publicKey) })
      assert.deepEqual([d.alpha, d.beta], ['3000', '666'])
    }
  }
  for (const k of [a, b, c]) {
    assert.ok(Number(standing(k).score_permille) > 800, `honest RSU standing ${standing(k).score_permille}`)
    assert.equal(standing(k).weight_permille, '1000')
  }
  assert.ok(Number(standing(liar).score_permille) < 200, `liar standing ${standing(liar).score_permille}`)
  assert.deepEqual(weights, [666, 506, 412, 350, 306, 274, 248, 228, 212, 198], `liar weight over time ${weights}`)
  for (const d of drivers) {
    const r = q('transport/reputation', { vehicle: toHex(d.publicKey) })
    assert.equal(r.flagged, false)
    assert.ok(Number(r.score_permille) > 700, `driver score ${r.score_permille}`)
  }
  assert.equal(q('transport/reputation', { vehicle: toHex(cheat.publicKey) }).flagged, true)
})

test('with only two RSUs on a vehicle nobody can tell who lies: no standing changes; silent RSUs hold windows open only while they are half or more', async () => {
  const before = [a, liar].map(standing)
  const first = BigInt(q('transport/params', {}).next_window)
  const frontier = () => q('transport/params', {}).settled_window
  // b and c fall silent: two RSUs of four are no majority, nothing settles however far a and the liar go
  for (let w = first; w < first + 3n; w++) {
    const fin = await block([submit(a, w, [[drivers[0]!, 10, 0]]), submit(liar, w, [[drivers[0]!, 0, 10]])])
    assert.deepEqual(fin.results.map((r) => r.code), [0, 0])
  }
  assert.equal(frontier(), (first - 1n).toString())
  // b is back (it heard nobody): three of four are more than max_lag_windows (1) past the first window, which settles
  const fin = await block([submit(b, first + 2n, [])])
  assert.equal(fin.results[0]!.code, 0, fin.results[0]!.log)
  assert.equal(frontier(), first.toString())
  const after = [a, liar].map(standing)
  assert.deepEqual(after.map((s) => [s.alpha, s.beta]), before.map((s) => [s.alpha, s.beta]))
})
