/**
 * The validators module through the App (no engine): governance adds, re-weights and removes
 * validators; FinalizeBlock returns exactly the block's changes; every refusal is typed and changes
 * nothing: a sender without the role, a key not registered (or without role validator), zero or
 * negative power, removing a non-validator, changes that would remove a third or more of the
 * voting power in one block (or add half or more); a halt height in the past.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ClassicLevel } from 'classic-level'
import { PolisApp } from '../../src/chain/app.js'
import { ErrorCodes } from '../../src/base/errors.js'
import { toHex } from '../../src/base/bytes.js'
import { signTx, type Msg } from '../../src/app/tx.js'
import { testCity, testKey } from '../../src/kit/genesis-builder.js'
import { tmpDir } from '../../src/kit/temp-dir.js'
import { Signer } from '../../src/kit/signer.js'
import { identityMsgs } from '../../src/modules/identity/types.js'
import { VALIDATORS_EVENT, VALIDATORS_MSG, validatorsMsgs } from '../../src/modules/validators/index.js'
import type { KeyPair } from '../../src/crypto/keys.js'

const vals = [0, 1, 2, 3].map((i) => testKey(`v/${i}`))
const fifth = testKey('v/4')
const stranger = testKey('v/stranger')
const admin = testKey('v/admin')
/** A key whose first byte is 0xff (the end of a key range must not cut it off). */
const ffKey = (() => {
  for (let i = 0; ; i++) {
    const k = testKey(`v/ff/${i}`)
    if (k.publicKey[0] === 0xff) return k
  }
})()

async function open() {
  const city = testCity({
    chainId: 'val-city', citizens: 1,
    accounts: [...vals.map((k) => ({ key: k, roles: ['validator'] })), { key: fifth, roles: ['validator'] }, { key: ffKey, roles: ['validator'] }, { key: admin, roles: ['citizen'] }],
    appState: { validators: { validators: vals.map((k) => ({ pub_key: toHex(k.publicKey), power: '10' })) } },
  })
  const dir = tmpDir('validators-module')
  const db = new ClassicLevel<Uint8Array, Uint8Array>(dir.path, { keyEncoding: 'view', valueEncoding: 'view' })
  await db.open()
  const app = new PolisApp({ db })
  await app.initChain(city.genesis)
  let height = 0n
  const signer = new Signer(city.chainId)
  const block = async (txs: Uint8Array[]) => {
    height++
    const r = await app.finalizeBlock({ height, time: 1767225600000n + height * 1000n, txs, proposer: new Uint8Array(20) })
    await app.commit()
    return r
  }
  await block([])
  const set = () => (JSON.parse(new TextDecoder().decode(app.query({ path: 'validators/set', data: new TextEncoder().encode('{}') }).value)) as { validators: Array<{ pub_key: string; power: string }>; total_power: string })
  const close = async () => {
    await app.close()
    await db.close()
    dir.remove()
  }
  // the account's nonce from state: a refusal before the handlers (a bad message, a missing role) does not consume one
  const nonceOf = (k: KeyPair) => {
    const r = app.query({ path: 'identity/account', data: new TextEncoder().encode(JSON.stringify({ address: toHex(k.publicKey) })) })
    return BigInt((JSON.parse(new TextDecoder().decode(r.value)) as { nonce: string }).nonce)
  }
  return { city, app, signer, block, set, close, tx: (k: KeyPair, msgs: Msg[], bump = 0n) => signer.tx(k, msgs, { nonce: nonceOf(k) + bump }) }
}

test('validators: add, re-weight, remove by governance; FinalizeBlock returns each block\'s updates', async () => {
  const c = await open()
  try {
    assert.equal(c.set().total_power, '40')
    const r1 = await c.block([c.tx(c.city.authority, [validatorsMsgs.set({ pubKey: fifth.publicKey, power: 10n })])])
    assert.equal(r1.results[0]!.code, 0, r1.results[0]!.log)
    assert.deepEqual(r1.validatorUpdates.map((u) => [toHex(u.pubKey), u.power]), [[toHex(fifth.publicKey), 10n]])
    assert.ok(r1.results[0]!.events.some((e) => e.type === VALIDATORS_EVENT.updated))
    assert.equal(c.set().total_power, '50')
    // nothing the next block
    assert.deepEqual((await c.block([])).validatorUpdates, [])
    // the authority names a role: an admin with validator-admin may change powers
    await c.block([c.tx(c.city.authority, [identityMsgs.grantRole({ pubKey: admin.publicKey, role: 'validator-admin' })])])
    const r2 = await c.block([c.tx(admin, [validatorsMsgs.set({ pubKey: vals[0]!.publicKey, power: 14n }), validatorsMsgs.set({ pubKey: vals[1]!.publicKey, power: 8n })])])
    assert.equal(r2.results[0]!.code, 0, r2.results[0]!.log)
    assert.deepEqual(r2.validatorUpdates.map((u) => [toHex(u.pubKey), u.power]).sort(), [[toHex(vals[0]!.publicKey), 14n], [toHex(vals[1]!.publicKey), 8n]].sort())
    // a change undone within the block is no update
    const r3 = await c.block([c.tx(c.city.authority, [validatorsMsgs.set({ pubKey: vals[2]!.publicKey, power: 12n })]), c.tx(c.city.authority, [validatorsMsgs.set({ pubKey: vals[2]!.publicKey, power: 10n })], 1n)])
    assert.deepEqual(r3.results.map((r) => r.code), [0, 0])
    assert.deepEqual(r3.validatorUpdates, [])
    const r4 = await c.block([c.tx(c.city.authority, [validatorsMsgs.remove({ pubKey: vals[3]!.publicKey })])])
    assert.equal(r4.results[0]!.code, 0, r4.results[0]!.log)
    assert.deepEqual(r4.validatorUpdates.map((u) => [toHex(u.pubKey), u.power]), [[toHex(vals[3]!.publicKey), 0n]])
    assert.equal(c.set().validators.length, 4)
    const r5 = await c.block([c.tx(c.city.authority, [validatorsMsgs.set({ pubKey: ffKey.publicKey, power: 5n })])])
    assert.deepEqual(r5.validatorUpdates.map((u) => [toHex(u.pubKey), u.power]), [[toHex(ffKey.publicKey), 5n]])
    assert.deepEqual(c.set().validators.at(-1), { pub_key: toHex(ffKey.publicKey), power: '5' })
    assert.equal(c.set().total_power, '47')
  } finally {
    await c.close()
  }
})

test('validators: refusals are typed and change nothing', async () => {
  const c = await open()
  try {
    const before = c.set()
    const hashBefore = toHex(c.app.info().lastAppHash)
    const refused = async (who: KeyPair, msgs: Msg[], code: number, log: RegExp) => {
      const r = await c.block([c.tx(who, msgs)])
      assert.equal(r.results[0]!.code, code, r.results[0]!.log)
      assert.match(r.results[0]!.log, log)
      assert.deepEqual(r.validatorUpdates, [])
      assert.deepEqual(c.set(), before)
    }
    await refused(c.city.citizens[0]!, [validatorsMsgs.set({ pubKey: fifth.publicKey, power: 5n })], ErrorCodes.unauthorized, /role/)
    await refused(c.city.authority, [validatorsMsgs.set({ pubKey: stranger.publicKey, power: 5n })], ErrorCodes.validator_key_unregistered, /not a registered/)
    await refused(c.city.authority, [validatorsMsgs.set({ pubKey: c.city.citizens[0]!.publicKey, power: 5n })], ErrorCodes.validator_key_unregistered, /role "validator"/)
    await refused(c.city.authority, [validatorsMsgs.set({ pubKey: fifth.publicKey, power: 0n })], ErrorCodes.invalid_message, /power must be positive/)
    await refused(c.city.authority, [{ type: VALIDATORS_MSG.set, value: { pub_key: fifth.publicKey, power: -5 } }], ErrorCodes.invalid_message, /power must be/)
    await refused(c.city.authority, [validatorsMsgs.remove({ pubKey: fifth.publicKey })], ErrorCodes.not_found, /not a validator/)
    // a third or more of the power at once: two of four removed, in one message list or in two transactions of a block
    await refused(c.city.authority, [validatorsMsgs.remove({ pubKey: vals[0]!.publicKey }), validatorsMsgs.remove({ pubKey: vals[1]!.publicKey })], ErrorCodes.unsafe_validator_change, /remove 20 of 40/)
    const two = await c.block([c.tx(c.city.authority, [validatorsMsgs.remove({ pubKey: vals[0]!.publicKey })]), c.tx(c.city.authority, [validatorsMsgs.set({ pubKey: vals[1]!.publicKey, power: 6n })], 1n)])
    assert.equal(two.results[0]!.code, 0)
    assert.equal(two.results[1]!.code, ErrorCodes.unsafe_validator_change, two.results[1]!.log)
    assert.deepEqual(two.validatorUpdates.map((u) => [toHex(u.pubKey), u.power]), [[toHex(vals[0]!.publicKey), 0n]])
    // put it back (next block), then: too much power added at once
    assert.equal((await c.block([c.tx(c.city.authority, [validatorsMsgs.set({ pubKey: vals[0]!.publicKey, power: 10n })])])).results[0]!.code, 0)
    await refused(c.city.authority, [validatorsMsgs.set({ pubKey: fifth.publicKey, power: 20n })], ErrorCodes.unsafe_validator_change, /add 20 to 40/)
    await refused(c.city.authority, [validatorsMsgs.setHaltHeight({ height: 1n })], ErrorCodes.invalid_message, /not above the current height/)
    assert.notEqual(toHex(c.app.info().lastAppHash), hashBefore) // nonces moved; the set did not
    const ok = await c.block([c.tx(c.city.authority, [validatorsMsgs.setHaltHeight({ height: 100n })])])
    assert.equal(ok.results[0]!.code, 0, ok.results[0]!.log)
    assert.deepEqual(JSON.parse(new TextDecoder().decode(c.app.query({ path: 'validators/halt-height', data: new TextEncoder().encode('{}') }).value)), { halt_height: '100' })
  } finally {
    await c.close()
  }
})

test('validators: a chain without a managed set (solo genesis) refuses changes', async () => {
  const city = testCity({ chainId: 'solo-vals', citizens: 0, accounts: [{ key: fifth, roles: ['validator'] }] })
  const dir = tmpDir('validators-solo')
  const db = new ClassicLevel<Uint8Array, Uint8Array>(dir.path, { keyEncoding: 'view', valueEncoding: 'view' })
  await db.open()
  const app = new PolisApp({ db })
  try {
    await app.initChain(city.genesis)
    const tx = signTx({ chainId: city.chainId, sender: city.authority.publicKey, nonce: 0n, msgs: [validatorsMsgs.set({ pubKey: fifth.publicKey, power: 1n })] }, city.authority)
    const r = await app.finalizeBlock({ height: 1n, time: 1767225601000n, txs: [tx], proposer: new Uint8Array(20) })
    assert.equal(r.results[0]!.code, ErrorCodes.invalid_state, r.results[0]!.log)
    assert.deepEqual(r.validatorUpdates, [])
  } finally {
    await app.close()
    await db.close()
    dir.remove()
  }
})
