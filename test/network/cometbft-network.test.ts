/**
 * `polis network up --engine cometbft`: the real CLI as a child process makes two cities of
 * CometBFT validators each (an App process and a cometbft process per validator, logs per node),
 * creates on each a `cometbft` light client of the other, and relays; the CLI, unchanged, sends a
 * cross-city transfer and reads the voucher on the other city; Ctrl-C stops every process.
 * `polis start --engine cometbft`: `polis status` shows engine, validators, sync, peers and the App
 * version, which CometBFT has from ABCI Info and writes into every block header.
 */
import { test } from 'node:test'
import { execFileSync } from 'node:child_process'
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cli } from '../helpers/cli.js'
import { launchProcess, type PolisProcess } from '../../src/kit/node-launcher.js'
import { freeBasePort } from '../../src/kit/free-port.js'
import { ephemeralLow } from '../../src/network/port-check.js'
import { voucherDenom } from '../../src/modules/bridge/index.js'
import { APP_VERSION } from '../../src/engine/cometbft/abci-app.js'
import { missingCometbft, until } from '../cometbft/net.js'

const VALIDATORS = 2


test(`polis network up --engine cometbft: two cities of ${VALIDATORS} CometBFT validators, a cross-city transfer, Ctrl-C stops all`, { skip: missingCometbft(), timeout: 240_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'polis-comet-net-'))
  const home = join(root, 'net')
  let up: PolisProcess | undefined
  try {
    // --base-port 0: network up finds a free block of ports itself (bind-tested, below the ephemeral range)
    const args = ['network', 'up', '--engine', 'cometbft', '--validators', String(VALIDATORS), '--base-port', '0', '--relay-interval-ms', '100', '--home', home, '--json']
    const p = await launchProcess(args, {
      env: { POLIS_LOG_LEVEL: 'warn' }, timeoutMs: 120_000,
      ready: (out) => out.split('\n').filter((l) => l.startsWith('{')).map((l) => { try { return JSON.parse(l) as Record<string, any> } catch { return {} } }).find((e) => e.event === 'listening'),
    })
    up = p
    const listening = p.ready
    const base = Number(/:(\d+)$/.exec(listening.cities[0].url)![1])
    assert.ok(base >= 10_000 && base + 200 * 2 + 10 * VALIDATORS < ephemeralLow(), `ports from ${base}, below the ephemeral range`)
    assert.deepEqual(listening.cities.map((c: Record<string, unknown>) => [c.name, c.url, c.engine, c.validators]), [
      ['city-a', `http://127.0.0.1:${base}`, 'cometbft', VALIDATORS], ['city-b', `http://127.0.0.1:${base + 1}`, 'cometbft', VALIDATORS],
    ])
    assert.equal(listening.clients_created, 2)
    // every validator has its own CometBFT home and logs; polis.yaml says the engine
    for (const city of ['city-a', 'city-b']) {
      assert.match(readFileSync(join(home, city, 'polis.yaml'), 'utf8'), /^engine: cometbft$/m)
      for (let i = 0; i < VALIDATORS; i++) {
        for (const f of ['app.log', 'cometbft.log']) assert.ok(existsSync(join(home, city, 'cometbft', `node${i}`, 'logs', f)), `${city} node${i} ${f}`)
      }
    }
    const env = { POLIS_HOME: home }
    const ask = async (argv: string[]) => {
      const r = await cli([...argv, '--json'], { env })
      assert.equal(r.code, 0, r.stderr)
      return r.json<Record<string, any>>()
    }
    // the clients are of type cometbft on both sides
    for (const [city, other] of [['city-a', 'city-b'], ['city-b', 'city-a']]) {
      const c = await ask(['query', 'bridge', 'client', other!, '--city', city!])
      assert.equal(c.type, 'cometbft', JSON.stringify(c))
    }
    // the CLI unchanged: a local transfer, then a cross-city one
    const denom = 'ucity'
    const send = await cli(['tx', 'bank', 'send', 'citizen-2', '250', '--from', 'citizen-1'], { env })
    assert.equal(send.code, 0, send.stderr + send.stdout)
    const status = await ask(['status'])
    assert.equal(status.engine, 'cometbft')
    const t = await cli(['tx', 'bridge', 'transfer', 'city-b', 'citizen-1', '100', '--from', 'citizen-1'], { env })
    assert.equal(t.code, 0, t.stderr + t.stdout)
    const voucher = voucherDenom(`transfer/city-a/${denom}`)
    await until('the voucher on city-b', async () => ((await ask(['query', 'balance', 'citizen-1', '--city', 'city-b', '--denom', voucher])).amount === '100' ? true : undefined))
    await until('the ack on city-a', async () => ((await ask(['query', 'bridge', 'packet', 'city-b', '1'])).commitment === null ? true : undefined))
    const client = await ask(['query', 'bridge', 'client', 'city-a', '--city', 'city-b'])
    assert.ok(BigInt(client.latest_height) > 1n, 'city-b followed city-a')

    const exit = await p.stop('SIGINT')
    up = undefined
    assert.equal(exit.code, 0, p.stderr())
    assert.match(p.stdout(), /"event":"stopped","signal":"SIGINT"/)
    // nothing is left listening on the cities' API ports
    for (const port of [base, base + 1]) await assert.rejects(fetch(`http://127.0.0.1:${port}/v1/status`))
    const left = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).split('\n').filter((l) => l.includes(home))
    assert.deepEqual(left, [], 'no App or cometbft process of the network is left')
  } finally {
    await up?.stop('SIGKILL')
    rmSync(root, { recursive: true, force: true })
  }
})

test('polis start --engine cometbft: a home\'s city as CometBFT validators; the CLI unchanged; the engine cannot be switched back', { skip: missingCometbft(), timeout: 180_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'polis-comet-start-'))
  const home = join(root, 'city')
  const port = await freeBasePort((b) => [b, ...Array.from({ length: 24 }, (_, i) => b + 20 + i)])
  let p: PolisProcess | undefined
  try {
    assert.equal((await cli(['init', '--home', home, '--chain-id', 'solo-made', '--port', String(port)])).code, 0)
    const env = { POLIS_HOME: home }
    const start = () => launchProcess(['start', '--engine', 'cometbft', '--validators', '2', '--home', home, '--json'], {
      env: { POLIS_LOG_LEVEL: 'warn' }, timeoutMs: 90_000,
      ready: (out) => out.split('\n').filter((l) => l.startsWith('{')).map((l) => { try { return JSON.parse(l) as Record<string, any> } catch { return {} } }).find((e) => e.event === 'listening'),
    })
    const first = await start()
    p = first
    assert.equal(first.ready.engine, 'cometbft')
    assert.equal(first.ready.validators, 2)
    assert.equal(first.ready.url, `http://127.0.0.1:${port}`)
    assert.match(readFileSync(join(home, 'polis.yaml'), 'utf8'), /^engine: cometbft$/m)
    const genesis = JSON.parse(readFileSync(join(home, 'genesis.json'), 'utf8')) as { validators: unknown[] }
    assert.equal(genesis.validators.length, 2)
    const send = await cli(['tx', 'bank', 'send', 'citizen-2', '5', '--from', 'citizen-1'], { env })
    assert.equal(send.code, 0, send.stderr + send.stdout)
    assert.equal((await cli(['query', 'balance', 'citizen-2'], { env })).stdout, '1000005 ucity\n')
    const status = await cli(['status'], { env })
    assert.match(status.stdout, /engine\s+cometbft/)
    assert.match(status.stdout, /validators\s+2, total power 20/)
    assert.match(status.stdout, /sync\s+in sync/)
    assert.match(status.stdout, /peers\s+1 /)
    // the App's version: reported in ABCI Info (CometBFT's abci_info), in every block header, and by `polis status`
    assert.match(status.stdout, /app version\s+1\n/)
    const rpcUrl = String(first.ready.rpc)
    const info = (await (await fetch(`${rpcUrl}/abci_info`)).json()) as { result: { response: { app_version: string } } }
    assert.equal(info.result.response.app_version, APP_VERSION.toString())
    const block = (await (await fetch(`${rpcUrl}/block`)).json()) as { result: { block: { header: { version: { app: string } } } } }
    assert.equal(block.result.block.header.version.app, APP_VERSION.toString())
    assert.equal((await p.stop('SIGINT')).code, 0, p.stderr())
    p = undefined
    // the chain continues under CometBFT; the solo engine refuses it
    const solo = await cli(['start', '--engine', 'solo', '--home', home])
    assert.equal(solo.code, 1)
    assert.match(solo.stderr, /a chain cannot change engine/)
    p = await start()
    assert.equal((await cli(['query', 'balance', 'citizen-2'], { env })).stdout, '1000005 ucity\n')
    assert.equal((await p.stop('SIGTERM')).code, 0, p.stderr())
    p = undefined
    const left = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).split('\n').filter((l) => l.includes(home))
    assert.deepEqual(left, [])
  } finally {
    await p?.stop('SIGKILL')
    rmSync(root, { recursive: true, force: true })
  }
})
