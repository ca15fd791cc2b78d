/**
 * Property: whatever the order of sends, relays, acks, timeouts and blocks, the escrow of A's
 * native token on A equals the vouchers for it on B plus the amounts in flight (sent and not
 * yet received, or refused by the destination and not yet acknowledged back).
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { ErrorCodes } from '../../src/base/errors.js'
import { escrowAddress, voucherDenom } from '../../src/modules/bridge/index.js'
import { testKey } from '../../src/kit/genesis-builder.js'
import { balance, closeChain, connect, emptyBlock, exec, openChain, sentPackets, supply, transferMsg, type Chain } from './harness.js'
import { doAck, drain, tryRecv, tryTimeout, type InFlight as Flight } from './in-flight.js'

let A: Chain
let B: Chain
const VOUCHER = voucherDenom('transfer/to-a/ucity')

before(async () => {
  A = await openChain('city-a', 'to-b')
  B = await openChain('city-b', 'to-a')
  await connect(A, B)
})
after(async () => {
  await closeChain(A)
  await closeChain(B)
})

const seen = { okack: 0, errack: 0, timeout: 0, expired: 0 }

interface InFlight extends Flight { amount: bigint }

type Op =
  | { kind: 'sendA'; who: number; amount: number; short: boolean; badReceiver: boolean }
  | { kind: 'sendBack'; who: number; amount: number; short: boolean }
  | { kind: 'recv' | 'ack' | 'timeout'; i: number }
  | { kind: 'tick'; onB: boolean }

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('sendA' as const), who: fc.nat(2), amount: fc.integer({ min: 1, max: 60 }), short: fc.boolean(), badReceiver: fc.boolean() }),
  fc.record({ kind: fc.constant('sendBack' as const), who: fc.nat(2), amount: fc.integer({ min: 1, max: 60 }), short: fc.boolean() }),
  fc.record({ kind: fc.constantFrom('recv' as const, 'ack' as const, 'timeout' as const), i: fc.nat(20) }),
  fc.record({ kind: fc.constant('tick' as const), onB: fc.boolean() }),
)

const inFlightAmount = (ps: InFlight[]) => ps.filter((x) => x.state === 'sent' || x.state === 'errack').reduce((s, x) => s + x.amount, 0n)

function checkInvariant(ps: InFlight[]): void {
  assert.equal(balance(A, escrowAddress('to-b')), supply(B, VOUCHER) + inFlightAmount(ps))
  assert.equal(supply(A, 'ucity'), 3_000_000n, "A's native supply never changes")
}

test('escrowed on A == vouchers on B + in flight, under random sends, relays, acks and timeouts', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 20 }), async (ops) => {
      const ps: InFlight[] = []
      for (const op of ops) {
        if (op.kind === 'sendA' || op.kind === 'sendBack') {
          const [src, dest] = op.kind === 'sendA' ? [A, B] : [B, A]
          const from = src.city.citizens[op.who]!
          const to = op.kind === 'sendA' && op.badReceiver ? testKey('nobody').publicKey : dest.city.citizens[op.who]!.publicKey
          const amount = BigInt(op.amount)
          const denom = op.kind === 'sendA' ? 'ucity' : VOUCHER
          const r = await exec(src, from, [transferMsg(src.client, amount, to, { denom, timeoutHeight: dest.engine.height + (op.short ? 2n : 1000n) })])
          if (r.code === ErrorCodes.insufficient_funds || r.code === ErrorCodes.not_found) continue // no vouchers (yet)
          assert.equal(r.code, 0, r.log)
          ps.push({ p: sentPackets(r)[0]!, amount, src, dest, state: 'sent' })
        } else if (op.kind === 'tick') {
          await emptyBlock(op.onB ? B : A)
        } else {
          const want = op.kind === 'recv' || op.kind === 'timeout' ? 'sent' : undefined
          const cands = ps.filter((x) => (want ? x.state === want : x.state !== 'sent'))
          if (cands.length === 0) continue
          const x = cands[op.i % cands.length]!
          if (op.kind === 'recv') await tryRecv(x, seen)
          else if (op.kind === 'timeout') await tryTimeout(x, ps, seen)
          else await doAck(x, ps)
        }
        checkInvariant(ps)
      }
      // drain: everything ends acknowledged or timed out, and nothing stays in flight
      await drain(ps, seen, () => checkInvariant(ps))
      assert.equal(balance(A, escrowAddress('to-b')), supply(B, VOUCHER))
    }),
    { numRuns: 40, seed: 20261124, verbose: 2 },
  )
  // every path was taken: successful and refused receipts, expiries, timeouts
  assert.ok(seen.okack > 0 && seen.errack > 0 && seen.timeout > 0 && seen.expired > 0, JSON.stringify(seen))
})
