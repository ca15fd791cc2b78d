/**
 * The README's "A city of several validators (CometBFT)" walk-through as written: `npm run
 * setup:cometbft` in the clone, then `npx polis testnet --validators 4 --out testnet && npx polis
 * testnet start testnet` in a fresh directory standing for it (the fixed base port 26600 is swapped
 * for a free range, as a second testnet on this machine would need). The city then makes blocks on
 * its own while nobody sends anything (create_empty_blocks_interval): an idle CometBFT city does not
 * stand still at height 1 or 2. Without the interval (create_empty_blocks_interval = 0s, as before)
 * the same city stays where it is.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cli } from '../helpers/cli.js'
import { REPO, cleanEnv, launchProcess, type PolisProcess } from '../../src/kit/node-launcher.js'
import { freeBasePort } from '../../src/kit/free-port.js'
import { testnetPorts } from '../../src/network/cometbft-testnet.js'
import { readmeSection, words } from '../helpers/readme.js'
import { until } from '../helpers/until.js'
import { startNet } from '../cometbft/net.js'
import { EMPTY_BLOCKS_INTERVAL } from '../../src/network/cometbft-testnet.js'

test('README: a 4-validator CometBFT city as written; idle, it keeps making blocks', { timeout: 600_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'polis-readme-cometbft-'))
  let net: PolisProcess | undefined
  try {
    const section = readmeSection('A city of several validators (CometBFT)')
    const lines = section.steps.map((s) => s.line)
    assert.deepEqual(lines, ['npm run setup:cometbft', 'npx polis testnet --validators 4 --out testnet && npx polis testnet start testnet'])
    const setup = spawnSync('npm', words(lines[0]!).slice(1), { cwd: REPO, env: cleanEnv(), encoding: 'utf8' })
    assert.equal(setup.status, 0, setup.stdout + setup.stderr)
    const base = await freeBasePort((b) => testnetPorts(b, 4))
    const [write, start] = lines[1]!.split(' && ').map((l) => words(l).slice(2))
    const w = await cli([...write!, '--base-port', String(base)], { cwd: root })
    assert.equal(w.code, 0, w.stderr)
    assert.match(w.stdout, /start it with: polis testnet start testnet/)
    net = await launchProcess(start!, { cwd: root, ready: /testnet running; \^C to stop/, timeoutMs: 180_000 })
    assert.match(net.stdout(), new RegExp(`node0 up: rpc http://127\\.0\\.0\\.1:${base + 1}`))
    // no transaction at all: blocks keep coming (an empty one at the latest every 5 s)
    const height = async () => BigInt(((await (await fetch(`http://127.0.0.1:${base + 1}/status`)).json()) as { result: { sync_info: { latest_block_height: string } } }).result.sync_info.latest_block_height)
    const first = await height()
    await until('the idle city to make two more blocks', async () => ((await height()) >= first + 2n && (await height()) >= 4n ? true : undefined), 120_000, 500)
    const stopped = await net.stop('SIGINT')
    net = undefined
    assert.equal(stopped.code, 0)
  } finally {
    await net?.stop('SIGKILL')
    rmSync(root, { recursive: true, force: true })
  }
})

test('without create_empty_blocks_interval an idle CometBFT city stands still', { timeout: 300_000 }, async () => {
  const net = await startNet({ name: 'idle-still', validators: 1, configOverrides: { 'consensus.create_empty_blocks_interval': '0s' } })
  try {
    const height = async () => BigInt((await net.tn.rpc(0).status()).sync_info.latest_block_height)
    // its first blocks (genesis state, the block carrying its app hash), then nothing
    await until('the first blocks', async () => ((await height()) >= 1n ? true : undefined), 60_000)
    const settled = await height()
    const wait = 3 * Number.parseInt(EMPTY_BLOCKS_INTERVAL, 10) * 1000 // three intervals, in which the README's city made at least two blocks
    await new Promise((r) => setTimeout(r, wait))
    assert.ok((await height()) <= settled + 1n, `an idle city without the interval made blocks: ${settled} -> ${await height()}`)
  } finally {
    await net.cleanup()
  }
})
