/**
 * The privacy rule: personal data of citizens never stands in clear in chain state. A city runs
 * its services with real-looking personal data kept off chain (the department's store); the
 * test then scans every key and value of the committed state for that data.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { sha256 } from '../../src/crypto/hash.js'
import { toHex, utf8 } from '../../src/base/bytes.js'
import type { KeyPair } from '../../src/crypto/keys.js'
import { billsModule } from '../../src/modules/bills/index.js'
import { vehiclesModule } from '../../src/modules/vehicles/index.js'
import { complaintsModule } from '../../src/modules/complaints/index.js'
import { testKey } from '../../src/kit/genesis-builder.js'
import { DAY, serviceChain } from './helpers.js'

/** Off-chain records, as a department would hold them. */
const people = [
  { name: 'Alice Martin', address: '12 Rue des Lilas, 75011 Paris', email: 'alice.martin@example.org', phone: '+33612345678', salt: 'c1a9f0e2d3b4a5968778695a4b3c2d1e' },
  { name: 'Bob Okafor', address: '7 Harbour Road, Lagos', email: 'bob.okafor@example.net', phone: '+2348012345678', salt: '0f1e2d3c4b5a69788796a5b4c3d2e1f0' },
]
const vin = '1HGCM82633A004352'
const vinSalt = '9a8b7c6d5e4f30211203f4e5d6c7b8a9'

/** Canonical off-chain document -> salted commitment (what goes on chain). */
const commit = (salt: string, doc: Record<string, string>) =>
  sha256(utf8(salt), utf8(JSON.stringify(Object.keys(doc).sort().map((k) => [k, doc[k]]))))

test('no personal data in chain state: only salted commitments', async () => {
  const c = await serviceChain([billsModule(), vehiclesModule(), complaintsModule()], { water: ['water'], dmv: ['transport'], works: ['public-works'] })
  try {
    const [alice, bob] = c.city.citizens as [KeyPair, KeyPair]
    const details = people.map((p) => commit(p.salt, { name: p.name, address: p.address, email: p.email, phone: p.phone }))
    for (const [i, who] of [alice, bob].entries()) {
      const r = await c.run(c.staff.water!, {
        type: 'bills/issue',
        value: { department: 'water', citizen: who.publicKey, amount: 120n, due_at: c.time + 30n * DAY, service: 'water.supply', reference: `W-${i}`, details: details[i]! },
      })
      assert.equal(r.code, 0, r.log)
      assert.equal((await c.run(who, { type: 'bills/pay', value: { bill: BigInt(i + 1), department: 'water', amount: 20n } })).code, 0)
    }
    const vinC = sha256(utf8(vinSalt), utf8(vin))
    assert.equal((await c.run(c.staff.dmv!, { type: 'vehicles/register', value: { vin_commitment: vinC, plate: 'AB-123-CD', owner: alice.publicKey, device_key: testKey('dev/p').publicKey } })).code, 0)
    assert.equal((await c.run(alice, { type: 'vehicles/offer-transfer', value: { vehicle: vinC, buyer: bob.publicKey, price: 10n } })).code, 0)
    assert.equal((await c.run(bob, { type: 'vehicles/accept-transfer', value: { vehicle: vinC, price: 10n } })).code, 0)
    // a complaint: the description (with the citizen's name and address) stays off chain
    assert.equal((await c.run(c.city.authority, { type: 'complaints/define-service', value: { service_code: 'noise', service_name: 'Noise', group: 'Nuisance', department: 'public-works', sla_ms: DAY } })).code, 0)
    const p0 = people[0]!
    const descC = commit(p0.salt, { text: `${p0.name} at ${p0.address}: loud music every night`, phone: p0.phone })
    assert.equal((await c.run(alice, { type: 'complaints/file', value: { service_code: 'noise', description_hash: descC, lat: 48_856_613n, long: 2_352_222n } })).code, 0)
    assert.equal((await c.run(c.staff.works!, { type: 'complaints/reject', value: { request: 1n, note: 'private dispute: referred to mediation' } })).code, 0)
    assert.equal((await c.run(alice, { type: 'complaints/reopen', value: { request: 1n, note_hash: commit(p0.salt, { text: 'it is not private' }) } })).code, 0)
    details.push(descC)
    await c.block([], c.time + 40n * DAY) // overdue marking writes too

    const state = c.state()
    assert.ok(state.length > 20)
    const blob = Buffer.concat(state.flatMap(([k, v]) => [Buffer.from(k), Buffer.from([0]), Buffer.from(v), Buffer.from([0])]))
    const text = blob.toString('latin1').toLowerCase()
    const hex = blob.toString('hex')
    const secrets = [vin, vinSalt, ...people.flatMap((p) => [p.name, p.address, p.email, p.phone, p.salt, ...p.name.split(' '), p.address.split(',')[0]!])]
    for (const s of secrets) {
      assert.ok(!text.includes(s.toLowerCase()), `"${s}" appears in clear in chain state`)
      assert.ok(!hex.includes(Buffer.from(s).toString('hex')), `"${s}" appears in chain state`)
    }
    // the commitments are there (the scan is not vacuous), and they open with the off-chain data
    for (const d of [...details, vinC]) assert.ok(hex.includes(toHex(d)), 'commitment on chain')
    const onChain = c.q('bills/bill', { bill: '1' }).details
    const p = people[0]!
    assert.equal(onChain, toHex(commit(p.salt, { name: p.name, address: p.address, email: p.email, phone: p.phone })))
    assert.notEqual(onChain, toHex(commit(p.salt, { name: 'Eve', address: p.address, email: p.email, phone: p.phone })))
  } finally {
    await c.close()
  }
})
