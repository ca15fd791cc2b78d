/**
 * State sync on a real chain: a validator whose App makes a snapshot every 250 blocks runs a chain
 * of a few thousand (small, mostly empty) blocks; a fresh node joins with CometBFT's state sync
 * (trusting a recent header learned out of band), restores the App from the snapshot, whose app
 * hash CometBFT checked against the light-client-verified header, never executes a block below
 * the snapshot, then follows the chain: a transfer sent to the validator shows on the new node.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { toHex, utf8 } from '../../src/base/bytes.js'
import { Testnet, generateTestnet, testnetKey, testnetPorts } from '../../src/network/cometbft-testnet.js'
import { freeBasePort } from '../../src/kit/free-port.js'
import { Signer } from '../../src/kit/signer.js'
import { missingCometbft, until, waitTx } from './net.js'

const SEED = 'statesync'
const BLOCKS = 2000n
const INTERVAL = 250


test(`a fresh node joins a chain of ${BLOCKS} blocks by state sync and follows it`, { skip: missingCometbft(), timeout: 240_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'polis-statesync-'))
  const base = await freeBasePort((b) => testnetPorts(b, 2))
  // one validator making blocks as fast as it can: empty blocks, no commit pause
  generateTestnet({
    out: dir, validators: 1, chainId: 'sync-city', keySeed: SEED, citizens: 2, basePort: base,
    timeouts: { commit: '1ms', skipCommit: true }, configOverrides: { 'consensus.create_empty_blocks': true, 'consensus.create_empty_blocks_interval': '0s' },
  })
  const tn = new Testnet(dir, { snapshotInterval: INTERVAL, snapshotChunkBytes: 4096, log: process.env.POLIS_TEST_VERBOSE ? (m) => console.log(m) : undefined })
  try {
    await tn.start()
    const rpc = tn.rpc(0)
    await until(`${BLOCKS} blocks`, async () => ((await rpc.height()) >= BLOCKS ? true : undefined), 150_000)
    const snapshots = await until('two snapshots', async () => {
      const made = readFileSync(join(tn.nodeDir(0), 'logs', 'app.log'), 'utf8').match(/snapshot of height (\d+): \d+ chunks/g) ?? []
      return made.length >= 2 ? made : undefined
    })
    assert.ok(snapshots.length >= 2)
    // From here on the validator makes a block every 100 ms instead of as fast as the CPU allows, so
    // a joining node that block-syncs on the same loaded cores can reach the tip: with both racing at
    // full speed, whether the follower ever catches up depends on the machine's load.
    await tn.stopNode(0)
    const cfgPath = join(tn.nodeDir(0), 'cometbft', 'config', 'config.toml')
    const cfg = readFileSync(cfgPath, 'utf8')
    const paced = cfg.replace(/^timeout_commit = .*$/m, 'timeout_commit = "100ms"').replace(/^skip_timeout_commit = .*$/m, 'skip_timeout_commit = false')
    assert.notEqual(paced, cfg)
    writeFileSync(cfgPath, paced)
    await tn.startNode(0)

    // the trust anchor, learned out of band: a recent block's hash
    const trustHeight = (await rpc.height()) - 5n
    const trustHash = String((await rpc.block(trustHeight)).block_id.hash)
    const url = rpc.url
    const i = tn.addNode({
      config: {
        'statesync.enable': true, 'statesync.rpc_servers': `${url},${url}`, 'statesync.trust_height': Number(trustHeight),
        'statesync.trust_hash': trustHash, 'statesync.trust_period': '168h0m0s', 'statesync.discovery_time': '5s',
        'consensus.create_empty_blocks': true,
      },
    })
    await tn.startNode(i)
    const joined = tn.rpc(i)
    await until('the new node to catch up', async () => {
      const st = await joined.status()
      return !st.sync_info.catching_up && BigInt(st.sync_info.latest_block_height) >= trustHeight ? true : undefined
    }, 120_000)
    const log = readFileSync(join(tn.nodeDir(i), 'logs', 'app.log'), 'utf8')
    const restored = /restored the snapshot of height (\d+), app hash ([0-9a-f]+)/.exec(log)
    assert.ok(restored, log.slice(0, 3000))
    const at = BigInt(restored[1]!)
    assert.equal(at % BigInt(INTERVAL), 0n)
    assert.ok(at >= BLOCKS - BigInt(INTERVAL), `restored at ${at}`)
    // the restored app hash is the chain's: header at+1 carries it
    assert.equal(restored[2], String((await rpc.block(at + 1n)).block.header.app_hash).toLowerCase())
    // nothing below the snapshot was executed on the new node
    const executed = [...log.matchAll(/committed height (\d+)/g)].map((m) => BigInt(m[1]!))
    assert.ok(executed.length > 0 && executed.every((h) => h > at), `first executed ${executed[0]}`)

    // and it follows: a transfer sent to the validator is in the new node's state
    const signer = new Signer('sync-city')
    const [a, b] = [testnetKey(SEED, 'citizen/0'), testnetKey(SEED, 'citizen/1')]
    const tx = signer.send(a, b, 77n)
    assert.equal((await rpc.broadcastTxSync(tx)).code, 0)
    await waitTx(rpc, tx, 60_000)
    await until('the transfer on the new node', async () => {
      const r = await joined.abciQuery('bank/balance', utf8(JSON.stringify({ address: toHex(b.publicKey) })))
      return r.response.code === 0 && JSON.parse(Buffer.from(r.response.value, 'base64').toString()).amount === '1000000077' ? true : undefined
    })
  } finally {
    await tn.stop()
    rmSync(dir, { recursive: true, force: true })
  }
})
