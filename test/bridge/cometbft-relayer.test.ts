// The relayer agent between a solo node and a real 4-validator CometBFT city (its App's HTTP API
// plus CometBFT's RPC for light blocks): the solo city's cometbft client is kept up to date with
// CometBFT headers (verified on chain), proofs of the city's state at h are given with header h+1,
// and a transfer each way completes (voucher minted, ack relayed back, commitments gone).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { toHex } from '../../src/base/bytes.js'
import { Testnet, generateTestnet, testnetKey, testnetPorts } from '../../src/network/cometbft-testnet.js'
import { startNode } from '../../src/node/node.js'
import { PolisClient } from '../../src/sdk/polis-client.js'
import { bridge, bridgeKeys, packetsFromEvents } from '../../src/sdk/bridge.js'
import { voucherDenom } from '../../src/modules/bridge/index.js'
import { Relayer } from '../../src/agents/relayer/index.js'
import { CometHeaderSource, createCometClientMsg } from '../../src/agents/relayer/cometbft-headers.js'
import { testCity, testKey } from '../../src/kit/genesis-builder.js'
import { tmpDir } from '../../src/kit/temp-dir.js'
import { missingCometbft } from '../cometbft/net.js'
import { freeBasePort, freePort } from '../../src/kit/free-port.js'
import { metroAppState } from './cometbft-metro.js'

const VALIDATORS = 4
const SEED = 'relay-metro'
const key = (label: string) => testnetKey(SEED, label)

async function until(what: string, cond: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('timed out waiting for ' + what)
    await new Promise((r) => setTimeout(r, 100))
  }
}

test(`the relayer between a solo node and a ${VALIDATORS}-validator CometBFT city: a transfer each way`, { skip: missingCometbft(), timeout: 180_000 }, async () => {
  const metroDir = mkdtempSync(join(tmpdir(), 'polis-relay-metro-'))
  const manifest = generateTestnet({ out: metroDir, validators: VALIDATORS, chainId: 'metro-city', appState: metroAppState(SEED, VALIDATORS), keySeed: SEED, basePort: await freeBasePort((b) => testnetPorts(b, VALIDATORS)) })
  const apiPort = await freePort()
  const tn = new Testnet(metroDir, { apiPort: (i) => (i === 0 ? apiPort : undefined), log: process.env.POLIS_TEST_VERBOSE ? (m) => console.log(m) : undefined })
  const city = testCity({ chainId: 'solo-city', citizens: 2, balance: 1_000_000n })
  const soloRelayer = testKey('solo-city/relayer')
  ;(city.genesis.app_state.identity as { accounts: unknown[] }).accounts.push({ pub_key: toHex(soloRelayer.publicKey), roles: ['relayer'] })
  const soloDir = tmpDir('relay-solo')
  const node = await startNode({ dataDir: soloDir.path, genesis: city.genesis, validatorKey: city.validator, port: 0, blockIntervalMs: 20, logLevel: 'silent' })
  let relayer: Relayer | undefined
  try {
    await tn.start()
    const rpcUrl = `http://127.0.0.1:${manifest.nodes[0]!.rpcPort}`
    const metro = new PolisClient(`http://127.0.0.1:${apiPort}`)
    const solo = new PolisClient(node.url)
    await until('the CometBFT city API', async () => (await metro.height().catch(() => 0n)) >= 1n)
    const source = new CometHeaderSource(rpcUrl)

    // clients of each other, created by each city's authority
    const { msg } = await createCometClientMsg(source.provider, { clientId: 'to-metro', counterpartyClient: 'to-solo' })
    await solo.signAndSubmit(city.authority, [msg])
    const c = await metro.signAndSubmit(key('authority'), [bridge.createClient({ clientId: 'to-solo', chainId: 'solo-city', counterpartyClient: 'to-metro', validator: city.validator, header: await solo.header(await solo.height()) })])
    assert.ok(c.ok, 'log' in c ? c.log : '')

    relayer = new Relayer({
      a: { url: node.url, clientId: 'to-metro', key: soloRelayer },
      b: { url: `http://127.0.0.1:${apiPort}`, clientId: 'to-solo', key: key('relayer'), cometRpc: rpcUrl },
      intervalMs: 100, events: false,
    })
    relayer.start()

    // solo → metro
    const soloCitizen = city.citizens[0]!
    const metroCitizen = key('citizen/0')
    const s1 = await solo.signAndSubmit(soloCitizen, [bridge.transfer({ clientId: 'to-metro', amount: 300n, receiver: metroCitizen, timeoutHeight: 1_000_000n })])
    assert.ok('events' in s1 && s1.ok, 'transfer sent')
    const seq1 = packetsFromEvents(s1.events)[0]!.sequence
    await until('the ack on the solo city', async () => (await solo.store(bridgeKeys.commitment('to-metro', seq1))).value === null)
    assert.equal(await metro.balance(metroCitizen, { denom: voucherDenom('transfer/to-solo/ucity') }), 300n)

    // metro → solo
    const s2 = await metro.signAndSubmit(metroCitizen, [bridge.transfer({ clientId: 'to-solo', amount: 120n, receiver: soloCitizen, timeoutHeight: 1_000_000n })])
    assert.ok('events' in s2 && s2.ok, 'transfer sent')
    const seq2 = packetsFromEvents(s2.events)[0]!.sequence
    await until('the ack on the CometBFT city', async () => (await metro.store(bridgeKeys.commitment('to-solo', seq2))).value === null)
    assert.equal(await solo.balance(soloCitizen, { denom: voucherDenom('transfer/to-metro/ucity') }), 120n)
    // the solo city's client follows CometBFT headers
    const client = await solo.query<{ type: string; latest_height: string }>('bridge', 'client', { client_id: 'to-metro' })
    assert.equal(client.type, 'cometbft')
    assert.ok(BigInt(client.latest_height) > 1n, 'client updated')
  } finally {
    await relayer?.stop()
    await node.stop()
    soloDir.remove()
    await tn.stop()
    rmSync(metroDir, { recursive: true, force: true })
  }
})
