/**
 * The manifest: its rules, its hash (every field matters), its strict JSON form; and an election
 * context refuses an identity joint key.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { toHex } from '../../src/base/bytes.js'
import { PolisError } from '../../src/base/errors.js'
import { electionContext } from '../../src/voting/context.js'
import { IDENTITY } from '../../src/voting/group.js'
import { electionHash, isEligible, manifestFromJson, manifestToJson, trusteeIndex, validateManifest, type Manifest } from '../../src/voting/manifest.js'
import { encryptBallot, verifyBallot } from '../../src/voting/ballot.js'
import { mulG } from '../../src/voting/group.js'
import { systemRandom } from '../../src/voting/random.js'
import { account, makeManifest } from './fixture.js'

const base = makeManifest({ trustees: 3, threshold: 2, voters: 4 })
const refused = (m: Manifest, pattern: RegExp) =>
  assert.throws(() => validateManifest(m), (e: unknown) => e instanceof PolisError && e.errorName === 'invalid_message' && pattern.test(e.message), pattern.source)

test('manifest rules refuse what the protocol cannot run', () => {
  validateManifest(base)
  const q = base.questions[0]!
  refused({ ...base, threshold: 4 }, /threshold/)
  refused({ ...base, threshold: 0 }, /threshold/)
  refused({ ...base, trustees: [account(1000), account(1000)] }, /listed twice/)
  refused({ ...base, trustees: [] }, /trustees/)
  refused({ ...base, questions: [] }, /questions/)
  refused({ ...base, questions: [{ ...q, minSelections: 2, maxSelections: 1 }] }, /minSelections/)
  refused({ ...base, questions: [{ ...q, maxSelections: 6 }] }, /maxSelections/)
  refused({ ...base, questions: [{ ...q, minSelections: 0, maxSelections: 0 }] }, /maxSelections ≥ 1/)
  refused({ ...base, questions: [{ ...q, options: ['a', 'a'] }] }, /repeat/)
  refused({ ...base, eligibility: { ...base.eligibility, accounts: [account(2), account(1)] } }, /ascending/)
  refused({ ...base, eligibility: { ...base.eligibility, accounts: [] } }, /nobody/)
  refused({ ...base, eligibility: { ...base.eligibility, role: 'citizen' } }, /role and snapshotHeight/)
  refused({ ...base, opensAt: 5n, closesAt: 5n }, /opensAt < closesAt/)
  refused({ ...base, chainId: '' }, /chainId/)
})

test('the election hash covers every field', () => {
  const h = toHex(electionHash(base))
  const variants: Manifest[] = [
    { ...base, chainId: 'other' },
    { ...base, electionId: 'other' },
    { ...base, title: 'other' },
    { ...base, questions: [{ ...base.questions[0]!, title: 'other' }] },
    { ...base, questions: [{ ...base.questions[0]!, options: ['park', 'library', 'tram', 'pool', 'bike'] }] },
    { ...base, questions: [{ ...base.questions[0]!, maxSelections: 2 }] },
    { ...base, trustees: [account(1000), account(1002), account(1001)] },
    { ...base, threshold: 3 },
    { ...base, eligibility: { ...base.eligibility, accounts: base.eligibility.accounts.slice(1) } },
    { ...base, eligibility: { ...base.eligibility, role: 'citizen', snapshotHeight: 10n } },
    { ...base, opensAt: 999n },
    { ...base, closesAt: 2001n },
  ]
  const hashes = new Set([h, ...variants.map((m) => toHex(electionHash(m)))])
  assert.equal(hashes.size, variants.length + 1)
})

test('JSON form round-trips and is strict', () => {
  const role = { ...base, eligibility: { ...base.eligibility, role: 'citizen', snapshotHeight: 42n } }
  for (const m of [base, role]) assert.equal(toHex(electionHash(manifestFromJson(JSON.parse(JSON.stringify(manifestToJson(m)))))), toHex(electionHash(m)))
  const json = () => JSON.parse(JSON.stringify(manifestToJson(base)))
  const bad = (mutate: (j: any) => void, pattern: RegExp) => {
    const j = json()
    mutate(j)
    assert.throws(() => manifestFromJson(j), (e: unknown) => e instanceof PolisError && pattern.test(e.message), pattern.source)
  }
  bad((j) => (j.opensAt = '01000'), /manifest.opensAt: expected a canonical decimal string/)
  bad((j) => (j.opensAt = 1000), /manifest.opensAt/)
  bad((j) => (j.threshold = 2.5), /manifest.threshold: expected an integer/)
  bad((j) => (j.trustees[0] = j.trustees[0].toUpperCase()), /manifest.trustees\[0\]: expected lowercase hex/)
  bad((j) => (j.trustees[0] = j.trustees[0].slice(2)), /expected 32 bytes/)
  bad((j) => (j.extra = 1), /unexpected field "extra"/)
  bad((j) => delete j.title, /missing field "title"/)
  bad((j) => (j.questions[0].maxSelections = 9), /maxSelections/)
})

test('eligibility and trustee lookups; the joint key may not be the identity', () => {
  assert.ok(isEligible(base, account(1)))
  assert.ok(isEligible(base, account(4)))
  assert.ok(!isEligible(base, account(5)))
  assert.ok(!isEligible(base, account(1, 1)))
  assert.equal(trusteeIndex(base, account(1001)), 2)
  assert.equal(trusteeIndex(base, account(1)), 0)
  assert.throws(() => electionContext(base, IDENTITY), (e: unknown) => e instanceof PolisError && /identity/.test(e.message))
  assert.throws(() => electionContext(base, new Uint8Array(32)), (e: unknown) => e instanceof PolisError && /identity/.test(e.message))
})

test('a ballot encrypted with the system random source verifies', () => {
  const ctx = electionContext(base, mulG(12345n))
  const { ballot } = encryptBallot(ctx, account(3), [[0, 0, 0, 1, 0]], systemRandom)
  assert.deepEqual(verifyBallot(ctx, account(3), ballot), [])
})
