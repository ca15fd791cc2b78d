/**
 * SIEM alert ids by unique prefix in the CLI (`polis siem alert|ack|close ID`): real alerts on a
 * chain in this process (a correlator attests a registered SigmaHQ rule on 20 logged events), then
 * a unique prefix and the shortened PREFIX…SUFFIX form resolve to the full id, a prefix several
 * alerts share is refused naming them, and one no alert has is refused as not found.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { Collector } from '../../src/agents/siem/collector.js'
import { startCollectorApi } from '../../src/agents/siem/collector-api.js'
import { SiemCorrelatorAgent } from '../../src/agents/siem/correlator-agent.js'
import { identity } from '../../src/sdk/msgs.js'
import { siemMsgs } from '../../src/modules/siem/types.js'
import { loadTeamRules } from '../../src/siem/team-rules.js'
import { sha256 } from '../../src/crypto/hash.js'
import { testKey } from '../../src/kit/genesis-builder.js'
import { PolisError } from '../../src/base/errors.js'
import { resolveAlertId } from '../../src/cli/alert-id.js'
import type { Listener } from '../../src/siem/listeners.js'
import { until } from '../helpers/until.js'
import { cli } from '../helpers/cli.js'
import { inProcessNode } from './in-process-node.js'

const RULE = 'test/fixtures/sigma-corpus/rules/web/webserver_generic/web_webshell_regeorg.yml'
const RULE_ID = '2ea44a60-cfda-11ea-87d0-0242ac130003'
const N = 20

let node: Awaited<ReturnType<typeof inProcessNode>>
let ids: string[] = []
const listeners: Listener[] = []

before(async () => {
  node = await inProcessNode('siem-alert-id')
  const [gw, soc] = [testKey('siem/alert-id/gw'), testKey('siem/alert-id/soc')]
  const text = readFileSync(RULE, 'utf8')
  assert.equal((await node.client.signAndSubmit(node.city.authority, [identity.registerDevice(gw.publicKey), identity.register(soc.publicKey, ['operator'])])).code, 0)
  assert.equal((await node.client.signAndSubmit(node.city.authority, [
    siemMsgs.registerCollector({ collector: gw.publicKey, name: 'web' }), siemMsgs.registerCorrelator({ correlator: soc.publicKey }),
    siemMsgs.registerRule({ id: RULE_ID, version: 1n, hash: sha256(Buffer.from(text)), action: 'none', text }),
  ])).code, 0)
  const col = new Collector(await node.client.chainId(), gw, 'web')
  for (let i = 0; i < N; i++) {
    col.ingest(JSON.stringify({ '@timestamp': '2026-11-24T10:00:00.000Z', source: { ip: '203.0.113.9' }, url: { original: `/t.jsp?cmd=connect&target=10.0.0.${i}` }, http: { request: { method: 'POST' } } }), 'auto', Date.now())
  }
  const { checkpoint, msg } = col.checkpoint()
  assert.equal((await node.client.signAndSubmit(gw, [msg])).code, 0)
  col.markAnchored(checkpoint)
  const api = await startCollectorApi({ collector: col, ingest: () => undefined, flush: async () => undefined }, { host: '127.0.0.1', port: 0 })
  listeners.push(api)
  const agent = new SiemCorrelatorAgent({ client: node.client, key: soc, collectors: [{ url: `http://127.0.0.1:${api.port}` }], intervalMs: 50, rules: loadTeamRules('test/fixtures/sigma-corpus/rules/web/webserver_generic').rules })
  await agent.start()
  try {
    ids = await until('20 alerts', async () => {
      const { alerts } = await node.client.query<{ alerts: Array<{ id: string }> }>('siem', 'alerts', { limit: '100' })
      return alerts.length === N ? alerts.map((a) => a.id).sort() : undefined
    })
  } finally {
    await agent.stop()
  }
})
after(async () => {
  for (const l of listeners) await l.close()
  await node?.stop()
})

/** The shortest prefix of `id` that no other alert shares. */
const uniquePrefix = (id: string) => {
  for (let n = 1; ; n++) if (ids.filter((x) => x.startsWith(id.slice(0, n))).length === 1) return id.slice(0, n)
}

test('a unique prefix, the full id and the PREFIX…SUFFIX form resolve to the alert; the CLI accepts them', async () => {
  for (const id of ids.slice(0, 5)) {
    assert.equal(await resolveAlertId(node.client, uniquePrefix(id)), id)
    assert.equal(await resolveAlertId(node.client, id.toUpperCase()), id)
    assert.equal(await resolveAlertId(node.client, `${id.slice(0, 8)}…${id.slice(-4)}`), id)
    assert.equal(await resolveAlertId(node.client, `${id.slice(0, 8)}...${id.slice(-4)}`), id)
  }
  const id = ids[7]!
  const r = await cli(['--json', '--node', node.url, 'siem', 'alert', uniquePrefix(id)])
  assert.equal(r.code, 0, r.stderr)
  assert.equal(r.json().id, id)
  assert.equal(r.json().rule, RULE_ID)
})

test('an ambiguous prefix is refused naming the candidates; an unknown one is not found; bad text is refused; nothing changes', async () => {
  // 20 ids over 16 first digits: some first digit is shared
  const shared = [...'0123456789abcdef'].find((d) => ids.filter((x) => x.startsWith(d)).length > 1)!
  const candidates = ids.filter((x) => x.startsWith(shared))
  await assert.rejects(resolveAlertId(node.client, shared), (e: unknown) =>
    e instanceof PolisError && e.errorName === 'invalid_request' && /is ambiguous/.test(e.message) && candidates.every((c) => e.message.includes(c)))
  const r = await cli(['--node', node.url, 'siem', 'alert', shared])
  assert.equal(r.code, 1)
  assert.match(r.stderr, new RegExp(`alert id ${shared} is ambiguous: it matches ${candidates[0]}`))

  let unknown = 'abcd'
  while (ids.some((x) => x.startsWith(unknown))) unknown = (parseInt(unknown, 16) + 1).toString(16)
  await assert.rejects(resolveAlertId(node.client, unknown), (e: unknown) => e instanceof PolisError && e.errorName === 'not_found' && e.message === `no alert id starts with ${unknown}`)
  await assert.rejects(resolveAlertId(node.client, `${ids[0]!.slice(0, 6)}…ffffffffffff`), (e: unknown) => e instanceof PolisError && e.errorName === 'not_found')
  for (const bad of ['', 'xyz', '12 34', 'a'.repeat(65), '…abc']) {
    await assert.rejects(resolveAlertId(node.client, bad), (e: unknown) => e instanceof PolisError && e.errorName === 'invalid_request' && /alert id must be hex/.test(e.message), bad)
  }
  const close = await cli(['--node', node.url, 'siem', 'close', shared, '--reason', 'x', '--from', 'nobody'])
  assert.equal(close.code, 1)
  assert.match(close.stderr, /is ambiguous/)
  const { alerts } = await node.client.query<{ alerts: Array<{ status: string }> }>('siem', 'alerts', { limit: '100' })
  assert.ok(alerts.every((a) => a.status === 'open'), 'nothing was triaged')
})
