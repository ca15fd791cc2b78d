import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { decodeAccountRecord, encodeAccountRecord } from '../../src/modules/identity/record.js'
import type { Account } from '../../src/modules/identity/index.js'
import { PolisError } from '../../src/base/errors.js'

const pk = new Uint8Array(32).fill(7)
const height = fc.oneof(fc.bigInt({ min: 0n, max: 300n }), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }))
const account = fc
  .record({
    roles: fc.uniqueArray(fc.constantFrom('authority', 'citizen', 'device', 'operator', 'rsu', 'école'), { maxLength: 4 }).map((r) => r.sort()),
    nonce: height,
    createdAt: height,
    revokedAt: fc.option(height, { nil: undefined }),
    revokeReason: fc.option(fc.string({ maxLength: 30 }), { nil: undefined }),
    meta: fc.option(fc.uint8Array({ minLength: 32, maxLength: 32 }), { nil: undefined }),
  })
  .map((a): Account => {
    const out: Account = { pubKey: pk, roles: a.roles, nonce: a.nonce, createdAt: a.createdAt }
    if (a.revokedAt !== undefined) out.revokedAt = a.revokedAt
    if (a.revokeReason !== undefined) out.revokeReason = a.revokeReason
    if (a.meta !== undefined) out.meta = a.meta
    return out
  })

test('account records round-trip, and one account has one encoding', () => {
  fc.assert(
    fc.property(account, (a) => {
      const b = encodeAccountRecord(a)
      const back = decodeAccountRecord(pk, b)
      assert.deepEqual(back, a)
      assert.deepEqual(encodeAccountRecord(back), b)
    }),
    { numRuns: 2000 },
  )
})

test('a corrupt account record is refused with invalid_state, never misread', () => {
  const good = encodeAccountRecord({ pubKey: pk, roles: ['citizen'], nonce: 300n, createdAt: 5n })
  const refuse = (b: Uint8Array, why: string) =>
    assert.throws(() => decodeAccountRecord(pk, b), (e: unknown) => e instanceof PolisError && e.errorName === 'invalid_state', why)
  refuse(new Uint8Array(0), 'empty')
  refuse(Uint8Array.of(2, ...good.subarray(1)), 'unknown format')
  refuse(good.subarray(0, good.length - 1), 'truncated')
  refuse(Uint8Array.of(...good, 0), 'trailing byte')
  refuse(Uint8Array.of(1, 0x80, 0x00, 5, 0, 0), 'nonce not in shortest form')
  refuse(Uint8Array.of(1, 0, 5, 8, 0), 'unknown flag')
  refuse(Uint8Array.of(1, 0, 5, 0, 2, 1, 0x62, 1, 0x61), 'roles out of order')
  refuse(Uint8Array.of(1, 0, 5, 0, 1, 2, 0xc3, 0x28), 'invalid UTF-8')
  // Any byte string that decodes re-encodes to itself.
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 24 }), (b) => {
      let a: Account
      try {
        a = decodeAccountRecord(pk, Uint8Array.of(1, ...b))
      } catch (e) {
        assert.ok(e instanceof PolisError && e.errorName === 'invalid_state', String(e))
        return
      }
      assert.deepEqual(encodeAccountRecord(a), Uint8Array.of(1, ...b))
    }),
    { numRuns: 5000 },
  )
})
