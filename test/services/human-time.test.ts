/** Times and durations for people (src/base/human-time.ts): ISO 8601 instants, durations in their two largest units. */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { humanDuration, isoMs, relativeTo } from '../../src/base/human-time.js'

test('instants in ISO 8601, durations for people, relative to a given time (no clock)', () => {
  assert.equal(isoMs(1796395500000n), '2026-12-04T14:45:00Z')
  assert.equal(isoMs('1796395500123'), '2026-12-04T14:45:00.123Z')
  assert.equal(isoMs(1e20), '100000000000000000000')
  assert.equal(humanDuration(250n), '250 ms')
  assert.equal(humanDuration(250_000n), '4 min 10 s')
  assert.equal(humanDuration(60_000n), '1 min')
  assert.equal(humanDuration(3_600_000n + 5_000n), '1 h') // the two largest units, and only adjacent ones
  assert.equal(humanDuration(432_000_000n), '5 days')
  assert.equal(humanDuration('604800000'), '7 days')
  assert.equal(humanDuration(86_400_000n + 6n * 3_600_000n), '1 day 6 h')
  assert.equal(relativeTo(1_000_250_000n, 1_000_000_000n), 'in 4 min 10 s')
  assert.equal(relativeTo(1_000_000_000n, 1_000_250_000n), '4 min 10 s ago')
  assert.equal(relativeTo(5n, 5n), 'now')
})
