/** Energy trading: meters, orders with escrow, the uniform-price auction at slot close, settlement by meter readings. */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { ErrorCodes } from '../../src/base/errors.js'
import { toHex } from '../../src/base/bytes.js'
import type { KeyPair } from '../../src/crypto/keys.js'
import type { Msg } from '../../src/app/tx.js'
import { ESCROW_ADDRESS, MAX_ENERGY_WH, energyModule } from '../../src/modules/energy/index.js'
import { clearAuction } from '../../src/modules/energy/auction.js'
import { testKey } from '../../src/kit/genesis-builder.js'
import { serviceChain, sumOfBalances, type ServiceChain } from './helpers.js'

const SLOT_MS = 60_000n
let c: ServiceChain
let alice: KeyPair, bob: KeyPair, carol: KeyPair, poor: KeyPair
const meterA = testKey('energy-test/meter/alice')
const clerk = () => c.staff.energy!

before(async () => {
  c = await serviceChain([energyModule()], { energy: ['energy'], auth: ['authority'] }, { citizens: 4, balance: 100_000n, appState: { energy: { slot_ms: SLOT_MS.toString(), settle_ms: SLOT_MS.toString() } } })
  ;[alice, bob, carol, poor] = c.city.citizens as [KeyPair, KeyPair, KeyPair, KeyPair]
  // leave `poor` with 10 tokens
  const r = await c.run(poor, { type: 'bank/send', value: { to: alice.publicKey, amount: 99_990n } })
  assert.equal(r.code, 0, r.log)
})
after(async () => c.close())

const slotOf = (t: bigint) => t / SLOT_MS
const startOf = (s: bigint) => s * SLOT_MS
const order = (side: 'bid' | 'offer', slot: bigint, energy_wh: bigint | number, price: bigint | number, meter?: Uint8Array): Msg =>
  ({ type: 'energy/' + side, value: { slot, energy_wh, price, ...(meter ? { meter } : {}) } })

/** Energy and bank state, to check that a refusal changed nothing. */
function snapshot(): string {
  return c.state().filter(([k]) => { const s = Buffer.from(k).toString('latin1'); return s.startsWith('energy/') || s.startsWith('bank/') })
    .map(([k, v]) => toHex(k) + '=' + toHex(v)).join('\n')
}
async function refused(key: KeyPair, msg: Msg, code: number, time?: bigint) {
  const before = snapshot()
  const r = await c.run(key, msg, time)
  assert.equal(r.code, code, `${msg.type}: expected code ${code}, got ${r.code} ${r.log}`)
  assert.equal(snapshot(), before, `${msg.type} refused but state changed`)
}
const escrow = () => c.balance(ESCROW_ADDRESS)

test('the energy department registers meters; others cannot', async () => {
  await refused(alice, { type: 'energy/register-meter', value: { meter: meterA.publicKey, owner: alice.publicKey } }, ErrorCodes.unauthorized)
  await refused(c.staff.auth!, { type: 'energy/register-meter', value: { meter: meterA.publicKey, owner: alice.publicKey } }, ErrorCodes.unauthorized)
  const r = await c.run(clerk(), { type: 'energy/register-meter', value: { meter: meterA.publicKey, owner: alice.publicKey } })
  assert.equal(r.code, 0, r.log)
  assert.equal(c.q('energy/meter', { meter: toHex(meterA.publicKey) }).owner, toHex(alice.publicKey))
  assert.deepEqual(c.q('identity/account', { address: toHex(meterA.publicKey) }).roles, ['meter'])
  await refused(clerk(), { type: 'energy/register-meter', value: { meter: meterA.publicKey, owner: bob.publicKey } }, ErrorCodes.already_exists)
})

test('a slot clears at one uniform price; escrow beyond cost is refunded; delivery is paid, shortfalls refunded pro rata', async () => {
  const supply = c.supply()
  const slot = slotOf(c.time) + 2n
  const a0 = c.balance(alice), b0 = c.balance(bob), k0 = c.balance(carol)
  let r = await c.run(alice, order('offer', slot, 5000, 100, meterA.publicKey))
  assert.equal(r.code, 0, r.log)
  r = await c.run(bob, order('bid', slot, 3000, 150)) // escrow ceil(3000*150/1000) = 450
  assert.equal(r.code, 0, r.log)
  r = await c.run(carol, order('bid', slot, 4000, 120)) // escrow 480
  assert.equal(r.code, 0, r.log)
  assert.equal(c.balance(bob), b0 - 450n)
  assert.equal(escrow(), 930n)
  // the slot starts: cleared at the end of the first block at or after its start
  await c.block([], startOf(slot))
  const s = c.q('energy/slot', { slot: slot.toString() })
  // bob 3000 and carol 2000 against alice's 5000; marginal pair (120, 100) -> price 110
  assert.deepEqual([s.status, s.price, s.volume_wh, s.pot], ['cleared', '110', '5000', '550'])
  assert.equal(c.balance(bob), b0 - 330n, 'bob pays ceil(3000*110/1000) = 330')
  assert.equal(c.balance(carol), k0 - 220n, 'carol matched 2000 Wh: pays 220, 260 back')
  assert.equal(escrow(), 550n)
  // orders after close are refused
  await refused(bob, order('bid', slot, 100, 200), ErrorCodes.expired)
  // a reading before the delivery interval is over is refused
  await refused(meterA, { type: 'energy/reading', value: { slot, exported_wh: 4000, imported_wh: 0 } }, ErrorCodes.invalid_request, startOf(slot) + 2000n)
  r = await c.run(meterA, { type: 'energy/reading', value: { slot, exported_wh: 4000, imported_wh: 10 } }, startOf(slot + 1n) + 1000n)
  assert.equal(r.code, 0, r.log)
  await refused(meterA, { type: 'energy/reading', value: { slot, exported_wh: 5000, imported_wh: 0 } }, ErrorCodes.already_exists)
  // the reading window closes settle_ms after the slot's end: settlement
  await c.block([], startOf(slot + 2n))
  const t = c.q('energy/slot', { slot: slot.toString() })
  // alice delivered 4000 of 5000: paid floor(4000*110/1000) = 440; the other 110 back 3:2 -> bob 66, carol 44
  assert.deepEqual([t.status, t.delivered_wh, t.paid], ['settled', '4000', '440'])
  assert.equal(c.balance(alice), a0 + 440n)
  assert.equal(c.balance(bob), b0 - 330n + 66n)
  assert.equal(c.balance(carol), k0 - 220n + 44n)
  assert.equal(escrow(), 0n)
  assert.equal(c.supply(), supply)
  assert.equal(sumOfBalances(c), supply)
  const tot = c.q('energy/totals')
  assert.equal(tot.held, '0')
  assert.equal(tot.escrow_balance, '0')
  // readings after settlement are refused
  await refused(meterA, { type: 'energy/reading', value: { slot: slot + 1n, exported_wh: 1, imported_wh: 0 } }, ErrorCodes.expired, startOf(slot + 3n))
})

test('bad orders are refused with typed errors and change nothing', async () => {
  const slot = slotOf(c.time) + 2n
  await refused(poor, order('bid', slot, 1000, 100), ErrorCodes.insufficient_funds) // escrow 100 > balance 10
  await refused(bob, order('bid', slot, 0, 100), ErrorCodes.invalid_message)
  await refused(bob, order('bid', slot, -5, 100), ErrorCodes.invalid_message)
  await refused(bob, order('bid', slot, 1000, 0), ErrorCodes.invalid_message)
  await refused(bob, order('bid', slot, MAX_ENERGY_WH + 1n, 1), ErrorCodes.overflow)
  await refused(bob, order('bid', slot, 1000, 10n ** 15n), ErrorCodes.overflow)
  await refused(bob, order('bid', slot - 3n, 1000, 10), ErrorCodes.expired) // a past slot
  await refused(bob, order('offer', slot, 1000, 10, meterA.publicKey), ErrorCodes.unauthorized) // alice's meter
  await refused(bob, order('offer', slot, 1000, 10), ErrorCodes.invalid_message) // no meter
  await refused(bob, { type: 'energy/bid', value: { slot, energy_wh: 1, price: 1, meter: meterA.publicKey } }, ErrorCodes.invalid_message)
  await refused(meterA, order('bid', slot, 10, 10), ErrorCodes.unauthorized) // a meter does not trade
})

test('a bid can be cancelled before the slot closes, and its escrow comes back', async () => {
  const slot = slotOf(c.time) + 2n
  const b0 = c.balance(bob)
  const r = await c.run(bob, order('bid', slot, 2000, 50))
  assert.equal(r.code, 0, r.log)
  const id = r.events.find((e) => e.type === 'energy.bid')!.attributes.find((a) => a.key === 'order')!.value
  assert.equal(c.balance(bob), b0 - 100n)
  await refused(carol, { type: 'energy/cancel', value: { order: BigInt(id) } }, ErrorCodes.unauthorized)
  const k = await c.run(bob, { type: 'energy/cancel', value: { order: BigInt(id) } })
  assert.equal(k.code, 0, k.log)
  assert.equal(c.balance(bob), b0)
  assert.equal(c.q('energy/order', { id }).status, 'cancelled')
  await refused(bob, { type: 'energy/cancel', value: { order: BigInt(id) } }, ErrorCodes.invalid_state)
})

test('readings from an unregistered key, a non-meter or a revoked meter are refused; a duplicate reading too', async () => {
  const stranger = testKey('energy-test/stranger-meter')
  const past = slotOf(c.time) - 1n
  const before = snapshot()
  const { results } = await c.block([c.signer.tx(stranger, [{ type: 'energy/reading', value: { slot: past, exported_wh: 5, imported_wh: 0 } }], { nonce: 0n })])
  assert.equal(results[0]!.code, ErrorCodes.unknown_account, results[0]!.log)
  assert.equal(snapshot(), before)
  await refused(alice, { type: 'energy/reading', value: { slot: past, exported_wh: 5, imported_wh: 0 } }, ErrorCodes.unauthorized)
  const meterB = testKey('energy-test/meter/bob')
  let r = await c.run(clerk(), { type: 'energy/register-meter', value: { meter: meterB.publicKey, owner: bob.publicKey } })
  assert.equal(r.code, 0, r.log)
  const slot = slotOf(c.time) - 1n // ended, reading window open
  r = await c.run(meterB, { type: 'energy/reading', value: { slot, exported_wh: 7, imported_wh: 0 } })
  assert.equal(r.code, 0, r.log)
  await refused(meterB, { type: 'energy/reading', value: { slot, exported_wh: 8, imported_wh: 0 } }, ErrorCodes.already_exists)
  r = await c.run(clerk(), { type: 'energy/revoke-meter', value: { meter: meterB.publicKey, reason: 'tampered seal' } })
  assert.equal(r.code, 0, r.log)
  await refused(meterB, { type: 'energy/reading', value: { slot: slot + 1n, exported_wh: 1, imported_wh: 0 } }, ErrorCodes.account_revoked, startOf(slot + 2n) + 1000n)
  await refused(bob, order('offer', slotOf(c.time) + 2n, 100, 10, meterB.publicKey), ErrorCodes.account_revoked)
  assert.equal(c.q('energy/meter', { meter: toHex(meterB.publicKey) }).status, 'revoked')
})

test('tie-breaking: at equal price the earlier order (lower id) is filled first', () => {
  const r = clearAuction(
    [{ id: 5n, price: 100n, energyWh: 10n }, { id: 2n, price: 100n, energyWh: 10n }, { id: 9n, price: 90n, energyWh: 10n }],
    [{ id: 7n, price: 80n, energyWh: 5n }, { id: 3n, price: 80n, energyWh: 10n }],
  )
  assert.equal(r.volumeWh, 15n)
  assert.equal(r.fills.get(2n), 10n) // bid 2 before bid 5 at the same price
  assert.equal(r.fills.get(5n), 5n)
  assert.equal(r.fills.get(9n), undefined)
  assert.equal(r.fills.get(3n), 10n) // offer 3 before offer 7 at the same price
  assert.equal(r.fills.get(7n), 5n)
  assert.equal(r.price, 90n) // midpoint of the marginal bid 100 and offer 80
  assert.equal(clearAuction([{ id: 1n, price: 10n, energyWh: 5n }], [{ id: 2n, price: 11n, energyWh: 5n }]).price, null)
})
