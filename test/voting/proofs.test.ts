/**
 * The zero-knowledge proofs on their own: Schnorr, Chaum-Pedersen, and the disjunctive proof in
 * its 0/1 and range forms. Each accepts the honest statement and refuses a false statement, a
 * changed context (another election, another voter, another option), and any changed byte; the
 * batch check agrees with checking each relation alone.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { utf8 } from '../../src/base/bytes.js'
import { PolisError } from '../../src/base/errors.js'
import { encrypt } from '../../src/voting/elgamal.js'
import { ORDER, fixedBase, modq, mul, mulG } from '../../src/voting/group.js'
import { decodeEqualityProof, encodeEqualityProof, equalityRelations, proveEquality } from '../../src/voting/proofs/chaum-pedersen.js'
import { decodeDisjunctiveProof, encodeDisjunctiveProof, oneOfRelations, proveOneOf, type DisjunctiveStatement } from '../../src/voting/proofs/disjunctive.js'
import { decodeSchnorrProof, encodeSchnorrProof, knowledgeRelations, proveKnowledge } from '../../src/voting/proofs/schnorr.js'
import { randomScalar } from '../../src/voting/random.js'
import { batchHolds, failedRelations, msm, relationHolds, type Relation } from '../../src/voting/relations.js'
import { account, rngFor } from './fixture.js'

const rng = rngFor('proofs')
const ok = (rs: Relation[]) => rs.every(relationHolds)
const electionA = utf8('election-a'.padEnd(32, '.'))
const electionB = utf8('election-b'.padEnd(32, '.'))
const sk = randomScalar(rng)
const K = fixedBase(mulG(sk))

/** Every proof byte changed in turn must be refused, at decoding or at verification. */
function everyByteMatters(bytes: Uint8Array, check: (b: Uint8Array) => boolean) {
  for (let i = 0; i < bytes.length; i++) {
    const b = new Uint8Array(bytes)
    b[i]! ^= 1 << i % 8
    let accepted = false
    try {
      accepted = check(b)
    } catch (e) {
      assert.ok(e instanceof PolisError && e.errorName === 'invalid_message', String(e))
    }
    assert.equal(accepted, false, `byte ${i} changed and the proof still verified`)
  }
}

test('Schnorr: proves knowledge for its context only; every byte matters', () => {
  const x = randomScalar(rng)
  const X = mulG(x)
  const ctx = [electionA, account(1)]
  const proof = proveKnowledge('trustee-key', ctx, x, rng)
  assert.ok(ok(knowledgeRelations('trustee-key', ctx, X, proof, 'pok')))
  assert.ok(!ok(knowledgeRelations('trustee-key', [electionB, account(1)], X, proof, 'pok')), 'another election')
  assert.ok(!ok(knowledgeRelations('trustee-key', [electionA, account(2)], X, proof, 'pok')), 'another trustee')
  assert.ok(!ok(knowledgeRelations('deal', ctx, X, proof, 'pok')), 'another proof type')
  assert.ok(!ok(knowledgeRelations('trustee-key', ctx, mulG(x + 1n), proof, 'pok')), 'another key')
  everyByteMatters(encodeSchnorrProof(proof), (b) => ok(knowledgeRelations('trustee-key', ctx, X, decodeSchnorrProof(b, 'pok'), 'pok')))
})

test('Chaum-Pedersen: equal logs accepted, unequal refused; every byte matters', () => {
  const x = randomScalar(rng)
  const B = mulG(randomScalar(rng))
  const st = { publicKey: mulG(x), base: B, image: mul(B, x) }
  const ctx = [electionA, account(1)]
  const proof = proveEquality('partial-decryption', ctx, st, x, rng)
  assert.ok(ok(equalityRelations('partial-decryption', ctx, st, proof, 'cp')))
  const lie = { ...st, image: mul(B, x + 1n) }
  assert.ok(!ok(equalityRelations('partial-decryption', ctx, lie, proveEquality('partial-decryption', ctx, lie, x, rng), 'cp')), 'unequal logs')
  assert.ok(!ok(equalityRelations('partial-decryption', [electionB, account(1)], st, proof, 'cp')), 'another election')
  everyByteMatters(encodeEqualityProof(proof), (b) => ok(equalityRelations('partial-decryption', ctx, st, decodeEqualityProof(b, 'cp'), 'cp')))
})

function zeroOne(m: bigint, claimed: number, ctx: Uint8Array[]) {
  const r = randomScalar(rng)
  const ct = encrypt(K, m, r)
  const st: DisjunctiveStatement = { publicKey: K, parts: [ct], values: [0, 1] }
  return { st, proof: proveOneOf('selection', ctx, st, { randomness: r, index: claimed }, rng) }
}

test('0/1 proof: 0 and 1 accepted; 2 (or -1) refused whatever branch the prover claims', () => {
  const ctx = [electionA, account(1)]
  for (const m of [0, 1]) {
    const { st, proof } = zeroOne(BigInt(m), m, ctx)
    assert.ok(ok(oneOfRelations('selection', ctx, st, proof, 'sel')), `m = ${m}`)
  }
  for (const m of [2n, modq(-1n), 5n]) {
    for (const claimed of [0, 1]) {
      const { st, proof } = zeroOne(m, claimed, ctx)
      assert.ok(!ok(oneOfRelations('selection', ctx, st, proof, 'sel')), `m = ${m} claimed as ${claimed}`)
    }
  }
})

test('0/1 proof: bound to the election, the voter and the option; every byte matters', () => {
  const ctx = [electionA, account(1), new Uint8Array([0, 0, 0, 0]), new Uint8Array([0, 0, 0, 2])]
  const { st, proof } = zeroOne(1n, 1, ctx)
  const check = (c: Uint8Array[]) => ok(oneOfRelations('selection', c, st, proof, 'sel'))
  assert.ok(check(ctx))
  assert.ok(!check([electionB, ...ctx.slice(1)]), 'another election')
  assert.ok(!check([electionA, account(2), ...ctx.slice(2)]), "another voter's account")
  assert.ok(!check([...ctx.slice(0, 3), new Uint8Array([0, 0, 0, 3])]), 'another option')
  assert.ok(!ok(oneOfRelations('selection', ctx, { ...st, publicKey: mulG(sk + 1n) }, proof, 'sel')), 'another key')
  everyByteMatters(encodeDisjunctiveProof(proof), (b) => ok(oneOfRelations('selection', ctx, st, decodeDisjunctiveProof(b, 2, 'sel'), 'sel')))
})

test('range proof over a sum of ciphertexts: every value in range accepted, values outside refused', () => {
  const ctx = [electionA, account(1)]
  const values = [1, 2, 3]
  for (const total of [0, 1, 2, 3, 4]) {
    const rs = [randomScalar(rng), randomScalar(rng), randomScalar(rng), randomScalar(rng)]
    const ms = [0, 0, 0, 0].map((_, i) => (i < total ? 1n : 0n))
    const parts = rs.map((r, i) => encrypt(K, ms[i]!, r))
    const st = { publicKey: K, parts, values }
    const claimed = Math.min(Math.max(total - 1, 0), 2)
    const proof = proveOneOf('selection-limit', ctx, st, { randomness: modq(rs.reduce((a, b) => a + b)), index: claimed }, rng)
    assert.equal(ok(oneOfRelations('selection-limit', ctx, st, proof, 'range')), values.includes(total), `total ${total}`)
    // the proof is about exactly these parts
    if (values.includes(total)) assert.ok(!ok(oneOfRelations('selection-limit', ctx, { ...st, parts: parts.slice(1) }, proof, 'range')))
  }
})

test('batch check agrees with checking each relation alone, and names the failing ones', () => {
  const ctx = [electionA, account(1)]
  fc.assert(
    fc.property(fc.array(fc.boolean(), { minLength: 1, maxLength: 6 }), (honest) => {
      const relations: Relation[] = []
      honest.forEach((h, i) => {
        const { st, proof } = zeroOne(h ? 1n : 2n, 1, ctx)
        relations.push(...oneOfRelations('selection', ctx, st, proof, `proof ${i}`))
      })
      const seed = utf8(honest.join())
      assert.equal(batchHolds(relations, seed), honest.every(Boolean))
      assert.deepEqual(failedRelations(relations, seed), honest.flatMap((h, i) => (h ? [] : [`proof ${i}`])))
    }),
    { numRuns: 12 },
  )
})

test('multi-scalar multiplication equals the plain sum (Straus and Pippenger sizes, edge scalars)', () => {
  const naive = (terms: Array<readonly [bigint, ReturnType<typeof mulG>]>) => terms.reduce((acc, [s, p]) => acc.add(p.multiplyUnsafe(modq(s))), mulG(0n))
  for (const n of [0, 1, 3, 40, 260]) {
    const points = Array.from({ length: n }, (_, i) => (i % 7 === 3 ? K : mulG(randomScalar(rng))))
    const edge = [0n, 1n, -1n, 2n ** 127n, ORDER - 1n, ORDER + 5n]
    const terms = points.map((p, i) => [i < edge.length ? edge[i]! : i % 2 ? randomScalar(rng) >> 125n : randomScalar(rng), p] as const)
    assert.ok(msm(terms).equals(naive(terms)), `n = ${n}`)
  }
  // the same point object twice is merged; a relation that cancels holds
  const P = mulG(randomScalar(rng))
  assert.ok(msm([[5n, P], [-5n, P]]).is0())
  assert.ok(relationHolds({ label: 'x', terms: [[3n, P], [2n, P], [-5n, P]] }))
})
