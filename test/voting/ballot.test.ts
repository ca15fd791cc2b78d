/**
 * Ballots: encrypted choices with their proofs are accepted; everything else is refused with a
 * typed error or a named failed check: other election, other voter (a copied ballot), too many or
 * too few selections, a selection of 2, non-canonical or identity encodings, a wrong shape.
 * Tracking codes and the Benaloh audit.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { toHex } from '../../src/base/bytes.js'
import { PolisError } from '../../src/base/errors.js'
import {
  auditBallot,
  checkBallot,
  checkBallots,
  decodeBallot,
  encodeBallot,
  encryptBallot,
  trackingCode,
  verifyBallot,
  type EncryptedBallot,
  type EncryptedQuestion,
} from '../../src/voting/ballot.js'
import { electionContext, type ElectionContext } from '../../src/voting/context.js'
import { encrypt } from '../../src/voting/elgamal.js'
import { mulG, modq } from '../../src/voting/group.js'
import type { Question } from '../../src/voting/manifest.js'
import { proveOneOf } from '../../src/voting/proofs/disjunctive.js'
import { randomScalar } from '../../src/voting/random.js'
import { u32 } from '../../src/voting/transcript.js'
import { account, makeManifest, rngFor } from './fixture.js'

const rng = rngFor('ballots')
const questions: Question[] = [
  { title: 'Mayor', options: ['Ada', 'Bo', 'Cy', 'Di', 'Ed'], minSelections: 1, maxSelections: 1 },
  { title: 'Projects (2 to 3)', options: ['park', 'tram', 'pool', 'bikes'], minSelections: 2, maxSelections: 3 },
  { title: 'Approve any', options: ['yes-a', 'yes-b'], minSelections: 0, maxSelections: 2 },
]
const manifest = makeManifest({ questions })
const sk = randomScalar(rng)
const ctx = electionContext(manifest, mulG(sk))
const other = electionContext(makeManifest({ questions, electionId: 'another-election' }), mulG(sk))
const alice = account(1)
const bob = account(2)
const good = [
  [0, 0, 1, 0, 0],
  [1, 0, 1, 1],
  [0, 1],
]

const typed = (name: string, pattern: RegExp) => (e: unknown) => e instanceof PolisError && e.errorName === name && pattern.test(e.message)

test('an honest ballot verifies from its bytes; tracking code is the hash of those bytes', () => {
  const { ballot, trackingCode: code } = encryptBallot(ctx, alice, good, rng)
  const bytes = encodeBallot(ballot)
  const checked = checkBallot(ctx, alice, bytes)
  assert.deepEqual(checked.failures, [])
  assert.equal(toHex(checked.trackingCode), toHex(code))
  assert.equal(toHex(trackingCode(ctx, alice, decodeBallot(ctx, bytes))), toHex(code))
  assert.equal(toHex(encodeBallot(checked.ballot)), toHex(bytes))
  // question 2's bounds are [0, #options]: no selection-limit proof is sent
  assert.equal(ballot.questions[2]!.limitProof, null)
  assert.notEqual(ballot.questions[1]!.limitProof, null)
})

test('random valid choices always verify (property)', () => {
  const arb = fc.tuple(fc.integer({ min: 0, max: 4 }), fc.subarray([0, 1, 2, 3], { minLength: 2, maxLength: 3 }), fc.subarray([0, 1]))
  fc.assert(
    fc.property(arb, ([mayor, projects, approve]) => {
      const choices = [
        [0, 1, 2, 3, 4].map((i) => (i === mayor ? 1 : 0)),
        [0, 1, 2, 3].map((i) => (projects.includes(i) ? 1 : 0)),
        [0, 1].map((i) => (approve.includes(i) ? 1 : 0)),
      ]
      const { ballot } = encryptBallot(ctx, alice, choices, rng)
      assert.deepEqual(verifyBallot(ctx, alice, decodeBallot(ctx, encodeBallot(ballot))), [])
    }),
    { numRuns: 6 },
  )
})

test("a ballot copied to another voter or another election fails every proof", () => {
  const { ballot } = encryptBallot(ctx, alice, good, rng)
  const asBob = verifyBallot(ctx, bob, ballot)
  assert.equal(asBob.length, 5 + 4 + 2 + 2, asBob.join("\n")) // every 0/1 proof and both limit proofs
  assert.ok(asBob.includes('question 0 option 2: 0/1 proof invalid'))
  assert.ok(asBob.includes('question 1: selection-limit proof invalid (2 to 3)'))
  const elsewhere = verifyBallot(other, alice, ballot)
  assert.equal(elsewhere.length, 13)
  assert.throws(() => checkBallot(ctx, new Uint8Array(31), encodeBallot(ballot)), typed('invalid_request', /32 bytes/))
})

test('the client refuses choices outside the manifest', () => {
  const bad = [
    [[0, 0, 0, 0, 0], good[1]!, good[2]!], // too few
    [[1, 1, 0, 0, 0], good[1]!, good[2]!], // too many
    [good[0]!, [1, 1, 1, 1], good[2]!], // too many
    [[0, 0, 2, 0, 0], good[1]!, good[2]!], // not 0/1
    [good[0]!, good[1]!], // a question missing
    [good[0]!, [1, 1, 0], good[2]!], // an option missing
  ]
  for (const choices of bad) assert.throws(() => encryptBallot(ctx, alice, choices, rng), typed('invalid_request', /question|questions/))
})

/** A dishonest client: encrypts any plaintexts, proves 0/1 claiming `claimed`, and the limit for `claimedCount`. */
function forgeQuestion(qi: number, plain: bigint[], claimed: number[], claimedCount: number, voter = alice): EncryptedQuestion {
  const q = questions[qi]!
  const rs = plain.map(() => randomScalar(rng))
  const cts = plain.map((m, i) => encrypt(ctx.publicKey, m, rs[i]!))
  const selections = cts.map((ciphertext, oi) => ({
    ciphertext,
    proof: proveOneOf('selection', [ctx.electionHash, voter, u32(qi), u32(oi)], { publicKey: ctx.publicKey, parts: [ciphertext], values: [0, 1] }, { randomness: rs[oi]!, index: claimed[oi]! }, rng),
  }))
  const values = Array.from({ length: q.maxSelections - q.minSelections + 1 }, (_, i) => q.minSelections + i)
  const r = modq(rs.reduce((a, b) => a + b, 0n))
  const limitProof =
    q.minSelections === 0 && q.maxSelections === q.options.length
      ? null
      : proveOneOf('selection-limit', [ctx.electionHash, voter, u32(qi)], { publicKey: ctx.publicKey, parts: cts, values }, { randomness: r, index: claimedCount - q.minSelections }, rng)
  return { selections, limitProof }
}

function withQuestion(qi: number, q: EncryptedQuestion): EncryptedBallot {
  const { ballot } = encryptBallot(ctx, alice, good, rng)
  return { questions: ballot.questions.map((x, i) => (i === qi ? q : x)) }
}

test('too many or too few selections fail the selection-limit proof', () => {
  const tooMany = withQuestion(0, forgeQuestion(0, [1n, 1n, 0n, 0n, 0n], [1, 1, 0, 0, 0], 1))
  assert.deepEqual(verifyBallot(ctx, alice, tooMany), ['question 0: selection-limit proof invalid (1 to 1)'])
  const tooFew = withQuestion(0, forgeQuestion(0, [0n, 0n, 0n, 0n, 0n], [0, 0, 0, 0, 0], 1))
  assert.deepEqual(verifyBallot(ctx, alice, tooFew), ['question 0: selection-limit proof invalid (1 to 1)'])
  const fourOfFour = withQuestion(1, forgeQuestion(1, [1n, 1n, 1n, 1n], [1, 1, 1, 1], 3))
  assert.deepEqual(verifyBallot(ctx, alice, fourOfFour), ['question 1: selection-limit proof invalid (2 to 3)'])
})

test('a selection of 2 (a double vote) fails its 0/1 proof, even when the count looks right', () => {
  // 2 on one option and -1 on another sums to 1: the limit proof alone would not notice
  const forged = withQuestion(0, forgeQuestion(0, [2n, modq(-1n), 0n, 0n, 0n], [1, 0, 0, 0, 0], 1))
  assert.deepEqual(verifyBallot(ctx, alice, forged), ['question 0 option 0: 0/1 proof invalid', 'question 0 option 1: 0/1 proof invalid'])
  const twice = withQuestion(2, forgeQuestion(2, [2n, 0n], [1, 0], 0))
  assert.deepEqual(verifyBallot(ctx, alice, twice), ['question 2 option 0: 0/1 proof invalid'])
})

test('malformed bytes are refused with invalid_message naming the field', () => {
  const { ballot } = encryptBallot(ctx, alice, good, rng)
  const bytes = encodeBallot(ballot)
  const refused = (b: Uint8Array, pattern: RegExp) => assert.throws(() => checkBallot(ctx, alice, b), typed('invalid_message', pattern))
  // layout: u32 #q, u32 #options, then option 0: alpha at 8, beta at 40, proof at 72
  const identityAlpha = new Uint8Array(bytes)
  identityAlpha.fill(0, 8, 40)
  refused(identityAlpha, /question 0 option 0 ciphertext alpha: the identity element is not allowed/)
  const oddBeta = new Uint8Array(bytes)
  oddBeta[40] = 1
  oddBeta.fill(0, 41, 72)
  refused(oddBeta, /question 0 option 0 ciphertext beta: not a canonical ristretto255 encoding/)
  const bigScalar = new Uint8Array(bytes)
  bigScalar.fill(0xff, 72 + 128, 72 + 160) // c0 of the first 0/1 proof
  refused(bigScalar, /question 0 option 0 0\/1 proof c0: not a canonical scalar/)
  const identityCommitment = new Uint8Array(bytes)
  identityCommitment.fill(0, 72, 104)
  refused(identityCommitment, /0\/1 proof a0: the identity element/)
  refused(bytes.subarray(0, bytes.length - 1), /truncated/)
  refused(new Uint8Array([...bytes, 0]), /trailing/)
  const wrongCount = new Uint8Array(bytes)
  wrongCount[7] = 6
  refused(wrongCount, /question 0 has 5 options, the ballot 6/)
  const noQuestions = new Uint8Array(bytes)
  noQuestions[3] = 2
  refused(noQuestions, /the election has 3 questions, the ballot 2/)
})

test('Benaloh audit: an opened ballot shows its choices; a wrong opening is refused', () => {
  const { ballot, opening } = encryptBallot(ctx, alice, good, rng)
  assert.deepEqual(auditBallot(ctx, alice, ballot, opening), good)
  const lie = { selections: [[0, 1, 0, 0, 0], good[1]!, good[2]!], randomness: opening.randomness }
  assert.throws(() => auditBallot(ctx, alice, ballot, lie), typed('proof_invalid', /question 0 option 1 does not encrypt the stated choice/))
  const wrongR = { selections: good, randomness: opening.randomness.map((row) => row.map((r) => modq(r + 1n))) }
  assert.throws(() => auditBallot(ctx, alice, ballot, wrongR), typed('proof_invalid', /does not encrypt the stated choice/))
  assert.throws(() => auditBallot(ctx, bob, ballot, opening), typed('proof_invalid', /0\/1 proof invalid/))
})

test('checking many ballots at once names exactly the bad ones', () => {
  const a = encodeBallot(encryptBallot(ctx, alice, good, rng).ballot)
  const b = encodeBallot(encryptBallot(ctx, bob, good, rng).ballot)
  const valid = checkBallots(ctx, [
    { account: alice, bytes: a },
    { account: bob, bytes: b },
  ])
  assert.deepEqual(valid.map((r) => r.failures), [[], []])
  assert.equal(toHex(valid[1]!.trackingCode), toHex(checkBallot(ctx, bob, b).trackingCode))
  const mixed = checkBallots(ctx, [
    { account: alice, bytes: a },
    { account: alice, bytes: b }, // bob's ballot submitted by alice
    { account: bob, bytes: b.subarray(0, 100) },
    { account: bob, bytes: b },
  ])
  assert.deepEqual(mixed[0]!.failures, [])
  assert.equal(mixed[1]!.failures.length, 13)
  assert.equal(mixed[2]!.ballot, null)
  assert.match(mixed[2]!.failures[0]!, /ballot: truncated/)
  assert.deepEqual(mixed[3]!.failures, [])
})
