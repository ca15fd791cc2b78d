import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createSocket } from 'node:dgram'
import { connect } from 'node:net'
import { Collector } from '../../src/agents/siem/collector.js'
import { listenJsonHttp, listenSyslogTcp, listenSyslogUdp, SyslogFramer } from '../../src/siem/listeners.js'
import { MAX_INPUT_BYTES } from '../../src/siem/parsers.js'
import { startEmbeddedBroker } from '../../src/siem/mqtt.js'
import { testKey } from '../../src/kit/genesis-builder.js'

const waitFor = async (cond: () => boolean, ms = 3000) => {
  const t = Date.now()
  while (!cond()) {
    if (Date.now() - t > ms) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 10))
  }
}

test('framer: octet counting and LF framing, split chunks, oversized frames cut', () => {
  const frames: string[] = []
  const f = new SyslogFramer((b) => frames.push(Buffer.from(b).toString('latin1')), 100)
  const a = '<13>Nov 24 10:00:00 h a: one'
  f.push(Buffer.from(`${a.length} ${a}`.slice(0, 10)))
  f.push(Buffer.from(`${a.length} ${a}`.slice(10) + '<13>Nov 24 10:00:00 h a: two\r'))
  f.push(Buffer.from('\n\n<13>Nov 24 10:00:00 h a: three\n'))
  f.push(Buffer.from('150 ' + 'x'.repeat(150) + '<13>Nov 24 10:00:00 h a: four\n'))
  f.push(Buffer.from('y'.repeat(300)))
  f.push(Buffer.from('y'.repeat(30) + '\ntail'))
  f.end()
  assert.deepEqual(frames.slice(0, 3), [a, '<13>Nov 24 10:00:00 h a: two\r', '<13>Nov 24 10:00:00 h a: three'])
  assert.equal(frames[3]!.length, 101)
  assert.equal(frames[4], '<13>Nov 24 10:00:00 h a: four')
  assert.equal(frames[5]!.length, 101)
  assert.equal(frames[6], 'tail', 'the rest of an oversized line is skipped')
  assert.equal(frames.length, 7)
})

test('UDP and TCP syslog reach the collector; garbage is kept raw and the listeners go on', async () => {
  const col = new Collector('test-city', testKey('siem/listener'), 'gw')
  const sink = (f: Uint8Array) => void col.ingest(f)
  const udp = await listenSyslogUdp(sink)
  const tcp = await listenSyslogTcp(sink)
  try {
    const s = createSocket('udp4')
    for (const m of ['<34>Nov 24 10:00:00 dvr login[1]: FAILED LOGIN 1 FROM 10.0.0.17 FOR root, Authentication failure', '\xff\xfe garbage', '<13>1 2026-11-24T10:00:00Z h app - - - after garbage'])
      await new Promise<void>((r) => s.send(Buffer.from(m, 'latin1'), udp.port, '127.0.0.1', () => r()))
    s.close()
    await waitFor(() => col.log.size >= 3)
    const c = connect(tcp.port, '127.0.0.1')
    await new Promise<void>((r) => c.on('connect', () => r()))
    c.write('<38>1 2026-11-24T10:00:01Z cam sshd 5 - - Failed password for root from 203.0.113.9 port 4000 ssh2\n')
    c.write('x'.repeat(MAX_INPUT_BYTES + 50) + '\n')
    c.end('<13>Nov 24 10:00:02 h a: last line without newline')
    await waitFor(() => col.log.size >= 6)
    assert.equal(col.ingestor.counts.malformed, 2)
    assert.equal(col.ingestor.counts.accepted, 4)
    assert.equal(col.events.at(0).event.user?.name, 'root')
    assert.equal(col.events.at(3).event.source?.ip, '203.0.113.9')
  } finally {
    await udp.close()
    await tcp.close()
  }
})

test('JSON over HTTP: one document, an array, NDJSON with a broken line; wrong paths and methods refused', async () => {
  const col = new Collector('test-city', testKey('siem/listener-http'), 'gw')
  const http = await listenJsonHttp((f) => void col.ingest(f, 'auto', Date.UTC(2026, 10, 24)))
  const url = `http://127.0.0.1:${http.port}/v1/events`
  try {
    const post = (body: string) => fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json' } })
    let r = await post(JSON.stringify({ src_ip: '192.0.2.1', dst_port: 22, message: 'Failed password for root from 192.0.2.1 port 1 ssh2' }))
    assert.equal(r.status, 202)
    assert.deepEqual(await r.json(), { received: 1 })
    r = await post(JSON.stringify([{ logtype: 6001, node_id: 'c', src_host: '203.0.113.1', dst_port: 23 }, { message: 'two' }]))
    assert.deepEqual(await r.json(), { received: 2 })
    r = await post('{"message":"a"}\n{broken\n{"message":"b"}\n')
    assert.deepEqual(await r.json(), { received: 3 })
    assert.equal((await fetch(url)).status, 405)
    assert.equal((await fetch(url.replace('/v1/events', '/nope'), { method: 'POST', body: '{}' })).status, 404)
    assert.equal(col.log.size, 6)
    assert.equal(col.ingestor.counts.malformed, 1)
    assert.equal(col.events.at(1).event.event.dataset, 'opencanary')
    assert.equal(col.events.at(0).event.event.outcome, 'failure')
  } finally {
    await http.close()
  }
})

test('a port already taken is an error at start, not a silent hang', async () => {
  const sink = () => {}
  const udp = await listenSyslogUdp(sink)
  const tcp = await listenSyslogTcp(sink)
  try {
    await assert.rejects(listenSyslogUdp(sink, { port: udp.port }), /EADDRINUSE/)
    await assert.rejects(listenSyslogTcp(sink, { port: tcp.port }), /EADDRINUSE/)
    await assert.rejects(listenJsonHttp(sink, { port: tcp.port }), /EADDRINUSE/)
    await assert.rejects(startEmbeddedBroker({ port: tcp.port }), /EADDRINUSE/)
  } finally {
    await udp.close()
    await tcp.close()
  }
})
