/** Parsing on worker threads gives exactly the log that parsing inline gives, device identity included. */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Collector } from '../../src/agents/siem/collector.js'
import { ParsePool } from '../../src/siem/parse-pool.js'
import { applyDeviceIdentity } from '../../src/siem/identity.js'
import { toHex } from '../../src/base/bytes.js'
import { testKey } from '../../src/kit/genesis-builder.js'

const key = testKey('siem/pool/gw')
const devices = new Map([['10.0.0.17', 'cd'.repeat(32)], ['cam-9', 'ef'.repeat(32)]])
const T = Date.UTC(2026, 10, 24, 10, 0, 0)
const records = Array.from({ length: 700 }, (_, i) => Buffer.from(
  i % 5 === 0 ? `garbage \u0000 ${i}`
    : i % 5 === 1 ? `<34>1 2026-11-24T10:00:00Z dvr login 1 - - FAILED LOGIN 1 FROM 10.0.0.${i % 20} FOR root, Authentication failure`
      : i % 5 === 2 ? `CEF:0|Acme|IoTGuard|1.2|100|Telnet connection|3|src=10.0.0.17 spt=${40000 + i} dst=10.0.1.1 dpt=23 proto=TCP rt=${T}`
        : i % 5 === 3 ? JSON.stringify({ src_ip: '10.0.0.9', message: `m ${i}` })
          : `<38>Nov 24 10:00:00 cam sshd[1]: Failed password for root from 10.0.0.17 port ${i} ssh2`,
))
const origins = records.map((_, i) => (i % 3 === 0 ? { device: 'cam-9' } : { address: '10.0.0.17' }))

test('a pool of 2 workers: same entries, leaf hashes, root, event hashes and counts as inline, in submission order', async () => {
  const inline = new Collector('pool-city', key, 'gw', { enrich: (e, o) => applyDeviceIdentity(e, o, devices) })
  records.forEach((r, i) => inline.ingest(r, 'auto', T, origins[i]))
  const appended: number[] = []
  const pooled = new Collector('pool-city', key, 'gw', { onAppend: (i) => appended.push(i) })
  const pool = new ParsePool(2, { name: 'gw', type: 'collector' })
  try {
    pool.setDevices(devices)
    // several batches in flight at once, applied in submission order
    const batches = [[0, 100], [100, 350], [350, 360], [360, 700]] as const
    const parsed = batches.map(([a, b]) => pool.parse(records.slice(a, b), 'auto', T, origins.slice(a, b)))
    for (const p of parsed) pooled.appendParsed(await p)
  } finally {
    await pool.close()
  }
  assert.equal(pooled.log.size, 700)
  assert.equal(toHex(pooled.log.root()), toHex(inline.log.root()))
  assert.deepEqual(appended, [...Array(700).keys()])
  for (const i of [0, 1, 2, 3, 4, 699]) {
    assert.deepEqual(pooled.events.at(i).event, inline.events.at(i).event)
    assert.equal(Buffer.from(pooled.events.at(i).entry).toString(), Buffer.from(inline.events.at(i).entry).toString())
  }
  assert.equal(pooled.events.at(1).event.host?.id, 'cd'.repeat(32), 'sender address 10.0.0.17')
  assert.equal(pooled.events.at(2).event.blocksiem.source_device, 'cd'.repeat(32))
  assert.equal(pooled.events.at(3).event.host?.id, 'ef'.repeat(32))
  assert.deepEqual(pooled.ingestor.counts, inline.ingestor.counts)
  assert.deepEqual(pooled.indicesOf(inline.events.at(7).event.event.hash), inline.indicesOf(inline.events.at(7).event.event.hash))
})
