/**
 * The App process (src/node/cometbft-process.ts) refuses to start against a CometBFT genesis that is
 * not its chain's: another chain id, another genesis state, another App version; it starts against
 * its own (also after blocks were committed).
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { generateTestnet } from '../../src/network/cometbft-testnet.js'
import { startAbciNode } from '../../src/engine/cometbft/node.js'
import { fromHex, utf8 } from '../../src/base/bytes.js'
import { AbciClient } from './abci-client.js'

const APP_MAIN = fileURLToPath(new URL('../../src/node/cometbft-process.ts', import.meta.url))

/** Runs the App process until it listens (then stops it: 'started') or exits (its stderr). */
function run(home: string): Promise<{ started: boolean; code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', APP_MAIN, '--home', home, '--abci', 'tcp://127.0.0.1:0', '--verify-threads', '0', '--quiet'], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    let started = false
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString()
      if (!started && out.includes('abci listening on')) {
        started = true
        child.kill('SIGTERM')
      }
    })
    child.stderr.on('data', (d: Buffer) => (err += d.toString()))
    child.once('exit', (code) => resolve({ started, code, stderr: err }))
  })
}

test('the App process checks its chain against the CometBFT genesis at start', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'polis-appchecks-'))
  try {
    const m = generateTestnet({ out: dir, validators: 1, chainId: 'check-city', keySeed: 'checks', citizens: 1, basePort: 40000 })
    const home = join(dir, 'node0')
    const file = join(home, 'cometbft', 'config', 'genesis.json')
    const original = readFileSync(file, 'utf8')
    const g = JSON.parse(original) as { genesis_time: string; chain_id: string; app_state: { bank: { balances: Array<{ amount: string }> } }; consensus_params: { version: { app: string } } }
    // the App's database at height 1 of this chain
    const node = await startAbciNode({ home, abci: 'tcp://127.0.0.1:0', verifyThreads: 0, log: () => undefined })
    const c = await AbciClient.connect(node.address)
    const sec = BigInt(Math.floor(Date.parse(g.genesis_time) / 1000))
    const init = await c.send({ initChain: { time: { seconds: sec, nanos: 0 }, chainId: g.chain_id, validators: [{ pubKey: { ed25519: fromHex(m.nodes[0]!.validatorPubKey) }, power: 10n }], appStateBytes: utf8(JSON.stringify(g.app_state)), initialHeight: 1n } })
    assert.ok(init.initChain, init.exception?.error)
    assert.ok((await c.send({ finalizeBlock: { txs: [], height: 1n, time: { seconds: sec + 1n, nanos: 0 }, hash: new Uint8Array(32), proposerAddress: new Uint8Array(20) } })).finalizeBlock)
    assert.ok((await c.send({ commit: {} })).commit)
    c.close()
    await node.close()

    const ok = await run(home)
    assert.ok(ok.started, ok.stderr)
    const refused = async (change: (x: typeof g) => void, why: RegExp) => {
      const x = JSON.parse(original) as typeof g
      change(x)
      writeFileSync(file, JSON.stringify(x, null, 2))
      const r = await run(home)
      assert.equal(r.started, false, 'it must not listen')
      assert.equal(r.code, 2, r.stderr)
      assert.match(r.stderr, why)
    }
    await refused((x) => (x.chain_id = 'other-city'), /database is of chain "check-city", .* is of "other-city": refusing to start/)
    await refused((x) => (x.app_state.bank.balances[0]!.amount = '5'), /made from another genesis \(app_state\)/)
    await refused((x) => (x.consensus_params.version.app = '2'), /the chain runs App version 2, this binary is App version 1/)
    writeFileSync(file, original)
    assert.ok((await run(home)).started)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
