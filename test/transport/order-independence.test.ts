/**
 * What the chain records for RSU windows is a function of the set of submissions, not of their
 * order: the same windows, fed in any order an honest network can produce (each RSU's own windows
 * in order, as the chain requires, the RSUs interleaved at random) and cut into blocks at random,
 * give the same confirmed events, flags, reputations, standings and the same state hash as feeding
 * them window by window. (The state hash is SHA-256 over the whole key-value state in key order; the
 * IAVL root, the app hash, also commits to the heights at which each node changed, so it differs
 * with the number of blocks by design.)
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { compareBytes, concatBytes, toHex } from '../../src/base/bytes.js'
import { sha256 } from '../../src/crypto/hash.js'
import type { KeyPair } from '../../src/crypto/keys.js'
import { testKey } from '../../src/kit/genesis-builder.js'
import { TestChain } from '../../src/kit/transport-chain.js'

const RSUS = [0, 1, 2, 3].map((i) => testKey(`order-rsu-${i}`))
const VEHICLES = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => testKey(`order-vehicle-${i}`))
const WINDOWS = 4
/** max_lag_windows above the windows fed: only "every RSU has passed it" settles a window here. */
const PARAMS = { max_lag_windows: '8', threshold_permille: '450', min_evidence: '1', event_quorum: '2', event_min_rsus: '2', event_span_windows: '2' }
/** Two cells (accident and hazard sites) the RSUs report about, with a few metres of jitter. */
const SITES: Array<[bigint, bigint, bigint]> = [[2n, 1210n, 1010n], [3n, 1550n, 980n]]

interface Sub { rsu: number; window: number; verdicts: Array<[number, number, number]>; events: Array<[number, number, number[]]> }

const subArb = (rsu: number, window: number): fc.Arbitrary<Sub | null> => fc.option(
  fc.uniqueArray(fc.tuple(fc.nat(VEHICLES.length - 1), fc.nat(5), fc.nat(5)), { selector: (v) => v[0], minLength: 1, maxLength: VEHICLES.length })
    .map((vs) => vs.map(([v, ok, bad]): [number, number, number] => [v, ok + bad === 0 ? 1 : ok, bad]))
    .chain((verdicts) => fc.record({
      rsu: fc.constant(rsu), window: fc.constant(window), verdicts: fc.constant(verdicts),
      events: fc.uniqueArray(
        fc.tuple(fc.nat(SITES.length - 1), fc.nat(40), fc.subarray(verdicts.map((v) => v[0]), { minLength: 1 })),
        { selector: (e) => e[0], maxLength: SITES.length },
      ),
    })),
  { freq: 6 }, // an RSU that heard nothing may skip a window
)

const scenarioArb = fc.tuple(...RSUS.flatMap((_, r) => Array.from({ length: WINDOWS }, (_, w) => subArb(r, w))))
  .map((subs) => subs.filter((s): s is Sub => s !== null))
  .filter((subs) => subs.length > 0)
/** A scenario, an interleaving (a permutation of the submissions) and where blocks are cut. */
const caseArb = scenarioArb.chain((subs) => fc.tuple(
  fc.constant(subs),
  fc.shuffledSubarray(subs.map((_, i) => i), { minLength: subs.length, maxLength: subs.length }),
  fc.array(fc.boolean(), { minLength: subs.length, maxLength: subs.length }),
))

/** Each RSU's submissions stay in window order: the slots of RSU r in `perm` get r's windows ascending. */
function interleave(subs: Sub[], perm: number[]): Sub[] {
  const queues = RSUS.map((_, r) => subs.filter((s) => s.rsu === r).sort((a, b) => a.window - b.window))
  return perm.map((i) => queues[subs[i]!.rsu]!.shift()!)
}

function message(s: Sub): Record<string, unknown> {
  const verdicts = s.verdicts.map(([v, ok, bad]) => [VEHICLES[v]!.publicKey, ok, bad]).sort((a, b) => compareBytes(a[0] as Uint8Array, b[0] as Uint8Array))
  const events = s.events.map(([site, jitter, reporters]) => {
    const [code, x, y] = SITES[site]!
    return [code, x + BigInt(jitter), y - BigInt(jitter), reporters.map((v) => VEHICLES[v]!.publicKey).sort(compareBytes)]
  })
  return { window: BigInt(s.window), root: new Uint8Array(32).fill(s.rsu + 1), size: 1n, verdicts, ...(events.length ? { events } : {}) }
}

/** Feeds the submissions in this order, cutting a block after i where cut[i]; returns what the chain recorded. */
async function feed(order: Sub[], cut: boolean[]): Promise<{ record: unknown; stateHash: string; confirmed: number; flagged: number }> {
  const chain = await TestChain.open('transport-order', PARAMS)
  try {
    await chain.block()
    await chain.registerFleet(VEHICLES, RSUS)
    let pending: Uint8Array[] = []
    const flush = async () => {
      const r = await chain.block(pending)
      assert.deepEqual(r.map((x) => x.code), pending.map(() => 0), r.map((x) => x.log).join('; '))
      pending = []
    }
    for (const [i, s] of order.entries()) {
      pending.push(chain.tx(RSUS[s.rsu]!, [{ type: 'transport/submit-window', value: message(s) as never }]))
      if (cut[i] || i === order.length - 1) await flush()
    }
    const events = chain.q('transport/events').events as unknown[]
    const flagged = chain.q('transport/flagged').flagged as unknown[]
    const record = {
      params: chain.q('transport/params'),
      events,
      flagged,
      reputations: VEHICLES.map((v) => chain.q('transport/reputation', { vehicle: toHex(v.publicKey) })),
      standings: RSUS.map((r) => chain.q('transport/rsu-standing', { rsu: toHex(r.publicKey) })),
    }
    const kv = [...chain.engine.app.stateReader().iterate()].flatMap(([k, v]) => [sha256(k), sha256(v)])
    return { record, stateHash: toHex(sha256(concatBytes(...kv))), confirmed: events.length, flagged: flagged.length }
  } finally {
    await chain.close()
  }
}

test('the same set of RSU windows in any honest order and any block grouping: the same events, flags, reputations and state hash', { timeout: 300_000 }, async () => {
  let confirmed = 0, flagged = 0, runs = 0
  await fc.assert(fc.asyncProperty(caseArb, async ([subs, perm, cut]) => {
    const inOrder = [...subs].sort((a, b) => a.window - b.window || a.rsu - b.rsu)
    const reference = await feed(inOrder, inOrder.map((s, i) => i === inOrder.length - 1 || inOrder[i + 1]!.window !== s.window))
    const shuffled = await feed(interleave(subs, perm), cut)
    assert.deepEqual(shuffled.record, reference.record)
    assert.equal(shuffled.stateHash, reference.stateHash)
    confirmed += reference.confirmed
    flagged += reference.flagged
    runs++
  }), { numRuns: 100 })
  // the scenarios are not vacuous: events get confirmed and vehicles flagged in them
  assert.ok(confirmed > 0 && flagged > 0, `${runs} runs: ${confirmed} events confirmed, ${flagged} vehicles flagged`)
})
