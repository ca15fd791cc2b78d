import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { Ingestor, parseEvent, MAX_INPUT_BYTES } from '../../src/siem/parsers.js'
import { canonicalJson, eventEntry } from '../../src/siem/ecs.js'
import { sha256 } from '../../src/crypto/hash.js'
import { toHex } from '../../src/base/bytes.js'

const ctx = { receivedAt: Date.UTC(2026, 10, 24, 12, 0, 0), observer: { name: 'collector-1', type: 'sentinel' } }
const ok = (input: string | Uint8Array, fmt: any = 'auto') => {
  const r = parseEvent(input, fmt, ctx)
  assert.ok(r.ok, r.ok ? '' : r.error)
  return r.event
}

test('RFC 5424: header, structured data with escapes, sshd failure → ECS authentication failure, E1/S6', () => {
  const line = '<38>1 2026-11-24T10:00:01.123Z cam-17 sshd 4242 AUTH [origin ip="10.0.0.17" note="a \\"q\\" \\] b"][meta seq="7"] Failed password for invalid user admin from 203.0.113.9 port 51122 ssh2'
  const e = ok(line)
  assert.equal(e.event.dataset, 'syslog.rfc5424')
  assert.equal(e['@timestamp'], '2026-11-24T10:00:01.123Z')
  assert.equal(e.host?.hostname, 'cam-17')
  assert.deepEqual(e.process, { name: 'sshd', pid: 4242 })
  assert.equal(e.event.action, 'AUTH')
  assert.equal(e.labels?.['origin.note'], 'a "q" ] b')
  assert.equal(e.labels?.['meta.seq'], '7')
  assert.deepEqual(e.event.category.includes('authentication'), true)
  assert.equal(e.event.outcome, 'failure')
  assert.equal(e.source?.ip, '203.0.113.9')
  assert.equal(e.source?.port, 51122)
  assert.equal(e.user?.name, 'admin')
  assert.equal(e.event.severity, 6)
  assert.equal(e.event.original, line)
  assert.equal(e.event.hash, toHex(sha256(Buffer.from(line))))
  assert.equal(e.observer?.name, 'collector-1')
  assert.deepEqual(e.blocksiem, { category: 'E1', surface: 'S6' })
})

test('RFC 3164: BSD timestamp gets the receive year; telnet login failure; iptables key=value', () => {
  const e = ok('<34>Nov 24 09:59:58 gw-3 login[311]: FAILED LOGIN 1 FROM 198.51.100.4 FOR root, Authentication failure')
  assert.equal(e.event.dataset, 'syslog.rfc3164')
  assert.equal(e['@timestamp'], '2026-11-24T09:59:58.000Z')
  assert.equal(e.host?.hostname, 'gw-3')
  assert.equal(e.process?.name, 'login')
  assert.equal(e.user?.name, 'root')
  assert.equal(e.source?.ip, '198.51.100.4')
  assert.equal(e.event.outcome, 'failure')
  assert.equal(e.blocksiem.category, 'E1')
  const fw = ok('<4>Nov  3 01:02:03 fw kernel: IN=eth0 OUT= SRC=192.0.2.1 DST=10.0.0.5 PROTO=TCP SPT=4444 DPT=23 SYN DROP')
  assert.equal(fw['@timestamp'], '2026-11-03T01:02:03.000Z')
  assert.deepEqual([fw.source?.ip, fw.source?.port, fw.destination?.ip, fw.destination?.port, fw.network?.transport, fw.network?.protocol], ['192.0.2.1', 4444, '10.0.0.5', 23, 'tcp', 'telnet'])
  assert.ok(fw.event.category.includes('network') && fw.event.type.includes('denied'))
  assert.equal(fw.blocksiem.category, 'E3')
  // December lines received in January belong to the previous year
  const jan = parseEvent('<13>Dec 31 23:59:59 h app: x', 'syslog', { receivedAt: Date.UTC(2027, 0, 1, 0, 0, 5) })
  assert.ok(jan.ok && jan.event['@timestamp'] === '2026-12-31T23:59:59.000Z')
})

test('CEF: header and extension escapes, fields mapped, broken escapes refused as raw', () => {
  const line = 'CEF:0|Acme\\|Corp|IoTGuard|1.2|100|Telnet brute force|8|src=203.0.113.9 spt=40000 dst=10.0.0.17 dpt=2323 proto=TCP suser=root outcome=failure msg=pass\\=xc3511 line1\\nline2 c:\\\\temp rt=1795000000000'
  const e = ok(line)
  assert.equal(e.event.dataset, 'cef')
  assert.equal(e.observer?.vendor, 'Acme|Corp')
  assert.equal(e.observer?.product, 'IoTGuard')
  assert.equal(e.event.code, '100')
  assert.equal(e.event.severity, 8)
  assert.deepEqual([e.source?.ip, e.source?.port, e.destination?.ip, e.destination?.port, e.network?.transport], ['203.0.113.9', 40000, '10.0.0.17', 2323, 'tcp'])
  assert.equal(e.user?.name, 'root')
  assert.equal(e.event.outcome, 'failure')
  assert.equal(e['@timestamp'], new Date(1795000000000).toISOString())
  // CEF behind a syslog header
  assert.equal(ok('<134>Nov 24 10:00:00 sensor CEF:0|V|P|1|2|Port scan|5|src=192.0.2.8').source?.ip, '192.0.2.8')
  for (const bad of ['CEF:0|V|P|1|2|N|5|msg=bad\\q escape', 'CEF:0|V\\x|P|1|2|N|5|', 'CEF:0|V|P|1|2|N|5|msg=trailing\\', 'CEF:0|only|three|', 'CEF:9|V|P|1|2|N|5|', 'CEF:0|V|P|1|2|N|5|junk src=1.2.3.4']) {
    const r = parseEvent(bad, 'auto', ctx)
    assert.equal(r.ok, false, bad)
    assert.equal(r.event.event.kind, 'pipeline_error')
    assert.equal(r.event.event.original, bad)
  }
})

test('JSON: flat and ECS-shaped documents', () => {
  const e = ok('{"timestamp":"2026-11-24T10:00:00Z","src_ip":"192.0.2.50","dst_ip":"10.0.0.9","dst_port":22,"proto":"tcp","user":"pi","message":"Failed password for pi from 192.0.2.50 port 5000 ssh2","host":"meter-9"}')
  assert.equal(e.event.dataset, 'json')
  assert.deepEqual([e.source?.ip, e.destination?.port, e.user?.name, e.host?.hostname, e.event.outcome, e.network?.protocol], ['192.0.2.50', 22, 'pi', 'meter-9', 'failure', 'ssh'])
  const ecs = ok(JSON.stringify({ '@timestamp': '2026-11-24T10:00:00.000Z', event: { category: ['network'], type: ['connection'], outcome: 'success' }, source: { ip: '2001:db8::1', port: 1 }, destination: { ip: '10.0.0.1', port: 80 } }))
  assert.equal(ecs.source?.ip, '2001:db8::1')
  assert.equal(ecs.event.outcome, 'success')
  assert.equal(ecs.blocksiem.surface, 'S2')
})

test('OpenCanary: telnet login attempt with a Mirai default credential → honey-trap E8', () => {
  const doc = { dst_host: '10.0.0.5', dst_port: 23, local_time: '2026-11-24 10:00:02.123456', local_time_adjusted: '2026-11-24 10:00:02.123456', logdata: { PASSWORD: 'xc3511', USERNAME: 'root' }, logtype: 6001, node_id: 'canary-1', src_host: '203.0.113.77', src_port: 33211, utc_time: '2026-11-24 10:00:02.123456' }
  const e = ok(JSON.stringify(doc))
  assert.equal(e.event.dataset, 'opencanary')
  assert.equal(e.event.action, 'telnet-login-attempt')
  assert.ok(e.event.category.includes('authentication') && e.event.category.includes('intrusion_detection'))
  assert.equal(e.event.outcome, 'failure')
  assert.equal(e['@timestamp'], '2026-11-24T10:00:02.123Z')
  assert.deepEqual([e.source?.ip, e.destination?.port, e.user?.name, e.labels?.['logdata.PASSWORD'], e.observer?.type], ['203.0.113.77', 23, 'root', 'xc3511', 'honeypot'])
  assert.deepEqual(e.blocksiem, { category: 'E8', surface: 'S6' })
})

test('Block SIEM taxonomy: command injection, firmware update, admin mode', () => {
  assert.equal(ok('<13>Nov 24 10:00:00 cam telnetd: cmd: /bin/busybox MIRAI').blocksiem.category, 'E9')
  assert.equal(ok('<13>Nov 24 10:00:00 cam updater: firmware update image signature rejected').blocksiem.surface, 'S5')
  assert.equal(ok('<13>Nov 24 10:00:00 cam sudo: operator : TTY=pts/0 ; COMMAND=/bin/ls').blocksiem.category, 'E7')
})

test('bad input: garbage, oversized, invalid UTF-8, empty — counted, kept raw, never thrown', () => {
  const seen: string[] = []
  const ing = new Ingestor({ name: 'c1' }, (e) => seen.push(e.event.kind))
  const inputs: Array<string | Uint8Array> = ['', '\n', 'no pri here', '<999>1 - - - - - -', '<13>2 - h a p m - x', '<13>1 notatime h a p m - x', '{"broken json', '[1,2]', new Uint8Array([0xff, 0xfe, 0x3c, 0x31]), 'x'.repeat(MAX_INPUT_BYTES + 10), '<13>1 2026-11-24T10:00:00Z h a p m [unterminated k="v"', '{"logtype":"x","node_id":"n"}']
  for (const i of inputs) {
    const r = ing.ingest(i, 'auto', ctx.receivedAt)
    assert.equal(r.ok, false, String(i).slice(0, 40))
    assert.equal(r.event.event.kind, 'pipeline_error')
    assert.ok(r.event.error?.message)
  }
  assert.equal(ing.counts.malformed, inputs.length)
  const utf = ing.ingest(new Uint8Array([0xff, 0xfe, 0x3c, 0x31]), 'auto', ctx.receivedAt)
  assert.equal(utf.event.event.original, 'base64:' + Buffer.from([0xff, 0xfe, 0x3c, 0x31]).toString('base64'))
  assert.equal(ing.ingest('<13>Nov 24 10:00:00 h a: fine', 'auto', ctx.receivedAt).ok, true)
  assert.equal(ing.counts.accepted, 1)
  assert.equal(seen.length, inputs.length + 2)
})

test('fuzz (fast-check): no parser throws on any input, and every event is canonical and hashed', () => {
  const prefixes = fc.constantFrom('', '<13>', '<34>1 ', '<13>Nov 24 10:00:00 h ', 'CEF:0|', 'CEF:0|a|b|c|d|e|5|', '{"logtype":', '{"src_ip":', '<13>1 2026-11-24T10:00:00Z h a p m [x k="')
  const body = fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 100 }), fc.json(), fc.string({ unit: fc.constantFrom('\\', '|', '=', '"', ']', '[', ' ', 'a', '1', '{', '}'), maxLength: 60 }))
  fc.assert(
    fc.property(prefixes, body, fc.constantFrom('auto', 'syslog', 'cef', 'json', 'opencanary'), (p, b, fmt) => {
      const r = parseEvent(p + b, fmt as any, ctx)
      assert.equal(typeof r.ok, 'boolean')
      if (!r.ok) assert.ok(!r.error.startsWith('parser error'), `unexpected exception inside a parser: ${r.error}`)
      const entry = eventEntry(r.event)
      assert.equal(canonicalJson(JSON.parse(Buffer.from(entry).toString('utf8'))), Buffer.from(entry).toString('utf8'))
      assert.match(r.event.event.hash, /^[0-9a-f]{64}$/)
      assert.match(r.event.blocksiem.category, /^E(10|\d)$/)
      assert.match(r.event.blocksiem.surface, /^S[0-8]$/)
    }),
    { numRuns: 1500, seed: 5424 },
  )
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
      const r = parseEvent(bytes, 'auto', ctx)
      assert.match(r.event.event.hash, /^[0-9a-f]{64}$/)
    }),
    { numRuns: 800, seed: 3164 },
  )
})

test('fuzz (fast-check): an input without a timestamp is stamped with its receive time exactly as Date.toISOString writes it', () => {
  const t = fc.oneof(fc.integer({ min: -8.64e15, max: 8.64e15 }), fc.integer({ min: 0, max: 4e12 }), fc.double({ min: -8.64e15, max: 8.64e15, noNaN: true }))
  fc.assert(
    fc.property(fc.array(t, { minLength: 1, maxLength: 4 }), (times) => {
      for (const receivedAt of times) {
        const e = parseEvent('<13>1 - h a p m - no timestamp', 'syslog', { receivedAt }).event
        assert.equal(e['@timestamp'], new Date(receivedAt).toISOString())
      }
    }),
    { numRuns: 3000, seed: 8601 },
  )
})
