/**
 * Pruning on a running node: old heights are deleted in the background, queries and proofs there
 * fail with the typed `pruned`, recent heights stay provable, and replaying every block from
 * genesis on an App with pruning off gives the same app hash at every height (retention is not
 * consensus).
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ClassicLevel } from 'classic-level'
import { SoloEngine } from '../../src/engine/solo/engine.js'
import { PolisApp } from '../../src/chain/app.js'
import { VerifyPool } from '../../src/crypto/verify-pool.js'
import { ErrorCodes } from '../../src/base/errors.js'
import { toHex, utf8 } from '../../src/base/bytes.js'
import { testCity } from '../../src/kit/genesis-builder.js'
import { tmpDir } from '../../src/kit/temp-dir.js'
import { Signer } from '../../src/kit/signer.js'
import type { KeyPair } from '../../src/crypto/keys.js'

const city = testCity({ chainId: 'pruning-city', citizens: 4, balance: 1_000_000n })
const [alice, bob] = city.citizens as [KeyPair, KeyPair]

test('a pruning node refuses pruned heights with `pruned`; a replay with pruning off matches every app hash', async () => {
  const d = tmpDir('pruning-node')
  const signer = new Signer(city.chainId)
  const e = await SoloEngine.open({ dataDir: d.path, genesis: city.genesis, validatorKey: city.validator, verifyThreads: 1, pruning: { keepRecent: 3 } })
  const blocks: Array<NonNullable<ReturnType<typeof e.blocks.block>>> = []
  try {
    for (let i = 0; i < 12; i++) {
      for (let j = 0; j < 5; j++) await e.submit(signer.send(city.citizens[j % 4]!, city.citizens[(j + 1) % 4]!, BigInt(i + 1)))
      await e.produceBlock()
      await e.app.pruningDone()
    }
    const latest = e.height
    assert.ok(latest >= 13n)
    for (let h = 1n; h <= latest; h++) blocks.push(e.blocks.block(h)!)
    const balanceAt = (h: bigint) => e.app.query({ path: 'bank/balance', data: utf8(JSON.stringify({ address: toHex(alice.publicKey) })), height: h })
    const old = balanceAt(2n)
    assert.equal(old.code, ErrorCodes.pruned, old.log)
    assert.match(old.log, /pruned/)
    const proof = e.app.query({ path: 'store', data: utf8('bank/b'), height: 3n, prove: true })
    assert.equal(proof.code, ErrorCodes.pruned, proof.log)
    for (const h of [latest - 2n, latest - 1n, latest]) {
      assert.equal(balanceAt(h).code, 0)
      assert.equal(e.app.query({ path: 'store', data: utf8('bank/x'), height: h, prove: true }).code, 0)
    }
  } finally {
    await e.stop()
  }

  // Replay from genesis on an App that keeps everything: the same app hash at every height.
  const d2 = tmpDir('pruning-replay')
  const db = new ClassicLevel<Uint8Array, Uint8Array>(d2.path, { keyEncoding: 'view', valueEncoding: 'view' })
  await db.open()
  const pool = new VerifyPool(0)
  const app = new PolisApp({ db, verifyPool: pool })
  try {
    await app.initChain(city.genesis)
    for (const b of blocks) {
      const h = b.signed.header
      const fin = await app.finalizeBlock({ height: h.height, time: h.time, txs: b.txs, proposer: h.proposer })
      await app.commit()
      assert.equal(toHex(fin.appHash), toHex(h.appHash), `app hash at height ${h.height}`)
    }
    for (let h = 1n; h <= BigInt(blocks.length); h++) assert.equal(app.query({ path: 'store', data: utf8('bank/b'), height: h, prove: true }).code, 0, `height ${h} kept`)
    assert.ok(app.query({ path: 'bank/balance', data: utf8(JSON.stringify({ address: toHex(bob.publicKey) })) }).code === 0)
  } finally {
    await app.close()
    await pool.close()
    await db.close()
    d.remove()
    d2.remove()
  }
})
