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
import { bankMsgs } from '../../src/modules/bank/types.js'
import { missingCometbft, startNet, waitTx } from './net.js'

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

// Re-admission at Commit (mempool.recheck is off; abci-app.ts). Gossip is off so that each node's
// mempool holds only what was submitted to it, and blocks are made continuously so that every
// node's turn to propose comes: two transfers with the same nonce from one sender, each admitted by
// its own node. The first block carries one; the other node's re-admission refuses its own, which
// stays in CometBFT's mempool until that node proposes it: its block refuses it (bad_nonce, nothing
// moved), the mempools empty, and the sender's later transfers commit through either node.
test('same nonce admitted by two nodes: the loser is refused in its block, the mempools empty, the sender goes on', { skip: missingCometbft(), timeout: 120_000 }, async () => {
  const chainId = 'readmit-city'
  const net = await startNet({
    name: 'readmit', chainId, validators: 2, citizens: 2, citizenBalance: 1_000_000n,
    configOverrides: { 'mempool.broadcast': false, 'consensus.create_empty_blocks': true, 'consensus.create_empty_blocks_interval': '0s' },
  })
  try {
    const [alice, bob] = [net.key('citizen/0'), net.key('citizen/1')]
    const rpcs = [net.tn.rpc(0), net.tn.rpc(1)]
    const signer = new Signer(chainId)
    let nonce = 0n
    let earlier = 0n
    let pair: [Uint8Array, Uint8Array] | undefined
    // both must be admitted; if a block carried one before the other node saw the other (a race
    // with the block clock), the other is refused at CheckTx instead: try again at the next nonce
    for (let attempt = 0; attempt < 5 && !pair; attempt++) {
      const a = signer.tx(alice, [bankMsgs.send({ to: bob.publicKey, amount: 1n })], { nonce })
      const b = signer.tx(alice, [bankMsgs.send({ to: bob.publicKey, amount: 2n })], { nonce })
      const [ra, rb] = await Promise.all([rpcs[0]!.broadcastTxSync(a), rpcs[1]!.broadcastTxSync(b)])
      if (ra.code === 0 && rb.code === 0) pair = [a, b]
      else {
        // exactly one was admitted; it commits, and the next attempt uses the next nonce
        assert.equal([ra.code, rb.code].filter((c) => c === 0).length, 1, `${ra.log} / ${rb.log}`)
        await waitTx(rpcs[0]!, ra.code === 0 ? a : b)
        earlier += ra.code === 0 ? 1n : 2n
        nonce++
      }
    }
    assert.ok(pair, 'never got both transfers admitted by their nodes')
    const [ta, tb] = await Promise.all(pair.map((t) => waitTx(rpcs[0]!, t, 60_000)))
    const codes = [ta.tx_result.code ?? 0, tb.tx_result.code ?? 0]
    assert.deepEqual([...codes].sort(), [0, 6], `codes ${codes}: one commits, the other is refused in its block (bad_nonce)`)
    const loser = codes[0] === 0 ? 1 : 0
    // the sender goes on through both nodes, the loser's first
    const c = signer.tx(alice, [bankMsgs.send({ to: bob.publicKey, amount: 10n })], { nonce: nonce + 1n })
    const rc = await rpcs[loser]!.broadcastTxSync(c)
    assert.equal(rc.code, 0, rc.log)
    assert.equal((await waitTx(rpcs[loser]!, c)).tx_result.code ?? 0, 0)
    const d = signer.tx(alice, [bankMsgs.send({ to: bob.publicKey, amount: 100n })], { nonce: nonce + 2n })
    const rd = await rpcs[1 - loser]!.broadcastTxSync(d)
    assert.equal(rd.code, 0, rd.log)
    assert.equal((await waitTx(rpcs[0]!, d)).tx_result.code ?? 0, 0)
    // nothing is left in either mempool
    for (const rpc of rpcs) await waitFor(async () => (Number((await rpc.numUnconfirmedTxs()).n_txs) === 0 ? true : undefined), 30_000, 'empty mempool')
    // bob got the winner's amount, 10 and 100 (and what earlier attempts moved), nothing from the loser
    const q = await rpcs[0]!.abciQuery('bank/balance', new TextEncoder().encode(JSON.stringify({ address: toHex(bob.publicKey) })))
    const bal = BigInt(JSON.parse(Buffer.from(q.response.value, 'base64').toString()).amount)
    assert.equal(bal, 1_000_000n + earlier + (loser === 1 ? 1n : 2n) + 110n)
  } finally {
    await net.cleanup()
  }
})

// CometBFT checks its mempool's size again when the App's CheckTx answer comes back and drops the
// transaction if it is full; the App must not then count it as pending (the sender's nonce would
// stay taken: every resubmission refused). The App refuses mempool_full itself at CometBFT's
// mempool.size. A mempool of 2 and 8 senders at once: each retries until admitted, and every
// sender's next transfer commits too.
test('a full mempool refuses without keeping a phantom: every sender gets through', { skip: missingCometbft(), timeout: 120_000 }, async () => {
  const chainId = 'full-city'
  const senders = 8
  const net = await startNet({ name: 'mfull', chainId, validators: 1, citizens: senders + 1, citizenBalance: 1_000n, mempoolSize: 2 })
  try {
    const rpc = net.tn.rpc(0)
    const sink = net.key(`citizen/${senders}`)
    const signer = new Signer(chainId)
    let full = 0
    const submit = async (tx: Uint8Array) => {
      for (let tries = 0; ; tries++) {
        let r: { code: number; log: string } | undefined
        try {
          r = await rpc.broadcastTxSync(tx)
        } catch (e) {
          if (!/mempool is full/.test((e as Error).message)) throw e
        }
        if (r?.code === 0) return
        if (r && r.code !== 13) assert.fail(`refused other than mempool_full: ${r.code} ${r.log}`)
        full++
        assert.ok(tries < 500, 'never admitted')
        await waitFor(async () => (Number((await rpc.numUnconfirmedTxs()).n_txs) < 2 ? true : undefined), 30_000, 'room in the mempool')
      }
    }
    for (let round = 0; round < 2; round++) {
      const txs = Array.from({ length: senders }, (_, s) => signer.send(net.key(`citizen/${s}`), sink, 1n))
      await Promise.all(txs.map(submit))
      for (const tx of txs) assert.equal((await waitTx(rpc, tx)).tx_result.code ?? 0, 0)
    }
    assert.ok(full > 0, 'the mempool was never full: the test did not test anything')
  } finally {
    await net.cleanup()
  }
})
