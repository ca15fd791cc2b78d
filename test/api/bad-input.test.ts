/**
 * Bad input against a real node process: unknown routes, malformed JSON, wrong types, oversized
 * bodies, bad signatures, unauthorised roles, ledger refusals, clients that disconnect mid-request.
 * Each answer is a 4xx problem+json with the typed code; never a 500; and the state is unchanged.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { useNode } from '../helpers/use-node.js'
import { testCity, testKey } from '../../src/kit/genesis-builder.js'
import { Signer } from '../../src/kit/signer.js'
import { sha256 } from '../../src/crypto/hash.js'
import { toHex } from '../../src/base/bytes.js'
import { signTx, MAX_TX_BYTES } from '../../src/app/tx.js'
import type { KeyPair } from '../../src/crypto/keys.js'
import { assertProblem, http } from './client.js'

const city = testCity({ chainId: 'bad-city', citizens: 4, balance: 1000n })
const [alice, bob, carol, dave] = city.citizens as [KeyPair, KeyPair, KeyPair, KeyPair]
const signer = new Signer(city.chainId)
const BODY_LIMIT = 1024 * 1024
const node = useNode({ city, blockIntervalMs: 10, bodyLimitBytes: BODY_LIMIT }, { setup })
const get = (path: string) => http(node.url, 'GET', path)
const post = (path: string, body: unknown, headers?: Record<string, string>) => http(node.url, 'POST', path, body, headers)

/** Everything a refusal must leave as it was. */
async function snapshot() {
  const status = (await get('/v1/status')).body
  const accounts = await Promise.all([alice, bob, carol, dave, city.authority].map(async (k) => (await get(`/v1/accounts/${toHex(k.publicKey)}`)).body))
  const supply = (await get('/v1/query/bank/supply')).body
  const submitted = /^polis_txs_submitted_total (\d+)$/m.exec((await get('/metrics')).text)?.[1]
  return { height: status.height, app_hash: status.app_hash, mempool: status.mempool_size, accounts, supply, submitted }
}
let nonceOf: (k: KeyPair) => Promise<bigint>
let baseline: Awaited<ReturnType<typeof snapshot>>

/** Once the node listens. */
async function setup() {
  nonceOf = async (k) => BigInt((await get(`/v1/accounts/${toHex(k.publicKey)}`)).body.nonce)
  // setup, committed before the baseline: dave's key is revoked
  const r = await post('/v1/txs?wait=true', { tx: toHex(signer.tx(city.authority, [{ type: 'identity/revoke', value: { pub_key: dave.publicKey, reason: 'stolen' } }])) })
  assert.equal(r.body.code, 0, r.text)
  baseline = await snapshot()
}

test('unknown routes and methods: 404 problem', async () => {
  for (const [m, p] of [['GET', '/v1/nope'], ['GET', '/v2/status'], ['GET', '/'], ['POST', '/v1/status'], ['DELETE', '/v1/txs/' + 'aa'.repeat(32)], ['PUT', '/v1/txs'], ['GET', '/v1/blocks'], ['GET', '/v1/../../etc/passwd']] as const) {
    const r = await http(node.url, m, p, m === 'GET' || m === 'DELETE' ? undefined : {})
    assertProblem(r, 404, 'not_found', `${m} ${p}`)
    assert.equal(r.body.type, 'urn:polis:problem:no-such-route')
  }
})

test('malformed JSON, wrong media type, empty body, prototype poisoning: 400/415', async () => {
  for (const body of ['{bad', '{"tx": "00",}', '', '{"tx": "00"} trailing', '\u0000', '{"__proto__": {"polluted": 1}, "tx": "00"}', '{"constructor": {"prototype": {"x": 1}}, "tx": "00"}']) {
    assertProblem(await post('/v1/txs', body), 400, 'invalid_request', JSON.stringify(body))
  }
  assertProblem(await post('/v1/txs', '{"tx":"00"}', { 'content-type': 'text/plain' }), 415, 'invalid_request')
  assertProblem(await post('/v1/txs', '{"tx":"00"}', { 'content-type': 'application/x-www-form-urlencoded' }), 415, 'invalid_request')
  const noType = await fetch(node.url + '/v1/txs', { method: 'POST', body: new Uint8Array([1, 2, 3]) })
  assert.ok(noType.status === 415 || noType.status === 400, String(noType.status))
  assert.match(noType.headers.get('content-type') ?? '', /problem\+json/)
})

test('wrong types and shapes: 400 from schema validation, with the failing path', async () => {
  const tx = toHex(signer.tx(alice, [{ type: 'bank/send', value: { to: bob.publicKey, amount: 1n } }], { nonce: 0n }))
  const cases: Array<[string, unknown]> = [
    ['/v1/txs', { tx: 12 }], ['/v1/txs', { tx: [tx] }], ['/v1/txs', { tx: { hex: tx } }], ['/v1/txs', { tx: null }], ['/v1/txs', { tx: true }],
    ['/v1/txs', {}], ['/v1/txs', { tx, extra: 1 }], ['/v1/txs', { tx: 'xyz' }], ['/v1/txs', { tx: 'abc' }], ['/v1/txs', { tx: '' }],
    ['/v1/txs', [tx]], ['/v1/txs', 'tx'], ['/v1/txs', 42], ['/v1/txs', null],
    ['/v1/txs?wait=yes', { tx }], ['/v1/txs?timeout_ms=-5', { tx }], ['/v1/txs?timeout_ms=1e3', { tx }], ['/v1/txs?colour=red', { tx }],
    ['/v1/txs/batch', { txs: tx }], ['/v1/txs/batch', { txs: [] }], ['/v1/txs/batch', { txs: [tx, 5] }], ['/v1/txs/batch', { txs: [tx, 'zz'] }],
    ['/v1/txs/batch', { tx }], ['/v1/txs/batch', { txs: [tx], more: true }],
  ]
  for (const [path, body] of cases) {
    const r = await post(path, body)
    assertProblem(r, 400, 'invalid_request', `${path} ${JSON.stringify(body).slice(0, 80)}`)
  }
  const withPath = await post('/v1/txs', { tx: 12 })
  assert.deepEqual(withPath.body.errors.map((e: any) => e.path), ['body/tx'])
  for (const p of ['/v1/txs/', '/v1/txs/123', '/v1/txs/' + 'g'.repeat(64), '/v1/blocks/-1', '/v1/blocks/abc', '/v1/blocks/1.5', '/v1/headers/0x10', '/v1/blocks/123456789012345678901234',
    '/v1/store/abc', '/v1/store/00?height=x', '/v1/store/00?prove=yes', '/v1/accounts/xyz', '/v1/query/bank/balance?height=-1', '/v1/query/BANK/balance',
    `/v1/store/${'00'.repeat(1025)}`]) {
    assertProblem(await get(p), 400, 'invalid_request', p)
  }
  // a batch in which one entry is malformed is refused as a whole: its valid entry was not admitted
  const valid = signer.tx(bob, [{ type: 'bank/send', value: { to: alice.publicKey, amount: 1n } }], { nonce: await nonceOf(bob) })
  assertProblem(await post('/v1/txs/batch', { txs: [toHex(valid), 'zz'] }), 400, 'invalid_request')
  assert.equal((await get(`/v1/txs/${toHex(sha256(valid))}`)).body.status, 'unknown')
})

test('oversized bodies: 413; too many transactions in a batch: 400; a too large transaction: 413 tx_too_large', async () => {
  assertProblem(await post('/v1/txs', { tx: 'ab'.repeat(140_000) }), 413, 'invalid_request')
  assertProblem(await post('/v1/txs/batch', { txs: Array.from({ length: 20 }, () => 'ab'.repeat(30_000)) }), 413, 'invalid_request')
  assertProblem(await post('/v1/status', 'x'.repeat(BODY_LIMIT + 10)), 413, 'invalid_request')
  const one = toHex(signer.tx(alice, [{ type: 'bank/send', value: { to: bob.publicKey, amount: 1n } }], { nonce: 999n }))
  assertProblem(await post('/v1/txs/batch', { txs: Array.from({ length: 1001 }, () => one) }), 400, 'invalid_request')
  const huge = signTx({ chainId: city.chainId, sender: alice.publicKey, nonce: 0n, msgs: [{ type: 'bank/send', value: { to: bob.publicKey, amount: 1n } }], memo: 'x'.repeat(200) }, alice)
  const padded = new Uint8Array(MAX_TX_BYTES + 1)
  padded.set(huge)
  assertProblem(await post('/v1/txs', { tx: toHex(padded) }), 413, 'tx_too_large')
  // headers over Node's limit: a problem too, from the HTTP parser's error handler
  const big = await rawRequest(`GET /v1/status HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`)
  assert.match(big, /^HTTP\/1\.1 431 /)
  assert.match(big, /application\/problem\+json/)
  const garbage = await rawRequest('NONSENSE\r\n\r\n')
  assert.match(garbage, /^HTTP\/1\.1 400 /)
})

test('ledger refusals: bad signatures, unauthorised roles, revoked key, overdraft, bad nonce, wrong chain, unknown message', async () => {
  const n = await nonceOf(alice)
  const good = signer.tx(alice, [{ type: 'bank/send', value: { to: bob.publicKey, amount: 1n } }], { nonce: n })
  const flipped = new Uint8Array(good)
  flipped[flipped.length - 1]! ^= 1
  const expect: Array<[Uint8Array, number, string]> = [
    [flipped, 400, 'bad_signature'],
    [signTx({ chainId: city.chainId, sender: alice.publicKey, nonce: n, msgs: [{ type: 'bank/send', value: { to: bob.publicKey, amount: 1n } }] }, bob), 400, 'bad_signature'],
    [signer.tx(alice, [{ type: 'bank/mint', value: { to: alice.publicKey, amount: 5n } }], { nonce: n }), 403, 'unauthorized'],
    [signer.tx(alice, [{ type: 'identity/register-device', value: { pub_key: testKey('dev').publicKey } }], { nonce: n }), 403, 'unauthorized'],
    [signer.tx(alice, [{ type: 'identity/grant-role', value: { pub_key: alice.publicKey, role: 'authority' } }], { nonce: n }), 403, 'unauthorized'],
    [signer.tx(dave, [{ type: 'bank/send', value: { to: bob.publicKey, amount: 1n } }], { nonce: 0n }), 403, 'account_revoked'],
    [signer.tx(alice, [{ type: 'bank/send', value: { to: bob.publicKey, amount: 1_000_000n } }], { nonce: n }), 422, 'insufficient_funds'],
    [signer.tx(alice, [{ type: 'bank/send', value: { to: testKey('nobody').publicKey, amount: 1n } }], { nonce: n }), 422, 'unknown_account'],
    [signer.tx(testKey('stranger'), [{ type: 'bank/send', value: { to: bob.publicKey, amount: 1n } }], { nonce: 0n }), 422, 'unknown_account'],
    [signer.tx(alice, [{ type: 'bank/send', value: { to: bob.publicKey, amount: 1n } }], { nonce: n + 5n }), 409, 'bad_nonce'],
    [signer.tx(alice, [{ type: 'bank/send', value: { to: bob.publicKey, amount: 1n } }], { nonce: n, chainId: 'other-city' }), 400, 'wrong_chain_id'],
    [signer.tx(alice, [{ type: 'bank/steal', value: {} }], { nonce: n }), 400, 'unknown_message'],
    [signer.tx(alice, [{ type: 'bank/send', value: { to: bob.publicKey, amount: 0n } }], { nonce: n }), 400, 'invalid_message'],
    [new Uint8Array([0xa0]), 400, 'tx_decode'],
  ]
  for (const [tx, status, error] of expect) {
    assertProblem(await post('/v1/txs', { tx: toHex(tx) }), status, error, error)
    assertProblem(await post('/v1/txs?wait=true', { tx: toHex(tx) }), status, error, `${error} (wait)`)
  }
  // the same refusals inside a batch: 200 with per-transaction codes
  const batch = await post('/v1/txs/batch', { txs: expect.map(([tx]) => toHex(tx)) })
  assert.equal(batch.status, 200)
  assert.deepEqual(batch.body.results.map((r: any) => r.log.split(':')[0]), expect.map(([, , e]) => e))
})

test('a client that disconnects mid-request changes nothing', async () => {
  const n = await nonceOf(alice)
  const tx = toHex(signer.tx(alice, [{ type: 'bank/send', value: { to: bob.publicKey, amount: 9n } }], { nonce: n }))
  for (const [path, body] of [['/v1/txs', JSON.stringify({ tx })], ['/v1/txs?wait=true', JSON.stringify({ tx })], ['/v1/txs/batch', JSON.stringify({ txs: [tx] })]] as const) {
    for (const cut of [1, Math.floor(body.length / 2), body.length - 1]) {
      await new Promise<void>((resolve, reject) => {
        const s = connect(Number(new URL(node.url).port), '127.0.0.1', () => {
          s.write(`POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`)
          s.write(body.slice(0, cut), () => setTimeout(() => {
            s.destroy()
            resolve()
          }, 20))
        })
        s.on('error', reject)
      })
    }
  }
  await new Promise((r) => setTimeout(r, 100)) // more than a block interval
  assert.equal((await get(`/v1/txs/${toHex(sha256(Buffer.from(tx, 'hex')))}`)).body.status, 'unknown')
})

test('after all of it: nothing changed, no 500 was ever answered', async () => {
  await new Promise((r) => setTimeout(r, 50))
  assert.deepEqual(await snapshot(), baseline)
  const m = (await get('/metrics')).text
  assert.doesNotMatch(m, /polis_http_requests_total\{[^}]*status="5\d\d"\}/)
  assert.match(m, /polis_txs_rejected_total\{error="bad_signature"\} [1-9]/)
  assert.match(m, /polis_txs_rejected_total\{error="unauthorized"\} [1-9]/)
})

function rawRequest(text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(Number(new URL(node.url).port), '127.0.0.1', () => s.write(text))
    let out = ''
    s.setEncoding('utf8')
    s.on('data', (d) => (out += d))
    s.on('close', () => resolve(out))
    s.on('error', (e) => (out ? resolve(out) : reject(e)))
    setTimeout(() => s.destroy(), 2000)
  })
}
