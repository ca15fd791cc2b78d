/**
 * Conservation of tokens across the services: a seeded workload of bills (issue, partial and full
 * payments, corrections, cancellations with refunds, withdrawals) and vehicle sales, with bad
 * transactions mixed in. After every block: sum of balances = supply = genesis supply, and every
 * department's totals reconcile with its treasury in the bank.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { sha256 } from '../../src/crypto/hash.js'
import { toHex, utf8 } from '../../src/base/bytes.js'
import type { KeyPair } from '../../src/crypto/keys.js'
import type { Msg } from '../../src/app/tx.js'
import { billsModule, treasuryAddress, DEPARTMENTS } from '../../src/modules/bills/index.js'
import { vehiclesModule } from '../../src/modules/vehicles/index.js'
import { testKey } from '../../src/kit/genesis-builder.js'
import { DAY, serviceChain, sumOfBalances } from './helpers.js'

/** xorshift64: a deterministic test workload from a seed. */
function rng(seed: bigint) {
  let x = seed
  return (n: number) => {
    x ^= (x << 13n) & 0xffffffffffffffffn
    x ^= x >> 7n
    x ^= (x << 17n) & 0xffffffffffffffffn
    return Number(x % BigInt(n))
  }
}

async function workload(): Promise<string> {
  const staffRoles = { water: ['water'], electricity: ['electricity'], parking: ['parking'], tax: ['tax'], dmv: ['transport'] }
  const c = await serviceChain([billsModule(), vehiclesModule()], staffRoles, { citizens: 5, balance: 20_000n })
  try {
    const citizens = c.city.citizens
    const genesisSupply = c.supply()
    const r = rng(0x9e3779b97f4a7c15n)
    const vehicles: Array<{ id: Uint8Array; owner: KeyPair }> = []
    let bills = 0n
    for (let i = 0; i < 5; i++) {
      const id = sha256(utf8('vin-salt'), utf8('VIN' + i))
      const res = await c.run(c.staff.dmv!, { type: 'vehicles/register', value: { vin_commitment: id, plate: 'CAR-' + i, owner: citizens[i]!.publicKey, device_key: testKey('dev/cons/' + i).publicKey } })
      assert.equal(res.code, 0, res.log)
      vehicles.push({ id, owner: citizens[i]! })
    }
    let ok = 0
    let refused = 0
    for (let step = 0; step < 120; step++) {
      const dept = DEPARTMENTS[r(4)]!
      const clerk = c.staff[dept]!
      const who = citizens[r(citizens.length)]!
      const bill = BigInt(1 + r(Number(bills) + 1))
      let key: KeyPair
      let msg: Msg
      switch (r(8)) {
        case 0:
        case 1:
          key = clerk
          msg = { type: 'bills/issue', value: { department: dept, citizen: who.publicKey, amount: BigInt(1 + r(3000)), due_at: c.time + BigInt(1 + r(20)) * DAY, service: dept + '.svc', reference: 'R-' + step } }
          break
        case 2:
        case 3:
          key = who // often not the billed citizen, or the wrong department: refusals are part of the workload
          msg = { type: 'bills/pay', value: { bill, department: dept, ...(r(2) ? { amount: BigInt(1 + r(2000)) } : {}) } }
          break
        case 4:
          key = clerk
          msg = { type: 'bills/correct', value: { bill, reason: 'recount', amount: BigInt(1 + r(3000)) } }
          break
        case 5:
          key = clerk
          msg = { type: 'bills/cancel', value: { bill, reason: 'issued in error' } }
          break
        case 6:
          key = clerk
          msg = { type: 'bills/withdraw', value: { department: dept, to: c.city.authority.publicKey, amount: BigInt(1 + r(1500)), reason: 'general fund' } }
          break
        default: {
          const v = vehicles[r(vehicles.length)]!
          const price = BigInt(r(5000))
          let res = await c.run(v.owner, { type: 'vehicles/offer-transfer', value: { vehicle: v.id, buyer: who.publicKey, price } })
          if (res.code !== 0) {
            refused++
            continue
          }
          key = who
          msg = { type: 'vehicles/accept-transfer', value: { vehicle: v.id, price } }
          res = await c.run(key, msg, c.time + BigInt(r(3)) * DAY)
          if (res.code === 0) v.owner = who
          res.code === 0 ? ok++ : refused++
          continue
        }
      }
      const res = await c.run(key, msg, c.time + BigInt(r(2)) * DAY)
      if (res.code === 0) {
        ok++
        if (msg.type === 'bills/issue') bills++
      } else refused++
      // the invariants, after every block
      assert.equal(c.supply(), genesisSupply)
      assert.equal(sumOfBalances(c), genesisSupply)
      for (const d of DEPARTMENTS) {
        const t = c.q('bills/totals', { department: d })
        assert.equal(c.balance(treasuryAddress(d)), BigInt(t.collected) - BigInt(t.refunded) - BigInt(t.withdrawn), d)
        assert.equal(BigInt(t.billed), BigInt(t.outstanding) + BigInt(t.collected) - BigInt(t.refunded), d)
        assert.equal(BigInt(t.bills), BigInt(t.open) + BigInt(t.paid) + BigInt(t.cancelled), d)
      }
    }
    assert.ok(ok > 30 && refused > 10, `a mixed workload: ${ok} accepted, ${refused} refused`)
    // outstanding per department equals the sum over its open bills
    for (const d of DEPARTMENTS) {
      let outstanding = 0n
      for (let id = 1n; id <= bills; id++) {
        const b = c.q('bills/bill', { bill: id.toString() })
        if (b.department === d) outstanding += BigInt(b.outstanding)
      }
      assert.equal(BigInt(c.q('bills/totals', { department: d }).outstanding), outstanding, d)
    }
    return toHex(c.engine.app.info().lastAppHash)
  } finally {
    await c.close()
  }
}

test('tokens are conserved and treasuries reconcile through a seeded services workload; replays give the same app hash', async () => {
  const first = await workload()
  assert.equal(await workload(), first, 'deterministic: the same blocks give the same state root')
})
