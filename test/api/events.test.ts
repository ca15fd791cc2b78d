/** The WebSocket event stream of a real node process: block and tx messages, filters, bad filters. */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { WebSocket } from 'ws'
import { useNode } from '../helpers/use-node.js'
import { testCity, testKey } from '../../src/kit/genesis-builder.js'
import { Signer } from '../../src/kit/signer.js'
import { toHex } from '../../src/base/bytes.js'
import type { KeyPair } from '../../src/crypto/keys.js'
import { assertProblem, http, subscribe } from './client.js'

const city = testCity({ chainId: 'events-city', citizens: 3, balance: 1000n })
const [alice, bob, carol] = city.citizens as [KeyPair, KeyPair, KeyPair]
const signer = new Signer(city.chainId)
const node = useNode({ city, blockIntervalMs: 10 })

async function commit(tx: Uint8Array): Promise<string> {
  const r = await http(node.url, 'POST', '/v1/txs?wait=true', { tx: toHex(tx) })
  assert.equal(r.body.code, 0, r.text)
  return r.body.hash
}

test('block and tx messages; filters by kind, account, module and type select the right transactions', async () => {
  const all = await subscribe(node.url)
  const blocksOnly = await subscribe(node.url, 'kinds=block')
  const txsOnly = await subscribe(node.url, 'kinds=tx')
  const ofCarol = await subscribe(node.url, `kinds=tx&account=${toHex(carol.publicKey)}`)
  const identity = await subscribe(node.url, 'kinds=tx&module=identity')
  const sends = await subscribe(node.url, 'kinds=tx&type=bank/send')
  const mints = await subscribe(node.url, 'kinds=tx&type=bank.mint')
  const carolSends = await subscribe(node.url, `kinds=tx&type=bank/send&account=${toHex(carol.publicKey)}`)
  const subs = [all, blocksOnly, txsOnly, ofCarol, identity, sends, mints, carolSends]
  try {
    const aliceToBob = await commit(signer.send(alice, bob, 1n))
    const aliceToCarol = await commit(signer.send(alice, carol, 2n))
    const carolToBob = await commit(signer.send(carol, bob, 3n))
    const mint = await commit(signer.tx(city.authority, [{ type: 'bank/mint', value: { to: carol.publicKey, amount: 50n } }]))
    const device = await commit(signer.tx(city.authority, [{ type: 'identity/register-device', value: { pub_key: testKey('rsu-1').publicKey } }]))
    const everything = [aliceToBob, aliceToCarol, carolToBob, mint, device]
    // the last transaction's message reached every subscriber that wants it, so all earlier ones did too
    await all.next((m) => m.kind === 'tx' && m.hash === device)
    const lastBlock = (await http(node.url, 'GET', '/v1/blocks/latest')).body
    await blocksOnly.next((m) => m.kind === 'block' && m.height === lastBlock.height)
    await identity.next((m) => m.hash === device)
    await new Promise((r) => setTimeout(r, 100))
    const txHashes = (s: typeof all) => s.messages.filter((m) => m.kind === 'tx').map((m) => m.hash)
    assert.deepEqual(txHashes(all), everything)
    assert.deepEqual(txHashes(txsOnly), everything)
    assert.equal(txsOnly.messages.filter((m) => m.kind === 'block').length, 0)
    assert.equal(txHashes(blocksOnly).length, 0)
    assert.deepEqual(txHashes(ofCarol), [aliceToCarol, carolToBob, mint])
    assert.deepEqual(txHashes(identity), [device])
    assert.deepEqual(txHashes(sends), [aliceToBob, aliceToCarol, carolToBob])
    assert.deepEqual(txHashes(mints), [mint])
    assert.deepEqual(txHashes(carolSends), [aliceToCarol, carolToBob])
    // message shapes
    const b = all.messages.find((m) => m.kind === 'block' && m.txs.includes(aliceToBob))
    assert.ok(b, 'the block holding the first transfer was announced')
    assert.match(b.height, /^\d+$/)
    assert.match(b.hash, /^[0-9a-f]{64}$/)
    assert.match(b.app_hash, /^[0-9a-f]{64}$/)
    assert.match(b.time, /^\d+$/)
    assert.equal(b.num_txs, b.txs.length)
    assert.equal((await http(node.url, 'GET', `/v1/headers/${b.height}`)).body.hash, b.hash)
    const t = all.messages.find((m) => m.kind === 'tx' && m.hash === aliceToBob)
    assert.equal(t.code, 0)
    assert.equal(t.height, b.height)
    assert.equal(typeof t.index, 'number')
    assert.ok(t.events.some((e: any) => e.type === 'bank.transfer' && e.attributes.some((a: any) => a.key === 'recipient' && a.value === toHex(bob.publicKey))))
    // blocks arrive in height order, each once
    const heights = all.messages.filter((m) => m.kind === 'block').map((m) => BigInt(m.height))
    for (let i = 1; i < heights.length; i++) assert.equal(heights[i], heights[i - 1]! + 1n)
  } finally {
    for (const s of subs) s.close()
  }
})

test('bad filters are refused before the upgrade; a plain GET is told to upgrade', async () => {
  for (const q of ['kinds=blocks', `account=${'zz'.repeat(32)}`, 'account=12', 'module=Bank!', 'colour=red']) {
    const status = await new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(node.url.replace('http', 'ws') + '/v1/events?' + q)
      ws.on('unexpected-response', (_req, res) => {
        resolve(res.statusCode ?? 0)
        ws.terminate()
      })
      ws.on('open', () => reject(new Error(`upgrade accepted for ${q}`)))
      ws.on('error', () => undefined)
    })
    assert.equal(status, 400, q)
  }
  assertProblem(await http(node.url, 'GET', '/v1/events'), 426, 'invalid_request')
})

test('the number of open streams is a metric; closing one lowers it', async () => {
  const metric = async () => Number(/^polis_ws_clients (\d+)$/m.exec((await http(node.url, 'GET', '/metrics')).text)?.[1])
  const s = await subscribe(node.url)
  const n = await metric()
  assert.ok(n >= 1)
  s.close()
  for (let i = 0; i < 50 && (await metric()) >= n; i++) await new Promise((r) => setTimeout(r, 20))
  assert.equal(await metric(), n - 1)
})
