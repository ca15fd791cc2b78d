/**
 * The election record and its independent verifier: a whole election (3 trustees, 2 of 3; five
 * citizens vote, one re-votes; a trustee stays away from the tally; a false complaint) verifies;
 * an upheld complaint's dealer is left out of the key; a sealed election verifies without a
 * result; and any one-byte change to the record fails verification, with the failing check named.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { toHex } from '../../src/base/bytes.js'
import { encodeBallot, encryptBallot } from '../../src/voting/ballot.js'
import { electionContext } from '../../src/voting/context.js'
import { evaluatePolynomial, jointPublicKey, makeComplaint, sealDeal, shareRoute } from '../../src/voting/dkg.js'
import { encodeComplaint, encodeDeal, encodeRegistration } from '../../src/voting/dkg-bytes.js'
import { encodeCiphertext } from '../../src/voting/elgamal.js'
import { encodePoint, modq, mulG } from '../../src/voting/group.js'
import type { Json } from '../../src/voting/json-shape.js'
import { verifyElectionRecord } from '../../src/voting/record.js'
import { recordToJson } from '../../src/voting/record-format.js'
import { randomScalar } from '../../src/voting/random.js'
import { encryptShare } from '../../src/voting/share-encryption.js'
import { aggregateBallots, combinePartialDecryptions, encodePartialDecryption, partialDecrypt } from '../../src/voting/tally.js'
import { makeManifest, plainCount, rngFor, runDkg, runElection } from './fixture.js'

const manifest = makeManifest({ trustees: 3, threshold: 2, voters: 6 })
const one = (i: number) => [[0, 1, 2, 3, 4].map((o) => (o === i ? 1 : 0))]
// five citizens vote, citizen 2 changes their mind; trustee 2 stays away from the tally
const votes: Array<[number, number[][]]> = [
  [1, one(2)],
  [2, one(0)],
  [3, one(2)],
  [4, one(1)],
  [2, one(4)],
  [5, one(2)],
]
const election = runElection(manifest, votes, [1, 3])
// trustee 2 filed a complaint against trustee 1's (good) share: it is public, and rejected
const withComplaint = (() => {
  const { dkg } = election
  const c = makeComplaint(dkg.dctx, dkg.deals[0]!, 2, dkg.registrations, dkg.encryptionSecrets[1]!, rngFor('complaint'))
  return { ...(election.record as object), complaints: [toHex(encodeComplaint(c))] } as Json
})()
const recordText = JSON.stringify(withComplaint)

test('a whole election verifies from its record alone, and the result is the plain count', () => {
  const r = verifyElectionRecord(JSON.parse(recordText))
  assert.deepEqual(r.failures, [])
  assert.equal(r.ok, true)
  assert.deepEqual(r.counts, [[0, 1, 3, 0, 1]])
  assert.deepEqual(r.counts, plainCount(manifest, election.counted.values()))
  assert.equal(r.ballotsCast, 6)
  assert.equal(r.ballotsCounted, 5)
  assert.deepEqual(r.decryptedBy, [1, 3])
  assert.deepEqual(r.qualifiedTrustees, [1, 2, 3])
  assert.equal(r.electionHash, toHex(election.ctx.electionHash))
})

test('a sealed election (fewer than k partial decryptions) verifies without a result, and refuses one', () => {
  const sealed = runElection(manifest, votes.slice(0, 3), [3], 'sealed')
  const r = verifyElectionRecord(sealed.record)
  assert.deepEqual(r.failures, [])
  assert.equal(r.counts, null)
  const claimed = { ...(sealed.record as object), result: { counts: [[0, 0, 2, 0, 1]] } }
  assert.deepEqual(verifyElectionRecord(claimed).failures, ['result: given, but only 1 valid partial decryptions of the 2 needed'])
})

test('an upheld complaint leaves its dealer out of the joint key; the record says so and verifies', () => {
  const rng = rngFor('upheld')
  const dkg = runDkg(manifest, rng)
  // trustee 1 deals a bad share to trustee 3
  const coefficients = [randomScalar(rng), randomScalar(rng)]
  const shares = [2, 3].map((j) => encryptShare(shareRoute(dkg.dctx, 1, j, dkg.registrations), modq(evaluatePolynomial(coefficients, j) + (j === 3 ? 7n : 0n)), rng))
  const bad = sealDeal(dkg.dctx, 1, coefficients.map(mulG), shares, coefficients[0]!, rng)
  const deals = [bad, dkg.deals[1]!, dkg.deals[2]!]
  const complaint = makeComplaint(dkg.dctx, bad, 3, dkg.registrations, dkg.encryptionSecrets[2]!, rng)
  const K = jointPublicKey(deals, [2, 3])
  const ctx = electionContext(manifest, K)
  const x = (j: number) => modq(evaluatePolynomial(dkg.coefficients[1]!, j) + evaluatePolynomial(dkg.coefficients[2]!, j))
  const cast = [1, 2].map((v) => ({ v, ...encryptBallot(ctx, new Uint8Array(election.manifest.eligibility.accounts[v - 1]!), one(v), rng) }))
  const agg = aggregateBallots(ctx, cast.map((c) => c.ballot))
  const partials = [2, 3].map((j) => partialDecrypt(ctx, j, x(j), agg, rng))
  const record = recordToJson({
    manifest,
    electionHash: ctx.electionHash,
    registrations: dkg.registrations.map(encodeRegistration),
    deals: deals.map(encodeDeal),
    complaints: [encodeComplaint(complaint)],
    jointKey: encodePoint(K),
    ballots: cast.map((c) => ({ account: manifest.eligibility.accounts[c.v - 1]!, ballot: encodeBallot(c.ballot), trackingCode: c.trackingCode })),
    aggregate: agg.map((row) => row.map(encodeCiphertext)),
    partialDecryptions: partials.map(encodePartialDecryption),
    result: { counts: combinePartialDecryptions(ctx, agg, partials, 2) },
  })
  const r = verifyElectionRecord(record)
  assert.deepEqual(r.failures, [])
  assert.deepEqual(r.qualifiedTrustees, [2, 3])
  assert.deepEqual(r.counts, [[0, 1, 1, 0, 0]])
  // claiming the dishonest dealer's contribution in the key is caught
  const withAll = { ...(record as object), jointKey: toHex(encodePoint(jointPublicKey(deals, [1, 2, 3]))) }
  assert.ok(verifyElectionRecord(withAll).failures.includes("joint key: not the sum of the qualified dealers' constant commitments"))
})

/** The record with one string field changed by one hex digit. */
function tweak(path: Array<string | number>): unknown {
  const rec = JSON.parse(recordText)
  let o = rec
  for (const k of path.slice(0, -1)) o = o[k]
  const last = path[path.length - 1]!
  const v = o[last]
  if (typeof v === 'number') o[last] = v + 1
  else {
    const i = Math.floor(v.length / 2)
    o[last] = v.slice(0, i) + (v[i] === '0' ? '1' : '0') + v.slice(i + 1)
  }
  return rec
}

test('each kind of field, changed, fails the check that covers it', () => {
  const cases: Array<[Array<string | number>, RegExp]> = [
    [['manifest', 'title'], /^election hash: does not match the manifest$/],
    [['manifest', 'threshold'], /^election hash: does not match the manifest$/],
    [['electionHash'], /^election hash: does not match the manifest$/],
    [['registrations', 1], /^(registration 1: |trustee 2 key registration: proof of knowledge invalid)/],
    [['deals', 0], /^deal (0|of trustee 1): /],
    [['complaints', 0], /^complaint 0[ :]/],
    [['jointKey'], /^joint key: /],
    [['ballots', 3, 'account'], /^ballot 3 \(tracking code [0-9a-f]{16}…\): (account [0-9a-f]+ is not eligible|question 0 option \d: 0\/1 proof invalid)/],
    [['ballots', 3, 'ballot'], /^ballot 3 \(tracking code [0-9a-f]{16}…\): /],
    [['ballots', 3, 'trackingCode'], /^ballot 3 \(tracking code [0-9a-f]{16}…\): the tracking code is not the hash of the ballot$/],
    [['aggregate', 0, 2], /^aggregate question 0 option 2: /],
    [['partialDecryptions', 1], /^(partial decryption 1: |trustee 3 partial decryption: )/],
    [['result', 'counts', 0, 2], /^result: the counts \[\[0,1,4,0,1\]\] are not the decryption \[\[0,1,3,0,1\]\]$/],
  ]
  for (const [path, pattern] of cases) {
    const r = verifyElectionRecord(tweak(path))
    assert.equal(r.ok, false, path.join('.'))
    assert.ok(r.failures.some((f) => pattern.test(f)), `${path.join('.')}: ${r.failures.join(' | ')}`)
  }
  assert.match(verifyElectionRecord({ ...JSON.parse(recordText), format: 'other' }).failures[0]!, /record.format/)
  assert.match(verifyElectionRecord({ ...JSON.parse(recordText), extra: 1 }).failures[0]!, /unexpected field "extra"/)
  const upper = JSON.parse(recordText)
  upper.jointKey = upper.jointKey.toUpperCase()
  assert.match(verifyElectionRecord(upper).failures[0]!, /record.jointKey: expected lowercase hex/)
})

test('any one-byte change to the record fails verification (property)', () => {
  const chars = '0123456789abcdef"{}[],:-nul '
  fc.assert(
    fc.property(fc.integer({ min: 0, max: recordText.length - 1 }), fc.integer({ min: 0, max: chars.length - 1 }), (pos, ci) => {
      const c = chars[ci] === recordText[pos] ? 'x' : chars[ci]!
      const changed = recordText.slice(0, pos) + c + recordText.slice(pos + 1)
      let parsed: unknown
      try {
        parsed = JSON.parse(changed)
      } catch {
        return // not even JSON
      }
      const r = verifyElectionRecord(parsed)
      assert.equal(r.ok, false, `byte ${pos} ('${recordText[pos]}' -> '${c}') changed and the record still verifies`)
    }),
    { numRuns: 40 },
  )
})
