/**
 * The SDK against a real node process (`polis start`, loopback, port 0): transfers with automatic
 * nonces, batches, typed errors, queries, and verified reads — including tampered headers and
 * proofs, which must be rejected.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  Keyring, NodeUnreachableError, PolisClient, PolisError, PolisHttpError, TxFailedError, balanceStoreKey, msgs, trustGenesis,
  verifyHeader, verifyStoreProof, type HeaderResponse, type NamedKey, type StoreResponse, type TrustedChain,
} from '../../src/sdk/index.js'
import { decodeHeader, encodeHeader, signHeader } from '../../src/lightclient/solo-header.js'
import { validatorSetHash } from '../../src/engine/solo/engine.js'
import { parseGenesis } from '../../src/app/genesis.js'
import { fromHex, toHex } from '../../src/base/bytes.js'
import { generateKeyPair } from '../../src/crypto/keys.js'
import { ErrorCodes } from '../../src/base/errors.js'
import { ics23 } from '@confio/ics23'
import { makeHome, type TestHome } from '../../src/kit/node-launcher.js'
import { useNode } from '../helpers/use-node.js'

let home: TestHome
const node = useNode(() => {
  home = makeHome({ chainId: 'sdk-city', name: 'polis-sdk' })
  return { home: home.home }
}, { setup, stopped: () => home.remove() })
let client: PolisClient
let trust: TrustedChain
let authority: NamedKey, c1: NamedKey, c2: NamedKey, c3: NamedKey
let genesis: unknown

const isPolis = (name: string) => (e: unknown) => {
  assert.ok(e instanceof PolisError, `expected a PolisError(${name}), got ${String(e)}`)
  assert.equal(e.errorName, name, e.message)
  return true
}

/** Once the node listens. */
async function setup() {
  client = new PolisClient(node.url)
  const ring = new Keyring(home.keysDir)
  ;[authority, c1, c2, c3] = ['authority', 'citizen-1', 'citizen-2', 'citizen-3'].map((n) => ring.get(n)) as [NamedKey, NamedKey, NamedKey, NamedKey]
  genesis = JSON.parse(readFileSync(home.genesisFile, 'utf8'))
  trust = trustGenesis(genesis)
}

test('a transfer with an automatic nonce, then its balances proven against a signed header', async () => {
  assert.equal(await client.chainId(), 'sdk-city')
  const r = await client.send(c1, c2.address, 250n)
  assert.equal(r.ok, true, r.log)
  assert.equal(r.code, 0)
  assert.ok(r.height >= 1n)
  assert.ok(r.events.some((e) => e.type === 'bank.transfer'))
  assert.equal(await client.balance(c2), 1_000_250n)
  assert.equal(await client.balance(c1.address), 999_750n)

  const h = await client.height()
  const v = await client.verifiedBalance(c2, trust, { height: h })
  assert.equal(v.amount, 1_000_250n)
  assert.equal(v.exists, true)
  assert.equal(v.height, h)
  const acct = await client.verifiedAccount(c1, trust)
  assert.equal(acct.account?.nonce, '1')
  assert.deepEqual(acct.account?.roles, ['citizen'])
  // absence is proven too: an unregistered key has no account and no balance
  const stranger = generateKeyPair()
  const none = await client.verifiedBalance(stranger, trust)
  assert.equal(none.exists, false)
  assert.equal(none.amount, 0n)
  assert.equal((await client.verifiedAccount(stranger, trust)).account, null)
  // the proof at the transfer's height still verifies later, against that header
  const old = await client.verifiedBalance(c2, trust, { height: r.height })
  assert.equal(old.amount, 1_000_250n)
})

test('concurrent transactions of one sender get consecutive nonces', async () => {
  const before = BigInt((await client.account(c3))!.nonce)
  const rs = await Promise.all([1, 2, 3, 4, 5].map((i) => client.send(c3, c1, BigInt(i))))
  assert.ok(rs.every((r) => r.ok))
  assert.equal(BigInt((await client.account(c3))!.nonce), before + 5n)
  // a second client for the same key (its own nonce cache) recovers from the node's bad_nonce hint
  const other = new PolisClient(node.url)
  const pending = await client.signAndSubmit(c3, [msgs.bank.send(c1, 1n)], { wait: false })
  const r = await other.send(c3, c1, 1n)
  assert.equal(r.ok, true)
  assert.equal((await client.waitForTx(pending.hash)).ok, true)
})

test('batch submit: per-transaction results, then each committed', async () => {
  const txs = await client.signMany(c2, Array.from({ length: 20 }, () => [msgs.bank.send(c3, 1n)]))
  assert.deepEqual(txs.map((t) => t.nonce), txs.map((_, i) => txs[0]!.nonce + BigInt(i)))
  const bad = new Uint8Array(txs[0]!.bytes)
  bad[bad.length - 1]! ^= 1
  const results = await client.submitBatch([...txs, bad])
  assert.equal(results.length, 21)
  assert.ok(results.slice(0, 20).every((r) => r.code === 0), JSON.stringify(results))
  assert.equal(results[20]!.code, ErrorCodes.bad_signature, results[20]!.log)
  const committed = await Promise.all(txs.map((t) => client.waitForTx(t.hash)))
  assert.ok(committed.every((c) => c.ok))
})

test('refusals are typed errors with the ledger code; nothing changes', async () => {
  const b1 = await client.balance(c1)
  await assert.rejects(client.send(c1, c2, 10n ** 15n), (e) => isPolis('insufficient_funds')(e) && e instanceof PolisHttpError && e.status === 422 && e.code === 11)
  await assert.rejects(client.mint(c1, c1, 5n), isPolis('unauthorized'))
  await assert.rejects(client.send(c1, generateKeyPair(), 1n), isPolis('unknown_account'))
  await assert.rejects(client.send(generateKeyPair(), c1, 1n), isPolis('unknown_account'))
  const tx = await client.sign(c1, [msgs.bank.send(c2, 1n)])
  const forged = new Uint8Array(tx.bytes)
  forged[forged.length - 1]! ^= 1
  await assert.rejects(client.submit(forged), isPolis('bad_signature'))
  await assert.rejects(client.submit(tx.bytes.subarray(0, 10)), isPolis('tx_decode'))
  await assert.rejects(client.tx('00'), isPolis('invalid_request'))
  await assert.rejects(client.header(10_000_000n), isPolis('not_found'))
  await assert.rejects(client.query('bank', 'nosuch'), isPolis('not_found'))
  assert.throws(() => msgs.bank.send('not-an-address', 1n), isPolis('invalid_request'))
  assert.throws(() => msgs.bank.send(c2, -1n), isPolis('invalid_request'))
  assert.equal(await client.balance(c1), b1)
  await assert.rejects(new PolisClient('http://127.0.0.1:9').status(), NodeUnreachableError)
  assert.throws(() => new PolisClient('not a url'), isPolis('invalid_request'))
  // TxFailedError is a PolisError carrying the committed result
  const f = new TxFailedError({ hash: 'ab', height: 3n, index: 0, code: 11, log: 'insufficient_funds: x', events: [], ok: false })
  assert.ok(f instanceof PolisError && f.errorName === 'insufficient_funds' && f.result.height === 3n)
})

test('identity transactions and queries', async () => {
  const device = generateKeyPair()
  const r = await client.registerDevice(authority, device, { meta: 'ab'.repeat(32) })
  assert.equal(r.ok, true)
  const a = await client.account(device)
  assert.deepEqual(a?.roles, ['device'])
  assert.equal(a?.meta, 'ab'.repeat(32))
  await client.grantRole(authority, device, 'rsu')
  assert.deepEqual((await client.account(device))?.roles, ['device', 'rsu'])
  await client.revoke(authority, device, { reason: 'stolen' })
  const revoked = await client.account(device)
  assert.ok(revoked?.revoked_at)
  assert.equal(revoked?.revoke_reason, 'stolen')
  assert.equal(await client.account(generateKeyPair()), undefined)
  const overview = await client.accountOverview<{ balances: unknown[] }>(c1)
  assert.ok(Array.isArray(overview.balances))
  assert.equal(await client.supply(), 3_000_000n)
  const status = await client.status()
  assert.equal(status.chain_id, 'sdk-city')
  const block = await client.block('latest')
  assert.ok(BigInt(block.height) >= BigInt(status.height)) // an empty block may come in between (empty_block_interval_ms)
  const g = await client.genesis()
  assert.equal(g.chain_id, 'sdk-city')
  const t = await client.tx(r.hash)
  assert.equal(t.status, 'committed')
})

// ------------------------------------------------------------------ tampering

async function fetchPair(): Promise<{ h: bigint; header: HeaderResponse; store: StoreResponse; key: Uint8Array }> {
  const h = await client.height()
  const key = balanceStoreKey(c2.publicKey, 'ucity')
  const [header, store] = await Promise.all([client.header(h), client.store(key, { height: h, prove: true })])
  return { h, header, store, key }
}

test('the genuine header and proof verify', async () => {
  const { h, header, store, key } = await fetchPair()
  const signed = verifyHeader(header, trust, h)
  assert.equal(toHex(signed.header.appHash), (header.header as { app_hash: string }).app_hash)
  assert.deepEqual(toHex(trust.validatorsHash), toHex(validatorSetHash(parseGenesis(genesis).validators)))
  const v = verifyStoreProof(store, signed.header.appHash, key)
  assert.equal(v.exists, true)
})

test('tampered headers are rejected', async () => {
  const { h, header } = await fetchPair()
  const hdr = decodeHeader(fromHex(header.header_cbor))
  const reject = (resp: HeaderResponse, t: TrustedChain = trust, height: bigint = h) => assert.throws(() => verifyHeader(resp, t, height), isPolis('proof_invalid'))
  const flip = (hex: string, i = 0) => {
    const b = fromHex(hex)
    b[i]! ^= 1
    return toHex(b)
  }
  reject({ ...header, signature: flip(header.signature) })
  // another app hash in the signed bytes, hash and signature kept
  reject({ ...header, header_cbor: toHex(encodeHeader({ ...hdr, appHash: new Uint8Array(32).fill(7) })) })
  // re-hashed but not re-signed
  const rehashed = signHeader({ ...hdr, appHash: new Uint8Array(32).fill(7) }, trust.hasher, generateKeyPair())
  reject({ ...header, header_cbor: toHex(encodeHeader(rehashed.header)), hash: toHex(rehashed.hash) })
  // consistently signed by a key that is not the trusted validator
  const mallory = generateKeyPair()
  const forged = signHeader({ ...hdr, proposer: mallory.publicKey }, trust.hasher, mallory)
  reject({ ...header, header_cbor: toHex(encodeHeader(forged.header)), hash: toHex(forged.hash), signature: toHex(forged.signature) })
  // the JSON copy disagreeing with the signed bytes
  reject({ ...header, header: { ...header.header, app_hash: '00'.repeat(32) } })
  // wrong height asked, malformed fields
  reject(header, trust, h + 1n)
  reject({ ...header, header_cbor: 'zz' })
  reject({ ...header, signature: 'abcd' })
  // the same header checked against another city's genesis
  const other = makeHome({ chainId: 'other-city', sampleAccounts: 0, name: 'polis-other' })
  try {
    reject(header, trustGenesis(JSON.parse(readFileSync(join(other.home, 'genesis.json'), 'utf8'))))
  } finally {
    other.remove()
  }
})

test('tampered proofs are rejected', async () => {
  const { h, header, store, key } = await fetchPair()
  const appHash = verifyHeader(header, trust, h).header.appHash
  const reject = (s: StoreResponse, root = appHash, k: Uint8Array | undefined = key) => assert.throws(() => verifyStoreProof(s, root, k), isPolis('proof_invalid'))
  const bumped = fromHex(store.value!)
  bumped[bumped.length - 1]! ^= 1
  reject({ ...store, value: toHex(bumped) })                     // another value
  reject({ ...store, value: null })                               // claims absence with an existence proof
  reject({ ...store, proof: undefined })                          // no proof
  reject({ ...store, proof: 'ff' + store.proof!.slice(2) })       // garbage
  const p = ics23.CommitmentProof.decode(fromHex(store.proof!))
  p.exist!.path![0]!.suffix = new Uint8Array(33).fill(1)
  reject({ ...store, proof: toHex(ics23.CommitmentProof.encode(p).finish()) }) // a sibling hash changed
  reject(store, new Uint8Array(32).fill(9))                        // against another root
  reject({ ...store, key: toHex(balanceStoreKey(c1.publicKey, 'ucity')) }) // answered for another key
  // a proof from an older height does not verify against the latest header (c2's balance changed since block 1)
  const old = await client.store(key, { height: 1n, prove: true })
  if (old.value !== store.value) reject(old)
})

test('the client rejects a node that lies (end to end through fetch)', async () => {
  // a man in the middle that changes every proven value it relays
  const lying = new PolisClient(node.url, {
    fetch: async (input, init) => {
      const res = await fetch(input, init)
      if (!String(input).includes('/v1/store/')) return res
      const body = (await res.json()) as StoreResponse
      const v = fromHex(body.value ?? '01')
      v[0]! ^= 0x40
      return new Response(JSON.stringify({ ...body, value: toHex(v) }), { status: res.status, headers: { 'content-type': 'application/json' } })
    },
  })
  await assert.rejects(lying.verifiedBalance(c2, trust), isPolis('proof_invalid'))
  assert.equal((await client.verifiedBalance(c2, trust)).exists, true)
})
