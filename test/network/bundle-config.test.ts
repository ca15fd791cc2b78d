/**
 * `polis testnet --out DIR --config hosts.yaml`: the machines, their names, ports and powers and the
 * chain id from a file; the bundle follows it (directories by name, peers at each host's own p2p
 * port, genesis powers, node.env ports); a bad file is refused with a BundleConfigError naming the
 * field, and writes nothing. (Writes files only: the slow deploy-bundle test runs a bundle.)
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cli } from '../helpers/cli.js'
import { BundleConfigError, parseBundleConfig } from '../../src/network/bundle-config.js'
import { PolisError } from '../../src/base/errors.js'

const GOOD = `# the city of Metro
chain_id: metro
base_port: 31000
citizens: 2
polis_root: /opt/polis
comet_config:
  p2p.send_rate: 20480000
hosts:
  - host: 10.0.0.11
    name: city-hall
    power: 30
  - host: 10.0.0.12
    name: water
  - host: 10.0.0.13
    name: transport
    power: 5
    ports: { p2p: 32000, api: 32080 }
  - host: 10.0.0.13
    name: transport-2
    ports: { p2p: 33000, rpc: 33001, abci: 33002, metrics: 33004, api: 33024 }
`

test('polis testnet --config: names, ports, powers and chain id from the file', async () => {
  const root = mkdtempSync(join(tmpdir(), 'polis-bundle-config-'))
  try {
    writeFileSync(join(root, 'hosts.yaml'), GOOD)
    const r = await cli(['testnet', '--out', 'city', '--config', 'hosts.yaml', '--json'], { cwd: root })
    assert.equal(r.code, 0, r.stderr)
    const b = r.json<{ chain_id: string; hosts: Array<{ host: string; name: string; dir: string; node_id: string; validator: string; power: number; ports: Record<string, number> }> }>()
    assert.equal(b.chain_id, 'metro')
    assert.deepEqual(b.hosts.map((h) => [h.name, h.host, h.power, h.dir]), [
      ['city-hall', '10.0.0.11', 30, join(root, 'city', 'city-hall')],
      ['water', '10.0.0.12', 10, join(root, 'city', 'water')],
      ['transport', '10.0.0.13', 5, join(root, 'city', 'transport')],
      ['transport-2', '10.0.0.13', 10, join(root, 'city', 'transport-2')],
    ])
    // base_port shifts the defaults (26656 → 31000); a host's own ports replace them one by one
    assert.deepEqual(b.hosts[0]!.ports, { p2p: 31000, rpc: 31001, abci: 31002, metrics: 31004, api: 31024 })
    assert.deepEqual(b.hosts[2]!.ports, { p2p: 32000, rpc: 31001, abci: 31002, metrics: 31004, api: 32080 })
    const genesis = JSON.parse(readFileSync(join(root, 'city', 'genesis.json'), 'utf8')) as { chain_id: string; validators: Array<{ name: string; power: string; pub_key: { value: string } }>; app_state: { validators: { validators: Array<{ power: string }> } } }
    assert.equal(genesis.chain_id, 'metro')
    assert.deepEqual(genesis.validators.map((v) => [v.name, v.power]), [['city-hall', '30'], ['water', '10'], ['transport', '5'], ['transport-2', '10']])
    assert.deepEqual(genesis.app_state.validators.validators.map((v) => v.power), ['30', '10', '5', '10'])
    for (const [i, h] of b.hosts.entries()) {
      const toml = readFileSync(join(h.dir, 'cometbft', 'config', 'config.toml'), 'utf8')
      assert.match(toml, new RegExp(`^moniker = "${h.name}"$`, 'm'))
      assert.match(toml, new RegExp(`^laddr = "tcp://${h.host}:${h.ports.p2p}"$`, 'm'))
      assert.match(toml, new RegExp(`^laddr = "tcp://${h.host}:${h.ports.rpc}"$`, 'm'))
      assert.match(toml, /^send_rate = 20480000$/m)
      // the peers: every other entry at its own host and p2p port
      const peers = /^persistent_peers = "(.*)"$/m.exec(toml)![1]!.split(',').sort()
      assert.deepEqual(peers, b.hosts.filter((_, j) => j !== i).map((o) => `${o.node_id}@${o.host}:${o.ports.p2p}`).sort())
      const env = readFileSync(join(h.dir, 'node.env'), 'utf8')
      assert.match(env, /^POLIS_ROOT=\/opt\/polis$/m)
      assert.match(env, new RegExp(`^POLIS_API_PORT=${h.ports.api}$`, 'm'))
      assert.match(env, new RegExp(`^POLIS_ABCI=tcp://${h.host}:${h.ports.abci}$`, 'm'))
    }
    assert.equal((JSON.parse(readFileSync(join(root, 'city', 'keys', 'citizens.json'), 'utf8')) as unknown[]).length, 2)
    // a flag given as well overrides the file
    const r2 = await cli(['testnet', '--out', 'city2', '--config', 'hosts.yaml', '--chain-id', 'metro-trial', '--base-port', '40000', '--json'], { cwd: root })
    assert.equal(r2.code, 0, r2.stderr)
    const b2 = r2.json<{ chain_id: string; hosts: Array<{ ports: Record<string, number> }> }>()
    assert.equal(b2.chain_id, 'metro-trial')
    assert.equal(b2.hosts[0]!.ports.p2p, 40000)
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
})

test('polis testnet --config: a bad file is refused naming the field, and nothing is written', async () => {
  const root = mkdtempSync(join(tmpdir(), 'polis-bundle-config-'))
  const hosts4 = (extra = '') => `hosts:\n  - host: a.example\n  - host: b.example${extra}\n`
  const cases: Array<[string, string, RegExp]> = [
    ['hosts: []\n', 'hosts', /must NOT have fewer than 1 items/],
    ['chain_id: metro\n', 'hosts', /is required/],
    [hosts4('\n    power: 0'), 'hosts[1].power', /must be >= 1/],
    [hosts4('\n    power: -5'), 'hosts[1].power', /must be >= 1/],
    [hosts4('\n    power: "10"'), 'hosts[1].power', /must be integer/],
    [hosts4('\n    ports: { p2p: 80 }'), 'hosts[1].ports.p2p', /must be >= 1024/],
    [hosts4('\n    ports: { grpc: 9090 }'), 'hosts[1].ports.grpc', /unknown key/],
    [hosts4('\n    colour: red'), 'hosts[1].colour', /unknown key/],
    ['chain-id: metro\n' + hosts4(), 'chain-id', /unknown key/],
    ['chain_id: Metro City\n' + hosts4(), 'chain_id', /must match pattern/],
    ['hosts:\n  - host: "a b"\n', 'hosts[0].host', /must match pattern/],
    ['hosts:\n  - host: a.example\n    name: x\n  - host: b.example\n    name: x\n', 'hosts[1].name', /already the name of hosts\[0\]/],
    ['hosts:\n  - host: a.example\n  - host: a.example\n', 'hosts[1].host', /already the name of hosts\[0\]/],
    // the same machine twice on the same ports
    ['hosts:\n  - host: a.example\n    name: one\n  - host: a.example\n    name: two\n', 'hosts[1].ports.p2p', /a\.example:26656 is already hosts\[0\]\.ports\.p2p/],
    ['hosts:\n  - host: a.example\n    ports: { rpc: 26656 }\n', 'hosts[0].ports.rpc', /a\.example:26656 is already hosts\[0\]\.ports\.p2p/],
    ['base_port: 65530\n' + hosts4(), 'base_port', /between 1024 and 65535/],
    ['comet_config:\n  "p2p.bad key": 1\n' + hosts4(), 'comet_config.p2p.bad key', /section\.key/],
    ['- just\n- a list\n', '', /a mapping with a `hosts` list/],
    ['hosts: [\n', '', /not valid YAML/],
    ['hosts:\n  - host: a.example\nhosts:\n  - host: b.example\n', '', /not valid YAML/],
  ]
  try {
    for (const [i, [text, field, message]] of cases.entries()) {
      writeFileSync(join(root, 'bad.yaml'), text)
      const r = await cli(['testnet', '--out', `out${i}`, '--config', 'bad.yaml'], { cwd: root })
      assert.equal(r.code, 1, `case ${i}: ${text}`)
      assert.match(r.stderr, new RegExp(`bad\\.yaml: ${field ? `${field.replace(/[.[\]]/g, '\\$&')}: ` : ''}`), `case ${i}: ${r.stderr}`)
      assert.match(r.stderr, message, `case ${i}: ${r.stderr}`)
      assert.equal(existsSync(join(root, `out${i}`)), false, `case ${i} wrote nothing`)
      // the error is typed, with the field
      try {
        const { writeBundle } = await import('../../src/network/deploy-bundle.js')
        writeBundle({ ...parseBundleConfig(text, 'bad.yaml'), out: join(root, `direct${i}`) })
        assert.fail(`case ${i} accepted`)
      } catch (e) {
        assert.ok(e instanceof BundleConfigError, `case ${i}: ${(e as Error).message}`)
        assert.ok(e instanceof PolisError && e.errorName === 'invalid_request')
        assert.equal(e.field, field, `case ${i}`)
      }
      assert.equal(existsSync(join(root, `direct${i}`)), false)
    }
    // --hosts and --config together; a missing file
    writeFileSync(join(root, 'ok.yaml'), hosts4())
    const both = await cli(['testnet', '--out', 'x', '--config', 'ok.yaml', '--hosts', 'a,b'], { cwd: root })
    assert.equal(both.code, 1)
    assert.match(both.stderr, /--hosts and --config both name the machines/)
    const missing = await cli(['testnet', '--out', 'x', '--config', 'nope.yaml'], { cwd: root })
    assert.equal(missing.code, 1)
    assert.match(missing.stderr, /--config: no file/)
    assert.equal(existsSync(join(root, 'x')), false)
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
})
