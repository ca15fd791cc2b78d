/**
 * The network layout (src/network): a network home's cities and keys, the CLI's `--city`, and a
 * three-city network run by the supervisor (city processes, a bridge client of every other city
 * on each, a relayer per pair): transfers between any two cities, a restart that creates no client
 * again and resumes from the relayers' state files, a crashed city restarted, and one that keeps
 * crashing reported as a failure.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { initNetwork } from '../../src/network/init.js'
import { cityHome, readNetwork } from '../../src/network/layout.js'
import { upNetwork } from '../../src/network/supervisor.js'
import { ensureClients } from '../../src/network/bridge-clients.js'
import { initHome } from '../../src/node/init-home.js'
import { Keyring } from '../../src/sdk/keys.js'
import { readScanState } from '../../src/agents/relayer/scan-state.js'
import { voucherDenom } from '../../src/modules/bridge/index.js'
import { tmpDir } from '../../src/kit/temp-dir.js'
import { cli } from '../helpers/cli.js'
import { consecutive, freeBasePort } from '../../src/kit/free-port.js'

type GenesisDoc = { validators: Array<{ pub_key: string }>; app_state: { identity: { accounts: Array<{ pub_key: string; roles: string[] }> } } }
const genesisOf = (home: string, city: string) => JSON.parse(readFileSync(join(home, city, 'genesis.json'), 'utf8')) as GenesisDoc

test('a network home: cities with their own validators and authorities, the same citizens, a relayer account per counterparty; --city', async () => {
  const dir = tmpDir('network-layout')
  try {
    const home = join(dir.path, 'net')
    const r = initNetwork({ home, cities: 3, basePort: 41000 })
    assert.deepEqual(readNetwork(home)?.cities, ['city-a', 'city-b', 'city-c'])
    assert.deepEqual(r.cities.map((c) => c.chainId), ['city-a', 'city-b', 'city-c'])
    const ring = (c: string) => new Keyring(join(home, c, 'keys'))
    assert.equal(ring('city-a').get('citizen-2').address, ring('city-c').get('citizen-2').address)
    assert.notEqual(ring('city-a').get('authority').address, ring('city-b').get('authority').address)
    assert.notEqual(genesisOf(home, 'city-a').validators[0]!.pub_key, genesisOf(home, 'city-b').validators[0]!.pub_key)
    for (const city of ['city-a', 'city-b', 'city-c']) {
      const accounts = genesisOf(home, city).app_state.identity.accounts
      const others = ['city-a', 'city-b', 'city-c'].filter((c) => c !== city)
      for (const o of others) {
        const key = ring(city).get(`relayer-${o}`)
        assert.deepEqual(accounts.find((a) => a.pub_key === key.address)?.roles, ['relayer'], `${city}: relayer-${o}`)
      }
      assert.ok(readFileSync(join(home, city, 'polis.yaml'), 'utf8').includes(`port: ${41000 + ['city-a', 'city-b', 'city-c'].indexOf(city)}`))
    }
    // the CLI: the first city by default, --city (or POLIS_CITY) another
    assert.equal(cityHome(home, undefined), join(home, 'city-a'))
    const keys = async (args: string[], env: Record<string, string> = {}) => cli(['keys', 'show', 'authority', '--json', '--home', home, ...args], { env })
    assert.equal((await keys([])).json().address, ring('city-a').get('authority').address)
    assert.equal((await keys(['--city', 'city-c'])).json().address, ring('city-c').get('authority').address)
    assert.equal((await keys([], { POLIS_CITY: 'city-b' })).json().address, ring('city-b').get('authority').address)
    const bad = await keys(['--city', 'city-z'])
    assert.equal(bad.code, 1)
    assert.match(JSON.parse(bad.stderr).message, /no city "city-z" in the network .* \(cities: city-a, city-b, city-c\)/)
    // refusals: a home that is already a network, a single city's home, --city on a single city
    assert.throws(() => initNetwork({ home }), /already a network/)
    const single = join(dir.path, 'single')
    initHome({ home: single })
    assert.throws(() => initNetwork({ home: single }), /holds a single city/)
    await assert.rejects(upNetwork({ home: single }), /holds a single city/)
    const r2 = await cli(['keys', 'list', '--home', single, '--city', 'city-a'])
    assert.equal(r2.code, 1)
    assert.match(r2.stderr, /is a single city, not a network/)
    assert.throws(() => initNetwork({ home: join(dir.path, 'x'), cities: 1 }), /--cities must be an integer from 2/)
  } finally {
    dir.remove()
  }
})

test('three cities: transfers between any two, restart without new clients, a crashed city restarted, then a failure', async () => {
  const dir = tmpDir('network-three')
  const home = join(dir.path, 'net')
  const env = { ...process.env, POLIS_LOG_LEVEL: 'warn', POLIS_BLOCK_INTERVAL_MS: '20' }
  let net = await upNetwork({ home, env, init: { cities: 3, basePort: await freeBasePort(consecutive(3)) }, relayer: { intervalMs: 100 } })
  try {
    assert.deepEqual(net.cities.map((c) => c.name), ['city-a', 'city-b', 'city-c'])
    assert.equal(net.clients.filter((c) => c.created).length, 6)
    assert.deepEqual(net.relayers.map((r) => r.pair.join('~')), ['city-a~city-b', 'city-a~city-c', 'city-b~city-c'])
    // an anchor not signed by the validator of the other city's genesis is refused before anything is created
    const authority = new Keyring(join(home, 'city-a', 'keys')).get('authority')
    await assert.rejects(ensureClients([
      { name: 'city-a', url: net.cities[0]!.url, authority, validator: genesisOf(home, 'city-a').validators[0]!.pub_key },
      { name: 'city-x', url: net.cities[1]!.url, authority, validator: genesisOf(home, 'city-c').validators[0]!.pub_key },
    ]), /city-x \(http:\/\/127\.0\.0\.1:\d+\) signs with [0-9a-f]{64}, not the validator of its genesis/)
    const run = (city: string, args: string[]) => cli([...args, '--home', home, '--city', city, '--node', net.cities.find((c) => c.name === city)!.url])
    const clients = await run('city-b', ['query', 'bridge', 'clients'])
    assert.match(clients.stdout, /^city-a {2}chain city-a {2}height \d+\ncity-c {2}chain city-c {2}height \d+\n$/)
    assert.doesNotMatch((await run('city-a', ['query', 'bridge', 'clients'])).stdout, /city-x/)
    // city-a → city-c, and city-c → city-b
    assert.equal((await run('city-a', ['tx', 'bridge', 'transfer', 'city-c', 'citizen-3', '40', '--from', 'citizen-1'])).code, 0)
    assert.equal((await run('city-c', ['tx', 'bridge', 'transfer', 'city-b', 'citizen-2', '30', '--from', 'citizen-1'])).code, 0)
    const fromA = voucherDenom('transfer/city-a/ucity')
    const fromC = voucherDenom('transfer/city-c/ucity')
    const balance = async (city: string, who: string, denom: string) => (await run(city, ['query', 'balance', who, '--denom', denom, '--json'])).json<{ amount: string }>().amount
    const until = async (what: string, f: () => Promise<boolean>) => {
      const end = Date.now() + 30_000
      while (!(await f())) {
        if (Date.now() > end) throw new Error('timed out waiting for ' + what)
        await new Promise((r) => setTimeout(r, 100))
      }
    }
    await until('the voucher on city-c', async () => (await balance('city-c', 'citizen-3', fromA)) === '40')
    await until('the voucher on city-b', async () => (await balance('city-b', 'citizen-2', fromC)) === '30')
    await until('the acks', async () => {
      const a = (await run('city-a', ['query', 'bridge', 'packet', 'city-c', '1', '--json'])).json<{ commitment: string | null }>()
      const c = (await run('city-c', ['query', 'bridge', 'packet', 'city-b', '1', '--json'])).json<{ commitment: string | null }>()
      return a.commitment === null && c.commitment === null
    })
    await net.stop()
    for (const pair of ['city-a~city-c', 'city-b~city-c']) assert.ok(readScanState(join(home, 'relayer', `${pair}.json`)).a, pair)

    // again: same chains and clients, relaying resumes
    net = await upNetwork({ home, env, relayer: { intervalMs: 100 }, restarts: 1 })
    assert.equal(net.clients.filter((c) => c.created).length, 0)
    assert.equal(net.initialised, undefined)
    assert.equal((await run('city-a', ['tx', 'bridge', 'transfer', 'city-c', 'citizen-3', '2', '--from', 'citizen-1'])).code, 0)
    await until('the second voucher on city-c', async () => (await balance('city-c', 'citizen-3', fromA)) === '42')

    // a city that dies is started again on its port, and the relayers carry on
    const pid = net.cities[2]!.pid
    process.kill(pid, 'SIGKILL')
    await until('city-c restarted', async () => net.cities[2]!.pid !== pid && (await run('city-c', ['status'])).code === 0)
    assert.equal((await run('city-a', ['tx', 'bridge', 'transfer', 'city-c', 'citizen-3', '3', '--from', 'citizen-1'])).code, 0)
    await until('the third voucher on city-c', async () => (await balance('city-c', 'citizen-3', fromA)) === '45')
    // dying again within the minute, beyond the allowed restarts: a failure of the network
    process.kill(net.cities[2]!.pid, 'SIGKILL')
    assert.match(await net.failed, /city-c exited unexpectedly/)
  } finally {
    await net.stop()
    assert.ok(existsSync(join(home, 'relayer', 'relayer.log')))
    dir.remove()
  }
})
