/**
 * `polis network up --engine cometbft` when one city cannot start: city-b's second validator
 * refuses to start (its genesis names another App version), while city-a and city-b's first
 * validator come up. The real CLI stops every process it started, exits 1, and says which city,
 * which validator and why.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runBin } from '../helpers/cli.js'
import { initNetwork, networkPorts } from '../../src/network/init.js'
import { freeLayoutBase } from '../../src/network/port-check.js'
import { missingCometbft } from '../cometbft/net.js'

test('network up --engine cometbft: a city that fails to start stops every city; the error names it and says why', { skip: missingCometbft(), timeout: 180_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'polis-comet-fail-'))
  const home = join(root, 'net')
  try {
    initNetwork({ home, cities: 2, engine: 'cometbft', validators: 2, basePort: await freeLayoutBase((b) => networkPorts(b, 2, 'cometbft', 2)) })
    const genesisFile = join(home, 'city-b', 'cometbft', 'node1', 'cometbft', 'config', 'genesis.json')
    const g = JSON.parse(readFileSync(genesisFile, 'utf8')) as { consensus_params: { version: { app: string } } }
    g.consensus_params.version.app = '7'
    writeFileSync(genesisFile, JSON.stringify(g, null, 2))

    const r = await runBin(['network', 'up', '--home', home], { env: { POLIS_LOG_LEVEL: 'warn' } })
    assert.equal(r.code, 1, r.stdout + r.stderr)
    assert.match(r.stderr, /city city-b did not start: node1: process exited before printing "abci listening on"/)
    assert.match(r.stderr, /the chain runs App version 7, this binary is App version 1: refusing to start/)
    // the others had started, and were stopped
    for (const [city, node] of [['city-a', 'node0'], ['city-a', 'node1'], ['city-b', 'node0']]) {
      const log = readFileSync(join(home, city!, 'cometbft', node!, 'logs', 'app.log'), 'utf8')
      assert.match(log, /abci listening on/, `${city} ${node} started`)
      assert.match(log, /SIGTERM: closing/, `${city} ${node} stopped`)
    }
    const left = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).split('\n').filter((l) => l.includes(home))
    assert.deepEqual(left, [], 'no App or cometbft process of the network is left')
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
})
