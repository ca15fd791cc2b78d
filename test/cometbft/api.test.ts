// The HTTP API served by the App process of a CometBFT node (main.ts --api-port): submissions go
// through CometBFT's mempool, blocks/headers/commits are CometBFT's, queries and proofs the App's.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ics23, iavlSpec, verifyMembership } from '@confio/ics23'
import { Testnet, generateTestnet, testnetKey, testnetPorts } from '../../src/network/cometbft-testnet.js'
import { freeBasePort, freePort } from '../../src/kit/free-port.js'
import { sha256 } from '../../src/crypto/hash.js'
import { fromHex, toHex } from '../../src/base/bytes.js'
import { balanceStoreKey } from '../../src/modules/bank/types.js'
import { amountToBytes } from '../../src/codec/amount.js'
import { Signer } from '../../src/kit/signer.js'
import { assertProblem, http, subscribe, waitFor } from '../api/client.js'
import { missingCometbft } from './net.js'

test('HTTP API on a CometBFT node: submit, wait, status, block + commit, query, proof against the next header', { skip: missingCometbft(), timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'polis-capi-'))
  const chainId = 'capi-city'
  generateTestnet({ out: dir, validators: 1, citizens: 2, citizenBalance: 1_000_000n, basePort: await freeBasePort((b) => testnetPorts(b, 1)), keySeed: 'capi', chainId })
  const apiPort = await freePort()
  const tn = new Testnet(dir, { apiPort: () => apiPort, log: process.env.POLIS_TEST_VERBOSE ? (m) => console.log(m) : undefined })
  const base = `http://127.0.0.1:${apiPort}`
  const get = (p: string) => http(base, 'GET', p)
  const post = (p: string, b: unknown) => http(base, 'POST', p, b)
  try {
    await tn.start()
    await waitFor(async () => ((await get('/ready').catch(() => undefined))?.status === 200 ? true : undefined), 20_000, 'API ready')
    const [alice, bob] = [testnetKey('capi', 'citizen/0'), testnetKey('capi', 'citizen/1')]
    const signer = new Signer(chainId)
    const events = await subscribe(base)

    // submit over HTTP (CometBFT's mempool), wait for the commit
    const tx = signer.send(alice, bob, 25n)
    const c = await post('/v1/txs?wait=true&timeout_ms=20000', { tx: toHex(tx) })
    assert.equal(c.status, 200, c.text)
    assert.equal(c.body.status, 'committed')
    assert.equal(c.body.code, 0, c.body.log)
    assert.equal(c.body.hash, toHex(sha256(tx)))
    assert.ok(c.body.events.some((e: any) => e.type === 'bank.transfer'))
    const h = BigInt(c.body.height)
    // the same transaction again: refused (already committed)
    assert.ok((await post('/v1/txs', { tx: toHex(tx) })).status >= 400)
    // a bad one: refused by CheckTx with its ledger code
    assertProblem(await post('/v1/txs', { tx: toHex(signer.send(alice, bob, 10n ** 12n)) }), 422, 'insufficient_funds')

    const st = await get(`/v1/txs/${c.body.hash}`)
    assert.equal(st.body.status, 'committed')
    assert.equal(st.body.height, h.toString())
    assert.equal((await get(`/v1/txs/${'00'.repeat(32)}`)).body.status, 'unknown')

    const status = (await get('/v1/status')).body
    assert.equal(status.engine, 'cometbft')
    assert.equal(status.chain_id, chainId)
    assert.ok(BigInt(status.height) >= h)

    // CometBFT's block and commit
    const blk = await get(`/v1/blocks/${h}`)
    assert.equal(blk.status, 200, blk.text)
    assert.equal(blk.body.engine, 'cometbft')
    assert.equal(blk.body.header.height, h.toString())
    assert.equal(blk.body.header.chain_id, chainId)
    assert.deepEqual(blk.body.txs, [toHex(tx)])
    assert.deepEqual(blk.body.results.map((r: any) => r.code), [0])
    assert.equal(blk.body.commit.height, h.toString())
    assert.equal(blk.body.commit.signatures.length, 1)
    assert.ok(blk.body.commit.signatures[0].signature)
    const hdr = (await get(`/v1/headers/${h}`)).body
    assert.equal(hdr.hash, blk.body.hash)
    assert.deepEqual(hdr.header, blk.body.header)
    assert.equal(hdr.commit.block_id.hash.toLowerCase(), hdr.hash)
    assertProblem(await get(`/v1/blocks/${h + 1000n}`), 404, 'not_found')

    // block events from the App's commits, with CometBFT's block hash
    const ev = await events.next((m) => m.kind === 'block' && m.height === h.toString())
    assert.equal(ev.hash, blk.body.hash)
    assert.deepEqual(ev.txs, [toHex(sha256(tx))])
    events.close()

    // a module query through the App
    const bal = await get(`/v1/query/bank/balance?address=${toHex(bob.publicKey)}&height=${h}`)
    assert.equal(bal.status, 200, bal.text)
    assert.equal(bal.body.amount, '1000025')

    // a store proof at h verifies against the app hash of header h+1 (CometBFT's app hash lags one height)
    const key = balanceStoreKey(bob.publicKey, 'ucity')
    const sp = await get(`/v1/store/${toHex(key)}?height=${h}&prove=true`)
    assert.equal(sp.status, 200, sp.text)
    assert.equal(sp.body.value, toHex(amountToBytes(1_000_025n)))
    const next = await waitFor(async () => {
      const r = await get(`/v1/headers/${h + 1n}`)
      return r.status === 200 ? r.body : undefined
    }, 15_000, `header ${h + 1n}`)
    const appHash = fromHex(next.header.app_hash.toLowerCase())
    const proof = ics23.CommitmentProof.decode(fromHex(sp.body.proof))
    assert.ok(verifyMembership(proof, iavlSpec, appHash, key, fromHex(sp.body.value)))
    assert.ok(!verifyMembership(proof, iavlSpec, appHash, key, amountToBytes(1n)))
  } finally {
    await tn.stop()
    rmSync(dir, { recursive: true, force: true })
  }
})
