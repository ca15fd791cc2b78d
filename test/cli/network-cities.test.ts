// `npm start -- --cities 3` (`polis network up --cities 3`) on a home that already holds a 2-city
// network: refused, saying what the home holds, before anything starts or changes (it used to
// start the old two cities silently). The same count, or no --cities, is not refused.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { runCli } from '../../src/cli/program.js'
import { cleanEnv, REPO } from '../../src/kit/node-launcher.js'
import { initNetwork, checkCitiesOfExisting } from '../../src/network/init.js'
import { tmpDir } from '../../src/kit/temp-dir.js'
import { PolisError } from '../../src/base/errors.js'

test('network up --cities 3 on an existing 2-city network is refused naming its cities; nothing starts or changes', async () => {
  const d = tmpDir('network-cities')
  try {
    const home = join(d.path, 'net')
    initNetwork({ home, cities: 2, basePort: 0, sampleAccounts: 1 })
    const before = readFileSync(join(home, 'network.yaml'), 'utf8')
    let out = ''
    let err = ''
    let stopAsked = false
    // should it start, it would be stopped at once (and the test fail on the exit code)
    const io = { out: (s: string) => void (out += s), err: (s: string) => void (err += s), env: cleanEnv(), cwd: REPO, waitForStop: async () => ((stopAsked = true), 'SIGTERM') }
    const code = await runCli(['--home', home, 'network', 'up', '--cities', '3'], io)
    assert.equal(code, 1, out + err)
    assert.equal(stopAsked, false, 'no city was started')
    assert.match(err, /already has 2 cities \(city-a, city-b\); --cities 3 only applies when a network is created/)
    assert.match(err, /Start it as it is \(without --cities\), or create a 3-city network in another home/)
    assert.equal(readFileSync(join(home, 'network.yaml'), 'utf8'), before)
    assert.equal(existsSync(join(home, 'city-c')), false)

    // --json: the same refusal, as JSON
    out = ''
    err = ''
    assert.equal(await runCli(['--json', '--home', home, 'network', 'up', '--cities', '4'], io), 1)
    assert.match(out + err, /already has 2 cities/)

    // what is not refused: no --cities, or the count the network has
    assert.doesNotThrow(() => checkCitiesOfExisting(home, undefined))
    assert.doesNotThrow(() => checkCitiesOfExisting(home, 2))
    assert.doesNotThrow(() => checkCitiesOfExisting(join(d.path, 'no-network-yet'), 3))
    assert.throws(() => checkCitiesOfExisting(home, 5), (e: unknown) => e instanceof PolisError && e.errorName === 'invalid_request')
  } finally {
    d.remove()
  }
})
