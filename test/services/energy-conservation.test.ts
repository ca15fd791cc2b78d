/**
 * Conservation of tokens and energy in the energy market, as properties over random order books
 * and meter readings (fast-check):
 *  - the auction: both sides match the same volume, no order is overfilled, one price between
 *    every matched limit, and no crossing orders are left unmatched;
 *  - settlement: payouts + refunds = pot, delivered ≤ matched ≤ offered;
 *  - on a chain: after every block, escrow + balances = supply; escrow holds exactly the open bids'
 *    escrow plus the unsettled pots; when all slots are settled the escrow is empty; and the same
 *    blocks replayed give the same app hash.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { toHex } from '../../src/base/bytes.js'
import type { KeyPair } from '../../src/crypto/keys.js'
import { ESCROW_ADDRESS, energyModule } from '../../src/modules/energy/index.js'
import { clearAuction, costCeil, type BookOrder } from '../../src/modules/energy/auction.js'
import { settleSlot } from '../../src/modules/energy/settlement.js'
import { testKey } from '../../src/kit/genesis-builder.js'
import { serviceChain, sumOfBalances } from './helpers.js'

const orderArb = fc.record({ price: fc.bigInt({ min: 1n, max: 500n }), energyWh: fc.bigInt({ min: 1n, max: 20_000n }) })
const bookArb = fc.tuple(fc.array(orderArb, { maxLength: 60 }), fc.array(orderArb, { maxLength: 60 }))

function ids(side: Array<{ price: bigint; energyWh: bigint }>, base: bigint): BookOrder[] {
  return side.map((o, i) => ({ id: base + BigInt(i), ...o }))
}

test('auction: equal volume on both sides, no overfill, one price within every matched limit, nothing crossing left', () => {
  fc.assert(fc.property(bookArb, ([b, o]) => {
    const bids = ids(b, 1n)
    const offers = ids(o, 1000n)
    const r = clearAuction(bids, offers)
    let sb = 0n
    let so = 0n
    for (const x of bids) {
      const f = r.fills.get(x.id) ?? 0n
      assert.ok(f <= x.energyWh)
      if (f > 0n) assert.ok(x.price >= r.price!, 'a buyer never pays above its limit')
      sb += f
    }
    for (const x of offers) {
      const f = r.fills.get(x.id) ?? 0n
      assert.ok(f <= x.energyWh)
      if (f > 0n) assert.ok(x.price <= r.price!, 'a seller never receives below its ask')
      so += f
    }
    assert.equal(sb, r.volumeWh)
    assert.equal(so, r.volumeWh)
    // efficiency: the best bid with energy left does not cross the best offer with energy left
    const leftBid = bids.filter((x) => (r.fills.get(x.id) ?? 0n) < x.energyWh).reduce((m, x) => (x.price > m ? x.price : m), -1n)
    const leftOffer = offers.filter((x) => (r.fills.get(x.id) ?? 0n) < x.energyWh).reduce((m, x) => (m < 0n || x.price < m ? x.price : m), -1n)
    if (leftBid >= 0n && leftOffer >= 0n) assert.ok(leftBid < leftOffer, `crossing orders left: bid ${leftBid} >= offer ${leftOffer}`)
  }), { numRuns: 300 })
})

test('settlement: payouts + refunds = pot; delivered <= matched <= offered', () => {
  fc.assert(fc.property(bookArb, fc.array(fc.bigInt({ min: 0n, max: 30_000n }), { minLength: 60, maxLength: 60 }), ([b, o], exports) => {
    const bids = ids(b, 1n)
    const offers = ids(o, 1000n)
    const r = clearAuction(bids, offers)
    if (r.price === null) return
    const buyers = bids.map((x) => ({ id: x.id, matchedWh: r.fills.get(x.id) ?? 0n })).filter((x) => x.matchedWh > 0n)
    const pot = buyers.reduce((s, x) => s + costCeil(x.matchedWh, r.price!), 0n)
    // escrow at posting covers the cost at the clearing price
    for (const x of bids) assert.ok(costCeil(x.energyWh, x.price) >= costCeil(r.fills.get(x.id) ?? 0n, r.price))
    const sellers = offers.map((x, i) => ({ key: String(x.id), matchedWh: r.fills.get(x.id) ?? 0n, exportedWh: exports[i]! })).filter((x) => x.matchedWh > 0n)
    const s = settleSlot(r.price, pot, sellers, buyers)
    let refunds = 0n
    for (const v of s.buyers.values()) refunds += v.refund
    let paid = 0n
    for (const x of sellers) {
      const v = s.sellers.get(x.key)!
      assert.ok(v.deliveredWh <= x.matchedWh && v.deliveredWh <= x.exportedWh)
      paid += v.paid
    }
    assert.equal(paid + refunds, pot, 'tokens: payouts + refunds = pot')
    assert.equal(paid, s.paid)
    const offered = offers.reduce((t, x) => t + x.energyWh, 0n)
    assert.ok(s.deliveredWh <= r.volumeWh && r.volumeWh <= offered, 'energy: delivered <= matched <= offered')
    let allocated = 0n
    for (const v of s.buyers.values()) allocated += v.allocatedWh
    assert.ok(allocated <= s.deliveredWh)
  }), { numRuns: 300 })
})

const SLOT_MS = 60_000n
const T0_SLOT = 1767225600000n / SLOT_MS

interface Step { kind: 'bid' | 'offer' | 'reading' | 'cancel' | 'tick'; who: number; slotAhead: number; energyWh: bigint; price: bigint; exportedWh: bigint }
const stepArb: fc.Arbitrary<Step> = fc.record({
  kind: fc.constantFrom('bid', 'bid', 'offer', 'offer', 'reading', 'cancel', 'tick'),
  who: fc.nat(3), slotAhead: fc.integer({ min: 1, max: 2 }), energyWh: fc.bigInt({ min: 1n, max: 5000n }),
  price: fc.bigInt({ min: 1n, max: 300n }), exportedWh: fc.bigInt({ min: 0n, max: 8000n }),
})

const traded = { matched: 0n, delivered: 0n }

/** Runs the steps on a fresh chain, checking the invariants after every block; returns the final app hash. */
async function runOnChain(steps: Step[]): Promise<string> {
  const c = await serviceChain([energyModule()], { energy: ['energy'] }, { citizens: 4, balance: 3000n, appState: { energy: { slot_ms: SLOT_MS.toString(), settle_ms: SLOT_MS.toString() } } })
  try {
    const people = c.city.citizens as KeyPair[]
    const meters = people.map((_, i) => testKey('energy-prop/meter/' + i))
    for (let i = 0; i < people.length; i++) {
      const r = await c.run(c.staff.energy!, { type: 'energy/register-meter', value: { meter: meters[i]!.publicKey, owner: people[i]!.publicKey } })
      assert.equal(r.code, 0, r.log)
    }
    const supply = c.supply()
    const start = new Map(people.map((p) => [toHex(p.publicKey), c.balance(p)]))
    let lastOrder = 0n
    const check = () => {
      assert.equal(sumOfBalances(c), supply, 'escrow + balances = supply')
      const t = c.q('energy/totals')
      assert.equal(t.escrow_balance, t.held, 'escrow holds exactly what is not yet refunded or paid')
    }
    for (const s of steps) {
      const slotNow = c.time / SLOT_MS
      // 20 s a block: three blocks a slot, so orders, clearing, readings and settlement interleave
      const time = c.time + 20_000n
      if (s.kind === 'tick') await c.block([], time)
      else if (s.kind === 'reading') {
        // every meter reports the slot that just ended (some report short, some not at all)
        for (let i = 0; i < meters.length; i++) {
          if ((s.who + i) % 4 === 3) continue
          await c.run(meters[i]!, { type: 'energy/reading', value: { slot: slotNow - 1n, exported_wh: s.exportedWh * BigInt(i + 1) / 2n, imported_wh: 0n } }, i === 0 ? time : undefined)
          check()
        }
      }
      else if (s.kind === 'cancel') await c.run(people[s.who]!, { type: 'energy/cancel', value: { order: lastOrder === 0n ? 1n : lastOrder } }, time)
      else {
        const value = { slot: slotNow + BigInt(s.slotAhead), energy_wh: s.energyWh, price: s.price, ...(s.kind === 'offer' ? { meter: meters[s.who]!.publicKey } : {}) }
        const r = await c.run(people[s.who]!, { type: 'energy/' + s.kind, value }, time)
        const ev = r.events.find((e) => e.type === 'energy.' + s.kind)
        if (ev) lastOrder = BigInt(ev.attributes.find((a) => a.key === 'order')!.value)
      }
      check()
    }
    // let every slot clear and settle
    for (let i = 0; i < 4; i++) {
      await c.block([], c.time + SLOT_MS)
      check()
    }
    const t = c.q('energy/totals')
    traded.matched += BigInt(t.matched_wh)
    traded.delivered += BigInt(t.delivered_wh)
    assert.equal(t.escrow_balance, '0', 'all slots settled: the escrow is empty')
    assert.equal(c.balance(ESCROW_ADDRESS), 0n)
    assert.ok(BigInt(t.delivered_wh) <= BigInt(t.matched_wh) && BigInt(t.matched_wh) <= BigInt(t.offered_wh), 'delivered <= matched <= offered')
    // per slot: delivered <= volume, and paid + refunded = escrowed - 0 overall
    let net = 0n
    for (const p of people) net += c.balance(p) - start.get(toHex(p.publicKey))!
    assert.equal(net, 0n, 'what buyers paid, sellers received')
    for (let s = T0_SLOT; s <= c.time / SLOT_MS; s++) {
      const slot = c.q('energy/slot', { slot: s.toString() })
      assert.ok(BigInt(slot.delivered_wh) <= BigInt(slot.volume_wh))
      if (slot.status !== 'open') assert.equal(slot.status, 'settled')
    }
    return toHex(c.engine.app.info().lastAppHash)
  } finally {
    await c.close()
  }
}

test('on a chain: tokens conserved after every block, escrow empty once settled; replay gives the same app hash', async () => {
  await fc.assert(fc.asyncProperty(fc.array(stepArb, { minLength: 20, maxLength: 60 }), async (steps) => {
    await runOnChain(steps)
  }), { numRuns: 12, seed: 20261124 })
  assert.ok(traded.matched > 0n && traded.delivered > 0n, `the random books traded (${traded.matched} Wh matched, ${traded.delivered} Wh delivered)`)
  console.log(`energy property: ${traded.matched} Wh matched, ${traded.delivered} Wh delivered over the runs`)
  const steps = fc.sample(fc.array(stepArb, { minLength: 40, maxLength: 40 }), { numRuns: 1, seed: 7 })[0]!
  assert.equal(await runOnChain(steps), await runOnChain(steps))
})
