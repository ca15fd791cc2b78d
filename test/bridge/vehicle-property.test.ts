/**
 * Property: whatever the order of vehicle sends (both ways), relays, acks, timeouts and blocks,
 * a vehicle is never lost and never doubled: it is active in at most one of the two cities, held
 * (active or exporting) in at least one, and once everything is relayed it is active in exactly
 * one and exporting in none. Sends from a city where the vehicle is not active are refused.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { ErrorCodes } from '../../src/base/errors.js'
import { toHex } from '../../src/base/bytes.js'
import type { KeyPair } from '../../src/crypto/keys.js'
import { testKey } from '../../src/kit/genesis-builder.js'
import { closeChain, connect, emptyBlock, exec, ok, sentPackets, type Chain } from './harness.js'
import { doAck, drain, tryRecv, tryTimeout, type InFlight } from './in-flight.js'
import { openAppChain, registerAccounts, vinCommitment } from './apps-harness.js'

let A: Chain
let B: Chain
const dmv = testKey('vp/dmv')
const alice = testKey('vp/alice') // a citizen of both cities
const bob = testKey('vp/bob') // a citizen of A only: B refuses his vehicles (error ack)
const cars: Array<{ id: Uint8Array; owner: KeyPair }> = [
  { id: vinCommitment('VP-0'), owner: alice }, { id: vinCommitment('VP-1'), owner: alice }, { id: vinCommitment('VP-2'), owner: bob },
]
const seen = { okack: 0, errack: 0, timeout: 0, expired: 0, refused: 0 }

before(async () => {
  A = await openAppChain('city-a', 'to-b')
  B = await openAppChain('city-b', 'to-a')
  await connect(A, B)
  await registerAccounts(A, [[dmv, ['transport']], [alice, ['citizen']], [bob, ['citizen']]])
  await registerAccounts(B, [[alice, ['citizen']]])
  for (const [i, car] of cars.entries()) {
    await ok(A, dmv, [{ type: 'vehicles/register', value: { vin_commitment: car.id, plate: `VP-${i}`, owner: car.owner.publicKey, device_key: testKey('vp/device/' + i).publicKey } }])
  }
})
after(async () => {
  await closeChain(A)
  await closeChain(B)
})

function status(c: Chain, id: Uint8Array): string {
  const r = c.engine.app.query({ path: 'vehicles/vehicle', data: Buffer.from(JSON.stringify({ id: toHex(id) })) })
  if (r.code === ErrorCodes.not_found) return 'absent'
  assert.equal(r.code, 0, r.log)
  return JSON.parse(Buffer.from(r.value!).toString()).status
}

function checkInvariant(settled = false): void {
  for (const car of cars) {
    const s = [status(A, car.id), status(B, car.id)]
    const active = s.filter((x) => x === 'active').length
    const held = s.filter((x) => x === 'active' || x === 'exporting').length
    assert.ok(active <= 1, `active in both cities: ${s}`)
    assert.ok(held >= 1, `lost: ${s}`)
    if (settled) assert.deepEqual([active, s.includes('exporting')], [1, false], `after relaying everything: ${s}`)
  }
}

type Op =
  | { kind: 'send'; car: number; short: boolean; alsoWrongSide: boolean }
  | { kind: 'recv' | 'ack' | 'timeout'; i: number }
  | { kind: 'tick'; onB: boolean }

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('send' as const), car: fc.nat(2), short: fc.boolean(), alsoWrongSide: fc.boolean() }),
  fc.record({ kind: fc.constantFrom('recv' as const, 'ack' as const, 'timeout' as const), i: fc.nat(20) }),
  fc.record({ kind: fc.constant('tick' as const), onB: fc.boolean() }),
)

const send = (c: Chain, id: Uint8Array, timeoutHeight: bigint) => ({ type: 'bridge/transfer-vehicle', value: { client_id: c.client, vehicle: id, timeout_height: timeoutHeight } })

async function trySend(op: Extract<Op, { kind: 'send' }>, ps: InFlight[]): Promise<void> {
  const car = cars[op.car]!
  const home = status(A, car.id) === 'active' ? A : status(B, car.id) === 'active' ? B : undefined
  const away = home === A ? B : A
  const hasAccount = away === A || car.owner === alice
  if ((op.alsoWrongSide || !home) && hasAccount) {
    const r = await exec(away, car.owner, [send(away, car.id, 1000n)])
    assert.notEqual(r.code, 0, 'a send from a city where the vehicle is not active must be refused')
    seen.refused++
  }
  if (!home) return
  const dest = home === A ? B : A
  const r = await ok(home, car.owner, [send(home, car.id, dest.engine.height + (op.short ? 2n : 1000n))])
  ps.push({ p: sentPackets(r)[0]!, src: home, dest, state: 'sent' })
}

test('a vehicle is never lost or doubled under random sends, relays, acks and timeouts in both directions', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 16 }), async (ops) => {
      const ps: InFlight[] = []
      for (const op of ops) {
        if (op.kind === 'send') await trySend(op, ps)
        else if (op.kind === 'tick') await emptyBlock(op.onB ? B : A)
        else {
          const cands = ps.filter((x) => (op.kind === 'ack' ? x.state !== 'sent' : x.state === 'sent'))
          if (cands.length === 0) continue
          const x = cands[op.i % cands.length]!
          if (op.kind === 'recv') await tryRecv(x, seen)
          else if (op.kind === 'timeout') await tryTimeout(x, ps, seen)
          else await doAck(x, ps)
        }
        checkInvariant()
      }
      // relay everything: received ones are acknowledged, the rest time out
      await drain(ps, seen, () => checkInvariant())
      checkInvariant(true)
    }),
    { numRuns: 25, seed: 20261124 },
  )
  // every path was taken: success and error acks, expiries, timeouts, wrong-side sends
  assert.ok(seen.okack > 0 && seen.errack > 0 && seen.timeout > 0 && seen.expired > 0 && seen.refused > 0, JSON.stringify(seen))
})
