/** `polis simulate services` on a small seeded city: the report's invariants, read back from chain state. */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { simulateServices } from '../../src/services/simulate.js'
import { cli } from '../helpers/cli.js'

test('23 seeded days of a small city: bills reconcile with the bank, complaints add up, energy and tokens are conserved; same seed, same app hash', async () => {
  const o = { seed: 3, citizens: 40, days: 23 }
  const r = await simulateServices(o)
  assert.equal(r.blocks, o.days * 24)
  // bills: every bill is paid or unpaid (none cancelled here); treasuries match the bank to the token
  assert.ok(r.bills.issued >= 2 * o.citizens, 'water and electricity bill everyone')
  assert.equal(r.bills.paidInFull + r.bills.unpaid, r.bills.issued)
  assert.ok(r.bills.paidLate > 0 && r.bills.overdueMarked > 0, `late payers exist past the due date (day 21): ${JSON.stringify(r.bills)}`)
  assert.ok(r.bills.overdueMarked >= r.bills.unpaid, 'every bill still unpaid after its due date is marked overdue')
  for (const d of r.bills.departments) {
    assert.ok(d.reconciled, `${d.department}: treasury = collected - refunded - withdrawn`)
    assert.equal(BigInt(d.treasury), BigInt(d.collected))
    assert.equal(BigInt(d.billed), BigInt(d.collected) + BigInt(d.outstanding))
  }
  // complaints: every filed request is resolved, rejected or open; breaches never exceed filings
  const c = r.complaints
  assert.ok(c.filed > 0)
  assert.equal(c.resolved + c.rejected + c.open, c.filed)
  assert.ok(c.slaBreaches <= c.filed)
  assert.equal(c.services.reduce((s, x) => s + x.filed, 0), c.filed)
  assert.equal(c.services.reduce((s, x) => s + x.breaches, 0), c.slaBreaches)
  // energy: delivered <= matched <= offered; escrow = escrowed - paid - refunded
  const e = r.energy
  assert.ok(e.slotsCleared > 0 && e.slotsSettled > 0)
  assert.ok(BigInt(e.deliveredWh) <= BigInt(e.matchedWh) && BigInt(e.matchedWh) <= BigInt(e.offeredWh))
  assert.ok(BigInt(e.deliveredWh) > 0n)
  assert.equal(BigInt(e.escrowLeft), BigInt(e.escrowed) - BigInt(e.paid) - BigInt(e.refunded))
  assert.ok(r.conservation.conserved, `supply ${r.conservation.supply} = sum of balances ${r.conservation.sumOfBalances}`)
  assert.ok(r.vehicles.registered > 0)
  // deterministic: the same seed gives the same chain
  const again = await simulateServices(o)
  assert.equal(again.appHash, r.appHash)
  assert.deepEqual(again, r)
})

test('polis simulate services prints the report (and --json the same figures)', async () => {
  const human = await cli(['simulate', 'services', '--citizens', '12', '--days', '2', '--seed', '5'])
  assert.equal(human.code, 0, human.stderr)
  assert.match(human.stdout, /A city of 12 citizens, 2 days \(seed 5\): 48 blocks/)
  assert.match(human.stdout, /water\s+billed\s+\d+\s+collected\s+\d+.*reconciled with the bank/)
  assert.match(human.stdout, /Tokens: supply (\d+), sum of balances \1: conserved/)
  const json = await cli(['--json', 'simulate', 'services', '--citizens', '12', '--days', '2', '--seed', '5'])
  const r = JSON.parse(json.stdout)
  assert.equal(r.blocks, 48)
  assert.ok(human.stdout.includes(r.appHash), 'the same seed, the same chain')
  const bad = await cli(['simulate', 'services', '--days', '0'])
  assert.equal(bad.code, 1)
  assert.match(bad.stderr, /--days must be an integer from 1 to 62 \(got "0"\) \[invalid_request, code 16\]/)
})
