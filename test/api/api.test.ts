/**
 * The HTTP API of a real node process: submit (one, batch, wait), status, blocks and signed headers,
 * module queries, raw state with ICS-23 proofs verified against a verified header, accounts, genesis,
 * health, readiness and metrics.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ics23, iavlSpec, verifyMembership, verifyNonMembership } from '@confio/ics23'
import { useNode } from '../helpers/use-node.js'
import { testCity, testKey } from '../../src/kit/genesis-builder.js'
import { Signer } from '../../src/kit/signer.js'
import { sha256 } from '../../src/crypto/hash.js'
import { fromHex, toHex, utf8 } from '../../src/base/bytes.js'
import { decodeHeader, verifySignedHeader } from '../../src/lightclient/solo-header.js'
import { headerHasher } from '../../src/crypto/header-hash.js'
import { balanceStoreKey } from '../../src/modules/bank/types.js'
import { amountToBytes } from '../../src/codec/amount.js'
import { ErrorCodes } from '../../src/base/errors.js'
import type { KeyPair } from '../../src/crypto/keys.js'
import { assertProblem, committed, http } from './client.js'

const city = testCity({ chainId: 'api-city', citizens: 4, balance: 1000n })
const [alice, bob, carol] = city.citizens as [KeyPair, KeyPair, KeyPair]
const signer = new Signer(city.chainId)
const node = useNode({ city, blockIntervalMs: 10 })
const get = (path: string) => http(node.url, 'GET', path)
const post = (path: string, body: unknown) => http(node.url, 'POST', path, body)
const balance = async (k: KeyPair, height?: bigint) => BigInt((await get(`/v1/query/bank/balance?address=${toHex(k.publicKey)}${height ? `&height=${height}` : ''}`)).body.amount)

test('status, genesis, health, ready', async () => {
  const s = await get('/v1/status')
  assert.equal(s.status, 200)
  assert.equal(s.body.chain_id, city.chainId)
  assert.equal(s.body.engine, 'solo')
  assert.equal(s.body.hash_alg, 'sha256')
  assert.equal(s.body.validator, toHex(city.validator.publicKey))
  assert.match(s.body.height, /^\d+$/)
  assert.equal(typeof s.body.mempool_size, 'number')
  const g = await get('/v1/genesis')
  assert.deepEqual(g.body, JSON.parse(JSON.stringify(city.genesis)))
  assert.deepEqual((await get('/health')).body, { status: 'ok' })
  const r = await get('/ready')
  assert.equal(r.status, 200)
  assert.equal(r.body.status, 'ready')
})

test('submit with ?wait=true: 200 with the committed result; the transfer shows in balances and tx status', async () => {
  const before = { a: await balance(alice).catch(() => 1000n), b: await balance(bob).catch(() => 1000n) }
  const tx = signer.send(alice, bob, 25n)
  const r = await post('/v1/txs?wait=true', { tx: toHex(tx) })
  assert.equal(r.status, 200, r.text)
  assert.equal(r.body.status, 'committed')
  assert.equal(r.body.code, 0)
  assert.equal(r.body.hash, toHex(sha256(tx)))
  assert.ok(r.body.events.some((e: any) => e.type === 'bank.transfer'))
  assert.equal(await balance(alice), before.a - 25n)
  assert.equal(await balance(bob), before.b + 25n)
  const st = await get(`/v1/txs/${r.body.hash}`)
  assert.deepEqual(st.body, r.body)
  // the same transaction again: a replay, refused with the ledger's code
  assertProblem(await post('/v1/txs', { tx: toHex(tx) }), 409, 'bad_nonce')
})

test('submit without wait: 202 pending, then committed; unknown hashes are "unknown"', async () => {
  const tx = signer.send(bob, carol, 7n)
  const r = await post('/v1/txs', { tx: toHex(tx) })
  assert.equal(r.status, 202, r.text)
  assert.deepEqual(r.body, { hash: toHex(sha256(tx)), code: 0, status: 'pending' })
  const c = await committed(node.url, r.body.hash)
  assert.equal(c.code, 0)
  assert.match(c.height, /^[1-9]\d*$/)
  assert.equal(typeof c.index, 'number')
  const unknown = await get(`/v1/txs/${'ab'.repeat(32)}`)
  assert.equal(unknown.status, 200)
  assert.deepEqual(unknown.body, { hash: 'ab'.repeat(32), status: 'unknown' })
})

test('batch: per-transaction results; one sender\'s transactions keep their order; refusals inside, not a 4xx', async () => {
  const b0 = await balance(carol)
  const txs = [signer.send(carol, alice, 1n), signer.send(carol, alice, 2n), signer.send(carol, alice, 3n)]
  const bad = new Uint8Array([1, 2, 3])
  const aliceNonce = BigInt((await get(`/v1/accounts/${toHex(alice.publicKey)}`)).body.nonce)
  const overdraft = signer.tx(alice, [{ type: 'bank/send', value: { to: bob.publicKey, amount: 10_000_000n } }], { nonce: aliceNonce })
  const r = await post('/v1/txs/batch', { txs: [...txs, bad, overdraft].map(toHex) })
  assert.equal(r.status, 200, r.text)
  assert.deepEqual(r.body.results.map((x: any) => x.code), [0, 0, 0, ErrorCodes.tx_decode, ErrorCodes.insufficient_funds])
  assert.deepEqual(r.body.results.map((x: any) => x.hash), [...txs, bad, overdraft].map((t) => toHex(sha256(t))))
  assert.match(r.body.results[4].log, /insufficient_funds/)
  for (const x of r.body.results.slice(0, 3)) assert.equal((await committed(node.url, x.hash)).code, 0)
  assert.equal(await balance(carol), b0 - 6n)
  // the refused overdraft consumed nothing: alice's nonce is unchanged
  assert.equal((await get(`/v1/accounts/${toHex(alice.publicKey)}`)).body.nonce, aliceNonce.toString())
})

test('a batch of many transactions from one sender, larger than a verify-pool batch, is admitted in nonce order', async () => {
  const dave = city.citizens[3]!
  const txs = Array.from({ length: 600 }, () => signer.send(dave, alice, 1n))
  const r = await post('/v1/txs/batch', { txs: txs.map(toHex) })
  assert.equal(r.status, 200)
  const codes = r.body.results.map((x: any) => x.code)
  assert.ok(codes.every((c: number) => c === 0), `codes: ${[...new Set(codes)]} ${r.body.results.find((x: any) => x.code)?.log}`)
  await committed(node.url, r.body.results[599].hash)
  assert.equal(await balance(dave), 1000n - 600n)
})

test('blocks and signed headers: the signature verifies, headers link, txs and results match', async () => {
  const tx = signer.send(alice, bob, 3n)
  const c = (await post('/v1/txs?wait=true', { tx: toHex(tx) })).body
  const h = BigInt(c.height)
  const b = await get(`/v1/blocks/${h}`)
  assert.equal(b.status, 200)
  assert.ok(b.body.txs.includes(toHex(tx)))
  const i = b.body.txs.indexOf(toHex(tx))
  assert.deepEqual(b.body.results[i], { hash: c.hash, code: 0, log: '' })
  const hdr = await get(`/v1/headers/${h}`)
  const { txs: _t, results: _r, ...headerPart } = b.body
  assert.deepEqual(hdr.body, headerPart)
  const hasher = headerHasher()
  const header = decodeHeader(fromHex(hdr.body.header_cbor))
  assert.equal(header.height, h)
  assert.equal(toHex(header.appHash), hdr.body.header.app_hash)
  assert.equal(header.time.toString(), hdr.body.header.time)
  assert.ok(verifySignedHeader({ header, hash: fromHex(hdr.body.hash), signature: fromHex(hdr.body.signature) }, hasher))
  assert.equal(toHex(header.proposer), toHex(city.validator.publicKey))
  // a tampered header does not verify
  assert.ok(!verifySignedHeader({ header: { ...header, time: header.time + 1n }, hash: fromHex(hdr.body.hash), signature: fromHex(hdr.body.signature) }, hasher))
  if (h > 1n) assert.equal((await get(`/v1/headers/${h - 1n}`)).body.hash, hdr.body.header.prev_hash)
  const latest = await get('/v1/blocks/latest')
  assert.ok(BigInt(latest.body.height) >= h)
  assert.equal((await get('/v1/headers/latest')).status, 200)
  assertProblem(await get('/v1/blocks/999999'), 404, 'not_found')
  assertProblem(await get('/v1/headers/0'), 404, 'not_found')
})

test('module queries, at the latest height and at an older one', async () => {
  const sup = await get('/v1/query/bank/supply')
  assert.equal(sup.status, 200)
  assert.equal(sup.body.amount, (1000n * BigInt(city.citizens.length)).toString())
  assert.match(sup.headers.get('x-polis-height') ?? '', /^\d+$/)
  const acct = await get(`/v1/query/identity/account?address=${toHex(city.authority.publicKey)}`)
  assert.deepEqual(acct.body.roles, ['authority'])
  const roles = await get('/v1/query/identity/roles')
  assert.ok(roles.body.roles.includes('citizen'))
  // a transfer at height H: the balance at H-1 is the old one
  const before = await balance(alice)
  const c = (await post('/v1/txs?wait=true', { tx: toHex(signer.send(alice, bob, 11n)) })).body
  const h = BigInt(c.height)
  assert.equal(await balance(alice, h), before - 11n)
  assert.equal(await balance(alice, h - 1n), before)
  assertProblem(await get('/v1/query/bank/balance'), 400, 'invalid_request')
  assertProblem(await get('/v1/query/bank/balance?address=zz'), 400, 'invalid_request')
  assertProblem(await get('/v1/query/bank/nope'), 404, 'not_found')
  assertProblem(await get('/v1/query/nomodule/x'), 404, 'not_found')
  assertProblem(await get(`/v1/query/bank/supply?height=${h + 1000n}`), 404, 'not_found')
})

test('raw state with ICS-23 proofs that verify against the app hash of a verified header', async () => {
  const c = (await post('/v1/txs?wait=true', { tx: toHex(signer.send(bob, alice, 5n)) })).body
  const h = c.height as string
  const hdr = (await get(`/v1/headers/${h}`)).body
  const header = decodeHeader(fromHex(hdr.header_cbor))
  assert.ok(verifySignedHeader({ header, hash: fromHex(hdr.hash), signature: fromHex(hdr.signature) }, headerHasher()))
  assert.equal(toHex(header.proposer), toHex(city.validator.publicKey)) // the key this light client trusts
  const key = balanceStoreKey(bob.publicKey, 'ucity')
  const r = await get(`/v1/store/${toHex(key)}?height=${h}&prove=true`)
  assert.equal(r.status, 200, r.text)
  assert.equal(r.body.height, h)
  assert.equal(r.body.value, toHex(amountToBytes(await balance(bob, BigInt(h)))))
  const proof = ics23.CommitmentProof.decode(fromHex(r.body.proof))
  assert.ok(verifyMembership(proof, iavlSpec, header.appHash, key, fromHex(r.body.value)))
  assert.ok(!verifyMembership(proof, iavlSpec, header.appHash, key, amountToBytes(1n)), 'a different value does not verify')
  // absence, proven
  const missing = balanceStoreKey(testKey('nobody').publicKey, 'ucity')
  const a = await get(`/v1/store/${toHex(missing)}?height=${h}&prove=true`)
  assert.equal(a.body.value, null)
  assert.ok(verifyNonMembership(ics23.CommitmentProof.decode(fromHex(a.body.proof)), iavlSpec, header.appHash, missing))
  // without prove: no proof
  const plain = await get(`/v1/store/${toHex(key)}`)
  assert.equal(plain.body.proof, undefined)
  assert.equal(typeof plain.body.value, 'string')
  assertProblem(await get('/v1/store/zz'), 400, 'invalid_request')
  assertProblem(await get(`/v1/store/${toHex(utf8('x'))}?prove=maybe`), 400, 'invalid_request')
})

test('accounts: identity and balances; unknown account 404', async () => {
  const r = await get(`/v1/accounts/${toHex(alice.publicKey)}`)
  assert.equal(r.status, 200)
  assert.equal(r.body.address, toHex(alice.publicKey))
  assert.deepEqual(r.body.roles, ['citizen'])
  assert.match(r.body.nonce, /^[1-9]\d*$/)
  assert.equal(r.body.revoked_at, null)
  assert.deepEqual(r.body.balances, [{ denom: 'ucity', amount: (await balance(alice)).toString() }])
  assertProblem(await get(`/v1/accounts/${toHex(testKey('nobody').publicKey)}`), 404, 'not_found')
  assertProblem(await get('/v1/accounts/1234'), 400, 'invalid_request')
})

test('metrics: height, mempool, committed and rejected transactions, block time, HTTP', async () => {
  assertProblem(await post('/v1/txs', { tx: '0102' }), 400, 'tx_decode')
  const r = await get('/metrics')
  assert.equal(r.status, 200)
  assert.match(r.headers.get('content-type') ?? '', /^text\/plain/)
  const m = r.text
  const status = (await get('/v1/status')).body
  const height = Number(/^polis_height (\d+)$/m.exec(m)?.[1])
  assert.ok(height >= 1 && height <= Number(status.height) + 5)
  assert.match(m, /^polis_mempool_size \d+$/m)
  assert.match(m, /^polis_txs_committed_total\{result="ok"\} [1-9]\d*$/m)
  assert.match(m, /^polis_txs_submitted_total [1-9]\d*$/m)
  assert.match(m, /^polis_txs_rejected_total\{error="tx_decode"\} [1-9]\d*$/m)
  assert.match(m, /^polis_txs_rejected_total\{error="bad_nonce"\} [1-9]\d*$/m)
  assert.match(m, /^polis_block_time_seconds \d+(\.\d+)?(e\+\d+)?$/m)
  assert.match(m, /^polis_block_interval_seconds_count [1-9]\d*$/m)
  assert.match(m, /^polis_http_requests_total\{method="POST",route="\/v1\/txs",status="202"\} [1-9]\d*$/m)
  assert.match(m, /^polis_process_cpu_user_seconds_total /m)
})
