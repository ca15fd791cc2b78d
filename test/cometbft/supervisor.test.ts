// The testnet generator's files and the supervisor's restart of a crashed node (1 validator, quick).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Testnet, cometConfigToml, generateTestnet, LOOPBACK_TIMEOUTS, testnetKey, testnetPorts } from '../../src/network/cometbft-testnet.js'
import { freeBasePort } from '../../src/kit/free-port.js'
import { toHex } from '../../src/base/bytes.js'
import { missingCometbft, sleep } from './net.js'

test('generator: distinct ports, persistent peers, loopback settings, keys that match genesis', () => {
  const dir = mkdtempSync(join(tmpdir(), 'polis-gen-'))
  try {
    const m = generateTestnet({ out: dir, validators: 4, basePort: 41000, keySeed: 'gen', citizens: 2, chainId: 'gen-city' })
    const ports = m.nodes.flatMap((n) => [n.p2pPort, n.rpcPort, n.abciPort])
    assert.equal(new Set(ports).size, 12)
    const genesis = JSON.parse(readFileSync(join(dir, 'node0/cometbft/config/genesis.json'), 'utf8'))
    assert.equal(genesis.chain_id, 'gen-city')
    assert.equal(genesis.validators.length, 4)
    assert.equal(genesis.app_state.bank.balances.length, 2)
    assert.equal(genesis.app_state.identity.accounts[0].pub_key, toHex(testnetKey('gen', 'authority').publicKey))
    for (const [i, n] of m.nodes.entries()) {
      const cfg = readFileSync(join(dir, n.dir, 'cometbft/config/config.toml'), 'utf8')
      assert.match(cfg, new RegExp(`proxy_app = "tcp://127.0.0.1:${n.abciPort}"`))
      assert.match(cfg, /addr_book_strict = false/)
      assert.match(cfg, /allow_duplicate_ip = true/)
      assert.match(cfg, /create_empty_blocks = false/)
      assert.match(cfg, /recheck = false/)
      const peers = /persistent_peers = "([^"]*)"/.exec(cfg)![1]!.split(',')
      assert.equal(peers.length, 3)
      assert.ok(!peers.some((p) => p.startsWith(n.nodeId)))
      const pv = JSON.parse(readFileSync(join(dir, n.dir, 'cometbft/config/priv_validator_key.json'), 'utf8'))
      assert.equal(pv.pub_key.value, genesis.validators[i].pub_key.value)
      assert.equal(pv.address, genesis.validators[i].address)
      assert.equal(statSync(join(dir, n.dir, 'cometbft/config/priv_validator_key.json')).mode & 0o077, 0)
      assert.equal(JSON.parse(readFileSync(join(dir, n.dir, 'cometbft/config/genesis.json'), 'utf8')).genesis_time, genesis.genesis_time)
    }
    assert.throws(() => generateTestnet({ out: dir, validators: 1 }), /already holds/)
    assert.throws(() => cometConfigToml({ moniker: 'x', proxyApp: 'kvstore', rpc: '', p2p: '', peers: '', timeouts: LOOPBACK_TIMEOUTS, mempoolSize: 1, logLevel: 'info', overrides: { 'nope.x': 1 } }), /unknown config section/)
    assert.match(cometConfigToml({ moniker: 'x', proxyApp: 'kvstore', rpc: '', p2p: '', peers: '', timeouts: LOOPBACK_TIMEOUTS, mempoolSize: 1, logLevel: 'info', overrides: { 'mempool.size': 7 } }), /\[mempool\][^[]*size = 7\n/)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('supervisor: a node whose App is killed is restarted and goes on', { skip: missingCometbft() }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'polis-sup-'))
  const logs: string[] = []
  generateTestnet({ out: dir, validators: 1, basePort: await freeBasePort((b) => testnetPorts(b, 1)), keySeed: 'sup', chainId: 'sup-city' })
  const tn = new Testnet(dir, { autoRestart: true, log: (m) => logs.push(m) })
  try {
    await tn.start()
    await tn.waitForHeight(1n)
    const pid = tn.appPid(0)!
    process.kill(pid, 'SIGKILL')
    const deadline = Date.now() + 60_000
    while (!(logs.some((l) => l.includes('restarted')) && tn.isRunning(0) && tn.appPid(0) !== pid)) {
      assert.ok(Date.now() < deadline, `not restarted: ${logs.join(' | ')}`)
      await sleep(100)
    }
    assert.equal(logs.filter((l) => l.includes('restarted')).length, 1, 'one restart for the pair')
    assert.ok((await tn.rpc(0).height()) >= 1n)
    const info = await tn.rpc(0).abciInfo()
    assert.ok(BigInt(info.response.last_block_height) >= 1n)
  } finally {
    await tn.stop()
    rmSync(dir, { recursive: true, force: true })
  }
})
