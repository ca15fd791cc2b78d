/**
 * The threat-intelligence blocklist as the collector and the devdata module consult it. Entries
 * are listed through the threatintel keeper's own `listIndicator` (what a packet from a peer city
 * does, test/bridge/threatintel.test.ts), by a fixture module, on a chain in this process.
 * Collector: an event naming a listed IP address or device key is logged and flagged
 * (`threatintel.blocklisted`), inline and through the parse pool; a listed collector key is refused.
 * The siem module: a listed key is not registered as a collector and anchors nothing.
 * devdata: a listed device key neither posts, nor receives, nor acknowledges.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { defineMessage, type Module } from '../../src/app/module.js'
import { ErrorCodes, fail, PolisError } from '../../src/base/errors.js'
import { listIndicator } from '../../src/modules/threatintel/keeper.js'
import { normalizeIndicator } from '../../src/modules/siem/indicators.js'
import { devdataMsgs, tagPayload } from '../../src/modules/devdata/index.js'
import { siemMsgs } from '../../src/modules/siem/types.js'
import { identity } from '../../src/sdk/msgs.js'
import { CollectorAgent } from '../../src/agents/siem/collector-agent.js'
import { Collector } from '../../src/agents/siem/collector.js'
import { LISTED_LABEL } from '../../src/siem/identity.js'
import { testKey } from '../../src/kit/genesis-builder.js'
import { toHex, utf8 } from '../../src/base/bytes.js'
import { inProcessNode } from './in-process-node.js'

const LISTER = 'tilist'
/** Test fixture: lists an indicator as a received share would (provenance of a made-up peer alert). */
const lister: Module = {
  name: LISTER,
  messages: {
    list: defineMessage({
      roles: ['authority'],
      parse: (v) => {
        const i = normalizeIndicator(String(v.kind), v.value)
        if (!i) fail('invalid_message', 'not an indicator')
        return i
      },
      handle: (ctx, i) => void listIndicator(ctx, {
        indicator: i, sourceChain: 'peer-city', sourceClient: 'to-us', client: 'from-peer', sequence: 1n, alert: new Uint8Array(32).fill(7), rule: 'corr_x',
        ruleVersion: 1n, confirmedAt: 1n, attesters: [new Uint8Array(32).fill(1)], receivedAt: ctx.height, expiresAt: ctx.height + 100_000n,
      }),
    }),
  },
  queries: {},
}
const list = (kind: string, value: string) => ({ type: `${LISTER}/list`, value: { kind, value } })

type Node = Awaited<ReturnType<typeof inProcessNode>>
let node: Node
const [gw, rogueGw, camera, meter, meter2] = ['gw', 'rogue-gw', 'camera', 'meter', 'meter-2'].map((n) => testKey(`siem/threat-intel/${n}`)) as Array<ReturnType<typeof testKey>>
const LISTED_IP = '203.0.113.66'

before(async () => {
  node = await inProcessNode('siem-threat-intel', [lister])
  const auth = node.city.authority
  const r = await node.client.signAndSubmit(auth, [gw, rogueGw, camera, meter, meter2].map((k) => identity.registerDevice(k!.publicKey)))
  assert.equal(r.code, 0, r.log)
  const r2 = await node.client.signAndSubmit(auth, [
    siemMsgs.registerCollector({ collector: gw!.publicKey, name: 'gw' }), siemMsgs.registerCollector({ collector: rogueGw!.publicKey, name: 'rogue' }),
    list('ip', LISTED_IP), list('device', toHex(camera!.publicKey)), list('device', toHex(rogueGw!.publicKey)),
  ])
  assert.equal(r2.code, 0, r2.log)
})
after(async () => {
  await node?.stop()
})

for (const workers of [0, 1]) {
  test(`collector${workers ? ' (parse pool)' : ''}: events naming a listed IP or device key are logged and flagged; others are not`, async () => {
    const agent = new CollectorAgent({ client: node.client, key: gw!, name: 'gw', dataDir: join(node.dir, `gw-store-${workers}`), devices: new Map([['127.0.0.1', toHex(camera!.publicKey)]]), workers })
    const ep = await agent.start()
    try {
      const body = [
        JSON.stringify({ src_ip: LISTED_IP, dst_ip: '10.0.0.1', message: 'login failed' }),
        JSON.stringify({ src_ip: '198.51.100.1', dst_ip: '10.0.0.1', message: 'hello' }),
      ].join('\n')
      const res = await fetch(`${ep.api}/v1/events`, { method: 'POST', body })
      assert.equal(res.status, 202)
      const col = agent.collector
      const flagged = col.events.at(col.events.length - 2).event
      const plain = col.events.at(col.events.length - 1).event
      // the reporting device (127.0.0.1 -> camera) is listed too
      assert.equal(flagged.labels?.[LISTED_LABEL], [`device:${toHex(camera!.publicKey)}`, `ip:${LISTED_IP}`].sort().join(','))
      assert.equal(plain.labels?.[LISTED_LABEL], `device:${toHex(camera!.publicKey)}`)
      assert.equal(plain.host?.id, toHex(camera!.publicKey))
    } finally {
      await agent.stop()
    }
  })
}

test('collector: a collector key on the blocklist is refused at start', async () => {
  const agent = new CollectorAgent({ client: node.client, key: rogueGw!, name: 'rogue', dataDir: join(node.dir, 'rogue-store') })
  await assert.rejects(agent.start(), (e: unknown) => e instanceof PolisError && e.errorName === 'unauthorized' && /blocklist/.test(e.message))
  await agent.stop()
})

test('siem module: a listed key is not registered as a collector, and a registered collector listed since anchors nothing', async () => {
  const reg = await node.client.signAndSubmit(node.city.authority, [siemMsgs.registerCollector({ collector: camera!.publicKey, name: 'camera' })], { allowFailure: true })
  assert.equal(reg.code, ErrorCodes.unauthorized, reg.log)
  assert.match(reg.log, /blocklist/)
  const rogue = new Collector(await node.client.chainId(), rogueGw!, 'rogue')
  rogue.ingest('<13>1 2026-11-24T10:00:00Z h a p m - hello', 'auto', Date.now())
  const anchor = await node.client.signAndSubmit(rogueGw!, [rogue.checkpoint().msg], { allowFailure: true })
  assert.equal(anchor.code, ErrorCodes.unauthorized, anchor.log)
  const c = await node.client.query<{ size: string }>('siem', 'collector', { address: toHex(rogueGw!.publicKey) })
  assert.equal(c.size, '0', 'nothing anchored')
})

test('devdata: a listed device key neither posts, nor receives, nor acknowledges; other devices are not affected', async () => {
  const tag = tagPayload(utf8('reading 1'))
  const post = (from: typeof meter, to: typeof meter, seq = 1n) => node.client.signAndSubmit(from!, [devdataMsgs.post({ to: to!.publicKey, seq, tag, size: 9n })], { allowFailure: true })
  const fromListed = await post(camera, meter)
  assert.equal(fromListed.code, ErrorCodes.unauthorized, fromListed.log)
  assert.match(fromListed.log, /blocklist/)
  const toListed = await post(meter, camera)
  assert.equal(toListed.code, ErrorCodes.unauthorized, toListed.log)
  const ok = await post(meter, meter2)
  assert.equal(ok.code, 0, ok.log)
  // meter-2 is listed after the post: it can no longer acknowledge it
  assert.equal((await node.client.signAndSubmit(node.city.authority, [list('device', toHex(meter2!.publicKey))])).code, 0)
  const ack = await node.client.signAndSubmit(meter2!, [devdataMsgs.ack({ from: meter!.publicKey, seq: 1n, ok: true })], { allowFailure: true })
  assert.equal(ack.code, ErrorCodes.unauthorized, ack.log)
  const rec = await node.client.query<{ ack: unknown }>('devdata', 'record', { from: toHex(meter!.publicKey), to: toHex(meter2!.publicKey), seq: '1' })
  assert.equal(rec.ack, null)
  const next = await node.client.query<{ seq: string }>('devdata', 'next-seq', { from: toHex(camera!.publicKey), to: toHex(meter!.publicKey) })
  assert.equal(next.seq, '1', 'the refused post changed nothing')
})
