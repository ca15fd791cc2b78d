/**
 * Verify once: a ballot verified at admission on a worker thread (ballot-verify-pool.ts) is not
 * verified again by checkBallot, and checkBallot's answer is the same with or without the verdict:
 * valid ballots give the same ciphertexts, proofs and tracking code; a verdict binds the election,
 * the joint key, the account and the exact bytes; invalid ballots are never remembered.
 */
import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { PolisError } from '../../src/base/errors.js'
import { checkBallot, encodeBallot, encryptBallot } from '../../src/voting/ballot.js'
import { closeBallotVerifyPool, preverificationSettled, preverifyBallot } from '../../src/voting/ballot-verify-pool.js'
import { electionContext } from '../../src/voting/context.js'
import { forgetVerdicts, knownValid, verdictKey } from '../../src/voting/verdicts.js'
import { account, makeManifest, rngFor, runDkg } from './fixture.js'

after(() => closeBallotVerifyPool())

const outcome = (f: () => ReturnType<typeof checkBallot>) => {
  try {
    const r = f()
    return { failures: r.failures, code: Buffer.from(r.trackingCode).toString('hex'), bytes: Buffer.from(encodeBallot(r.ballot)).toString('hex') }
  } catch (e) {
    if (!(e instanceof PolisError)) throw e
    return { error: e.message }
  }
}

test('a ballot verified at admission is accepted from its verdict, with the same result as an inline check', async () => {
  const rng = rngFor('verify-once')
  const manifest = makeManifest({ voters: 8 })
  const ctx = electionContext(manifest, runDkg(manifest, rng).jointKey)
  const other = electionContext(makeManifest({ voters: 8, electionId: 'other' }), runDkg(manifest, rng).jointKey)
  const good = [1, 2, 3].map((v) => ({ voter: account(v), bytes: encodeBallot(encryptBallot(ctx, account(v), [[1, 0, 0, 0, 0]], rng).ballot) }))
  const badProof = new Uint8Array(good[0]!.bytes)
  const at = 8 + 64 + 200 // a response scalar of the first 0/1 proof
  badProof[at] = badProof[at]! ^ 1
  const badPoint = new Uint8Array(good[1]!.bytes)
  badPoint.fill(0, 8, 40) // the identity as a ciphertext component
  const cases = [
    ...good.map((g) => ({ ctx, voter: g.voter, bytes: g.bytes })),
    { ctx, voter: good[0]!.voter, bytes: badProof },
    { ctx, voter: good[1]!.voter, bytes: badPoint },
    { ctx, voter: account(7), bytes: good[2]!.bytes }, // copied from another voter
    { ctx: other, voter: good[2]!.voter, bytes: good[2]!.bytes }, // copied into another election
  ]
  forgetVerdicts()
  const inline = cases.map((c) => outcome(() => checkBallot(c.ctx, c.voter, c.bytes)))
  for (const c of cases) preverifyBallot(c.ctx, c.voter, c.bytes)
  await preverificationSettled()
  assert.deepEqual(cases.map((c) => knownValid(verdictKey(c.ctx, c.voter, c.bytes))), [true, true, true, false, false, false, false])
  const cached = cases.map((c) => outcome(() => checkBallot(c.ctx, c.voter, c.bytes)))
  assert.deepEqual(cached, inline)
  assert.deepEqual(inline.map((o) => o.failures?.length === 0), [true, true, true, false, false, false, false])
})
