/**
 * `polis network up` on a machine shared with other processes: a port of the network that another
 * process holds refuses the start before anything runs, naming the city, the validator and the
 * port; `--base-port 0 --engine cometbft` finds a free block below the ephemeral range.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cli } from '../helpers/cli.js'
import { initNetwork, networkPorts } from '../../src/network/init.js'
import { loadManifest } from '../../src/network/cometbft-testnet.js'
import { busyPorts, ephemeralLow, freeLayoutBase } from '../../src/network/port-check.js'

const listen = (port: number) => new Promise<Server>((resolve, reject) => {
  const s = createServer()
  s.once('error', reject)
  s.listen(port, '127.0.0.1', () => resolve(s))
})

test('network up refuses a port held by another process, naming city, validator and port; nothing starts', async () => {
  const root = mkdtempSync(join(tmpdir(), 'polis-net-ports-'))
  const home = join(root, 'net')
  const base = await freeLayoutBase((b) => networkPorts(b, 2, 'cometbft', 2))
  let holder: Server | undefined
  try {
    initNetwork({ home, cities: 2, engine: 'cometbft', validators: 2, basePort: base })
    const rpc = loadManifest(join(home, 'city-b', 'cometbft')).nodes[1]!.rpcPort
    holder = await listen(rpc)
    const r = await cli(['network', 'up', '--home', home])
    assert.equal(r.code, 1)
    assert.match(r.stderr, new RegExp(`port ${rpc} on 127\\.0\\.0\\.1 \\(city city-b node1 RPC\\) is in use by another process; nothing was started`))
    // nothing ran: no process of this home, no log of any validator
    for (const city of ['city-a', 'city-b']) assert.equal(existsSync(join(home, city, 'cometbft', 'node0', 'logs', 'app.log')), false)
    const left = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).split('\n').filter((l) => l.includes(home))
    assert.deepEqual(left, [])
  } finally {
    await new Promise((r) => (holder ? holder.close(r) : r(undefined)))
    rmSync(root, { recursive: true, force: true })
  }
})

test('freeLayoutBase: a bind-tested block below the ephemeral range; busyPorts names what is held', async () => {
  const layout = (b: number) => networkPorts(b, 2, 'cometbft', 4)
  const base = await freeLayoutBase(layout)
  const ports = layout(base)
  assert.ok(Math.max(...ports) < ephemeralLow(), `${Math.max(...ports)} below ${ephemeralLow()}`)
  assert.deepEqual(await busyPorts(ports.map((port) => ({ port, host: '127.0.0.1', what: String(port) }))), [])
  const s = await listen(ports[3]!)
  try {
    assert.deepEqual((await busyPorts(ports.map((port) => ({ port, host: '127.0.0.1', what: String(port) })))).map((p) => p.port), [ports[3]])
  } finally {
    await new Promise((r) => s.close(r))
  }
})
