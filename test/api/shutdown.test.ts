/**
 * SIGTERM under load: the node refuses new work, answers what is in flight, commits what it admitted,
 * exits 0; reopened, it holds every transaction it ever accepted, and its headers verify.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { launchNode } from '../../src/kit/node-launcher.js'
import { testCity } from '../../src/kit/genesis-builder.js'
import { Signer } from '../../src/kit/signer.js'
import { fromHex, toHex } from '../../src/base/bytes.js'
import { decodeHeader, verifySignedHeader } from '../../src/lightclient/solo-header.js'
import { headerHasher } from '../../src/crypto/header-hash.js'
import { http, type Res } from './client.js'
import { until } from '../helpers/until.js'

const city = testCity({ chainId: 'sigterm-city', citizens: 8, balance: 1_000_000n })

test('SIGTERM under load: exit 0, every accepted transaction committed, nothing lost on reopen', { timeout: 60_000 }, async () => {
  // a long block interval, so that transactions wait in the mempool when the signal comes
  const node = await launchNode({ city, blockIntervalMs: 400, logLevel: 'info' })
  let restarted: Awaited<ReturnType<typeof node.restart>> | undefined
  try {
    const signer = new Signer(city.chainId)
    const accepted: string[] = []
    const refused = new Map<number, number>()
    let stop = false
    // four clients, each for two accounts, submitting one transaction at a time, as fast as they can
    const clients = [0, 1, 2, 3].map(async (c) => {
      for (let i = 0; !stop; i++) {
        const from = city.citizens[2 * c + (i % 2)]!
        const tx = signer.send(from, city.citizens[(2 * c + 3) % 8]!, 1n)
        let r: Res
        try {
          r = await http(node.url, 'POST', '/v1/txs', { tx: toHex(tx) })
        } catch {
          return // connection refused: the server has closed
        }
        if (r.status === 202) accepted.push(r.body.hash)
        else {
          refused.set(r.status, (refused.get(r.status) ?? 0) + 1)
          if (r.status === 503) return
          assert.fail(`unexpected ${r.status}: ${r.text}`)
        }
      }
    })
    // load, measured in transactions accepted rather than in time (a loaded machine accepts fewer per second)
    await until('more than 20 accepted transactions', async () => (accepted.length > 20 ? true : undefined), 30_000, 20)
    // and one waiting for its commit when the signal comes
    const waiting = http(node.url, 'POST', '/v1/txs?wait=true', { tx: toHex(signer.tx(city.authority, [{ type: 'bank/mint', value: { to: city.citizens[0]!.publicKey, amount: 5n } }])) }).catch((e) => e)
    await new Promise((r) => setTimeout(r, 30))
    const before = BigInt((await http(node.url, 'GET', '/v1/status')).body.height)
    const exit = await node.stop('SIGTERM')
    stop = true
    await Promise.all(clients)
    assert.deepEqual(exit, { code: 0, signal: null }, node.output())
    assert.ok(accepted.length > 20, `accepted ${accepted.length}`)
    const w = await waiting
    assert.equal(w.status, 200, `the waiting request got its answer: ${w.text ?? w}`)
    assert.equal(w.body.status, 'committed')
    assert.match(node.output(), /"msg":"node stopped"/)
    assert.match(node.output(), /"dropped":0/)

    restarted = await node.restart()
    const status = (await http(restarted.url, 'GET', '/v1/status')).body
    assert.ok(BigInt(status.height) >= before)
    assert.equal(status.mempool_size, 0)
    let lost = 0
    for (const h of accepted) {
      const s = (await http(restarted.url, 'GET', `/v1/txs/${h}`)).body
      if (s.status !== 'committed' || s.code !== 0) lost++
    }
    assert.equal(lost, 0, `${lost} of ${accepted.length} accepted transactions are not committed`)
    // the chain reopened intact: the head verifies and the state root matches
    const head = (await http(restarted.url, 'GET', '/v1/headers/latest')).body
    const header = decodeHeader(fromHex(head.header_cbor))
    assert.ok(verifySignedHeader({ header, hash: fromHex(head.hash), signature: fromHex(head.signature) }, headerHasher()))
    assert.equal(head.header.app_hash, status.app_hash)
    const supply = BigInt((await http(restarted.url, 'GET', '/v1/query/bank/supply')).body.amount)
    assert.equal(supply, 8n * 1_000_000n + 5n)
    assert.equal((await restarted.stop()).code, 0)
  } finally {
    restarted?.cleanup()
    node.cleanup()
  }
})
