import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { IsolationForest, cFactor, quantile } from '../../src/transport/iforest.js'
import { FEATURES, ReceiverAnalyser } from '../../src/transport/analyser.js'
import { simulate } from '../../src/transport/sim.js'
import { listReceiverFiles, readLog } from '../../src/transport/veremi.js'
import { Rng } from '../../src/util/rng.js'

const root = mkdtempSync(join(tmpdir(), 'polis-iforest-'))
after(() => rmSync(root, { recursive: true, force: true }))
const grid = { blocks: 4, blockLength: 200 }

test('isolation forest: c(n), seeded reproducibility, an isolated point scores high', () => {
  assert.equal(cFactor(1), 0)
  assert.equal(cFactor(2), 1)
  assert.ok(Math.abs(cFactor(256) - 10.2448) < 1e-3)
  const rng = new Rng(9)
  const data = Array.from({ length: 2000 }, () => [rng.gauss(), rng.gauss()])
  const f1 = new IsolationForest(data, { seed: 4, trees: 50 })
  const f2 = new IsolationForest(data, { seed: 4, trees: 50 })
  assert.equal(f1.score([0.1, -0.2]), f2.score([0.1, -0.2]))
  assert.ok(f1.score([8, 8]) > 0.7, `outlier ${f1.score([8, 8])}`)
  assert.ok(f1.score([0, 0]) < 0.5, `inlier ${f1.score([0, 0])}`)
  assert.equal(quantile([5, 1, 3, 2, 4], 0.8), 4)
  assert.throws(() => new IsolationForest([]))
})

test('trained on benign traffic residuals: a few benign false alarms at the 99.9 % quantile; a teleport ranks above 95 % of benign beacons', () => {
  simulate({ seed: 21, vehicles: 15, duration: 30, attackerShare: 0 }, join(root, 'benign'))
  const feats: number[][] = []
  for (const r of listReceiverFiles(join(root, 'benign'))) {
    const a = new ReceiverAnalyser({ grid, onFeatures: (f) => feats.push(f) })
    for (const e of readLog(r.file)) a.push(e)
  }
  assert.ok(feats.length > 1000)
  assert.equal(feats[0]!.length, FEATURES.length)
  const forest = new IsolationForest(feats, { seed: 1, trees: 60 })
  const scores = feats.map((f) => forest.score(f))
  const th = quantile(scores, 0.999)
  assert.ok(scores.filter((s) => s > th).length / scores.length <= 0.001)
  // distance 250 m, a 400 m jump beyond reach, 400 m kinematic residual, 2 m/s², 12 m/s, 90 m off road:
  // with honest noise (GPS glitches, hard braking) in the training data, such a teleport ranks
  // above 95 % of benign beacons but no longer above the 99.9 % quantile (docs/TRANSPORT.md)
  const teleport = forest.score([250, 400, 400, 2, 12, 90, 1, 0])
  assert.ok(teleport > quantile(scores, 0.95), `teleport ${teleport}`)
  assert.ok(teleport > forest.score([150, 0, 2, 0.5, 12, 0, 1, 0]), 'a teleport is more anomalous than an ordinary beacon')
  // the analyser reports the learned verdict beside the checks
  const a = new ReceiverAnalyser({ grid, outlier: (f) => forest.score(f) > th })
  a.push({ type: 2, rcvTime: 0, pos: [0, 0, 0], pos_noise: [0, 0, 0], spd: [0, 0, 0], spd_noise: [0, 0, 0] })
  const v = a.push({ type: 3, rcvTime: 1, sendTime: 1, sender: 5, messageID: 1, pos: [0, 100, 0], pos_noise: [0, 0, 0], spd: [0, 10, 0], spd_noise: [0, 0, 0], RSSI: 0 })!
  assert.equal(typeof v.outlier, 'boolean')
})
