/** startNode in process: the contract the CLI codes against (url, engine, idempotent graceful stop, failures clean up). */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startNode, stopOnSignals } from '../../src/node/node.js'
import { SoloEngine } from '../../src/engine/solo/engine.js'
import { testCity } from '../../src/kit/genesis-builder.js'
import { tmpDir } from '../../src/kit/temp-dir.js'
import { Signer } from '../../src/kit/signer.js'
import { toHex } from '../../src/base/bytes.js'
import { http } from './client.js'

const city = testCity({ chainId: 'node-city', citizens: 2 })

test('startNode: listens on the port asked (0 = any), serves, stops gracefully once however often it is asked', async () => {
  const dir = tmpDir('node')
  try {
    const node = await startNode({ dataDir: dir.path, genesis: city.genesis, validatorKey: city.validator, port: 0, blockIntervalMs: 5, logLevel: 'silent' })
    assert.match(node.url, /^http:\/\/127\.0\.0\.1:\d+$/)
    assert.ok(node.engine instanceof SoloEngine)
    const r = await http(node.url, 'POST', '/v1/txs', { tx: toHex(new Signer(city.chainId).send(city.citizens[0]!, city.citizens[1]!, 1n)) })
    assert.equal(r.status, 202)
    // stopped right away: the admitted transaction is committed before the store closes
    await Promise.all([node.stop(), node.stop()])
    await node.stop()
    await assert.rejects(fetch(node.url + '/health'))
    const engine = await SoloEngine.open({ dataDir: dir.path, genesis: city.genesis, validatorKey: city.validator, verifyThreads: 0 })
    try {
      assert.equal(engine.txStatus(Buffer.from(r.body.hash, 'hex')).status, 'committed')
    } finally {
      await engine.stop()
    }
  } finally {
    dir.remove()
  }
})

test('startNode fails cleanly: a port in use rejects and releases the data directory; a wrong validator key is refused', async () => {
  const a = tmpDir('node-a')
  const b = tmpDir('node-b')
  try {
    const first = await startNode({ dataDir: a.path, genesis: city.genesis, validatorKey: city.validator, port: 0, logLevel: 'silent' })
    const port = Number(new URL(first.url).port)
    await assert.rejects(startNode({ dataDir: b.path, genesis: city.genesis, validatorKey: city.validator, port, logLevel: 'silent' }), /EADDRINUSE/)
    // the failed node closed its store: it opens again
    const again = await startNode({ dataDir: b.path, genesis: city.genesis, validatorKey: city.validator, port: 0, logLevel: 'silent' })
    await again.stop()
    await first.stop()
    await assert.rejects(startNode({ dataDir: b.path, genesis: city.genesis, validatorKey: city.authority, port: 0, logLevel: 'silent' }), /validator key/)
  } finally {
    a.remove()
    b.remove()
  }
})

test('stopOnSignals: a signal stops the node and exits 0; a second one exits at once', async () => {
  let stops = 0
  let release!: () => void
  const fake = { url: '', engine: undefined as never, stop: () => (stops++, new Promise<void>((r) => (release = r))) }
  const exits: number[] = []
  const off = stopOnSignals(fake, { signals: ['SIGUSR2'], exit: (c) => void exits.push(c) })
  try {
    process.emit('SIGUSR2', 'SIGUSR2')
    process.emit('SIGUSR2', 'SIGUSR2')
    assert.deepEqual(exits, [130])
    release()
    await new Promise((r) => setImmediate(r))
    assert.deepEqual(exits, [130, 0])
    assert.equal(stops, 1)
  } finally {
    off()
  }
})
