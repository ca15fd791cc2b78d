/**
 * The key generation on chain: bad registrations, deals and complaints refused with typed errors
 * and no change; a bad share caught by its recipient's complaint, decided by the chain, the dealer
 * disqualified and the election still decrypted; an absent trustee; too few trustees.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { ErrorCodes } from '../../src/base/errors.js'
import { fromHex } from '../../src/base/bytes.js'
import { votingMsgs } from '../../src/modules/voting/types.js'
import { checkedManifest, prepareCheck, prepareDeal, prepareRegistration } from '../../src/sdk/voting.js'
import { dkgContext, evaluatePolynomial, makeComplaint, sealDeal, shareRoute, type Deal } from '../../src/voting/dkg.js'
import { decodeDeal, decodeRegistration, encodeComplaint, encodeDeal } from '../../src/voting/dkg-bytes.js'
import { mulG } from '../../src/voting/group.js'
import { randomScalar } from '../../src/voting/random.js'
import { encryptShare } from '../../src/voting/share-encryption.js'
import { verifyElectionRecord } from '../../src/voting/record.js'
import { Election, QUESTION, SECOND, createMsg, ok, rng, timeline, votingChain, type VotingChain } from './module-harness.js'

let c: VotingChain
before(async () => {
  c = await votingChain()
})
after(async () => c.close())

const pick = (o: number) => [QUESTION.options.map((_, i) => (i === o ? 1 : 0))]

async function refused(el: Election, run: () => Promise<{ code: number; log: string }>, code: number, log?: RegExp): Promise<void> {
  const before = el.state()
  const r = await run()
  assert.equal(r.code, code, r.log)
  if (log) assert.match(r.log, log)
  assert.equal(el.state(), before, 'a refused transaction changed the module state')
}

async function newElection(id: string, opts: Parameters<typeof createMsg>[3] = {}) {
  const t = timeline(c.time)
  ok(await c.run(c.city.authority, createMsg(c, id, t, opts)))
  return { el: new Election(c, id), t }
}

test('creating: only the authority or the elections role; a bad manifest or past deadline is refused', async () => {
  const t = timeline(c.time)
  const r1 = await c.run(c.voters[0]!, createMsg(c, 'x1', t))
  assert.equal(r1.code, ErrorCodes.unauthorized, r1.log)
  const r2 = await c.run(c.city.authority, createMsg(c, 'x2', t, { threshold: 4 }))
  assert.equal(r2.code, ErrorCodes.invalid_message, r2.log)
  const r3 = await c.run(c.city.authority, createMsg(c, 'x3', timeline(c.time - 120n * SECOND)))
  assert.equal(r3.code, ErrorCodes.invalid_request, r3.log)
  const r4 = await c.run(c.city.authority, createMsg(c, 'x4', t, { questions: [{ ...QUESTION, minSelections: 2, maxSelections: 1 }] }))
  assert.equal(r4.code, ErrorCodes.invalid_message, r4.log)
  assert.equal(c.q('voting/elections').elections.length, 0)
  // eligibility by role: the holders at the creation height
  const { el } = await newElection('by-role', { voterRole: 'citizen' })
  const v = el.view()
  assert.equal((v.eligibility as { role: string }).role, 'citizen')
  assert.equal(v.eligible, c.city.citizens.length + c.trustees.length)
})

test('registrations: bad proof, wrong trustee, non-trustee, twice, wrong phase — refused; ballots wait for the key', async () => {
  const { el } = await newElection('reg')
  const m = el.manifest()
  const p = prepareRegistration(m, c.trustees[0]!.publicKey, rng('reg-1'))
  const bytes = new Uint8Array(p.msg.value.registration as Uint8Array)
  bytes[4 + 32 + 40] = bytes[4 + 32 + 40]! ^ 1 // the proof's response
  await refused(el, () => c.run(c.trustees[0]!, votingMsgs.register({ election: 'reg', registration: bytes }), undefined), ErrorCodes.proof_invalid)
  await refused(el, () => c.run(c.trustees[1]!, p.msg), ErrorCodes.unauthorized, /for trustee 1/)
  await refused(el, () => c.run(c.voters[0]!, p.msg), ErrorCodes.unauthorized, /not a trustee/)
  ok(await el.register(1))
  await refused(el, () => el.register(1), ErrorCodes.already_exists)
  const deal = prepareDeal(m, el.dkg(), el.secrets.get(1)!, rng('early'))
  await refused(el, () => c.run(c.trustees[0]!, deal.msg), ErrorCodes.invalid_state, /phase registration/)
  await refused(el, () => c.run(c.voters[0]!, votingMsgs.ballot({ election: 'reg', ballot: new Uint8Array(100) })), ErrorCodes.invalid_state, /phase registration/)
})

test('a share that does not match its commitments: the complaint is upheld by the chain, the dealer disqualified, k of n still decrypt', async () => {
  const { el, t } = await newElection('bad-share')
  for (const i of [1, 2, 3]) ok(await el.register(i))
  // trustee 1 deals dishonestly: trustee 2's share is off by one
  const manifest = checkedManifest(el.manifest())
  const dctx = dkgContext(manifest)
  const regs = el.dkg().registrations.map((h) => decodeRegistration(fromHex(h)))
  const coefficients = [randomScalar(rng('c0')), randomScalar(rng('c1'))]
  const shares = [2, 3].map((j) => encryptShare(shareRoute(dctx, 1, j, regs), evaluatePolynomial(coefficients, j) + (j === 2 ? 1n : 0n), rng(`s${j}`)))
  const bad: Deal = sealDeal(dctx, 1, coefficients.map(mulG), shares, coefficients[0]!, rng('seal'))
  // a deal whose proof is broken is refused outright
  const broken = encodeDeal(bad)
  broken[broken.length - 1] = broken[broken.length - 1]! ^ 1
  await refused(el, () => c.run(c.trustees[0]!, votingMsgs.deal({ election: 'bad-share', deal: broken })), ErrorCodes.proof_invalid)
  ok(await c.run(c.trustees[0]!, votingMsgs.deal({ election: 'bad-share', deal: encodeDeal(bad) })))
  el.secrets.set(1, { ...el.secrets.get(1)!, coefficients: coefficients.map((x) => x.toString(16).padStart(64, '0')) })
  ok(await el.deal(2))
  ok(await el.deal(3))
  // a complaint with a forged revealed key (trustee 3 against the honest trustee 2) is invalid: refused
  const deal2 = decodeDeal(fromHex(el.dkg().deals[1]!))
  const sk3 = BigInt('0x' + el.secrets.get(3)!.encryptionSecret)
  const honest = makeComplaint(dctx, deal2, 3, regs, sk3, rng('false'))
  const forged = encodeComplaint({ ...honest, dhKey: honest.dhKey.add(mulG(1n)) })
  await refused(el, () => c.run(c.trustees[2]!, votingMsgs.check({ election: 'bad-share', complaints: [forged] })), ErrorCodes.proof_invalid)
  // trustee 2 opens its shares and complains against trustee 1 (the SDK finds the bad share)
  const r2 = await el.check(2)
  ok(r2)
  const verdict = r2.events.find((e) => e.type === 'voting.complaint')!
  assert.deepEqual(Object.fromEntries(verdict.attributes.map((a) => [a.key, a.value])).verdict, 'upheld')
  // trustee 3 makes a false complaint against honest trustee 2: decided, rejected, recorded
  const r3 = await c.run(c.trustees[2]!, votingMsgs.check({ election: 'bad-share', complaints: [encodeComplaint(honest)] }))
  ok(r3)
  await el.check(1).then(ok)
  const v = el.view()
  assert.deepEqual([v.phase, v.disqualified, v.qualified], ['ready', [1], [2, 3]])
  assert.deepEqual(el.dkg().complaints.map((x) => [x.complainer, x.dealer, x.verdict]), [[2, 1, 'upheld'], [3, 2, 'rejected']])
  // trustee 3 checked by hand above: its client keeps the shares that opened
  el.secrets.set(3, prepareCheck(el.manifest(), el.dkg(), el.secrets.get(3)!, rng('again')).secrets)
  ok(await el.vote(c.voters[0]!, pick(1), t.opensAt + SECOND))
  ok(await el.vote(c.voters[1]!, pick(1), t.opensAt + 2n * SECOND))
  // the disqualified dealer still holds shares from the qualified ones and may decrypt
  ok(await el.decrypt(1, t.closesAt + SECOND))
  ok(await el.decrypt(3, t.closesAt + 2n * SECOND))
  assert.deepEqual(el.view().counts, [[0, 2, 0, 0, 0]])
  assert.deepEqual(verifyElectionRecord(el.record()).failures, [])
})

test('a trustee who never shows up: the phases end at their deadlines and k of n still make the key', async () => {
  const { el, t } = await newElection('absent')
  ok(await el.register(1))
  ok(await el.register(2))
  await c.block([], t.registerBy)
  assert.equal(el.view().phase, 'dealing')
  await refused(el, () => el.register(3), ErrorCodes.invalid_state, /phase dealing/)
  ok(await el.deal(1))
  ok(await el.deal(2))
  ok(await el.check(1))
  ok(await el.check(2))
  const v = el.view()
  assert.deepEqual([v.phase, v.registered, v.qualified], ['ready', [1, 2], [1, 2]])
  ok(await el.vote(c.voters[2]!, pick(4), t.opensAt + SECOND))
  // trustee 3 holds no share: refused
  await refused(el, () => c.run(c.trustees[2]!, votingMsgs.decrypt({ election: 'absent', partial: new Uint8Array(50) }), t.closesAt + SECOND), ErrorCodes.invalid_state, /holds no share/)
  ok(await el.decrypt(1, t.closesAt + 2n * SECOND))
  ok(await el.decrypt(2, t.closesAt + 3n * SECOND))
  assert.deepEqual(el.view().counts, [[0, 0, 0, 0, 1]])
  assert.equal(verifyElectionRecord(el.record()).ok, true)
})

test('fewer than k trustees register: the key generation fails and the election says so', async () => {
  const { el, t } = await newElection('too-few')
  ok(await el.register(2))
  const r = await c.block([], t.registerBy + SECOND)
  assert.ok(r.events.some((e) => e.type === 'voting.failed'))
  const v = el.view()
  assert.equal(v.phase, 'failed')
  assert.match(String(v.failure), /1 trustees registered a key, the threshold is 2/)
})
