/**
 * The voting module through the real App: an election from creation to its recorded result, the
 * record verifying on its own, and every bad ballot of issue 15 refused with its typed error and
 * no change to the module's state.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ErrorCodes } from '../../src/base/errors.js'
import { fromHex, toHex } from '../../src/base/bytes.js'
import { votingMsgs } from '../../src/modules/voting/types.js'
import { verifyElectionRecord } from '../../src/voting/record.js'
import { auditPreparedBallot, ballotContext } from '../../src/sdk/voting.js'
import { encodeBallot, encryptBallot } from '../../src/voting/ballot.js'
import { cli } from '../helpers/cli.js'
import { Election, QUESTION, SECOND, createMsg, ok, rng, timeline, votingChain, type VotingChain } from './module-harness.js'

let c: VotingChain
let e: Election
let other: Election
let t: ReturnType<typeof timeline>

before(async () => {
  c = await votingChain()
  t = timeline(c.time)
  ok(await c.run(c.city.authority, createMsg(c, 'budget', t)))
  ok(await c.run(c.city.authority, createMsg(c, 'budget-b', t)))
  e = new Election(c, 'budget')
  other = new Election(c, 'budget-b')
  await e.keyGeneration()
  await other.keyGeneration()
})
after(async () => c.close())

const pick = (o: number) => [QUESTION.options.map((_, i) => (i === o ? 1 : 0))]
const voting = () => t.opensAt + 10n * SECOND

/** The transaction is refused with `code`, and the module's state is exactly as before. */
async function refused(run: () => Promise<{ code: number; log: string }>, code: number, log?: RegExp, el = e): Promise<void> {
  const before = el.state()
  const r = await run()
  assert.equal(r.code, code, r.log)
  if (log) assert.match(r.log, log)
  assert.equal(el.state(), before, 'a refused transaction changed the module state')
}

test('the key generation ends early once every trustee has acted; the joint key is on chain', () => {
  const v = e.view()
  assert.equal(v.phase, 'ready')
  assert.deepEqual(v.qualified, [1, 2, 3])
  assert.match(String(v.joint_key), /^[0-9a-f]{64}$/)
  assert.equal(c.q('voting/elections').elections.length, 2)
})

test('ballots outside the window, from an ineligible account, or before the key is ready are refused', async () => {
  const alice = c.voters[0]!
  await refused(() => e.vote(alice, pick(0), t.opensAt - SECOND), ErrorCodes.invalid_state, /opens at/)
  await refused(() => e.vote(c.outsider, pick(0), voting()), ErrorCodes.unauthorized, /not eligible/)
  await refused(() => c.run(alice, votingMsgs.ballot({ election: 'nope', ballot: new Uint8Array(8) }), voting()), ErrorCodes.not_found)
})

test('invalid, missing, copied and non-canonical ballots are refused with typed errors and change nothing', async () => {
  const [alice, bob] = c.voters as [typeof c.voters[0], typeof c.voters[0]]
  const good = e.ballot(alice, pick(2), 'attack')
  const cast = (bytes: Uint8Array) => c.run(alice, votingMsgs.ballot({ election: 'budget', ballot: bytes }), voting())
  // an invalid proof: a challenge byte of the first 0/1 proof changed (still a canonical scalar)
  const badProof = new Uint8Array(good.ballot)
  badProof[4 + 4 + 64 + 128] = badProof[4 + 4 + 64 + 128]! ^ 0x01
  await refused(() => cast(badProof), ErrorCodes.proof_invalid, /question 0 option 0: 0\/1 proof invalid/)
  // missing proof: the selection-limit proof cut off
  await refused(() => cast(good.ballot.subarray(0, good.ballot.length - 96)), ErrorCodes.invalid_message)
  // a non-canonical element and the identity in place of the first ciphertext's alpha
  const nonCanonical = new Uint8Array(good.ballot)
  nonCanonical.fill(0xff, 8, 40)
  await refused(() => cast(nonCanonical), ErrorCodes.invalid_message, /canonical/)
  const identity = new Uint8Array(good.ballot)
  identity.fill(0, 8, 40)
  await refused(() => cast(identity), ErrorCodes.invalid_message, /identity/)
  // copied: alice's ballot cast by bob; a ballot of election budget-b cast in budget
  await refused(() => c.run(bob, votingMsgs.ballot({ election: 'budget', ballot: good.ballot }), voting()), ErrorCodes.proof_invalid)
  const fromOther = other.ballot(alice, pick(2))
  await refused(() => cast(fromOther.ballot), ErrorCodes.proof_invalid)
  // too many and too few selections: the client refuses to make them; a forged one fails its proofs
  const ec = ballotContext(e.manifest(), e.view())
  assert.throws(() => encryptBallot(ec, alice.publicKey, [[1, 1, 0, 0, 0]], rng('two')), /2 selections, allowed 1 to 1/)
  const two = forgedCount(ec, alice.publicKey, [1, 1, 0, 0, 0])
  await refused(() => cast(two), ErrorCodes.proof_invalid, /selection-limit proof invalid/)
  const none = forgedCount(ec, alice.publicKey, [0, 0, 0, 0, 0])
  await refused(() => cast(none), ErrorCodes.proof_invalid, /selection-limit proof invalid/)
  // a malformed message: no ballot field
  await refused(() => c.run(alice, { type: votingMsgs.ballot({ election: 'budget', ballot: good.ballot }).type, value: { election: 'budget' } }, voting()), ErrorCodes.invalid_message)
})

/**
 * A ballot with `plain` selections (0/1 each, so every 0/1 proof is honest: each option's
 * ciphertext and proof come from an honest ballot that chose, or did not choose, that option) and
 * the selection-limit proof of an honest one-selection ballot, which does not fit their sum.
 */
function forgedCount(ec: ReturnType<typeof ballotContext>, voter: Uint8Array, plain: number[]): Uint8Array {
  const honest = (chosen: number, label: string) => encryptBallot(ec, voter, [plain.map((_, i) => (i === chosen ? 1 : 0))], rng(label)).ballot.questions[0]!
  const selections = plain.map((m, o) => honest(m === 1 ? o : (o + 1) % plain.length, `forge-${o}-${m}`).selections[o]!)
  return encodeBallot({ questions: [{ selections, limitProof: honest(0, 'forge-limit').limitProof }] })
}

test('one ballot per voter per block; a later ballot replaces the earlier; tracking codes are findable', async () => {
  const carol = c.voters[2]!
  const first = e.ballot(carol, pick(1), 'first')
  const second = e.ballot(carol, pick(3), 'second')
  const nonce = BigInt(c.q('identity/account', { address: toHex(carol.publicKey) }).nonce)
  const before = e.state()
  const { results } = await c.block([c.signer.tx(carol, [first.msg], { nonce }), c.signer.tx(carol, [second.msg], { nonce: nonce + 1n })], voting() + SECOND)
  assert.equal(results[0]!.code, 0, results[0]!.log)
  assert.equal(results[1]!.code, ErrorCodes.already_exists, results[1]!.log)
  assert.notEqual(e.state(), before)
  const found = c.q('voting/ballot', { tracking_code: first.trackingCode })
  assert.deepEqual([found.election, found.voter, found.counted], ['budget', toHex(carol.publicKey), true])
  // the same bytes again in a later block: a replay, refused
  await refused(() => c.run(carol, first.msg, voting() + 2n * SECOND), ErrorCodes.already_exists, /tracking code/)
  // a re-vote in a later block replaces the first
  ok(await c.run(carol, second.msg, voting() + 3n * SECOND))
  assert.equal(c.q('voting/ballot', { tracking_code: first.trackingCode }).counted, false)
  assert.equal(c.q('voting/voter', { election: 'budget', account: toHex(carol.publicKey) }).tracking_code, second.trackingCode)
  const v = e.view()
  assert.deepEqual([v.ballots_cast, v.ballots_counted], [2, 1])
})

test('a Benaloh audit opens a prepared ballot locally; it is never cast', () => {
  const dan = c.voters[3]!
  const p = e.ballot(dan, pick(4), 'audited')
  assert.deepEqual(auditPreparedBallot(e.manifest(), e.view(), dan.publicKey, p), pick(4))
  const wrong = { ...p, opening: { ...p.opening, selections: pick(0) } }
  assert.throws(() => auditPreparedBallot(e.manifest(), e.view(), dan.publicKey, wrong), /does not encrypt the stated choice/)
  assert.equal(c.qErr('voting/ballot', { tracking_code: p.trackingCode }).code, ErrorCodes.not_found)
})

test('partial decryptions: not before the close, only from trustees, only with valid proofs; any k decrypt; the record verifies', async () => {
  const [alice, bob, , dan, eve] = c.voters
  ok(await e.vote(alice!, pick(2), voting() + 10n * SECOND))
  ok(await e.vote(bob!, pick(2), voting() + 11n * SECOND))
  ok(await e.vote(dan!, pick(0), voting() + 12n * SECOND))
  ok(await e.vote(eve!, pick(3), voting() + 13n * SECOND))
  // after the close no ballot is taken
  await refused(() => e.vote(eve!, pick(1), t.closesAt, 'late'), ErrorCodes.expired, /closed/)
  await refused(() => e.decrypt(1, t.closesAt - SECOND), ErrorCodes.invalid_state, /open until/)
  const after = t.closesAt + SECOND
  // from a non-trustee (a voter posting trustee 1's partial decryption)
  await refused(() => c.run(alice!, e.partial(1), after), ErrorCodes.unauthorized, /not a trustee/)
  // trustee 2 posting trustee 1's partial decryption
  await refused(() => c.run(c.trustees[1]!, e.partial(1), after), ErrorCodes.unauthorized, /for trustee 1/)
  // a bad proof: one byte of the first proof's response changed
  const bad = e.partial(1)
  const bytes = new Uint8Array(bad.value.partial as Uint8Array)
  bytes[4 + 4 + 4 + 32 + 64] = bytes[4 + 4 + 4 + 32 + 64]! ^ 0x01
  await refused(() => c.run(c.trustees[0]!, { ...bad, value: { ...bad.value, partial: bytes } }, after), ErrorCodes.proof_invalid, /proof invalid/)
  ok(await e.decrypt(1, after))
  await refused(() => e.decrypt(1, after + SECOND), ErrorCodes.already_exists)
  assert.equal(e.view().phase, 'ready', 'one partial decryption of the two needed reveals nothing')
  // trustee 2 stays away: trustees 1 and 3 suffice
  ok(await e.decrypt(3, after + 2n * SECOND))
  const v = e.view()
  assert.equal(v.phase, 'tallied')
  assert.deepEqual(v.counts, [[1, 0, 2, 2, 0]]) // carol re-voted 1 -> 3
  assert.deepEqual(v.decrypted_by, [1, 3])
  await refused(() => e.decrypt(2, after + 3n * SECOND), ErrorCodes.invalid_state, /already decrypted/)
  const report = verifyElectionRecord(e.record())
  assert.deepEqual(report.failures, [])
  assert.deepEqual([report.ok, report.ballotsCast, report.ballotsCounted, report.counts], [true, 6, 5, [[1, 0, 2, 2, 0]]])
})

test('fewer than k partial decryptions by the tally deadline: the election says so and stays sealed', async () => {
  ok(await other.vote(c.voters[0]!, pick(1), voting()))
  ok(await other.decrypt(2, t.closesAt + SECOND))
  await c.block([], t.tallyBy)
  const v = other.view()
  assert.deepEqual([v.phase, v.counts, v.decrypted_by], ['sealed', null, [2]])
  await refused(() => other.decrypt(1, t.tallyBy + SECOND), ErrorCodes.expired, /sealed/, other)
  const report = verifyElectionRecord(other.record())
  assert.deepEqual([report.ok, report.counts, report.failures], [true, null, []])
})

test('the record names a tampered ballot', () => {
  const rec = e.record() as { ballots: Array<{ ballot: string }> }
  const b = fromHex(rec.ballots[0]!.ballot)
  b[200] = b[200]! ^ 1
  rec.ballots[0]!.ballot = toHex(b)
  const report = verifyElectionRecord(rec)
  assert.equal(report.ok, false)
  assert.match(report.failures.join('\n'), /^ballot 0 \(tracking code/m)
})

test('`polis voting verify RECORD.json` needs no node: it passes the record and names the failing check of a tampered one', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'polis-voting-verify-'))
  try {
    const file = join(dir, 'record.json')
    const rec = e.record() as { partialDecryptions: string[] }
    writeFileSync(file, JSON.stringify(rec))
    const good = await cli(['voting', 'verify', file, '--json'], { env: { POLIS_NODE: 'http://127.0.0.1:9' } })
    assert.equal(good.code, 0, good.stderr)
    assert.deepEqual([good.json().ok, good.json().counts], [true, [[1, 0, 2, 2, 0]]])
    const p = fromHex(rec.partialDecryptions[1]!)
    p[p.length - 1] = p[p.length - 1]! ^ 1
    rec.partialDecryptions[1] = toHex(p)
    writeFileSync(file, JSON.stringify(rec))
    const bad = await cli(['voting', 'verify', file])
    assert.equal(bad.code, 1)
    assert.match(bad.stdout, /verification FAILED:\n {2}(trustee 3 partial decryption: question 0 option 4|partial decryption 1)/)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
