// A transaction's status never reads "unknown" on its way into a block: the solo engine takes a
// block's transactions out of the mempool before the App has committed their results, and a
// status query in that window (the CLI's `query tx` after `--no-wait`, the SDK's waitForTx) must
// still say "pending". The App's commit is observed, not replaced: the real commit runs.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { SoloEngine } from '../../src/engine/solo/engine.js'
import { testCity } from '../../src/kit/genesis-builder.js'
import { tmpDir } from '../../src/kit/temp-dir.js'
import { Signer } from '../../src/kit/signer.js'
import { sha256 } from '../../src/crypto/hash.js'

test('between leaving the mempool and its committed result, a transaction is pending', async () => {
  const city = testCity({ chainId: 'status-city' })
  const dir = tmpDir('polis-tx-status-')
  const engine = await SoloEngine.open({ dataDir: dir.path, genesis: city.genesis, validatorKey: city.validator, blockIntervalMs: 5, verifyThreads: 0 })
  try {
    const tx = new Signer(city.chainId).send(city.citizens[0]!, city.citizens[1]!, 1n)
    const hash = sha256(tx)
    const seen: string[] = []
    const commit = engine.app.commit.bind(engine.app)
    engine.app.commit = (...args: Parameters<typeof commit>) => {
      seen.push(engine.txStatus(hash).status)
      return commit(...args)
    }
    engine.start()
    const r = await engine.submitAndWait(tx)
    assert.equal(r.code, 0, r.log)
    assert.ok(seen.length > 0, 'the App committed at least one block')
    assert.ok(!seen.includes('unknown'), `statuses seen while committing: ${seen.join(', ')}`)
    assert.equal(engine.txStatus(hash).status, 'committed')
  } finally {
    await engine.stop()
    dir.remove()
  }
})
