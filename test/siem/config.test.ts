/** Agent configuration files: paths resolved from the file's directory, every mistake refused with a clear message. */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadCollectorConfig, loadCorrelatorConfig, parseDeviceFlags } from '../../src/agents/siem/config.js'
import { cli } from '../helpers/cli.js'
import { tmpDir } from '../../src/kit/temp-dir.js'

test('collector and correlator config files', async () => {
  const dir = tmpDir('siem-config')
  try {
    const file = (name: string, v: unknown) => {
      const p = join(dir.path, name)
      writeFileSync(p, typeof v === 'string' ? v : JSON.stringify(v))
      return p
    }
    const ok = loadCollectorConfig(file('c.json', { key: 'keys/gw.json', name: 'gw', data_dir: 'store', syslog_udp_port: 5514, mqtt_port: 0, mqtt_topics: ['siem/#'], devices: { '10.0.0.17': 'camera-17' }, anchor_interval_ms: 500, workers: 2 }))
    assert.equal(ok.key, join(dir.path, 'keys/gw.json'))
    assert.equal(ok.data_dir, join(dir.path, 'store'))
    assert.equal(loadCollectorConfig(file('n.json', { key: 'gw' })).key, 'gw', 'a key name stays a name')
    const refused: Array<[unknown, RegExp]> = [
      ['{ not json', /config .*c2\.json/],
      [[1, 2], /must be a JSON object/],
      [{ syslog_port: 5514 }, /unknown field "syslog_port"/],
      [{ syslog_udp_port: 70000 }, /syslog_udp_port must be a port number/],
      [{ devices: ['10.0.0.17'] }, /devices must map/],
      [{ mqtt_topics: [] }, /mqtt_topics must be a list/],
      [{ anchor_interval_ms: 1 }, /anchor_interval_ms must be an integer from 10/],
      [{ workers: -1 }, /workers must be an integer from 0 to 64/],
    ]
    for (const [v, re] of refused) assert.throws(() => loadCollectorConfig(file('c2.json', v)), re, JSON.stringify(v))
    assert.deepEqual(loadCorrelatorConfig(file('k.json', { key: 'soc-a', collectors: ['http://127.0.0.1:8089'], interval_ms: 100 })).collectors, ['http://127.0.0.1:8089'])
    assert.throws(() => loadCorrelatorConfig(file('k2.json', { collectors: ['127.0.0.1:8089'] })), /collectors must be a list of collector API URLs/)
    assert.equal(loadCorrelatorConfig(file('k3.json', { key: 'soc-a', data_dir: 'replicas' })).data_dir, join(dir.path, 'replicas'))
    assert.throws(() => loadCorrelatorConfig(file('k4.json', { data_dir: 7 })), /data_dir must be a string/)
    assert.deepEqual(parseDeviceFlags(['10.0.0.17=camera-17', 'cam-9=' + 'ab'.repeat(32)]), { '10.0.0.17': 'camera-17', 'cam-9': 'ab'.repeat(32) })
    assert.throws(() => parseDeviceFlags(['10.0.0.17']), /--device must be ID=KEY/)
    // the CLI refuses a bad file before touching any node
    const r = await cli(['siem', 'collector', 'start', '--config', file('c3.json', { api: 1 })])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /unknown field "api" .*\[invalid_request, code 16\]/)
  } finally {
    dir.remove()
  }
})
