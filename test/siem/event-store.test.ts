/** The collector's persistent store: entries and the anchored checkpoint survive a reopen; a damaged store is refused. */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ClassicLevel } from 'classic-level'
import { EventStore } from '../../src/siem/event-store.js'
import { Collector } from '../../src/agents/siem/collector.js'
import { toHex } from '../../src/base/bytes.js'
import { u64be } from '../../src/codec/be.js'
import { testKey } from '../../src/kit/genesis-builder.js'
import { tmpDir } from '../../src/kit/temp-dir.js'
import { matchesSearch, parseSearch } from '../../src/agents/siem/search.js'

const key = testKey('siem/store/gw')

test('a collector reloaded from its store has the same log, root, event index and anchored checkpoint', async () => {
  const dir = tmpDir('siem-store')
  try {
    let store = await EventStore.open(dir.path)
    const c = new Collector('store-city', key, 'gw', { onAppend: (i, e) => store.append(i, e) })
    for (let i = 0; i < 50; i++) c.ingest(i % 7 === 0 ? `garbage ${i}` : `<38>1 2026-11-24T10:00:00Z cam sshd 1 - - Failed password for root from 10.0.0.${i} port 1 ssh2`)
    const cp = c.checkpoint().checkpoint
    await store.saveAnchored(cp)
    await store.close()
    store = await EventStore.open(dir.path)
    const d = new Collector('store-city', key, 'gw')
    for await (const e of store.entries()) d.restore(e)
    assert.equal(d.log.size, 50)
    assert.equal(toHex(d.log.root()), toHex(c.log.root()))
    assert.deepEqual(d.events.at(10).event, c.events.at(10).event)
    assert.deepEqual(d.indicesOf(c.events.at(3).event.event.hash), [3])
    const a = await store.anchored(key.publicKey)
    assert.deepEqual([a!.size, toHex(a!.root), toHex(a!.sig)], [cp.size, toHex(cp.root), toHex(cp.sig)])
    await store.close()
    // a hole in the indices (a damaged store) is refused, not silently renumbered
    const db = new ClassicLevel<Uint8Array, Uint8Array>(dir.path, { keyEncoding: 'view', valueEncoding: 'view' })
    await db.del(new Uint8Array([...Buffer.from('e|'), ...u64be(20n)]))
    await db.close()
    store = await EventStore.open(dir.path)
    await assert.rejects(async () => {
      for await (const e of store.entries()) void e
    }, /entry 20 is missing/)
    await store.close()
  } finally {
    dir.remove()
  }
})

test('event search filters', () => {
  const c = new Collector('store-city', key, 'gw', { enrich: (e) => void (e.source?.ip === '10.0.0.17' && (e.blocksiem.source_device = 'ab'.repeat(32))) })
  c.ingest('<34>1 2026-11-24T10:00:00Z dvr login 1 - - FAILED LOGIN 1 FROM 10.0.0.17 FOR root, Authentication failure')
  c.ingest(JSON.stringify({ '@timestamp': '2026-11-24T11:00:00Z', src_ip: '10.0.0.5', dst_ip: '10.0.0.17', dst_port: 80, message: 'GET /' }))
  const q = (s: string) => c.events.slice().filter((e) => matchesSearch(e.event, parseSearch(new URLSearchParams(s)))).map((e) => e.index)
  assert.deepEqual(q(`device=${'AB'.repeat(32)}`), [0])
  assert.deepEqual(q('ip=10.0.0.17'), [0, 1])
  assert.deepEqual(q('category=E1'), [0])
  assert.deepEqual(q('category=authentication&outcome=failure'), [0])
  assert.deepEqual(q('from=2026-11-24T10:30:00Z'), [1])
  assert.deepEqual(q(`to=${Date.parse('2026-11-24T10:30:00Z')}`), [0])
  for (const bad of ['device=xyz', 'ip=10.0.0', 'outcome=maybe', 'from=yesterday', 'category=a;b']) assert.throws(() => parseSearch(new URLSearchParams(bad)), { name: 'SearchError' }, bad)
})
