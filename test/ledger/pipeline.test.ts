import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { SoloEngine } from '../../src/engine/solo/engine.js'
import { ErrorCodes } from '../../src/base/errors.js'
import { MAX_TX_BYTES, signTx, txHash } from '../../src/app/tx.js'
import { encodeCanonical } from '../../src/codec/cbor.js'
import { toHex, utf8 } from '../../src/base/bytes.js'
import { testCity, testKey } from '../../src/kit/genesis-builder.js'
import { tmpDir } from '../../src/kit/temp-dir.js'
import { Signer } from '../../src/kit/signer.js'
import type { KeyPair } from '../../src/crypto/keys.js'

const city = testCity({ citizens: 3, balance: 1000n })
const [alice, bob, carol] = city.citizens as [KeyPair, KeyPair, KeyPair]
const dir = tmpDir('pipeline')
let engine: SoloEngine
const signer = new Signer(city.chainId)

function query(path: string, params: Record<string, unknown>): any {
  const r = engine.app.query({ path, data: utf8(JSON.stringify(params)) })
  assert.equal(r.code, 0, r.log)
  return JSON.parse(Buffer.from(r.value!).toString('utf8'))
}
const balance = (k: KeyPair) => BigInt(query('bank/balance', { address: toHex(k.publicKey) }).amount)
const supply = () => BigInt(query('bank/supply', {}).amount)

/** Everything a refusal must leave unchanged. */
function snapshot() {
  return { a: balance(alice), b: balance(bob), c: balance(carol), s: supply(), nonceA: query('identity/account', { address: toHex(alice.publicKey) }).nonce }
}

async function refused(tx: Uint8Array, code: number) {
  const r = await engine.submit(tx)
  assert.equal(r.code, code, `expected code ${code}, got ${r.code}: ${r.log}`)
  assert.ok(r.log.length > 0)
}

before(async () => {
  engine = await SoloEngine.open({ dataDir: dir.path, genesis: city.genesis, validatorKey: city.validator, blockIntervalMs: 5, verifyThreads: 1 })
  engine.start()
  // a first block so that queries have committed state
  const r = await engine.submitAndWait(signer.send(alice, bob, 10n))
  assert.equal(r.code, 0, r.log)
})

after(async () => {
  await engine.stop()
  dir.remove()
})

test('a transfer moves tokens, consumes the nonce and keeps the supply', async () => {
  const before = snapshot()
  const r = await engine.submitAndWait(signer.send(alice, bob, 25n))
  assert.equal(r.code, 0, r.log)
  assert.ok(r.events.some((e) => e.type === 'bank.transfer'))
  assert.equal(balance(alice), before.a - 25n)
  assert.equal(balance(bob), before.b + 25n)
  assert.equal(supply(), before.s)
  assert.equal(engine.txStatus(r.hash).status, 'committed')
})

test('bad input is refused with a typed code and changes nothing', async () => {
  const before = snapshot()
  const good = signer.send(alice, bob, 1n) // nonce n, kept for the replay case below
  await refused(new Uint8Array([0xff, 0x00, 0x13]), ErrorCodes.tx_decode)
  await refused(utf8('{"chain_id":"test-city"}'), ErrorCodes.tx_decode)
  await refused(new Uint8Array(MAX_TX_BYTES + 1), ErrorCodes.tx_too_large)
  await refused(signer.tx(alice, [{ type: 'bank/send', value: { to: bob.publicKey, amount: 1n } }], { chainId: 'other-city', nonce: 99n }), ErrorCodes.wrong_chain_id)
  const forged = new Uint8Array(good)
  forged[forged.length - 1]! ^= 1
  await refused(forged, ErrorCodes.bad_signature)
  // signed by bob but claiming alice as sender
  await refused(signTx({ chainId: city.chainId, sender: alice.publicKey, nonce: 0n, msgs: [{ type: 'bank/send', value: { to: bob.publicKey, amount: 1n } }] }, bob), ErrorCodes.bad_signature)
  await refused(signer.tx(alice, [{ type: 'bank/steal', value: {} }], { nonce: 500n }), ErrorCodes.unknown_message)
  await refused(signer.tx(alice, [{ type: 'bank/send', value: { to: bob.publicKey, amount: 1n, extra: 1 } }], { nonce: 500n }), ErrorCodes.invalid_message)
  await refused(signer.tx(alice, [{ type: 'bank/send', value: { to: bob.publicKey, amount: 0n } }], { nonce: 500n }), ErrorCodes.invalid_message)
  await refused(signer.tx(alice, [{ type: 'bank/mint', value: { to: alice.publicKey, amount: 5n } }], { nonce: 500n }), ErrorCodes.bad_nonce)
  const aliceNonce = BigInt(before.nonceA)
  await refused(signer.tx(alice, [{ type: 'bank/mint', value: { to: alice.publicKey, amount: 5n } }], { nonce: aliceNonce }), ErrorCodes.unauthorized)
  await refused(signer.tx(alice, [{ type: 'bank/send', value: { to: bob.publicKey, amount: 10_000_000n } }], { nonce: aliceNonce }), ErrorCodes.insufficient_funds)
  await refused(signer.tx(alice, [{ type: 'bank/send', value: { to: testKey('nobody').publicKey, amount: 1n } }], { nonce: aliceNonce }), ErrorCodes.unknown_account)
  await refused(signer.tx(testKey('stranger'), [{ type: 'bank/send', value: { to: bob.publicKey, amount: 1n } }], { nonce: 0n }), ErrorCodes.unknown_account)
  await refused(signer.tx(alice, [{ type: 'bank/send', value: { to: bob.publicKey, amount: 1n } }], { nonce: aliceNonce + 1n }), ErrorCodes.bad_nonce)
  // the good one passes; sending it again is a duplicate, and after commit a replay
  const ok = await engine.submitAndWait(good)
  assert.equal(ok.code, 0, ok.log)
  await refused(good, ErrorCodes.bad_nonce)
  const afterAll = snapshot()
  assert.equal(afterAll.a, before.a - 1n)
  assert.equal(afterAll.b, before.b + 1n)
  assert.equal(afterAll.c, before.c)
  assert.equal(afterAll.s, before.s)
})

/** A fresh chain on which blocks are executed directly, past the mempool, as a byzantine proposer could. */
async function withFreshChain(fn: (e: SoloEngine, s: Signer, next: () => bigint) => Promise<void>) {
  const d = tmpDir('pipeline-direct')
  const e = await SoloEngine.open({ dataDir: d.path, genesis: city.genesis, validatorKey: city.validator, verifyThreads: 1 })
  try {
    await fn(e, new Signer(city.chainId), () => e.app.info().lastHeight + 1n)
  } finally {
    await e.stop()
    d.remove()
  }
}

function stateOf(e: SoloEngine) {
  const q = (path: string, params: Record<string, unknown>) => JSON.parse(Buffer.from(e.app.query({ path, data: utf8(JSON.stringify(params)) }).value!).toString('utf8'))
  const bal = (k: KeyPair) => BigInt(q('bank/balance', { address: toHex(k.publicKey) }).amount)
  const nonce = (k: KeyPair) => BigInt(q('identity/account', { address: toHex(k.publicKey) }).nonce)
  return { bal, nonce, supply: BigInt(q('bank/supply', {}).amount) }
}

test('a transaction refused inside a block is recorded with its code, changes nothing, and the block goes on', async () => {
  await withFreshChain(async (e, s, next) => {
    const txs = [
      new Uint8Array([1, 2, 3]),
      s.tx(alice, [{ type: 'bank/send', value: { to: bob.publicKey, amount: 10_000_000n } }], { nonce: 0n }), // overdraft: consumes the nonce only
      s.tx(alice, [{ type: 'bank/send', value: { to: bob.publicKey, amount: 7n } }], { nonce: 0n }), // nonce already consumed
      s.tx(alice, [{ type: 'bank/send', value: { to: bob.publicKey, amount: 7n } }], { nonce: 1n }),
      s.tx(carol, [{ type: 'bank/mint', value: { to: carol.publicKey, amount: 7n } }], { nonce: 0n }),
      s.tx(bob, [{ type: 'bank/send', value: { to: alice.publicKey, amount: 3n } }], { nonce: 0n }),
    ]
    const fin = await e.app.finalizeBlock({ height: next(), time: 1767225600001n, txs, proposer: city.validator.publicKey })
    await e.app.commit()
    assert.deepEqual(fin.results.map((r) => r.code), [ErrorCodes.tx_decode, ErrorCodes.insufficient_funds, ErrorCodes.bad_nonce, 0, ErrorCodes.unauthorized, 0])
    assert.match(fin.results[1]!.log, /insufficient_funds/)
    assert.equal(fin.results[1]!.events.length, 0)
    const st = stateOf(e)
    assert.equal(st.bal(alice), 1000n - 7n + 3n)
    assert.equal(st.bal(bob), 1000n + 7n - 3n)
    assert.equal(st.bal(carol), 1000n)
    assert.equal(st.supply, 3000n)
    assert.equal(st.nonce(alice), 2n)
    assert.equal(st.nonce(carol), 0n)
    assert.equal(e.app.txResult(txHash(txs[1]!))?.code, ErrorCodes.insufficient_funds)
  })
})

test('a revoked key is refused from the next block on; the last authority cannot be revoked', async () => {
  await withFreshChain(async (e, s, next) => {
    const revoke = s.tx(city.authority, [{ type: 'identity/revoke', value: { pub_key: bob.publicKey, reason: 'stolen key' } }])
    const sameBlock = s.send(bob, alice, 1n)
    const fin1 = await e.app.finalizeBlock({ height: next(), time: 1767225600001n, txs: [revoke, sameBlock], proposer: city.validator.publicKey })
    await e.app.commit()
    assert.deepEqual(fin1.results.map((r) => r.code), [0, 0])
    const nextBlock = s.send(bob, alice, 1n)
    assert.equal((await e.app.checkTx(nextBlock)).code, ErrorCodes.account_revoked)
    const fin2 = await e.app.finalizeBlock({ height: next(), time: 1767225600002n, txs: [nextBlock], proposer: city.validator.publicKey })
    await e.app.commit()
    assert.equal(fin2.results[0]!.code, ErrorCodes.account_revoked)
    assert.equal(stateOf(e).bal(bob), 999n)
    // tokens can still be sent to a revoked account? No: it is still registered, so yes — but it can never spend them.
    // Admission runs no handler: the block refuses it, records the code and consumes the nonce.
    const selfRevoke = s.tx(city.authority, [{ type: 'identity/revoke', value: { pub_key: city.authority.publicKey } }])
    assert.equal((await e.app.checkTx(selfRevoke)).code, 0)
    const fin3 = await e.app.finalizeBlock({ height: next(), time: 1767225600003n, txs: [selfRevoke], proposer: city.validator.publicKey })
    await e.app.commit()
    assert.equal(fin3.results[0]!.code, ErrorCodes.invalid_state, fin3.results[0]!.log)
    assert.equal(e.app.txResult(txHash(selfRevoke))?.code, ErrorCodes.invalid_state)
  })
})

test('roles: only the authority registers devices and grants roles; a device key then acts', async () => {
  await withFreshChain(async (e, s, next) => {
    const dev = testKey('device-1')
    const byCitizen = s.tx(alice, [{ type: 'identity/register-device', value: { pub_key: dev.publicKey } }])
    const byAuthority = s.tx(city.authority, [{ type: 'identity/register-device', value: { pub_key: dev.publicKey } }])
    const grant = s.tx(city.authority, [{ type: 'identity/grant-role', value: { pub_key: dev.publicKey, role: 'rsu' } }])
    const badRole = s.tx(city.authority, [{ type: 'identity/grant-role', value: { pub_key: dev.publicKey, role: 'emperor' } }], { nonce: 99n })
    assert.equal((await e.app.checkTx(badRole)).code, ErrorCodes.invalid_message)
    const fin = await e.app.finalizeBlock({ height: next(), time: 1767225600001n, txs: [byCitizen, byAuthority, grant], proposer: city.validator.publicKey })
    await e.app.commit()
    assert.deepEqual(fin.results.map((r) => r.code), [ErrorCodes.unauthorized, 0, 0])
    const acct = JSON.parse(Buffer.from(e.app.query({ path: 'identity/account', data: utf8(JSON.stringify({ address: toHex(dev.publicKey) })) }).value!).toString())
    assert.deepEqual(acct.roles, ['device', 'rsu'])
  })
})

test('genesis is validated: no authority, bad keys, unknown module, wrong validator key', async () => {
  const d = tmpDir('genesis')
  try {
    const bad = (mutate: (g: any) => void) => {
      const g = structuredClone(city.genesis) as any
      mutate(g)
      return SoloEngine.open({ dataDir: d.path, genesis: g, validatorKey: city.validator, verifyThreads: 0 })
    }
    await assert.rejects(bad((g) => (g.app_state.identity.accounts = g.app_state.identity.accounts.filter((a: any) => !a.roles.includes('authority')))), /at least one authority/)
    await assert.rejects(bad((g) => (g.chain_id = 'Bad Chain')), /chain_id/)
    await assert.rejects(bad((g) => (g.app_state.nonsense = {})), /unknown module/)
    await assert.rejects(bad((g) => (g.validators[0].pub_key = toHex(testKey('x').publicKey))), /validator key/)
    await assert.rejects(bad((g) => (g.consensus = { hash: { name: 'md5' } })), /unknown header hash/)
    await assert.rejects(bad((g) => (g.app_state.bank.balances[0].amount = '-5')), /positive decimal/)
  } finally {
    d.remove()
  }
})
