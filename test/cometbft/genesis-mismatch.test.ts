/**
 * A node whose genesis is not its peers' is refused while the chain keeps running:
 * - joining by state sync with another chain id, or the same chain id and another genesis state,
 *   its App process refuses to start with a typed error (`wrong_chain_id`, `invalid_genesis`)
 *   naming the peer and what differs (src/engine/cometbft/peer-genesis.ts);
 * - started anyway without state sync (nothing for the App to ask), CometBFT's handshake refuses
 *   the node of another chain id: it gets no peer and no block, and no validator lists it.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Testnet, generateTestnet, testnetPorts } from '../../src/network/cometbft-testnet.js'
import { freeBasePort } from '../../src/kit/free-port.js'
import { missingCometbft, until } from './net.js'

type Genesis = { chain_id: string; app_state: { bank: { balances: Array<{ amount: string }> } } }

test('a node with another chain id or genesis than its peers is refused; the chain keeps running', { skip: missingCometbft(), timeout: 180_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'polis-genesis-mismatch-'))
  generateTestnet({
    out: dir, validators: 2, chainId: 'true-city', keySeed: 'mismatch', citizens: 1, basePort: await freeBasePort((b) => testnetPorts(b, 4)),
    configOverrides: { 'consensus.create_empty_blocks': true, 'consensus.create_empty_blocks_interval': '0s' },
  })
  const tn = new Testnet(dir, { log: process.env.POLIS_TEST_VERBOSE ? (m) => console.log(m) : undefined })
  try {
    await tn.start()
    await tn.waitForHeight(3n)
    const rpc = tn.rpc(0)
    const urls = [0, 1].map((i) => tn.rpc(i).url)
    const trustHeight = (await rpc.height()) - 1n
    const trustHash = String((await rpc.block(trustHeight)).block_id.hash)
    const editGenesis = (i: number, change: (g: Genesis) => void) => {
      const file = join(tn.nodeDir(i), 'cometbft', 'config', 'genesis.json')
      const g = JSON.parse(readFileSync(file, 'utf8')) as Genesis
      change(g)
      writeFileSync(file, JSON.stringify(g, null, 2))
    }

    // joining by state sync: the App asks the RPC servers for their genesis first
    const joiner = tn.addNode({
      config: {
        'statesync.enable': true, 'statesync.rpc_servers': urls.join(','), 'statesync.trust_height': Number(trustHeight),
        'statesync.trust_hash': trustHash, 'statesync.trust_period': '168h0m0s',
      },
    })
    const appLog = join(tn.nodeDir(joiner), 'logs', 'app.log')
    editGenesis(joiner, (g) => (g.chain_id = 'rogue-city'))
    await assert.rejects(tn.startNode(joiner), /process exited before printing "abci listening on"/)
    assert.match(readFileSync(appLog, 'utf8'), new RegExp(`wrong_chain_id: this node's genesis is of chain "rogue-city", its peer ${urls[0]} runs chain "true-city": refusing to start`))
    assert.equal(tn.isRunning(joiner), false)

    editGenesis(joiner, (g) => {
      g.chain_id = 'true-city'
      g.app_state.bank.balances[0]!.amount = '1'
    })
    await assert.rejects(tn.startNode(joiner), /process exited before printing "abci listening on"/)
    assert.match(readFileSync(appLog, 'utf8'), new RegExp(`invalid_genesis: this node's genesis of chain "true-city" differs from its peer ${urls[0]}'s in app_state: refusing to start`))

    // started without state sync: CometBFT's handshake keeps a node of another chain out
    const rogue = tn.addNode()
    editGenesis(rogue, (g) => (g.chain_id = 'rogue-city'))
    await tn.startNode(rogue)
    const rogueId = tn.manifest.nodes[rogue]!.nodeId
    const from = await rpc.height()
    await tn.waitForHeight(from + 5n, [0, 1])
    const st = await tn.rpc(rogue).status()
    assert.equal(st.node_info.network, 'rogue-city')
    assert.equal(BigInt(st.sync_info.latest_block_height), 0n, 'the rogue node got no block')
    assert.equal(Number((await tn.rpc(rogue).call<{ n_peers: string }>('net_info')).n_peers), 0)
    for (const i of [0, 1]) {
      const peers = (await tn.rpc(i).call<{ peers: Array<{ node_info: { id: string } }> }>('net_info')).peers.map((p) => p.node_info.id)
      assert.ok(!peers.includes(rogueId), `validator ${i} lists the rogue node as a peer`)
    }
    // the refusal is logged when the rogue node's dial of a peer is answered, whenever that happens
    const cometLogFile = join(tn.nodeDir(rogue), 'logs', 'cometbft.log')
    await until('the rogue node\'s log to show the handshake refused', async () => (/different network|incompatible/i.test(readFileSync(cometLogFile, 'utf8')) ? true : undefined), 60_000)

    // and the chain is still committing, both validators in agreement
    const now = await rpc.height()
    await tn.waitForHeight(now + 2n, [0, 1])
    const h = now + 1n
    const [a, b] = await Promise.all([0, 1].map((i) => tn.rpc(i).block(h)))
    assert.equal(a.block_id.hash, b.block_id.hash)
    await until('validators see each other only', async () => {
      const n = Number((await rpc.call<{ n_peers: string }>('net_info')).n_peers)
      return n === 1 ? true : undefined
    })
  } finally {
    await tn.stop()
    rmSync(dir, { recursive: true, force: true })
  }
})
