/** The services through the mempool on a running solo engine with every city module (cityModules()). */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { SoloEngine } from '../../src/engine/solo/engine.js'
import { sha256 } from '../../src/crypto/hash.js'
import { toHex, utf8 } from '../../src/base/bytes.js'
import type { KeyPair } from '../../src/crypto/keys.js'
import { ErrorCodes } from '../../src/base/errors.js'
import { treasuryAddress } from '../../src/modules/bills/index.js'
import { testCity, testKey } from '../../src/kit/genesis-builder.js'
import { tmpDir } from '../../src/kit/temp-dir.js'
import { Signer } from '../../src/kit/signer.js'

test('a citizen pays a bill and files a complaint through the mempool of a running node', async () => {
  const clerk = testKey('e2e/water-clerk')
  const works = testKey('e2e/works')
  const city = testCity({
    citizens: 2, balance: 5000n,
    accounts: [{ key: clerk, roles: ['water'] }, { key: works, roles: ['public-works'] }],
    appState: { complaints: { services: [{ service_code: 'pothole', service_name: 'Pothole', group: 'Streets', department: 'public-works', sla_ms: '259200000' }] } },
  })
  const dir = tmpDir('services-e2e')
  const engine = await SoloEngine.open({ dataDir: dir.path, genesis: city.genesis, validatorKey: city.validator, blockIntervalMs: 5, verifyThreads: 1 })
  engine.start()
  const s = new Signer(city.chainId)
  const [alice] = city.citizens as [KeyPair]
  const q = (path: string, params: Record<string, unknown>) => JSON.parse(Buffer.from(engine.app.query({ path, data: utf8(JSON.stringify(params)) }).value!).toString())
  try {
    let r = await engine.submitAndWait(s.tx(clerk, [{ type: 'bills/issue', value: { department: 'water', citizen: alice.publicKey, amount: 1200n, due_at: 10n ** 13n, service: 'water.supply', reference: 'W-1' } }]))
    assert.equal(r.code, 0, r.log)
    const wrong = await engine.submit(s.tx(alice, [{ type: 'bills/pay', value: { bill: 1n, department: 'tax' } }], { nonce: 0n }))
    assert.equal(wrong.code, ErrorCodes.invalid_request, wrong.log) // refused at admission
    r = await engine.submitAndWait(s.tx(alice, [{ type: 'bills/pay', value: { bill: 1n, department: 'water', amount: 200n } }], { nonce: 0n }))
    assert.equal(r.code, 0, r.log)
    r = await engine.submitAndWait(s.tx(alice, [{ type: 'bills/pay', value: { bill: 1n, department: 'water' } }], { nonce: 1n }))
    assert.equal(r.code, 0, r.log)
    assert.equal(q('bills/bill', { bill: '1' }).status, 'paid')
    assert.equal(q('bank/balance', { address: toHex(treasuryAddress('water')) }).amount, '1200')
    assert.equal(q('bills/receipts', { bill: '1' }).receipts.length, 2)
    r = await engine.submitAndWait(s.tx(alice, [{ type: 'complaints/file', value: { service_code: 'pothole', description_hash: sha256(utf8('s'), utf8('hole')), lat: 1n, long: 2n } }], { nonce: 2n }))
    assert.equal(r.code, 0, r.log)
    r = await engine.submitAndWait(s.tx(works, [{ type: 'complaints/acknowledge', value: { request: 1n } }]))
    assert.equal(r.code, 0, r.log)
    r = await engine.submitAndWait(s.tx(works, [{ type: 'complaints/resolve', value: { request: 1n, note: 'filled' } }]))
    assert.equal(r.code, 0, r.log)
    // Admission runs no handler: resolving a closed request is refused in its block, with its code.
    const closed = await engine.submitAndWait(s.tx(works, [{ type: 'complaints/resolve', value: { request: 1n, note: 'again' } }]))
    assert.equal(closed.code, ErrorCodes.invalid_state, closed.log)
    assert.equal(q('complaints/request', { id: '1' }).status, 'closed')
  } finally {
    await engine.stop()
    dir.remove()
  }
})
