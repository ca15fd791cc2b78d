import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { cli } from '../helpers/cli.js'
import { tmpDir } from '../../src/kit/temp-dir.js'

test('polis siem parse: one ECS event per line on stdout, malformed lines kept raw and counted', async () => {
  const d = tmpDir('siem-cli')
  try {
    const f = join(d.path, 'events.log')
    writeFileSync(f, [
      '<34>Nov 24 10:00:00 dvr login[311]: FAILED LOGIN 1 FROM 10.0.0.17 FOR root, Authentication failure',
      'CEF:0|Acme|IoTGuard|1.2|100|Telnet brute force|8|src=203.0.113.9 dpt=23 msg=bad\\q',
      '{"logtype":6001,"node_id":"canary-1","src_host":"203.0.113.7","dst_port":23,"logdata":{"USERNAME":"root","PASSWORD":"xc3511"}}',
      '',
    ].join('\r\n'))
    const r = await cli(['siem', 'parse', f, '--received-at', String(Date.UTC(2026, 10, 24, 12))])
    assert.equal(r.code, 0, r.stderr)
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l))
    assert.deepEqual(events.map((e) => e.event.kind), ['event', 'pipeline_error', 'event'])
    assert.deepEqual(events.map((e) => e.blocksiem.category), ['E1', 'E2', 'E8'])
    assert.equal(events[0]['@timestamp'], '2026-11-24T10:00:00.000Z')
    assert.match(r.stderr, /2 events, 1 malformed/)
    const bad = await cli(['siem', 'parse', f, '--format', 'xml'])
    assert.equal(bad.code, 1)
    const missing = await cli(['siem', 'parse', join(d.path, 'nope.log')])
    assert.equal(missing.code, 1)
    assert.match(missing.stderr, /cannot read/)
    for (const cmd of [['siem', 'parse'], ['siem', 'verify-event']]) assert.equal((await cli([...cmd, '--help'])).code, 0)
  } finally {
    d.remove()
  }
})

test('polis simulate siem: labelled workload written, every attack detected, no false positives', async () => {
  const d = tmpDir('siem-sim-cli')
  try {
    const r = await cli(['--json', 'simulate', 'siem', '--devices', '10', '--duration', '120', '--seed', '7', '--out', d.path])
    assert.equal(r.code, 0, r.stderr)
    const ev = r.json()
    assert.equal(ev.falsePositives, 0)
    assert.ok(ev.attacks.every((a: any) => a.detected))
    const labels = JSON.parse(readFileSync(join(d.path, 'labels.json'), 'utf8'))
    const lines = readFileSync(join(d.path, 'events.log'), 'utf8').trim().split('\n')
    assert.equal(labels.labels.length, lines.length)
    assert.equal(labels.attacks.length, 5)
    assert.equal((await cli(['simulate', 'siem', '--duration', '5'])).code, 1)
  } finally {
    d.remove()
  }
})
