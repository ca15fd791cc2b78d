import { test } from 'node:test'
import assert from 'node:assert/strict'
import { SoloEngine } from '../../src/engine/solo/engine.js'
import { headerHash, verifySignedHeader } from '../../src/lightclient/solo-header.js'
import { headerHasher } from '../../src/crypto/header-hash.js'
import { qhf, QHF_DEFAULT_PARAMS } from '../../src/crypto/qhf/index.js'
import { sha256 } from '../../src/crypto/hash.js'
import { bytesEqual } from '../../src/base/bytes.js'
import { encodeHeader } from '../../src/lightclient/solo-header.js'
import { testCity } from '../../src/kit/genesis-builder.js'
import { tmpDir } from '../../src/kit/temp-dir.js'
import { Signer } from '../../src/kit/signer.js'

test('a chain with consensus.hash = qhf links and checks its headers with QHF', async () => {
  const city = testCity({ chainId: 'qhf-city', extra: { consensus: { hash: { name: 'qhf', params: { latticeSide: 7, theta0: 'pi/4', theta1: 'pi/3' } } } } })
  const dir = tmpDir('qhf-chain')
  const engine = await SoloEngine.open({ dataDir: dir.path, genesis: city.genesis, validatorKey: city.validator, blockIntervalMs: 5, verifyThreads: 0 })
  try {
    engine.start()
    const s = new Signer(city.chainId)
    for (let i = 0; i < 3; i++) {
      const r = await engine.submitAndWait(s.send(city.citizens[0]!, city.citizens[1]!, 1n))
      assert.equal(r.code, 0, r.log)
    }
    const height = engine.height
    assert.ok(height >= 4n)
    const hasher = headerHasher(city.genesis.consensus!.hash)
    for (let h = 2n; h <= height; h++) {
      const cur = engine.blocks.header(h)!
      const prev = engine.blocks.header(h - 1n)!
      assert.equal(cur.header.hashAlg, 'qhf')
      // the link is QHF over the previous header's canonical bytes, not SHA-256
      assert.ok(bytesEqual(cur.header.prevHash, qhf(encodeHeader(prev.header), QHF_DEFAULT_PARAMS)))
      assert.ok(!bytesEqual(cur.header.prevHash, sha256(encodeHeader(prev.header))))
      assert.ok(bytesEqual(cur.hash, headerHash(cur.header, hasher)))
      assert.ok(verifySignedHeader(cur, hasher))
      // a checker that assumes SHA-256 refuses this chain's headers
      assert.ok(!verifySignedHeader(cur, headerHasher({ name: 'sha256' })))
    }
  } finally {
    await engine.stop()
    dir.remove()
  }
})

test('qhf parameters outside the published ranges are refused at genesis', async () => {
  for (const params of [{ latticeSide: 8 }, { theta0: 2 }, { hashBits: 128 }, { bogus: 1 }]) {
    const city = testCity({ chainId: 'qhf-bad', extra: { consensus: { hash: { name: 'qhf', params } } } })
    const dir = tmpDir('qhf-bad')
    try {
      await assert.rejects(SoloEngine.open({ dataDir: dir.path, genesis: city.genesis, validatorKey: city.validator, verifyThreads: 0 }), (e: Error & { code?: number }) => e.code === 19)
    } finally {
      dir.remove()
    }
  }
})
