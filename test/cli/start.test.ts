/**
 * `npm start` (scripts/start.ts): initialises a home that has none, starts the node, prints the URL
 * and a CLI line that works as printed; SIGINT stops it cleanly; a restart keeps the chain.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { REPO, cli, startPolis } from '../sdk/polis-node.js'

test('npm start: init if absent, listen, a working CLI line to try, graceful SIGINT, restart keeps state', async () => {
  const root = mkdtempSync(join(tmpdir(), 'polis-start-'))
  const home = join(root, 'city')
  const env = { POLIS_HOME: home, POLIS_API_PORT: '0', POLIS_LOG_LEVEL: 'warn', POLIS_BLOCK_INTERVAL_MS: '10' }
  let first: Awaited<ReturnType<typeof startPolis>> | undefined
  try {
    first = await startPolis(['--json'], { env, script: join(REPO, 'scripts', 'start.ts') })
    const events = first.stdout().trim().split('\n').map((l) => JSON.parse(l) as Record<string, string>)
    assert.equal(events[0]!.event, 'initialised')
    assert.equal(events[0]!.home, home)
    assert.equal(statSync(join(home, 'keys', 'validator.json')).mode & 0o777, 0o600)
    assert.equal(first.listening.chain_id, 'polis-city')
    // the line printed to try works exactly as printed (here: the CLI in process, same environment)
    const line = first.listening.try!
    assert.match(line, /^npx polis tx bank send citizen-2 100 --from citizen-1 --node http:\/\/127\.0\.0\.1:\d+$/)
    const r = await cli(line.split(' ').slice(2), { env: { POLIS_HOME: home } })
    assert.equal(r.code, 0, r.stderr)
    // block 1 commits the genesis state; the transfer lands in a later block
    const height = /^Committed in block (\d+): /.exec(r.stdout)?.[1]
    assert.ok(height && Number(height) >= 2, r.stdout)
    const firstNode = first
    const stopped = await firstNode.stop('SIGINT')
    first = undefined
    assert.equal(stopped.code, 0, firstNode.stderr())
    assert.match(firstNode.stdout(), new RegExp(`"event":"stopped","signal":"SIGINT","height":"${height}"`))

    // again: no second init, the chain continues where it stopped
    const second = await startPolis([], { env: { ...env, POLIS_LOG_LEVEL: 'silent' }, script: join(REPO, 'scripts', 'start.ts') })
    try {
      assert.doesNotMatch(second.stdout(), /Initialised/)
      assert.match(second.stdout(), /Polis city node "polis-city" is running \(solo engine, height \d+\)\.\n {2}API {6}http:\/\/127\.0\.0\.1:\d+/)
      assert.match(second.stdout(), /Try, in another terminal:\n {2}npx polis tx bank send citizen-2 100 --from citizen-1 --node http/)
      const b = await cli(['query', 'balance', 'citizen-2', '--node', second.url], { env: { POLIS_HOME: home } })
      assert.equal(b.stdout, '1000100 ucity\n')
    } finally {
      const s = await second.stop('SIGTERM')
      assert.equal(s.code, 0, second.stderr())
      assert.match(second.stdout(), /SIGTERM: stopping \(the block in progress is finished first\)…\nStopped\.\n$/)
    }
    assert.ok(existsSync(join(home, 'data')))
  } finally {
    if (first) await first.stop('SIGKILL').catch(() => undefined)
    rmSync(root, { recursive: true, force: true })
  }
})
