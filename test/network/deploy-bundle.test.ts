/**
 * A city across machines on this one: `polis testnet --out DIR --hosts 127.0.0.2,…,127.0.0.5`
 * writes one directory per host (keys 0600, one genesis, persistent peers by host, systemd units,
 * start/stop scripts; the authority key in no host directory) and refuses to overwrite it; each
 * host's start.sh brings up its validator bound to its own loopback address, the four find each
 * other by host, a transfer sent to one machine's API is read on another's, and stop.sh stops all.
 *
 * The App runs as an operator runs it: compiled, from the dist/ of a Polis install (`npm run build`)
 * through `bin/polis app` with POLIS_COMPILED=1 (the bundle's node.env), never the TypeScript
 * sources. The install is a private copy of this repository's src/ built here (the shared dist/ goes
 * stale whenever src/ is edited, and then POLIS_COMPILED=1 rightly refuses to start).
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync, spawnSync } from 'node:child_process'
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cli } from '../helpers/cli.js'
import { portsFree } from '../../src/kit/free-port.js'
import { keyPairFromSeed } from '../../src/crypto/keys.js'
import { fromHex } from '../../src/base/bytes.js'
import { PolisClient } from '../../src/sdk/polis-client.js'
import { bank } from '../../src/sdk/msgs.js'
import { CometRpc } from '../../src/engine/cometbft/rpc.js'
import { missingCometbft, until } from '../cometbft/net.js'

const HOSTS = ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5']
const REPO = new URL('../../', import.meta.url).pathname

/** A Polis install in `dir` as `npm ci` leaves one: src/, bin/polis, node_modules, and dist/ built by `npm run build`. */
function compiledInstall(dir: string): string {
  mkdirSync(join(dir, 'bin'), { recursive: true })
  mkdirSync(join(dir, 'scripts'))
  cpSync(join(REPO, 'src'), join(dir, 'src'), { recursive: true })
  for (const f of ['bin/polis', 'scripts/build.mjs', 'package.json', 'tsconfig.json', 'tsconfig.build.json']) copyFileSync(join(REPO, f), join(dir, f))
  symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'))
  execFileSync(process.execPath, [join(dir, 'scripts', 'build.mjs')], { stdio: 'pipe' })
  assert.ok(existsSync(join(dir, 'dist', 'cli', 'main.js')) && existsSync(join(dir, 'dist', '.build-stamp')))
  return dir
}

/** A p2p base port whose whole block (base … base+24) is free on every host address. */
async function freeBundleBase(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 30_000 + 100 * Math.floor(Math.random() * 300)
    const block = Array.from({ length: 25 }, (_, i) => base + i)
    let ok = true
    for (const h of HOSTS) if (!(await portsFree(block, h))) ok = false
    if (ok) return base
  }
  throw new Error('no free port block on the loopback hosts')
}

test('polis testnet --hosts: one directory per machine, started on 127.0.0.2…127.0.0.5', { skip: missingCometbft(), timeout: 180_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'polis-bundle-'))
  const out = join(root, 'city')
  const base = await freeBundleBase()
  const started: string[] = []
  try {
    const install = compiledInstall(join(root, 'polis'))
    // connections between loopback addresses all come from 127.0.0.1: CometBFT must allow that here
    const r = await cli(['testnet', '--out', out, '--hosts', HOSTS.join(','), '--citizens', '2', '--chain-id', 'metro', '--base-port', String(base), '--comet-config', 'p2p.allow_duplicate_ip=true', '--polis-root', install, '--json'])
    assert.equal(r.code, 0, r.stderr)
    const b = r.json<{ hosts: Array<{ host: string; dir: string; node_id: string }> }>()
    assert.deepEqual(b.hosts.map((h) => h.host), HOSTS)
    // the layout: each host self-contained, secrets 0600, the authority's key on no host
    const genesis = readFileSync(join(out, 'genesis.json'), 'utf8')
    for (const h of b.hosts) {
      for (const f of ['node.env', 'start.sh', 'stop.sh', 'polis-app.service', 'polis-cometbft.service', 'cometbft/config/config.toml', 'cometbft/data/priv_validator_state.json']) assert.ok(existsSync(join(h.dir, f)), `${h.host}: ${f}`)
      for (const f of ['priv_validator_key.json', 'node_key.json']) assert.equal(statSync(join(h.dir, 'cometbft', 'config', f)).mode & 0o777, 0o600)
      assert.equal(readFileSync(join(h.dir, 'cometbft', 'config', 'genesis.json'), 'utf8'), genesis)
      const toml = readFileSync(join(h.dir, 'cometbft', 'config', 'config.toml'), 'utf8')
      const peers = /^persistent_peers = "(.*)"$/m.exec(toml)![1]!.split(',')
      assert.deepEqual(peers.sort(), b.hosts.filter((o) => o !== h).map((o) => `${o.node_id}@${o.host}:${base}`).sort())
      assert.match(toml, new RegExp(`^laddr = "tcp://${h.host.replace(/\./g, '\\.')}:${base}"$`, 'm'))
      assert.match(readFileSync(join(h.dir, 'polis-cometbft.service'), 'utf8'), /Requires=polis-app\.service/)
      assert.match(readFileSync(join(h.dir, 'polis-app.service'), 'utf8'), /RestartPreventExitStatus=3/)
      assert.equal(existsSync(join(h.dir, 'keys')), false)
      // the App from the install's dist/, compiled only
      const env = readFileSync(join(h.dir, 'node.env'), 'utf8')
      assert.match(env, new RegExp(`^POLIS_ROOT=${install}$`, 'm'))
      assert.match(env, /^POLIS_COMPILED=1$/m)
      assert.match(readFileSync(join(h.dir, 'polis-app.service'), 'utf8'), /^ExecStart=\/usr\/bin\/env node \$\{POLIS_ROOT\}\/bin\/polis app --home /m)
    }
    assert.equal(statSync(join(out, 'keys', 'authority.json')).mode & 0o777, 0o600)
    // never overwritten
    const again = await cli(['testnet', '--out', out, '--hosts', HOSTS.join(',')])
    assert.equal(again.code, 1)
    assert.match(again.stderr, /exists: the bundle goes into a new directory/)

    for (const h of b.hosts) {
      const s = spawnSync('sh', [join(h.dir, 'start.sh')], { encoding: 'utf8', timeout: 90_000 })
      assert.equal(s.status, 0, `${h.host}: ${s.stdout}${s.stderr}`)
      started.push(h.dir)
    }
    // each App is the compiled one: `node <install>/bin/polis app`, with the install's dist/ loaded
    for (const dir of started) {
      const pid = Number(readFileSync(join(dir, 'run', 'app.pid'), 'utf8'))
      assert.match(readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' '), new RegExp(`${install}/bin/polis app --home ${dir} `))
      assert.match(readFileSync(join(dir, 'logs', 'app.log'), 'utf8'), new RegExp(`running compiled from ${install}/dist/`))
    }
    const rpc = (host: string) => new CometRpc(`http://${host}:${base + 1}`)
    // the four find each other by host: three peers each, at the other addresses
    for (const h of HOSTS) {
      await until(`${h} to see its peers`, async () => {
        const net = await rpc(h).call('net_info')
        const at = (net.peers as Array<{ node_info: { listen_addr: string } }>).map((p) => p.node_info.listen_addr).sort()
        return at.length === 3 && at.every((a) => a !== `${h}:${base}` && HOSTS.map((x) => `${x}:${base}`).includes(a)) ? true : undefined
      })
      await until(`${h} at height 1`, async () => ((await rpc(h).height()) >= 1n ? true : undefined))
    }
    // a transfer through one machine's API, read on another's
    const citizens = (JSON.parse(readFileSync(join(out, 'keys', 'citizens.json'), 'utf8')) as Array<{ seed: string }>).map((k) => keyPairFromSeed(fromHex(k.seed)))
    const api = (host: string) => new PolisClient(`http://${host}:${base + 24}`)
    const sent = await api(HOSTS[1]!).signAndSubmit(citizens[0]!, [bank.send(citizens[1]!.publicKey, 250n)], { allowFailure: true })
    assert.ok(sent.ok, sent.log)
    await until('the transfer on another machine', async () => ((await api(HOSTS[3]!).balance(citizens[1]!.publicKey)) === 1_000_000_250n ? true : undefined))
    const status = await api(HOSTS[2]!).status() as unknown as { engine: string; validators: unknown[]; peers: unknown[] }
    assert.equal(status.engine, 'cometbft')
    assert.equal(status.validators.length, 4)
    assert.equal(status.peers.length, 3)
  } finally {
    for (const dir of started) spawnSync('sh', [join(dir, 'stop.sh')], { encoding: 'utf8', timeout: 60_000 })
    const left = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).split('\n').filter((l) => l.includes(out))
    rmSync(root, { recursive: true, force: true })
    assert.deepEqual(left, [], 'stop.sh leaves no process behind')
  }
})
