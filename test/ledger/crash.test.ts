import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { SoloEngine } from '../../src/engine/solo/engine.js'
import { bytesEqual, toHex, utf8 } from '../../src/base/bytes.js'
import { verifySignedHeader } from '../../src/lightclient/solo-header.js'
import { testCity } from '../../src/kit/genesis-builder.js'
import { tmpDir } from '../../src/kit/temp-dir.js'
import { ClassicLevel } from 'classic-level'
import { PolisApp } from '../../src/chain/app.js'
import { VerifyPool } from '../../src/crypto/verify-pool.js'
import { genesisHash } from '../../src/app/genesis.js'

const CITIZENS = 20
const city = testCity({ chainId: 'crash-city', citizens: CITIZENS })
const CYCLES = Number(process.env.POLIS_CRASH_CYCLES ?? 8)

/** Starts the loaded node, waits until it has committed past `minHeight`, then kills it with SIGKILL at a random moment. */
function runAndKill(dir: string, minHeight: bigint): Promise<bigint> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', new URL('../helpers/crash-node.ts', import.meta.url).pathname, dir, String(CITIZENS)], { stdio: ['ignore', 'pipe', 'pipe'] })
    let seen = 0n
    let armed = false
    let err = ''
    child.stderr.on('data', (d) => (err += d))
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', (d: string) => {
      for (const m of d.matchAll(/height (\d+)/g)) seen = BigInt(m[1]!)
      if (!armed && seen >= minHeight) {
        armed = true
        setTimeout(() => child.kill('SIGKILL'), Math.floor(Math.random() * 150))
      }
    })
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(seen)
      else reject(new Error(`node exited with ${code}: ${err}`))
    })
  })
}

test(`kill -9 under load, ${CYCLES} times: reopens at the last committed height with the same app hash; replay from genesis agrees`, { timeout: 300_000 }, async (t) => {
  const dir = tmpDir('crash')
  try {
    let lastHeight = 0n
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      const seen = await runAndKill(dir.path, lastHeight + 3n)
      const engine = await SoloEngine.open({ dataDir: dir.path, genesis: city.genesis, validatorKey: city.validator, verifyThreads: 0 })
      try {
        const info = engine.app.info()
        // every block the child reported was committed before it said so: nothing committed is lost
        assert.ok(info.lastHeight >= seen, `reopened at ${info.lastHeight}, but ${seen} was reported committed`)
        assert.ok(info.lastHeight >= lastHeight)
        const head = engine.blocks.header(info.lastHeight)
        assert.ok(head, 'the block of the last committed height is stored')
        assert.ok(!engine.blocks.header(info.lastHeight + 1n), 'no block beyond the committed height')
        assert.ok(bytesEqual(head.header.appHash, info.lastAppHash), 'header app hash = state root')
        assert.ok(bytesEqual(engine.app.rootHashAt(info.lastHeight), info.lastAppHash))
        assert.ok(verifySignedHeader(head, engine.hasher))
        // the supply equals the sum of balances
        const q = (path: string, p: object) => JSON.parse(Buffer.from(engine.app.query({ path, data: utf8(JSON.stringify(p)) }).value!).toString())
        const sum = city.citizens.reduce((s, c) => s + BigInt(q('bank/balance', { address: toHex(c.publicKey) }).amount), 0n)
        assert.equal(sum, BigInt(q('bank/supply', {}).amount))
        lastHeight = info.lastHeight
      } finally {
        await engine.stop()
      }
    }
    // Re-execute every stored block from genesis on a fresh store: the same app hash at every height.
    const src = await SoloEngine.open({ dataDir: dir.path, genesis: city.genesis, validatorKey: city.validator, verifyThreads: 0 })
    const fresh = tmpDir('crash-replay')
    const db = new ClassicLevel<Uint8Array, Uint8Array>(fresh.path, { keyEncoding: 'view', valueEncoding: 'view' })
    await db.open()
    const pool = new VerifyPool(1)
    const replay = new PolisApp({ db, verifyPool: pool })
    try {
      await replay.initChain(city.genesis)
      let prevHash: Uint8Array | undefined
      for (let h = 1n; h <= lastHeight; h++) {
        const b = src.blocks.block(h)!
        if (prevHash) assert.ok(bytesEqual(b.signed.header.prevHash, prevHash), `block ${h} links to block ${h - 1n}`)
        else assert.ok(bytesEqual(b.signed.header.prevHash, genesisHash(city.genesis)), 'block 1 links to the genesis')
        prevHash = b.signed.hash
        const fin = await replay.finalizeBlock({ height: h, time: b.signed.header.time, txs: b.txs, proposer: b.signed.header.proposer })
        assert.equal(toHex(fin.appHash), toHex(b.signed.header.appHash), `app hash at height ${h}`)
        await replay.commit()
      }
      assert.ok(lastHeight >= BigInt(CYCLES * 3))
      t.diagnostic(`${CYCLES} kills; replayed ${lastHeight} blocks from genesis with matching app hashes`)
    } finally {
      await src.stop()
      await replay.close()
      await pool.close()
      await db.close()
      fresh.remove()
    }
  } finally {
    dir.remove()
  }
})

