/**
 * Property: for random elections (questions, bounds, k of n) and random ballots with re-votes, cast
 * through the real App and decrypted by a random k of the trustees, the recorded result equals the
 * plain count of each voter's last ballot, and the exported record verifies on its own.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import type { QuestionSpec } from '../../src/modules/voting/types.js'
import { verifyElectionRecord } from '../../src/voting/record.js'
import { Election, SECOND, createMsg, ok, timeline, votingChain, type VotingChain } from './module-harness.js'

let c: VotingChain
before(async () => {
  c = await votingChain(3, 5)
})
after(async () => c.close())

const question = fc.integer({ min: 2, max: 4 }).chain((n) =>
  fc.integer({ min: 0, max: n }).chain((lo) =>
    fc.integer({ min: Math.max(lo, 1), max: n }).map((hi): QuestionSpec => ({ title: `q${n}${lo}${hi}`, options: Array.from({ length: n }, (_, i) => `o${i}`), minSelections: lo, maxSelections: hi })),
  ),
)

/** A valid choice for `q` from a seed: a count in [min, max], then that many distinct options. */
function choice(q: QuestionSpec, seed: number): number[] {
  const count = q.minSelections + (seed % (q.maxSelections - q.minSelections + 1))
  const order = q.options.map((_, i) => i).sort((a, b) => ((a * 7919 + seed) % 101) - ((b * 7919 + seed) % 101) || a - b)
  const chosen = new Set(order.slice(0, count))
  return q.options.map((_, i) => (chosen.has(i) ? 1 : 0))
}

let run = 0
test('the recorded result is the plain count of the counted ballots (random elections and ballots)', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(question, { minLength: 1, maxLength: 2 }),
      fc.integer({ min: 1, max: 3 }).chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 1, max: n }), fc.shuffledSubarray([1, 2, 3].slice(0, n)))),
      fc.array(fc.tuple(fc.integer({ min: 0, max: 4 }), fc.nat(10_000)), { minLength: 0, maxLength: 7 }),
      async (questions, [n, k, order], ballots) => {
        const decryptors = [...order, ...[1, 2, 3].slice(0, n).filter((i) => !order.includes(i))].slice(0, k)
        const id = `prop-${run++}`
        const t = timeline(c.time)
        ok(await c.run(c.city.authority, createMsg(c, id, t, { questions, trustees: n, threshold: k })))
        const e = new Election(c, id)
        await e.keyGeneration(Array.from({ length: n }, (_, i) => i + 1))
        const last = new Map<number, number[][]>()
        let time = t.opensAt
        for (const [v, seed] of ballots) {
          const sel = questions.map((q, qi) => choice(q, seed + qi))
          time += SECOND
          ok(await e.vote(c.voters[v]!, sel, time, `${seed}-${time}`))
          last.set(v, sel)
        }
        for (const [j, i] of decryptors.entries()) ok(await e.decrypt(i, t.closesAt + BigInt(j + 1) * SECOND))
        const plain = questions.map((q, qi) => q.options.map((_, oi) => [...last.values()].reduce((s, sel) => s + sel[qi]![oi]!, 0)))
        const v = e.view()
        assert.equal(v.phase, 'tallied')
        assert.deepEqual(v.counts, plain)
        const report = verifyElectionRecord(e.record())
        assert.deepEqual(report.failures, [])
        assert.deepEqual([report.counts, report.ballotsCast, report.ballotsCounted], [plain, ballots.length, last.size])
      },
    ),
    { numRuns: 6, seed: 15 },
  )
})
