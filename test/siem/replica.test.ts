/** A correlator's replica of a collector's log keeps a batch only if it rebuilds the anchored root. */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Collector } from '../../src/agents/siem/collector.js'
import { LogReplica, ReplicaMismatchError } from '../../src/siem/replica.js'
import { utf8 } from '../../src/base/bytes.js'
import { verifyInclusion } from '../../src/siem/merkle-log.js'
import { testKey } from '../../src/kit/genesis-builder.js'
import { CorrelatorAgent } from '../../src/agents/siem/correlator.js'
import { loadRules } from '../../src/siem/rule-set.js'
import { MAX_EVIDENCE } from '../../src/modules/siem/types.js'

const key = testKey('siem/replica/gw')
function collector(n: number): Collector {
  const c = new Collector('replica-city', key, 'gw')
  for (let i = 0; i < n; i++) c.ingest(`<38>1 2026-11-24T10:00:0${i % 10}Z cam sshd 1 - - Failed password for root from 10.0.0.${i} port 1 ssh2`)
  return c
}
const entries = (c: Collector, from: number, to: number) => c.events.slice(from, to).map((e) => e.entry)

test('honest batches extend the replica; its inclusion proofs verify against the anchored roots', () => {
  const c = collector(12)
  const r = new LogReplica(key.publicKey)
  assert.equal(r.extend(entries(c, 0, 5), { size: 5, root: c.log.root(5) }).length, 5)
  const evs = r.extend(entries(c, 5, 12), { size: 12, root: c.log.root(12) })
  assert.equal(evs[0]!.source?.ip, '10.0.0.5')
  assert.equal(r.lastAnchored?.size, 12)
  for (const i of [0, 6, 11]) {
    const ev = r.evidence(i, 12)
    assert.doesNotThrow(() => verifyInclusion(i, 12, Buffer.from(ev.leafHash, 'hex'), ev.proof.map((h) => Buffer.from(h, 'hex')), c.log.root(12)))
    assert.deepEqual(r.indicesOf(c.events.at(i).event.event.hash), [i])
  }
})

test('a collector that alters, drops or reorders served entries is caught and the replica starts over', () => {
  const c = collector(8)
  const cases: Array<[string, Uint8Array[]]> = [
    ['altered', entries(c, 0, 8).map((e, i) => (i === 3 ? utf8(Buffer.from(e).toString().replace('10.0.0.3', '10.0.0.99')) : e))],
    ['reordered', [...entries(c, 0, 8)].reverse()],
    ['dropped', entries(c, 0, 7)],
    ['not an event', [...entries(c, 0, 7), utf8('garbage')]],
  ]
  for (const [what, served] of cases) {
    const r = new LogReplica(key.publicKey)
    r.extend(entries(c, 0, 2), { size: 2, root: c.log.root(2) })
    assert.throws(() => r.extend(served.slice(2), { size: 8, root: c.log.root(8) }), ReplicaMismatchError, what)
    // a short batch is refused before it is applied (the verified prefix stays); any other is undone entirely
    assert.equal(r.size, what === 'dropped' ? 2 : 0, `${what}: nothing of the batch kept`)
    if (what === 'dropped') continue
    assert.equal(r.lastAnchored, undefined)
    // rebuilt from 0 with honest entries, it is whole again
    r.extend(entries(c, 0, 8), { size: 8, root: c.log.root(8) })
    assert.equal(r.size, 8)
  }
})

test('an alert with more evidence than the chain takes is attested with its oldest MAX_EVIDENCE events, the same set for every correlator', () => {
  const c = collector(40)
  c.markAnchored(c.checkpoint().checkpoint)
  const alert = { rule: 'corr_connection_flood', title: 'flood', group: {}, count: 40, first: '', last: '', evidence: c.events.slice().map((e) => e.event.event.hash) }
  const msg = new CorrelatorAgent(loadRules()).attestation(alert, c, { version: 1n, hash: new Uint8Array(32) })!
  const ev = msg.value.evidence as Array<{ index: bigint }>
  assert.equal(ev.length, MAX_EVIDENCE)
  assert.deepEqual(ev.map((e) => Number(e.index)), [...Array(MAX_EVIDENCE).keys()])
})
