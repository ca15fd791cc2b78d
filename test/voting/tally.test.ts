/**
 * The tally: for random elections the decrypted result equals the plain count of the counted
 * ballots (any k trustees, re-votes replacing earlier ballots); bad partial decryptions are
 * refused; fewer than k keep the election sealed; the bounded discrete log handles 100 000.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { PolisError } from '../../src/base/errors.js'
import { encryptBallot, type EncryptedBallot } from '../../src/voting/ballot.js'
import { electionContext } from '../../src/voting/context.js'
import { boundedDiscreteLog } from '../../src/voting/dlog.js'
import { G, IDENTITY, mulG, mulPublic } from '../../src/voting/group.js'
import type { Question } from '../../src/voting/manifest.js'
import {
  addBallot,
  aggregateBallots,
  combinePartialDecryptions,
  decodePartialDecryption,
  emptyAggregate,
  encodeAggregate,
  encodePartialDecryption,
  partialDecrypt,
  removeBallot,
  verifyPartialDecryption,
} from '../../src/voting/tally.js'
import { account, makeManifest, plainCount, rngFor, runDkg } from './fixture.js'

const rng = rngFor('tally')

const questionArb = fc.integer({ min: 1, max: 4 }).chain((n) =>
  fc.integer({ min: 0, max: n }).chain((lo) =>
    fc.integer({ min: Math.max(lo, 1), max: n }).map((hi): Question => ({ title: 'q', options: Array.from({ length: n }, (_, i) => `o${i}`), minSelections: lo, maxSelections: hi })),
  ),
)

function choicesArb(qs: Question[]) {
  return fc.tuple(
    ...qs.map((q) =>
      fc
        .integer({ min: q.minSelections, max: q.maxSelections })
        .chain((count) => fc.shuffledSubarray(q.options.map((_, i) => i), { minLength: count, maxLength: count }))
        .map((chosen) => q.options.map((_, i) => (chosen.includes(i) ? 1 : 0))),
    ),
  )
}

test('random elections: the result is the plain count of the counted ballots, whichever k trustees decrypt', () => {
  const electionArb = fc
    .record({ questions: fc.array(questionArb, { minLength: 1, maxLength: 2 }), n: fc.integer({ min: 1, max: 3 }) })
    .chain(({ questions, n }) =>
      fc.record({
        questions: fc.constant(questions),
        n: fc.constant(n),
        k: fc.integer({ min: 1, max: n }),
        votes: fc.array(fc.tuple(fc.integer({ min: 1, max: 4 }), choicesArb(questions)), { maxLength: 5 }),
        decryptors: fc.shuffledSubarray([1, 2, 3].slice(0, n), { minLength: n, maxLength: n }),
      }),
    )
  fc.assert(
    fc.property(electionArb, ({ questions, n, k, votes, decryptors }) => {
      const manifest = makeManifest({ questions, trustees: n, threshold: k, voters: 4 })
      const dkg = runDkg(manifest, rng)
      const ctx = electionContext(manifest, dkg.jointKey)
      // the chain's running sum: add each ballot, remove the voter's previous one
      let agg = emptyAggregate(ctx)
      const last = new Map<number, { ballot: EncryptedBallot; choices: number[][] }>()
      for (const [voter, choices] of votes) {
        const { ballot } = encryptBallot(ctx, account(voter), choices, rng)
        const prev = last.get(voter)
        if (prev) agg = removeBallot(agg, prev.ballot)
        agg = addBallot(agg, ballot)
        last.set(voter, { ballot, choices })
      }
      assert.deepEqual(encodeAggregate(agg), encodeAggregate(aggregateBallots(ctx, [...last.values()].map((x) => x.ballot))))
      const chosen = decryptors.slice(0, k)
      const partials = chosen.map((j) => partialDecrypt(ctx, j, dkg.secretShares[j - 1]!, agg, rng))
      for (const p of partials) assert.deepEqual(verifyPartialDecryption(ctx, p, dkg.verificationShares.get(p.trustee)!, agg), [])
      const counts = combinePartialDecryptions(ctx, agg, partials, last.size)
      assert.deepEqual(counts, plainCount(manifest, [...last.values()].map((x) => x.choices)))
    }),
    { numRuns: 8 },
  )
})

test('bad partial decryptions are refused; fewer than k valid ones keep the election sealed', () => {
  const manifest = makeManifest({ trustees: 3, threshold: 2 })
  const dkg = runDkg(manifest, rng)
  const ctx = electionContext(manifest, dkg.jointKey)
  const ballots = [1, 2, 3].map((v) => encryptBallot(ctx, account(v), [[0, 1, 0, 0, 0]], rng).ballot)
  const agg = aggregateBallots(ctx, ballots)
  const X = dkg.verificationShares
  const p1 = partialDecrypt(ctx, 1, dkg.secretShares[0]!, agg, rng)
  // trustee 2 uses a wrong share: every proof fails against its verification share
  const wrong = partialDecrypt(ctx, 2, dkg.secretShares[0]!, agg, rng)
  assert.deepEqual(verifyPartialDecryption(ctx, wrong, X.get(2)!, agg), [0, 1, 2, 3, 4].map((o) => `trustee 2 partial decryption: question 0 option ${o} proof invalid`))
  // a share swapped for another value with the honest proof
  const p3 = partialDecrypt(ctx, 3, dkg.secretShares[2]!, agg, rng)
  const swapped = { ...p3, shares: [p3.shares[0]!.map((d, o) => (o === 1 ? { ...d, share: d.share.add(G) } : d))] }
  assert.deepEqual(verifyPartialDecryption(ctx, swapped, X.get(3)!, agg), ['trustee 3 partial decryption: question 0 option 1 proof invalid'])
  // a partial decryption of another aggregate (a ballot left out) does not verify for this one
  const other = aggregateBallots(ctx, ballots.slice(1))
  assert.equal(verifyPartialDecryption(ctx, partialDecrypt(ctx, 3, dkg.secretShares[2]!, other, rng), X.get(3)!, agg).length, 5)
  // from a non-trustee, or attributed to another trustee
  assert.deepEqual(verifyPartialDecryption(ctx, { ...p1, trustee: 4 }, X.get(1)!, agg), ['trustee 4 partial decryption: not a trustee of this election'])
  assert.equal(verifyPartialDecryption(ctx, { ...p1, trustee: 2 }, X.get(2)!, agg).length, 5)
  // the byte form round-trips
  assert.deepEqual(verifyPartialDecryption(ctx, decodePartialDecryption(ctx, encodePartialDecryption(p1)), X.get(1)!, agg), [])

  const sealed = (e: unknown) => e instanceof PolisError && e.errorName === 'invalid_state' && /1 partial decryptions, 2 needed: the election stays sealed/.test(e.message)
  assert.throws(() => combinePartialDecryptions(ctx, agg, [p1], 3), sealed)
  assert.throws(() => combinePartialDecryptions(ctx, agg, [p1, p1], 3), (e: unknown) => e instanceof PolisError && e.errorName === 'invalid_message')
  assert.deepEqual(combinePartialDecryptions(ctx, agg, [p1, p3], 3), [[0, 3, 0, 0, 0]])
  // an unverified bad share yields no count rather than a wrong one
  assert.throws(() => combinePartialDecryptions(ctx, agg, [p1, swapped], 3), (e: unknown) => e instanceof PolisError && e.errorName === 'invalid_state')
})

test('an election without ballots decrypts to zeros (identity aggregate)', () => {
  const manifest = makeManifest({ trustees: 2, threshold: 2 })
  const dkg = runDkg(manifest, rng)
  const ctx = electionContext(manifest, dkg.jointKey)
  const agg = emptyAggregate(ctx)
  const partials = [1, 2].map((j) => decodePartialDecryption(ctx, encodePartialDecryption(partialDecrypt(ctx, j, dkg.secretShares[j - 1]!, agg, rng))))
  for (const p of partials) assert.deepEqual(verifyPartialDecryption(ctx, p, dkg.verificationShares.get(p.trustee)!, agg), [])
  assert.deepEqual(combinePartialDecryptions(ctx, agg, partials, 0), [[0, 0, 0, 0, 0]])
})

test('bounded discrete log: every count up to 100 000 is found, nothing beyond the bound', () => {
  for (const m of [0, 1, 2, 316, 317, 50_000, 99_999, 100_000]) assert.equal(boundedDiscreteLog(mulPublic(G, BigInt(m)), 100_000), m)
  assert.equal(boundedDiscreteLog(IDENTITY, 0), 0)
  assert.throws(() => boundedDiscreteLog(mulG(100_001n), 100_000), (e: unknown) => e instanceof PolisError && e.errorName === 'invalid_state')
  assert.throws(() => boundedDiscreteLog(mulG(5n), 4), PolisError)
  assert.throws(() => boundedDiscreteLog(mulG(12345678901234567890n), 100_000), PolisError)
})
