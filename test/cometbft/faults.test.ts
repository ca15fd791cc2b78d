// Fault tests on a real 4-validator CometBFT testnet on loopback, each validator driving its own
// Polis App process over ABCI: agreement at every height, one validator down (keeps committing),
// two down (halts, no fork), restart (catch up), kill -9 of an App (handshake replay), a
// transaction sent to every node committed once. The validator set is changed by governance early
// on (node0 re-weighted), so that the faults after it run against a set that changed mid-chain.
import { test, before, after, describe } from 'node:test'
import assert from 'node:assert/strict'
import { cpSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { Signer } from '../../src/kit/signer.js'
import { sha256 } from '../../src/crypto/hash.js'
import { toHex, utf8 } from '../../src/base/bytes.js'
import { appInfo, assertAgreement, missingCometbft, settle, sleep, startNet, waitTx, type Net } from './net.js'
import type { KeyPair } from '../../src/crypto/keys.js'
import { validatorsMsgs } from '../../src/modules/validators/index.js'

const skip = missingCometbft()

describe('4-validator CometBFT testnet under faults', { skip }, () => {
  let net: Net
  let citizens: KeyPair[]
  const signer = new Signer('fault-city')

  const send = (from: number, to: number, amount: bigint) => signer.send(citizens[from]!, citizens[to]!, amount)
  const balance = async (node: number, who: number): Promise<bigint> => {
    const r = await net.tn.rpc(node).abciQuery('bank/balance', utf8(JSON.stringify({ address: toHex(citizens[who]!.publicKey) })))
    assert.equal(r.response.code ?? 0, 0, r.response.log)
    return BigInt(JSON.parse(Buffer.from(r.response.value, 'base64').toString()).amount)
  }
  const height = (i: number) => net.tn.rpc(i).height()

  before(async () => {
    net = await startNet({ name: 'fault-city', chainId: 'fault-city', validators: 4, citizens: 6, citizenBalance: 1_000_000n, logLevel: 'main:info,state:info,consensus:info,*:error' })
    citizens = Array.from({ length: 6 }, (_, i) => net.key(`citizen/${i}`))
    await net.tn.waitForHeight(1n)
  })

  after(async () => {
    await net?.cleanup()
  })

  test('a transaction submitted to any node is committed exactly once', async () => {
    // one transfer through each node
    const txs = [0, 1, 2, 3].map((i) => send(i, 5, 100n))
    const res = await Promise.all(txs.map((tx, i) => net.tn.rpc(i).broadcastTxSync(tx)))
    for (const r of res) assert.equal(r.code, 0, r.log)
    // and one transaction sent to all four nodes at once
    const dup = send(4, 5, 7n)
    const dupRes = await Promise.all([0, 1, 2, 3].map((i) => net.tn.rpc(i).broadcastTxSync(dup).catch((e: Error) => ({ code: -1, log: e.message }))))
    assert.ok(dupRes.some((r) => r.code === 0), JSON.stringify(dupRes))
    for (const tx of [...txs, dup]) await waitTx(net.tn.rpc(0), tx)
    const found = await net.tn.rpc(1).txSearch(`polis.tx.hash='${toHex(sha256(dup))}'`)
    assert.equal(Number(found.total_count), 1, 'committed once')
    assert.equal(found.txs[0].tx_result.code ?? 0, 0)
    // resubmitting a committed transaction is refused (replay): node 2 was sent it before, so its
    // mempool cache (which keeps committed transactions) refuses it before the App is asked
    const again = await net.tn.rpc(2).broadcastTxSync(dup).catch((e: Error) => ({ code: -1, log: e.message }))
    assert.deepEqual(again, { code: -1, log: 'broadcast_tx_sync: Internal error (tx already exists in cache)' })
    for (let n = 0; n < 4; n++) assert.equal(await balance(n, 5), 1_000_000n + 407n)
  })

  test('all four agree on block hashes and app hashes at every height, and with their Apps', async () => {
    const s = await settle(net.tn, [0, 1, 2, 3])
    await assertAgreement(net.tn, [0, 1, 2, 3], s.height)
    // the header of block h carries the App's hash after block h-1 (one-height lag): after the
    // last block with transactions CometBFT makes one more block to carry the new app hash
    const latest = await net.tn.rpc(0).block(s.height)
    assert.equal(latest.block.header.app_hash.toLowerCase(), s.appHash)
    assert.equal(latest.block.data.txs?.length ?? 0, 0)
  })

  test('the validator set changed by governance mid-chain: node0 re-weighted to 12 (the faults below run with it)', async () => {
    const tx = signer.tx(net.key('authority'), [validatorsMsgs.set({ pubKey: net.key('node0/validator').publicKey, power: 12n })])
    assert.equal((await net.tn.rpc(1).broadcastTxSync(tx)).code, 0)
    const r = await waitTx(net.tn.rpc(0), tx)
    assert.equal(r.tx_result.code ?? 0, 0, r.tx_result.log)
    // CometBFT applies it two heights later: make blocks until it has
    for (let i = 0; ; i++) {
      const vals = (await net.tn.rpc(2).validators()).validators as Array<{ voting_power: string }>
      if (vals.map((v) => v.voting_power).sort().join(',') === '10,10,10,12') break
      assert.ok(i < 50, `validators still ${JSON.stringify(vals.map((v) => v.voting_power))}`)
      await waitTx(net.tn.rpc(0), await (async () => {
        const t = send(4, 5, 1n)
        await net.tn.rpc(0).broadcastTxSync(t)
        return t
      })())
    }
  })

  test('one validator stopped: the other three keep committing', async () => {
    await net.tn.stopNode(3)
    const h0 = await height(0)
    const tx = send(0, 1, 11n)
    assert.equal((await net.tn.rpc(1).broadcastTxSync(tx)).code, 0)
    const r = await waitTx(net.tn.rpc(0), tx)
    assert.ok(BigInt(r.height) > h0)
    await assertAgreement(net.tn, [0, 1, 2], await height(0), h0)
  })

  let pending: Uint8Array
  let haltedAt: bigint
  test('two validators stopped: the chain halts without forking', async () => {
    await settle(net.tn, [0, 1, 2]) // no block in flight (e.g. the one carrying the last app hash)
    await net.tn.stopNode(2)
    haltedAt = await height(0)
    pending = send(1, 0, 13n)
    const r = await net.tn.rpc(0).broadcastTxSync(pending)
    assert.equal(r.code, 0, 'admitted to the mempool')
    await sleep(4000)
    assert.equal(await height(0), haltedAt, 'no block without 2/3 of the power')
    assert.equal(await height(1), haltedAt)
    await assertAgreement(net.tn, [0, 1], haltedAt, haltedAt - 1n > 0n ? haltedAt - 1n : 1n)
    const unconfirmed = await net.tn.rpc(0).numUnconfirmedTxs()
    assert.equal(Number(unconfirmed.n_txs), 1)
  })

  test('restarting them: the chain resumes, they catch up, the halted transaction commits once', async () => {
    await Promise.all([net.tn.startNode(2), net.tn.startNode(3)])
    const r = await waitTx(net.tn.rpc(3), pending, 60_000)
    assert.ok(BigInt(r.height) > haltedAt)
    const h = await height(0)
    await net.tn.waitForHeight(h, [0, 1, 2, 3], 60_000)
    await assertAgreement(net.tn, [0, 1, 2, 3], h)
    assert.equal(await balance(2, 0), await balance(0, 0))
  })

  test('kill -9 of an App process: CometBFT stops, the handshake replays, the app hash matches', async () => {
    // Load through node1 while its App is killed, so that the kill lands mid-stream.
    const load: Uint8Array[] = []
    for (let k = 0; k < 40; k++) load.push(send(2 + (k % 2), 4, 1n))
    const sending = (async () => {
      for (const tx of load) await net.tn.rpc(0).broadcastTxSync(tx).catch(() => undefined)
    })()
    await sleep(300)
    await net.tn.killApp(1)
    await sending
    for (const tx of load) await waitTx(net.tn.rpc(0), tx)
    const target = await height(0)
    await net.tn.startNode(1)
    await net.tn.waitForHeight(target, [1], 60_000)
    const s = await settle(net.tn, [0, 1, 2, 3])
    await assertAgreement(net.tn, [0, 1], s.height, target > 5n ? target - 5n : 1n)
    const log = readFileSync(join(net.tn.nodeDir(1), 'logs', 'cometbft.log'), 'utf8')
    assert.match(log, /ABCI Handshake App Info/)
  })

  test('an App whose database is several blocks behind CometBFT is replayed exactly the missing blocks', async () => {
    // Snapshot node2's App database, let the chain move on, then put the old database back.
    await net.tn.stopNode(2)
    const appDir = join(net.tn.nodeDir(2), 'app')
    const snap = appDir + '.snap'
    cpSync(appDir, snap, { recursive: true })
    const before = await appInfo(net.tn.rpc(0))
    await net.tn.startNode(2)
    await settle(net.tn, [0, 1, 2, 3])
    const txs = [0, 1, 2].map((k) => send(k, 3, 2n))
    for (const tx of txs) await net.tn.rpc(2).broadcastTxSync(tx)
    for (const tx of txs) await waitTx(net.tn.rpc(2), tx)
    const target = (await settle(net.tn, [0, 1, 2, 3])).height
    await net.tn.stopNode(2)
    rmSync(appDir, { recursive: true, force: true })
    cpSync(snap, appDir, { recursive: true })
    rmSync(snap, { recursive: true, force: true })
    const logFile = join(net.tn.nodeDir(2), 'logs', 'cometbft.log')
    const logBefore = readFileSync(logFile, 'utf8').length
    const appLogFile = join(net.tn.nodeDir(2), 'logs', 'app.log')
    const appLogBefore = readFileSync(appLogFile, 'utf8').length
    await net.tn.startNode(2)
    await net.tn.waitForHeight(target, [2])
    const s = await settle(net.tn, [0, 1, 2, 3])
    assert.equal(s.height, target)
    const log = readFileSync(logFile, 'utf8').slice(logBefore)
    const m = /ABCI Replay Blocks\s+module=consensus appHeight=(\d+) storeHeight=(\d+) stateHeight=(\d+)/.exec(log)
    assert.ok(m, 'CometBFT replayed blocks into the App')
    assert.equal(BigInt(m[1]!), before.height, 'the App reported the height of its database')
    assert.ok(BigInt(m[2]!) > before.height, 'CometBFT was ahead of its App')
    assert.equal(await balance(2, 3), await balance(0, 3))
    // the App saw exactly the missing blocks, each once, in order
    const appLog = readFileSync(appLogFile, 'utf8').slice(appLogBefore)
    assert.match(appLog, new RegExp(`app at height ${before.height} `))
    const committed = [...appLog.matchAll(/committed height (\d+)/g)].map((x) => BigInt(x[1]!))
    assert.deepEqual(committed, Array.from({ length: Number(target - before.height) }, (_, k) => before.height + 1n + BigInt(k)))
  })

  test('no node logged a consensus failure or a wrong app hash', () => {
    for (let i = 0; i < 4; i++) {
      const log = readFileSync(join(net.tn.nodeDir(i), 'logs', 'cometbft.log'), 'utf8')
      // (node1's CometBFT reports a consensus failure when its App is killed under it: expected)
      const lostApp = /read message: (EOF|read tcp [^)]*(connection reset by peer|broken pipe))/
      const bad = log.split('\n').filter((l) => /CONSENSUS FAILURE|wrong Block\.Header\.AppHash|AppHash mismatch|panic:/i.test(l) && !(i === 1 && lostApp.test(l)))
      assert.deepEqual(bad, [], `node${i}`)
    }
  })
})
