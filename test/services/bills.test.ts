import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { ErrorCodes } from '../../src/base/errors.js'
import { toHex } from '../../src/base/bytes.js'
import type { KeyPair } from '../../src/crypto/keys.js'
import { billsModule, treasuryAddress, DEPARTMENTS } from '../../src/modules/bills/index.js'
import { DAY, serviceChain, sumOfBalances, type ServiceChain } from './helpers.js'

let c: ServiceChain
let alice: KeyPair, bob: KeyPair
const water = () => c.staff.water!
const power = () => c.staff.power!

before(async () => {
  c = await serviceChain([billsModule()], { water: ['water'], power: ['electricity'], tax: ['tax'], parking: ['parking'] })
  ;[alice, bob] = c.city.citizens as [KeyPair, KeyPair]
})
after(async () => c.close())

const issue = (over: Record<string, unknown> = {}) => ({
  type: 'bills/issue',
  value: { department: 'water', citizen: alice.publicKey, amount: 1000n, due_at: c.time + 30n * DAY, service: 'water.supply', reference: 'W-2026-01-0001', ...over },
})
async function issueOk(key: KeyPair, over: Record<string, unknown> = {}): Promise<bigint> {
  const r = await c.run(key, issue(over))
  assert.equal(r.code, 0, r.log)
  return BigInt(r.events.find((e) => e.type === 'bills.issued')!.attributes.find((a) => a.key === 'bill')!.value)
}
const bill = (id: bigint) => c.q('bills/bill', { bill: id.toString() })
const totals = (d: string) => c.q('bills/totals', { department: d })

/** The reconciliation rules, for every department. */
function reconcile() {
  for (const d of DEPARTMENTS) {
    const t = totals(d)
    assert.equal(BigInt(t.treasury_balance), c.balance(treasuryAddress(d)), d)
    assert.equal(BigInt(t.treasury_balance), BigInt(t.collected) - BigInt(t.refunded) - BigInt(t.withdrawn), `${d}: treasury = collected - refunded - withdrawn`)
    assert.equal(BigInt(t.billed), BigInt(t.outstanding) + BigInt(t.collected) - BigInt(t.refunded), `${d}: billed = outstanding + net collected`)
    assert.equal(t.unreconciled, '0', d)
  }
  assert.equal(sumOfBalances(c), c.supply(), 'tokens are conserved: sum of balances = supply')
}

test('a department issues a bill; the citizen pays in parts into the treasury; receipts are queryable', async () => {
  const supply = c.supply()
  const id = await issueOk(water())
  let b = bill(id)
  assert.equal(b.status, 'open')
  assert.equal(b.outstanding, '1000')
  assert.equal(b.treasury, toHex(treasuryAddress('water')))
  const a0 = c.balance(alice)
  let r = await c.run(alice, { type: 'bills/pay', value: { bill: id, department: 'water', amount: 400n } })
  assert.equal(r.code, 0, r.log)
  assert.equal(bill(id).paid, '400')
  r = await c.run(alice, { type: 'bills/pay', value: { bill: id, department: 'water' } }) // the rest
  assert.equal(r.code, 0, r.log)
  b = bill(id)
  assert.equal(b.status, 'paid')
  assert.equal(b.outstanding, '0')
  assert.equal(c.balance(alice), a0 - 1000n)
  assert.equal(c.balance(treasuryAddress('water')), 1000n)
  const receipts = c.q('bills/receipts', { bill: id.toString() }).receipts
  assert.deepEqual(receipts.map((x: any) => [x.kind, x.amount, x.account]), [['payment', '400', toHex(alice.publicKey)], ['payment', '600', toHex(alice.publicKey)]])
  assert.equal(c.q('bills/receipt', { id: `${id}-1` }).amount, '600')
  assert.equal(c.qErr('bills/receipt', { id: `${id}-7` }).code, ErrorCodes.not_found)
  assert.equal(c.q('bills/bills', { citizen: toHex(alice.publicKey) }).bills.length, 1)
  assert.equal(c.supply(), supply)
  const t = totals('water')
  assert.deepEqual([t.bills, t.paid, t.open, t.billed, t.collected, t.outstanding], ['1', '1', '0', '1000', '1000', '0'])
  reconcile()
})

test('bad input is refused with a typed error and changes nothing', async () => {
  const id = await issueOk(water(), { amount: 500n })
  const before = { state: c.state().length, alice: c.balance(alice), bob: c.balance(bob), bill: bill(id), water: totals('water') }
  const cases: Array<[KeyPair, any, number]> = [
    // paying to the wrong treasury
    [alice, { type: 'bills/pay', value: { bill: id, department: 'electricity' } }, ErrorCodes.invalid_request],
    // someone else's bill
    [bob, { type: 'bills/pay', value: { bill: id, department: 'water' } }, ErrorCodes.unauthorized],
    // more than due
    [alice, { type: 'bills/pay', value: { bill: id, department: 'water', amount: 501n } }, ErrorCodes.invalid_request],
    [alice, { type: 'bills/pay', value: { bill: 999n, department: 'water' } }, ErrorCodes.not_found],
    [alice, { type: 'bills/pay', value: { bill: id, department: 'sewage' } }, ErrorCodes.invalid_message],
    [alice, { type: 'bills/pay', value: { bill: id, department: 'water', amount: 0n } }, ErrorCodes.invalid_message],
    [alice, { type: 'bills/pay', value: { bill: id, department: 'water', tip: 1n } }, ErrorCodes.invalid_message],
    // a citizen cannot issue; the electricity clerk cannot issue for water, nor cancel a water bill
    [alice, issue(), ErrorCodes.unauthorized],
    [power(), issue(), ErrorCodes.unauthorized],
    [power(), { type: 'bills/cancel', value: { bill: id, reason: 'not mine' } }, ErrorCodes.unauthorized],
    // cancel or correct without a reason
    [water(), { type: 'bills/cancel', value: { bill: id } }, ErrorCodes.invalid_message],
    [water(), { type: 'bills/cancel', value: { bill: id, reason: '' } }, ErrorCodes.invalid_message],
    [water(), { type: 'bills/correct', value: { bill: id, amount: 10n } }, ErrorCodes.invalid_message],
    [water(), { type: 'bills/correct', value: { bill: id, reason: 'nothing' } }, ErrorCodes.invalid_message],
    // bad bills: due in the past, zero amount, free text reference, unknown account, bad commitment
    [water(), issue({ due_at: c.time - 1n }), ErrorCodes.invalid_request],
    [water(), issue({ amount: 0n }), ErrorCodes.invalid_message],
    [water(), issue({ reference: 'Alice Smith, 12 Elm Street' }), ErrorCodes.invalid_message],
    [water(), issue({ citizen: new Uint8Array(32).fill(7) }), ErrorCodes.unknown_account],
    [water(), issue({ details: new Uint8Array(5) }), ErrorCodes.invalid_message],
    // withdrawing more than the treasury holds, or by another department
    [water(), { type: 'bills/withdraw', value: { department: 'water', to: bob.publicKey, amount: 10n ** 9n, reason: 'x' } }, ErrorCodes.insufficient_funds],
    [power(), { type: 'bills/withdraw', value: { department: 'water', to: bob.publicKey, amount: 1n, reason: 'x' } }, ErrorCodes.unauthorized],
    [water(), { type: 'bills/withdraw', value: { department: 'water', to: treasuryAddress('tax'), amount: 1n, reason: 'x' } }, ErrorCodes.invalid_request],
  ]
  for (const [key, msg, code] of cases) {
    const r = await c.run(key, msg)
    assert.equal(r.code, code, `${JSON.stringify(msg, (_k, v) => (typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? toHex(v) : v))}: ${r.log}`)
  }
  // paying with too little money
  const poor = await issueOk(water(), { citizen: bob.publicKey, amount: 10n ** 12n })
  const r = await c.run(bob, { type: 'bills/pay', value: { bill: poor, department: 'water' } })
  assert.equal(r.code, ErrorCodes.insufficient_funds, r.log)
  assert.deepEqual(bill(id), before.bill)
  assert.equal(c.balance(alice), before.alice)
  assert.equal(c.balance(bob), before.bob)
  const w = totals('water')
  assert.equal(BigInt(w.bills), BigInt(before.water.bills) + 1n)
  assert.equal(w.collected, before.water.collected)
  // paying a paid bill, cancelling a cancelled one: out of order
  await c.run(alice, { type: 'bills/pay', value: { bill: id, department: 'water' } })
  assert.equal((await c.run(alice, { type: 'bills/pay', value: { bill: id, department: 'water', amount: 1n } })).code, ErrorCodes.invalid_state)
  assert.equal((await c.run(water(), { type: 'bills/cancel', value: { bill: poor, reason: 'issued in error' } })).code, 0)
  assert.equal((await c.run(water(), { type: 'bills/cancel', value: { bill: poor, reason: 'again' } })).code, ErrorCodes.invalid_state)
  assert.equal((await c.run(water(), { type: 'bills/correct', value: { bill: poor, reason: 'x', amount: 5n } })).code, ErrorCodes.invalid_state)
  reconcile()
})

test('cancel and correct carry a recorded reason; cancelling refunds what was paid', async () => {
  const id = await issueOk(power(), { department: 'electricity', service: 'power.supply', reference: 'E-77', amount: 900n, citizen: bob.publicKey })
  const b0 = c.balance(bob)
  assert.equal((await c.run(bob, { type: 'bills/pay', value: { bill: id, department: 'electricity', amount: 300n } })).code, 0)
  // correction below what is paid is refused; to 300 the bill becomes paid; back up re-opens it
  assert.equal((await c.run(power(), { type: 'bills/correct', value: { bill: id, reason: 'meter misread', amount: 299n } })).code, ErrorCodes.invalid_request)
  assert.equal((await c.run(power(), { type: 'bills/correct', value: { bill: id, reason: 'meter misread', amount: 300n } })).code, 0)
  assert.equal(bill(id).status, 'paid')
  assert.equal((await c.run(power(), { type: 'bills/correct', value: { bill: id, reason: 'second reading', amount: 700n } })).code, 0)
  assert.equal(bill(id).status, 'open')
  assert.equal(bill(id).outstanding, '400')
  reconcile()
  assert.equal((await c.run(power(), { type: 'bills/cancel', value: { bill: id, reason: 'duplicate of E-76' } })).code, 0)
  const b = bill(id)
  assert.equal(b.status, 'cancelled')
  assert.equal(c.balance(bob), b0, 'the 300 paid came back')
  const changes = c.q('bills/changes', { bill: id.toString() }).changes
  assert.deepEqual(changes.map((x: any) => [x.kind, x.reason, x.old_amount, x.new_amount]), [
    ['correct', 'meter misread', '900', '300'], ['correct', 'second reading', '300', '700'], ['cancel', 'duplicate of E-76', '700', '0'],
  ])
  assert.equal(changes[0].by, toHex(power().publicKey))
  const receipts = c.q('bills/receipts', { bill: id.toString() }).receipts
  assert.deepEqual(receipts.map((x: any) => [x.kind, x.amount]), [['payment', '300'], ['refund', '300']])
  reconcile()
})

test('overdue by block time; a corrected due date clears it; a withdrawal reconciles', async () => {
  const due = c.time + 10n * DAY
  const id = await issueOk(c.staff.tax!, { department: 'tax', service: 'property', reference: 'T-1', amount: 50n, due_at: due })
  const id2 = await issueOk(c.staff.tax!, { department: 'tax', service: 'property', reference: 'T-2', amount: 60n, due_at: due })
  await c.block([], due) // at the due time: not yet overdue
  assert.equal(bill(id).overdue, false)
  assert.equal((await c.run(alice, { type: 'bills/pay', value: { bill: id2, department: 'tax' } }, due + 1n)).code, 0) // paid in the block whose end marks the other one
  const { events } = await c.block([], due + 2n)
  assert.equal(bill(id).overdue, true)
  assert.equal(bill(id2).overdue, false, 'paid bills are not marked')
  assert.equal(events.filter((e) => e.type === 'bills.overdue').length, 0, 'marked once, in the earlier block')
  assert.equal(totals('tax').overdue, '1')
  // late payment is still accepted; the overdue mark stays as history
  assert.equal((await c.run(alice, { type: 'bills/pay', value: { bill: id, department: 'tax', amount: 20n } })).code, 0)
  assert.equal((await c.run(c.staff.tax!, { type: 'bills/correct', value: { bill: id, reason: 'payment plan agreed', due_at: c.time + 30n * DAY } })).code, 0)
  assert.equal(bill(id).overdue, false)
  await c.block([], c.time + 31n * DAY)
  assert.equal(bill(id).overdue, true)
  const to = c.city.authority.publicKey
  assert.equal((await c.run(c.staff.tax!, { type: 'bills/withdraw', value: { department: 'tax', to, amount: 70n, reason: 'transfer to general fund' } })).code, 0)
  assert.equal(totals('tax').withdrawn, '70')
  assert.equal(c.balance(treasuryAddress('tax')), 10n)
  reconcile()
  // a plain bank transfer into a treasury is not a bill payment: it shows as unreconciled
  assert.equal((await c.run(bob, { type: 'bank/send', value: { to: treasuryAddress('tax'), amount: 3n } })).code, 0)
  assert.equal(totals('tax').unreconciled, '3')
})
