import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { evaluateDir, meanStd, scores, tally } from '../../src/transport/eval.js'
import { simulate } from '../../src/transport/sim.js'
import { AttackerType, GROUND_TRUTH_FILE, extensionCodes, listReceiverFiles, readGroundTruth, receiverFileName } from '../../src/transport/veremi.js'

const root = mkdtempSync(join(tmpdir(), 'polis-transport-'))
after(() => rmSync(root, { recursive: true, force: true }))
const grid = { blocks: 4, blockLength: 200 }

test('scores: precision, recall, F1 from counts; empty denominators give 0', () => {
  assert.deepEqual(scores({ tp: 3, fp: 1, tn: 4, fn: 1 }), { precision: 0.75, recall: 0.75, f1: 0.75 })
  assert.deepEqual(scores({ tp: 0, fp: 0, tn: 5, fn: 0 }), { precision: 0, recall: 0, f1: 0 })
  const t = tally(new Map([[1, 0], [2, 1], [3, 4], [4, 0]]), [
    { messageID: 1, flagged: true }, { messageID: 2, flagged: true }, { messageID: 3, flagged: false }, { messageID: 4, flagged: false }, { messageID: 99, flagged: true },
  ])
  assert.deepEqual(t.total, { tp: 1, fp: 1, tn: 1, fn: 1 })
  assert.deepEqual(t.byClass.get(1), { tp: 1, fn: 0, fp: 1, tn: 1 })
  assert.deepEqual(t.byClass.get(4), { tp: 0, fn: 1, fp: 1, tn: 1 })
  assert.equal(t.unlabelled, 1)
  const m = meanStd([1, 2, 3])
  assert.equal(m.mean, 2)
  assert.equal(m.std, 1)
})

test('evaluator: a hand-written VeReMi directory gives the known TP/FP/TN/FN and scores', () => {
  const dir = join(root, 'hand')
  mkdirSync(dir)
  const own = (t: number) => ({ type: 2, rcvTime: t, pos: [0, 0, 0], pos_noise: [1, 1, 0], spd: [0, 0, 0], spd_noise: [0, 0, 0] })
  const r = (t: number, sender: number, messageID: number, pos: number[], spd: number[]) =>
    ({ type: 3, rcvTime: t, sendTime: t, sender, messageID, pos: [...pos, 0], pos_noise: [1, 1, 0], spd: [...spd, 0], spd_noise: [0, 0, 0], RSSI: 1e-9 })
  const lines = [
    own(0),
    r(1, 1, 1, [100, 0], [10, 0]), // genuine → TN
    r(1, 2, 2, [1000, 0], [10, 0]), // constant position, out of range → TP
    r(1, 3, 3, [200, 0], [10, 0]), // random position, plausible first claim → FN
    r(1, 4, 4, [150, 0], [0, 0]), // genuine → TN
    own(1),
    r(2, 1, 5, [110, 0], [10, 0]), // TN
    r(2, 2, 6, [1000, 0], [10, 0]), // TP
    r(2, 3, 7, [0, 250], [10, 0]), // jump → TP
    r(2, 4, 8, [150, 0], [20, 0]), // genuine but 20 m/s² → FP
    r(3, 1, 9, [120, 0], [10, 0]), // TN
    r(3, 1, 99, [130, 0], [10, 0]), // not in the ground truth: unlabelled
    'garbage line',
  ]
  writeFileSync(join(dir, receiverFileName(0, 10, 0)), lines.map((l) => typeof l === 'string' ? l : JSON.stringify(l)).join('\n') + '\n')
  const truth = [[1, 1, 0], [2, 2, 1], [3, 3, 4], [4, 4, 0], [5, 1, 0], [6, 2, 1], [7, 3, 4], [8, 4, 0], [9, 1, 0]]
  writeFileSync(join(dir, GROUND_TRUTH_FILE), truth.map(([id, sender, a]) => JSON.stringify({ type: 4, time: 1, sender, attackerType: a, messageID: id, pos: [0, 0, 0], spd: [0, 0, 0] })).join('\n') + '\n')

  const rep = evaluateDir(dir)
  assert.equal(rep.receivers, 1)
  assert.equal(rep.messages, 10)
  assert.equal(rep.unlabelled, 1)
  assert.deepEqual({ tp: rep.total.tp, fp: rep.total.fp, tn: rep.total.tn, fn: rep.total.fn }, { tp: 3, fp: 1, tn: 4, fn: 1 })
  assert.equal(rep.total.f1, 0.75)
  const [constPos, randomPos] = rep.classes
  assert.equal(constPos!.name, 'constPos')
  assert.deepEqual([constPos!.tp, constPos!.fn, constPos!.fp, constPos!.tn], [2, 0, 1, 4])
  assert.ok(Math.abs(constPos!.f1 - 0.8) < 1e-12)
  assert.equal(randomPos!.name, 'randomPos')
  assert.deepEqual([randomPos!.precision, randomPos!.recall, randomPos!.f1], [0.5, 0.5, 0.5])
})

test('ground truth: VeReMi extension attacker numbers map onto Polis codes', () => {
  const f = join(root, 'ext-gt.json')
  writeFileSync(f, [3, 9, 16].map((a, i) => JSON.stringify({ type: 4, messageID: i + 1, attackerType: a })).join('\n'))
  const gt = readGroundTruth(f, extensionCodes)
  assert.deepEqual([...gt.values()], [AttackerType.randomPos, AttackerType.eventualStop, AttackerType.sybil])
})

test('simulator: deterministic per seed, VeReMi layout, attacker share honoured', () => {
  const cfg = { seed: 42, vehicles: 20, duration: 30, attack: 'randomPos' as const, attackerShare: 0.2 }
  const a = simulate(cfg, join(root, 'a'))
  const b = simulate(cfg, join(root, 'b'))
  const c = simulate({ ...cfg, seed: 43 }, join(root, 'c'))
  assert.equal(a.attackers.length, 4)
  assert.deepEqual(a.attackers, b.attackers)
  for (const name of readdirSync(join(root, 'a'))) assert.equal(readFileSync(join(root, 'a', name), 'utf8'), readFileSync(join(root, 'b', name), 'utf8'), name)
  assert.notEqual(readFileSync(join(root, 'a', GROUND_TRUTH_FILE), 'utf8'), readFileSync(join(root, 'c', GROUND_TRUTH_FILE), 'utf8'))
  const files = listReceiverFiles(join(root, 'a'))
  assert.equal(files.length, 20)
  assert.equal(files.filter((f) => f.attackerType === AttackerType.randomPos).length, 4)
  const first = readFileSync(files[0]!.file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l))
  assert.ok(first.some((e) => e.type === 2) && first.some((e) => e.type === 3))
  const gt = readGroundTruth(join(root, 'a', GROUND_TRUTH_FILE))
  assert.equal(gt.size, a.messages)
})

test('simulated city: the plausibility checks score the position attacks; genuine traffic raises no alarm', () => {
  const run = (attack: 'constPos' | 'randomPos' | 'randomPosOffset' | 'randomSpeed', sticky = false) => {
    const dir = join(root, `sim-${attack}`)
    simulate({ seed: 5, vehicles: 25, duration: 40, attack, attackerShare: 0.2 }, dir)
    return evaluateDir(dir, { grid, sticky })
  }
  for (const attack of ['constPos', 'randomPos', 'randomPosOffset'] as const) {
    const r = run(attack)
    assert.ok(r.total.f1 >= 0.95, `${attack}: F1 ${r.total.f1}`)
  }
  assert.ok(run('randomSpeed', true).total.f1 >= 0.9)
  simulate({ seed: 5, vehicles: 25, duration: 40, attack: 'constPos', attackerShare: 0 }, join(root, 'benign'))
  const benign = evaluateDir(join(root, 'benign'), { grid })
  assert.equal(benign.total.tp + benign.total.fn, 0)
  assert.ok(benign.total.fp / benign.messages < 0.01, `false-positive rate ${benign.total.fp / benign.messages}`)
})

