/** polis.yaml, environment overrides, init, key file permissions. No node needed. */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ConfigError, DEFAULT_API_PORT, applyOverrides, loadConfig, loadNodeFiles, nodeUrlOf, parseConfigFile, resolveHome } from '../../src/node/config.js'
import { initHome } from '../../src/node/init-home.js'
import { DEFAULT_API_PORT as NODE_DEFAULT_PORT } from '../../src/node/node.js'
import { DEFAULT_NODE_URL, Keyring, PolisError, loadKeyFile, saveKeyFile } from '../../src/sdk/index.js'
import { parseGenesis } from '../../src/app/genesis.js'
import { generateKeyPair } from '../../src/crypto/keys.js'
import { cli } from '../helpers/cli.js'

const tmp = (name: string) => mkdtempSync(join(tmpdir(), `polis-${name}-`))
const mode = (p: string) => statSync(p).mode & 0o777
const configError = (re: RegExp) => (e: unknown) => {
  assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`)
  assert.match(e.message, re)
  return true
}

test('init writes keys 0600 in a 0700 directory, a valid genesis and polis.yaml; refuses to run twice', () => {
  const root = tmp('init')
  try {
    const home = join(root, 'home')
    const r = initHome({ home, chainId: 'perm-city', sampleAccounts: 4, sampleBalance: 777n })
    assert.equal(mode(join(home, 'keys')), 0o700)
    for (const name of ['validator', 'authority', 'citizen-1', 'citizen-4']) assert.equal(mode(join(home, 'keys', `${name}.json`)), 0o600, name)
    const g = parseGenesis(JSON.parse(readFileSync(r.genesisFile, 'utf8')))
    assert.equal(g.chainId, 'perm-city')
    assert.equal(g.validators[0]!.pubKey.length, 32)
    const accounts = (g.doc.app_state.identity as { accounts: Array<{ roles: string[] }> }).accounts
    assert.deepEqual(accounts.map((a) => a.roles[0]), ['authority', 'validator', 'citizen', 'citizen', 'citizen', 'citizen'])
    assert.deepEqual((g.doc.app_state.bank as { balances: Array<{ amount: string }> }).balances.map((b) => b.amount), ['777', '777', '777', '777'])
    const cfg = loadConfig({ home, env: {} })
    assert.equal(cfg.chainId, 'perm-city')
    assert.equal(cfg.api.port, DEFAULT_API_PORT)
    assert.equal(cfg.dataDir, join(home, 'data'))
    const { validatorKey, genesis } = loadNodeFiles(cfg)
    assert.equal(validatorKey.address, (genesis.validators[0]!).pub_key)
    assert.throws(() => initHome({ home }), configError(/already initialised/))
    // the validator key refused once group or others can read it
    chmodSync(cfg.validatorKeyFile, 0o640)
    assert.throws(() => loadNodeFiles(cfg), configError(/chmod 600/))
    chmodSync(cfg.validatorKeyFile, 0o600)
    // a genesis for another chain than polis.yaml says
    writeFileSync(cfg.configPath, readFileSync(cfg.configPath, 'utf8').replace('chain_id: perm-city', 'chain_id: other-city'))
    assert.throws(() => loadNodeFiles(loadConfig({ home, env: {} })), configError(/differs from the genesis/))
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
})

test('key files: written 0600, refused when group/world-readable, never overwritten', () => {
  const root = tmp('keys')
  try {
    const ring = new Keyring(join(root, 'keys'))
    const k = ring.add('sensor-1')
    assert.equal(mode(k.path!), 0o600)
    assert.equal(loadKeyFile(k.path!).address, k.address)
    assert.deepEqual(ring.list().map((x) => x.name), ['sensor-1'])
    assert.throws(() => ring.add('sensor-1'), (e: unknown) => e instanceof PolisError && e.errorName === 'already_exists')
    assert.throws(() => ring.add('../evil'), (e: unknown) => e instanceof PolisError && /key name/.test(e.message))
    assert.throws(() => ring.get('nope'), (e: unknown) => e instanceof PolisError && e.errorName === 'not_found' && /sensor-1/.test(e.message))
    for (const m of [0o644, 0o604, 0o660]) {
      chmodSync(k.path!, m)
      assert.throws(() => loadKeyFile(k.path!), (e: unknown) => e instanceof PolisError && /chmod 600/.test(e.message), m.toString(8))
    }
    const p = join(root, 'x.json')
    saveKeyFile(p, generateKeyPair(), 'x')
    assert.throws(() => saveKeyFile(p, generateKeyPair(), 'x'), (e: unknown) => e instanceof PolisError && e.errorName === 'already_exists')
    writeFileSync(join(root, 'bad.json'), '{"type":"other"}', { mode: 0o600 })
    assert.throws(() => loadKeyFile(join(root, 'bad.json')), /not a Polis key file/)
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
})

test('environment overrides the file, flags override the environment', () => {
  const home = '/srv/city'
  const base = { ...parseConfigFile('chain_id: env-city\napi:\n  port: 1234\nlog_level: info\n', home), configPath: join(home, 'polis.yaml') }
  assert.equal(base.api.port, 1234)
  assert.equal(base.api.host, '127.0.0.1')
  const env = {
    POLIS_API_PORT: '4321', POLIS_API_HOST: '0.0.0.0', POLIS_LOG_LEVEL: 'debug', POLIS_BLOCK_INTERVAL_MS: '50',
    POLIS_DATA_DIR: 'rel/data', POLIS_BODY_LIMIT_BYTES: '2048', POLIS_GENESIS_FILE: '/etc/g.json', POLIS_VALIDATOR_KEY_FILE: 'k.json', POLIS_KEYS_DIR: '/k',
  }
  const c = applyOverrides(base, env, {}, '/work')
  assert.deepEqual(c.api, { host: '0.0.0.0', port: 4321, bodyLimitBytes: 2048 })
  assert.equal(c.logLevel, 'debug')
  assert.equal(c.blockIntervalMs, 50)
  assert.equal(c.dataDir, '/work/rel/data')
  assert.equal(c.genesisFile, '/etc/g.json')
  assert.equal(c.validatorKeyFile, '/work/k.json')
  assert.equal(c.keysDir, '/k')
  assert.equal(nodeUrlOf(c), 'http://127.0.0.1:4321')
  const f = applyOverrides(base, env, { apiPort: '0', logLevel: 'warn', apiHost: '::1' }, '/work')
  assert.equal(f.api.port, 0)
  assert.equal(f.logLevel, 'warn')
  assert.equal(nodeUrlOf({ api: { ...f.api, port: 5 } }), 'http://[::1]:5')
  // empty variables are ignored
  assert.equal(applyOverrides(base, { POLIS_API_PORT: '' }).api.port, 1234)
  assert.equal(resolveHome(undefined, { POLIS_HOME: '/h' }, '/x'), '/h')
  assert.equal(resolveHome(undefined, {}, '/x'), '/x/.polis')
  assert.equal(resolveHome('rel', { POLIS_HOME: '/h' }, '/x'), '/x/rel')
})

test('unclear configuration is refused with the file or variable named', () => {
  const home = '/h'
  const base = { ...parseConfigFile('chain_id: c1\n', home), configPath: '/h/polis.yaml' }
  const bad: Array<[Record<string, string>, RegExp]> = [
    [{ POLIS_API_PORT: 'eighty' }, /POLIS_API_PORT must be an integer from 0 to 65535 \(got "eighty"\)/],
    [{ POLIS_API_PORT: '70000' }, /POLIS_API_PORT/],
    [{ POLIS_LOG_LEVEL: 'loud' }, /POLIS_LOG_LEVEL must be one of fatal, error/],
    [{ POLIS_BLOCK_INTERVAL_MS: '0' }, /POLIS_BLOCK_INTERVAL_MS/],
    [{ POLIS_API_HOST: 'a b' }, /POLIS_API_HOST/],
    [{ POLIS_BODY_LIMIT_BYTES: '1' }, /POLIS_BODY_LIMIT_BYTES/],
  ]
  for (const [env, re] of bad) assert.throws(() => applyOverrides(base, env), configError(re), JSON.stringify(env))
  const files: Array<[string, RegExp]> = [
    ['chain_id: c1\napi:\n  prot: 1\n', /unknown setting "api.prot"/],
    ['chain_id: c1\nblock_intervall_ms: 5\n', /unknown setting "block_intervall_ms"/],
    ['chain_id: c1\napi:\n  port: -1\n', /api.port must be an integer/],
    ['chain_id: c1\napi: 5\n', /api must be a mapping/],
    ['chain_id: Bad_Id\n', /chain_id must be/],
    ['api:\n  port: 1\n', /chain_id is required/],
    ['chain_id: [1\n', /not valid YAML/],
    ['- a\n- b\n', /must be a YAML mapping/],
    ['chain_id: c1\nlog_level: 3\n', /log_level must be one of/],
    ['chain_id: c1\ndata_dir: ""\n', /data_dir must be a non-empty string/],
  ]
  for (const [text, re] of files) assert.throws(() => parseConfigFile(text, home, 'polis.yaml'), configError(re), text)
  const root = tmp('noconf')
  try {
    assert.throws(() => loadConfig({ home: root, env: {} }), configError(/no polis.yaml in .*polis init/))
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
})

test('one default port everywhere: config, node, SDK', () => {
  assert.equal(DEFAULT_API_PORT, NODE_DEFAULT_PORT)
  assert.equal(DEFAULT_NODE_URL, `http://127.0.0.1:${NODE_DEFAULT_PORT}`)
})

test('polis init from the CLI: --json, human output, and errors', async () => {
  const root = tmp('cli-init')
  try {
    const r = await cli(['init', '--home', join(root, 'a'), '--chain-id', 'cli-city', '--sample-accounts', '2', '--json'])
    assert.equal(r.code, 0, r.stderr)
    const j = r.json()
    assert.equal(j.chainId, 'cli-city')
    assert.deepEqual(j.keys.map((k: { name: string }) => k.name), ['authority', 'validator', 'citizen-1', 'citizen-2'])
    const h = await cli(['init', '--sample-accounts', '1'], { env: { POLIS_HOME: join(root, 'b') } })
    assert.equal(h.code, 0, h.stderr)
    assert.match(h.stdout, /Initialised city chain "polis-city" in .*\/b/)
    assert.match(h.stdout, /citizen-1 +[0-9a-f]{64} +citizen +1000000 ucity/)
    assert.match(h.stdout, /Start the node with: polis start/)
    const again = await cli(['init', '--home', join(root, 'a')])
    assert.equal(again.code, 1)
    assert.match(again.stderr, /already initialised/)
    const badId = await cli(['init', '--home', join(root, 'c'), '--chain-id', 'No Spaces'])
    assert.equal(badId.code, 1)
    assert.match(badId.stderr, /--chain-id must be/)
    const badN = await cli(['init', '--home', join(root, 'c'), '--sample-accounts', 'many', '--json'])
    assert.equal(badN.code, 1)
    assert.match(badN.stderr, /--sample-accounts must be an integer/)
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
})

test('pruning: keep_recent defaults to 10000, 0 keeps every height, anything unclear is refused', () => {
  const parse = (yaml: string) => parseConfigFile(yaml, '/home/x', 'polis.yaml')
  assert.equal(parse('chain_id: a-city\n').pruning.keepRecent, 10_000)
  assert.equal(parse('chain_id: a-city\npruning: { keep_recent: 0 }\n').pruning.keepRecent, 0)
  assert.equal(parse('chain_id: a-city\npruning:\n  keep_recent: 250\n').pruning.keepRecent, 250)
  assert.throws(() => parse('chain_id: a-city\npruning: { keep_recent: 1 }\n'), configError(/keep_recent must be 0/))
  assert.throws(() => parse('chain_id: a-city\npruning: { keep_recent: -5 }\n'), configError(/keep_recent/))
  assert.throws(() => parse('chain_id: a-city\npruning: { keep: 5 }\n'), configError(/unknown setting "pruning.keep"/))
  assert.throws(() => parse('chain_id: a-city\npruning: 5\n'), configError(/pruning must be a mapping/))
})

test('empty_block_interval_ms and log_file: defaults, the file, the environment, flags; unclear values refused', () => {
  const home = '/srv/city'
  const base = { ...parseConfigFile('chain_id: idle-city\n', home), configPath: join(home, 'polis.yaml') }
  assert.equal(base.emptyBlockIntervalMs, 5000)
  assert.equal(base.logFile, '/srv/city/node.log')
  const file = parseConfigFile('chain_id: idle-city\nempty_block_interval_ms: 0\nlog_file: "-"\n', home)
  assert.deepEqual([file.emptyBlockIntervalMs, file.logFile], [0, '-'])
  const env = applyOverrides(base, { POLIS_EMPTY_BLOCK_INTERVAL_MS: '250', POLIS_LOG_FILE: 'logs/n.log' }, {}, '/work')
  assert.deepEqual([env.emptyBlockIntervalMs, env.logFile], [250, '/work/logs/n.log'])
  const flags = applyOverrides(base, { POLIS_EMPTY_BLOCK_INTERVAL_MS: '250' }, { emptyBlockIntervalMs: '1000', logFile: '-' }, '/work')
  assert.deepEqual([flags.emptyBlockIntervalMs, flags.logFile], [1000, '-'])
  assert.throws(() => parseConfigFile('chain_id: idle-city\nempty_block_interval_ms: -1\n', home), configError(/empty_block_interval_ms must be an integer from 0 to 3600000/))
  assert.throws(() => applyOverrides(base, { POLIS_EMPTY_BLOCK_INTERVAL_MS: 'soon' }), configError(/POLIS_EMPTY_BLOCK_INTERVAL_MS must be an integer/))
  assert.throws(() => parseConfigFile('chain_id: idle-city\nlog_file: 3\n', home), configError(/log_file must be a non-empty string/))
  // a new home writes both, and the demo slot length when asked
  const dir = tmp('config-idle')
  try {
    initHome({ home: dir, energySlotMs: 60_000 })
    const cfg = loadConfig({ home: dir, env: {} })
    assert.deepEqual([cfg.emptyBlockIntervalMs, cfg.logFile], [5000, join(dir, 'node.log')])
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'genesis.json'), 'utf8')).app_state.energy, { slot_ms: '60000', settle_ms: '60000' })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
