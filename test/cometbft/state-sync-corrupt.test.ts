/**
 * State sync from two peers, one of which serves corrupted chunks. Both validators hold the same
 * snapshot (same height, same announced chunk hashes); on validator 1 the snapshot file is damaged
 * on disk after it was made, so every chunk it serves differs from what the snapshot announces. A
 * fresh node state-syncs: the App's ApplySnapshotChunk refuses each bad chunk (RETRY, refetch that
 * index, reject the sender), CometBFT fetches it again from validator 0, the restore completes with
 * the verified app hash, and the node then follows the chain.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { toHex, utf8 } from '../../src/base/bytes.js'
import { Testnet, generateTestnet, testnetKey, testnetPorts } from '../../src/network/cometbft-testnet.js'
import { freeBasePort } from '../../src/kit/free-port.js'
import { Signer } from '../../src/kit/signer.js'
import { missingCometbft, until, waitTx } from './net.js'

const SEED = 'corrupt-chunk'
const INTERVAL = 20
const CHUNK = 64
/** Serve the snapshots on disk but make no new ones (an interval the test never reaches). */
const SERVE_ONLY = 1_000_000_000

const snapshotHeights = (home: string): number[] =>
  readdirSync(join(home, 'snapshots')).filter((d) => /^[0-9]+$/.test(d)).map(Number).sort((a, b) => a - b)

test('a corrupted snapshot chunk from one peer is refused and fetched again from the other', { skip: missingCometbft(), timeout: 240_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'polis-corrupt-chunk-'))
  const base = await freeBasePort((b) => testnetPorts(b, 3))
  generateTestnet({
    out: dir, validators: 2, chainId: 'corrupt-city', keySeed: SEED, citizens: 2, basePort: base,
    timeouts: { commit: '1ms', skipCommit: true }, configOverrides: { 'consensus.create_empty_blocks': true, 'consensus.create_empty_blocks_interval': '0s' },
  })
  const log = process.env.POLIS_TEST_VERBOSE ? (m: string) => console.log(m) : undefined
  const making = new Testnet(dir, { snapshotInterval: INTERVAL, snapshotChunkBytes: CHUNK, log })
  let serving: Testnet | undefined
  try {
    // both validators make snapshots at the same heights
    await making.start()
    const homes = [0, 1].map((i) => making.nodeDir(i))
    const common = () => snapshotHeights(homes[0]!).filter((h) => snapshotHeights(homes[1]!).includes(h))
    await until('a snapshot on both validators', async () => (common().some((h) => h >= 2 * INTERVAL) ? true : undefined), 120_000)
    await making.stop()

    // keep one snapshot, the newest both hold, and check they are the same snapshot
    const height = common().at(-1)!
    for (const home of homes) for (const h of snapshotHeights(home)) if (h !== height) rmSync(join(home, 'snapshots', String(h)), { recursive: true })
    const infos = homes.map((home) => JSON.parse(readFileSync(join(home, 'snapshots', String(height), 'info.json'), 'utf8')) as { hash: string; metadata: { chunk_hashes: string[] } })
    assert.equal(infos[0]!.hash, infos[1]!.hash, 'both validators made the same snapshot')
    const chunks = infos[0]!.metadata.chunk_hashes.length
    assert.ok(chunks >= 20, `${chunks} chunks`)

    // validator 1's copy goes bad on disk: one byte flipped in every chunk, the announced hashes unchanged
    const file = join(homes[1]!, 'snapshots', String(height), 'snapshot')
    const blob = readFileSync(file)
    for (let at = 0; at < blob.length; at += CHUNK) blob[at + Math.min(7, blob.length - at - 1)]! ^= 0xff
    writeFileSync(file, blob)

    // the chain goes on at a pace a joining node on the same loaded cores can follow
    for (const home of homes) {
      const cfgPath = join(home, 'cometbft', 'config', 'config.toml')
      const cfg = readFileSync(cfgPath, 'utf8')
      const paced = cfg.replace(/^timeout_commit = .*$/m, 'timeout_commit = "100ms"').replace(/^skip_timeout_commit = .*$/m, 'skip_timeout_commit = false')
      assert.notEqual(paced, cfg)
      writeFileSync(cfgPath, paced)
    }
    serving = new Testnet(dir, { snapshotInterval: SERVE_ONLY, snapshotChunkBytes: CHUNK, log })
    await serving.start()
    const rpc = serving.rpc(0)
    const trustHeight = (await rpc.height()) - 1n
    const trustHash = String((await rpc.block(trustHeight)).block_id.hash)
    const urls = [0, 1].map((i) => serving!.rpc(i).url).join(',')
    const i = serving.addNode({
      config: {
        'statesync.enable': true, 'statesync.rpc_servers': urls, 'statesync.trust_height': Number(trustHeight),
        'statesync.trust_hash': trustHash, 'statesync.trust_period': '168h0m0s', 'statesync.discovery_time': '5s',
      },
    })
    await serving.startNode(i)
    const joined = serving.rpc(i)
    await until('the new node to catch up', async () => {
      const st = await joined.status()
      return !st.sync_info.catching_up && BigInt(st.sync_info.latest_block_height) > trustHeight ? true : undefined
    }, 120_000)

    const appLog = readFileSync(join(serving.nodeDir(i), 'logs', 'app.log'), 'utf8')
    const restored = /restored the snapshot of height (\d+), app hash ([0-9a-f]+)/.exec(appLog)
    assert.ok(restored, appLog.slice(0, 3000))
    assert.equal(Number(restored[1]), height)
    assert.equal(restored[2], String((await rpc.block(BigInt(height) + 1n)).block.header.app_hash).toLowerCase())
    // refusals happened, each of a chunk sent by validator 1, and none of validator 0's
    const refused = [...appLog.matchAll(/snapshot chunk (\d+) from (\S+) does not hash to what the snapshot announced/g)]
    const bad = serving.manifest.nodes[1]!.nodeId
    assert.ok(refused.length >= 1, `no chunk refused:\n${appLog.slice(0, 3000)}`)
    for (const r of refused) assert.equal(r[2], bad, `refused a chunk of ${r[2]}`)
    assert.doesNotMatch(appLog, /snapshot of height \d+ rejected|does not hash to its announced hash/)

    // and the node follows the chain from there
    const signer = new Signer('corrupt-city')
    const [a, b] = [testnetKey(SEED, 'citizen/0'), testnetKey(SEED, 'citizen/1')]
    const tx = signer.send(a, b, 5n)
    assert.equal((await rpc.broadcastTxSync(tx)).code, 0)
    await waitTx(rpc, tx, 60_000)
    await until('the transfer on the new node', async () => {
      const r = await joined.abciQuery('bank/balance', utf8(JSON.stringify({ address: toHex(b.publicKey) })))
      return r.response.code === 0 && JSON.parse(Buffer.from(r.response.value, 'base64').toString()).amount === '1000000005' ? true : undefined
    })
  } finally {
    await making.stop()
    await serving?.stop()
    rmSync(dir, { recursive: true, force: true })
  }
})
