/**
 * The distributed key generation: honest runs give a joint key whose secret any k trustees'
 * shares reconstruct (and fewer do not); a dealer who sends a bad share is caught by a complaint
 * the chain can decide alone; false or forged complaints and tampered deals are refused.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { PolisError } from '../../src/base/errors.js'
import { jointPublicKey, judgeComplaint, makeComplaint, makeDeal, qualifiedDealers, receiveShare, sealDeal, shareRoute, verifyDeal, verifyRegistration, type Deal } from '../../src/voting/dkg.js'
import { decodeComplaint, decodeDeal, decodeRegistration, encodeComplaint, encodeDeal, encodeRegistration } from '../../src/voting/dkg-bytes.js'
import { modq, mulG } from '../../src/voting/group.js'
import { randomScalar } from '../../src/voting/random.js'
import { encryptShare } from '../../src/voting/share-encryption.js'
import { lagrangeAtZero } from '../../src/voting/tally.js'
import { makeManifest, rngFor, runDkg } from './fixture.js'

const rng = rngFor('dkg')

test('honest DKG (random k of n): every check passes, any k shares reconstruct the key, k-1 do not', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 4 }).chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 1, max: n }), fc.shuffledSubarray([1, 2, 3, 4].slice(0, n), { minLength: n, maxLength: n }))),
      ([n, k, order]) => {
        const manifest = makeManifest({ trustees: n, threshold: k })
        const run = runDkg(manifest, rng)
        for (const r of run.registrations) assert.deepEqual(verifyRegistration(run.dctx, r), [])
        for (const d of run.deals) assert.deepEqual(verifyDeal(run.dctx, d, run.registrations), [])
        const secret = modq(run.coefficients.reduce((acc, c) => acc + c[0]!, 0n))
        assert.ok(mulG(secret).equals(run.jointKey), 'K = Σ aᵢ₀·G')
        for (let j = 1; j <= n; j++) assert.ok(mulG(run.secretShares[j - 1]!).equals(run.verificationShares.get(j)!), `X${j} = x${j}·G`)
        const interpolate = (set: number[]) => {
          const l = lagrangeAtZero(set)
          return modq(set.reduce((acc, j) => acc + l.get(j)! * run.secretShares[j - 1]!, 0n))
        }
        assert.equal(interpolate(order.slice(0, k)), secret)
        if (k > 1) assert.notEqual(interpolate(order.slice(0, k - 1)), secret)
      },
    ),
    { numRuns: 10 },
  )
})

/** Trustee 1 deals honestly except to trustee `victim`, who gets `wrong` (or garbage bytes). */
function dishonestDeal(run: ReturnType<typeof runDkg>, victim: number, garbage = false): Deal {
  const k = run.dctx.manifest.threshold
  const coefficients = Array.from({ length: k }, () => randomScalar(rng))
  const f = (x: number) => modq(coefficients.reduce((acc, c, t) => acc + c * BigInt(x) ** BigInt(t), 0n))
  const shares = run.registrations
    .map((r) => r.trustee)
    .filter((j) => j !== 1)
    .map((j) => {
      const s = encryptShare(shareRoute(run.dctx, 1, j, run.registrations), j === victim ? f(j) + 1n : f(j), rng)
      return j === victim && garbage ? { ...s, ciphertext: s.ciphertext.map((b) => b ^ 0x55) } : s
    })
  return sealDeal(run.dctx, 1, coefficients.map(mulG), shares, coefficients[0]!, rng)
}

test('a bad share is caught: the complaint is upheld from public data and the dealer is disqualified', () => {
  const manifest = makeManifest({ trustees: 3, threshold: 2 })
  const run = runDkg(manifest, rng)
  for (const garbage of [false, true]) {
    const bad = dishonestDeal(run, 2, garbage)
    // the deal itself is well-formed and signed: only the recipient can tell
    assert.deepEqual(verifyDeal(run.dctx, bad, run.registrations), [])
    const opened = receiveShare(run.dctx, bad, 2, run.registrations, run.encryptionSecrets[1]!)
    assert.equal(opened.ok, false)
    assert.match((opened as { reason: string }).reason, garbage ? /does not authenticate/ : /does not match the dealer's commitments/)
    assert.equal(receiveShare(run.dctx, bad, 3, run.registrations, run.encryptionSecrets[2]!).ok, true, 'trustee 3 got a good share')
    const complaint = decodeComplaint(encodeComplaint(makeComplaint(run.dctx, bad, 2, run.registrations, run.encryptionSecrets[1]!, rng)))
    const verdict = judgeComplaint(run.dctx, complaint, bad, run.registrations)
    assert.equal(verdict.valid && verdict.upheld, true, JSON.stringify(verdict))
    const deals = [bad, ...run.deals.slice(1)]
    const qual = qualifiedDealers(run.dctx, deals, [1])
    assert.deepEqual(qual, [2, 3])
    assert.ok(jointPublicKey(deals, qual).equals(run.deals[1]!.commitments[0]!.add(run.deals[2]!.commitments[0]!)))
  }
})

test('a false complaint is rejected; a forged one (wrong key revealed, wrong complainer) is invalid', () => {
  const manifest = makeManifest({ trustees: 3, threshold: 2 })
  const run = runDkg(manifest, rng)
  const honest = run.deals[0]!
  const complaint = makeComplaint(run.dctx, honest, 2, run.registrations, run.encryptionSecrets[1]!, rng)
  assert.deepEqual(judgeComplaint(run.dctx, complaint, honest, run.registrations), { valid: true, upheld: false, reason: 'the share is correct' })
  // revealing a different key (to make a good share look bad) breaks the proof
  const forged = { ...complaint, dhKey: complaint.dhKey.add(mulG(1n)) }
  const v1 = judgeComplaint(run.dctx, forged, honest, run.registrations)
  assert.equal(v1.valid, false)
  assert.match((v1 as { reason: string }).reason, /proof of the revealed key invalid/)
  // trustee 3 cannot complain with trustee 2's revealed key
  const v2 = judgeComplaint(run.dctx, { ...complaint, complainer: 3 }, honest, run.registrations)
  assert.equal(v2.valid, false)
  // nor about its own deal
  assert.equal(judgeComplaint(run.dctx, { ...complaint, complainer: 1 }, honest, run.registrations).valid, false)
})

test('tampered deals and registrations are refused; a registration is bound to its trustee', () => {
  const manifest = makeManifest({ trustees: 3, threshold: 2 })
  const run = runDkg(manifest, rng)
  const bytes = encodeDeal(run.deals[0]!)
  assert.deepEqual(verifyDeal(run.dctx, decodeDeal(bytes), run.registrations), [])
  // any change to a share's bytes (which only its recipient can read) breaks the deal's signature
  for (const offset of [8 + 32 * 2 + 4 + 4 + 40, bytes.length - 70]) {
    const b = new Uint8Array(bytes)
    b[offset]! ^= 1
    let failures: string[]
    try {
      failures = verifyDeal(run.dctx, decodeDeal(b), run.registrations)
    } catch (e) {
      assert.ok(e instanceof PolisError && e.errorName === 'invalid_message')
      continue
    }
    assert.deepEqual(failures, ['deal of trustee 1: proof of knowledge invalid'])
  }
  // wrong number of commitments, missing shares
  const d = run.deals[0]!
  assert.match(verifyDeal(run.dctx, { ...d, commitments: d.commitments.slice(0, 1) }, run.registrations)[0]!, /1 commitments, the threshold needs 2/)
  assert.match(verifyDeal(run.dctx, { ...d, shares: d.shares.slice(1) }, run.registrations)[0]!, /shares must go to trustees \[2, 3\]/)
  // trustee 1's registration replayed as trustee 2's
  const reg = decodeRegistration(encodeRegistration(run.registrations[0]!))
  assert.deepEqual(verifyRegistration(run.dctx, reg), [])
  assert.deepEqual(verifyRegistration(run.dctx, { ...reg, trustee: 2 }), ['trustee 2 key registration: proof of knowledge invalid'])
  assert.deepEqual(verifyRegistration(run.dctx, { ...reg, trustee: 4 }), ['trustee 4 key registration: not a trustee of this election'])
  // a deal made for another election does not verify here
  const elsewhere = runDkg(makeManifest({ trustees: 3, threshold: 2, electionId: 'other' }), rng)
  assert.deepEqual(verifyDeal(run.dctx, elsewhere.deals[0]!, elsewhere.registrations), ['deal of trustee 1: proof of knowledge invalid'])
})

test('fewer than k qualified dealers: the key generation fails with invalid_state', () => {
  const manifest = makeManifest({ trustees: 3, threshold: 2 })
  const run = runDkg(manifest, rng)
  assert.throws(
    () => qualifiedDealers(run.dctx, run.deals, [1, 2]),
    (e: unknown) => e instanceof PolisError && e.errorName === 'invalid_state' && /only 1 qualified dealers \[3\], the threshold is 2/.test(e.message),
  )
  assert.throws(() => qualifiedDealers(run.dctx, run.deals.slice(0, 1), []), PolisError)
  // registrations from someone who is not a trustee cannot even be made
  assert.throws(() => makeDeal(run.dctx, 4, run.registrations, rng), (e: unknown) => e instanceof PolisError && e.errorName === 'invalid_message')
})
