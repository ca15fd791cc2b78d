import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ATTACKS, evaluateSiem, simulateSiem } from '../../src/agents/siem/sim.js'
import { testKey } from '../../src/kit/genesis-builder.js'

test('simulated fleet: every scripted attack is detected, benign traffic raises no alert, on 3 seeds', () => {
  for (const seed of [1, 2, 3]) {
    const sim = simulateSiem({ seed, devices: 30, durationMs: 200_000 })
    assert.deepEqual(simulateSiem({ seed, devices: 30, durationMs: 200_000 }).lines.length, sim.lines.length, 'deterministic')
    const ev = evaluateSiem(sim, testKey('siem/sim'))
    assert.equal(ev.falsePositives, 0, `seed ${seed}`)
    assert.deepEqual(ev.attacks.map((a) => a.kind), [...ATTACKS])
    for (const a of ev.attacks) {
      assert.ok(a.detected, `seed ${seed}: ${a.id} not detected`)
      assert.ok(a.timeToAlertMs !== null && a.timeToAlertMs >= 0 && a.timeToAlertMs < 10_000, `${a.id}: ${a.timeToAlertMs}`)
    }
  }
})
