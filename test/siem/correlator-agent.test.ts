/**
 * The correlator agent against a chain in this process and collectors served by the real
 * collector API: a correlation across two collectors is attested with evidence from both; the
 * verified replicas persist, so a restarted correlator resumes where it stopped (no re-read from
 * index 0) and does not attest again; a collector that signs a second history for an anchored
 * size is reported (`siem/report-fork`) and frozen on chain.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { Collector } from '../../src/agents/siem/collector.js'
import { startCollectorApi } from '../../src/agents/siem/collector-api.js'
import { SiemCorrelatorAgent } from '../../src/agents/siem/correlator-agent.js'
import { identity } from '../../src/sdk/msgs.js'
import { siemMsgs } from '../../src/modules/siem/types.js'
import { loadRules } from '../../src/siem/rule-set.js'
import { testKey } from '../../src/kit/genesis-builder.js'
import { tmpDir } from '../../src/kit/temp-dir.js'
import { toHex } from '../../src/base/bytes.js'
import type { Listener } from '../../src/siem/listeners.js'
import { until } from '../helpers/until.js'
import { inProcessNode } from './in-process-node.js'

type Node = Awaited<ReturnType<typeof inProcessNode>>
let node: Node
const rules = loadRules()
const [gwA, gwB, gwC, soc] = ['a', 'b', 'c', 'soc'].map((n) => testKey(`siem/correlator-agent/${n}`)) as [ReturnType<typeof testKey>, ReturnType<typeof testKey>, ReturnType<typeof testKey>, ReturnType<typeof testKey>]
const listeners: Listener[] = []
const data = tmpDir('siem-correlator-replicas')
const T = Date.parse('2026-11-24T10:00:00Z')

async function serve(col: Collector): Promise<string> {
  const api = await startCollectorApi({ collector: col, ingest: (r, f, o) => void col.ingest(r, f, undefined, o), flush: async () => undefined }, { host: '127.0.0.1', port: 0 })
  listeners.push(api)
  return `http://127.0.0.1:${api.port}`
}
async function anchor(col: Collector): Promise<void> {
  const { checkpoint, msg } = col.checkpoint()
  const r = await node.client.signAndSubmit(col.key, [msg])
  assert.equal(r.code, 0, r.log)
  col.markAnchored(checkpoint)
}
const failedLogin = (t: number, src: string, port: number) => `<38>1 ${new Date(t).toISOString()} gw sshd 22 - - Failed password for root from ${src} port ${port} ssh2`
const benign = (t: number, i: number) => `<14>1 ${new Date(t).toISOString()} cam-${i} telemetry - - - temperature ${20 + (i % 5)}`

function capture() {
  const logs: Array<{ msg: string; data: Record<string, unknown>; level: string }> = []
  return { logs, log: (msg: string, d: Record<string, unknown> = {}, level = 'info') => void logs.push({ msg, data: d, level }) }
}

before(async () => {
  node = await inProcessNode('siem-correlator-agent')
  const auth = node.city.authority
  const r1 = await node.client.signAndSubmit(auth, [identity.registerDevice(gwA.publicKey), identity.registerDevice(gwB.publicKey), identity.registerDevice(gwC.publicKey), identity.register(soc.publicKey, ['operator'])])
  assert.equal(r1.code, 0, r1.log)
  const r2 = await node.client.signAndSubmit(auth, [
    ...[[gwA, 'gw-a'], [gwB, 'gw-b'], [gwC, 'gw-c']].map(([k, name]) => siemMsgs.registerCollector({ collector: (k as typeof gwA).publicKey, name: name as string })),
    siemMsgs.registerCorrelator({ correlator: soc.publicKey }),
    ...rules.correlation.map((r) => siemMsgs.registerRule({ id: r.name, version: 1n, hash: rules.hashes.get(r.name)!, action: 'none' })),
  ])
  assert.equal(r2.code, 0, r2.log)
})
after(async () => {
  for (const l of listeners) await l.close()
  await node?.stop()
  data.remove()
})

test('a brute force split over two collectors is attested with evidence from both; a restarted correlator resumes from its stored replicas', async () => {
  const chainId = await node.client.chainId()
  const a = new Collector(chainId, gwA, 'gw-a')
  const b = new Collector(chainId, gwB, 'gw-b')
  for (let i = 0; i < 4; i++) a.ingest(benign(T + i, i), 'auto', T)
  // 3 failures reach collector A and 2 collector B: only together do they reach the rule's 5 in 5 s
  for (let i = 0; i < 3; i++) a.ingest(failedLogin(T + 1000 + i * 300, '198.51.100.7', 40000 + i), 'auto', T)
  for (let i = 3; i < 5; i++) b.ingest(failedLogin(T + 1000 + i * 300, '198.51.100.7', 40000 + i), 'auto', T)
  await anchor(a)
  await anchor(b)
  const urls = [await serve(a), await serve(b)]
  const first = capture()
  const agent = new SiemCorrelatorAgent({ client: node.client, key: soc, collectors: urls.map((url) => ({ url })), intervalMs: 50, dataDir: data.path, log: first.log })
  await agent.start()
  try {
    await until('the cross-collector alert attested', async () => (agent.attested.size === 1) || undefined, 20_000)
  } finally {
    await agent.stop()
  }
  const [id] = [...agent.attested]
  const alert = await node.client.query<{ rule: string; evidence: Array<{ collector: string }>; attesters: string[] }>('siem', 'alert', { id: id! })
  assert.equal(alert.rule, 'corr_bruteforce_remote_shell')
  assert.deepEqual([...new Set(alert.evidence.map((e) => e.collector))].sort(), [toHex(gwA.publicKey), toHex(gwB.publicKey)].sort())
  assert.equal(alert.evidence.length, 5)
  assert.deepEqual(alert.attesters, [toHex(soc.publicKey)])

  // A grows while the correlator is down; the restarted one reads only the new entries
  for (let i = 0; i < 3; i++) a.ingest(benign(T + 5000 + i, i), 'auto', T)
  await anchor(a)
  const second = capture()
  const again = new SiemCorrelatorAgent({ client: node.client, key: soc, collectors: urls.map((url) => ({ url })), intervalMs: 50, dataDir: data.path, log: second.log })
  await again.start()
  try {
    // A is followed to 10 and B resumed from its store, in the same round but one after the other: wait for both
    await until('collector A followed to 10 and B resumed', async () => (again.status()[0]!.verified === 10 && again.status()[1]!.verified === 2) || undefined, 20_000)
    const resumed = second.logs.filter((l) => l.msg === 'resumed from the stored replica').map((l) => l.data.size)
    assert.deepEqual(resumed, [7, 2], 'both replicas loaded from the store')
    const verified = second.logs.filter((l) => l.msg === 'verified').map((l) => [l.data.collector, l.data.from, l.data.size])
    assert.deepEqual(verified, [[toHex(gwA.publicKey), 7, 10]], 'only the 3 new entries were fetched')
    assert.equal(again.status()[1]!.verified, 2)
  } finally {
    await again.stop()
  }
  assert.deepEqual(second.logs.filter((l) => l.level === 'warn' || l.level === 'error'), [], 'the replayed window attests nothing twice')
})

test('a collector that signs another history for an anchored size is reported and frozen on chain', async () => {
  const chainId = await node.client.chainId()
  const honest = new Collector(chainId, gwC, 'gw-c')
  const forked = new Collector(chainId, gwC, 'gw-c')
  for (let i = 0; i < 6; i++) honest.ingest(benign(T + i, i), 'auto', T)
  for (let i = 0; i < 6; i++) forked.ingest(benign(T + i, i === 4 ? 99 : i), 'auto', T) // one event rewritten
  await anchor(honest)
  assert.notEqual(toHex(forked.signedHead().root), toHex(honest.signedHead().root))
  const url = await serve(forked)
  const c = capture()
  const agent = new SiemCorrelatorAgent({ client: node.client, key: soc, collectors: [{ url }], intervalMs: 50, log: c.log })
  await agent.start()
  try {
    await until('the fork reported', async () => (agent.forksReported.has(toHex(gwC.publicKey))) || undefined, 20_000)
  } finally {
    await agent.stop()
  }
  const reg = await node.client.query<{ forked_at: string | null }>('siem', 'collector', { address: toHex(gwC.publicKey) })
  assert.notEqual(reg.forked_at, null, 'frozen on chain')
  // a frozen collector anchors nothing more
  honest.ingest(benign(T + 10, 1), 'auto', T)
  const r = await node.client.signAndSubmit(gwC, [honest.checkpoint().msg], { allowFailure: true })
  assert.equal(r.ok, false)
})
