/**
 * A city across machines: `polis testnet --out DIR --hosts h1,h2,h3,h4` writes one self-contained
 * directory per machine (docs/DEPLOY.md):
 *
 *   DIR/README.txt                 what goes where
 *   DIR/genesis.json               the chain's one genesis (also inside every host directory)
 *   DIR/keys/authority.json        the city authority's key: stays with the coordinator, on no host
 *   DIR/keys/citizens.json         funded sample citizens (with --citizens N)
 *   DIR/<host>/                    copy this directory to <host> (as /srv/polis by default)
 *     node.env                     the settings of this machine (ports, paths), read by the scripts and units
 *     cometbft/config/             config.toml (persistent peers by host), genesis.json, node_key.json, priv_validator_key.json (0600)
 *     cometbft/data/               priv_validator_state.json
 *     app/                         the App's database (empty)
 *     logs/                        app.log, cometbft.log (start.sh)
 *     start.sh, stop.sh            run both processes without systemd (pids in run/)
 *     polis-app.service            systemd unit of the App
 *     polis-cometbft.service       systemd unit of CometBFT (Requires= and After= the App)
 *
 * Every machine uses the same ports on its own address: p2p 26656, RPC 26657, ABCI 26658,
 * CometBFT metrics 26660, Polis API (with /metrics) 26680 (`basePort` shifts them all).
 * The generator makes every key here for a quick start; for production each operator makes its
 * own validator and node keys on its machine and the coordinator assembles the genesis from public
 * keys (docs/DEPLOY.md, "Key custody"). Refuses an output directory that exists.
 */
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { generateKeyPair } from '../crypto/keys.js'
import { PolisError } from '../base/errors.js'
import { cometbftBinary } from '../engine/cometbft/binary.js'
import { HALT_EXIT_CODE } from '../engine/cometbft/abci-app.js'
import { BundleConfigError } from './bundle-config.js'
import { cometConfigToml, cometGenesis, keyJson, nodeIdOf, testnetAppState, writeNodeKeys, type ConsensusTimeouts } from './cometbft-testnet.js'

/** CometBFT's own defaults (`cometbft init`): for validators on separate machines over a WAN. */
export const WAN_TIMEOUTS: ConsensusTimeouts = {
  propose: '3s', proposeDelta: '500ms', prevote: '1s', prevoteDelta: '500ms', precommit: '1s', precommitDelta: '500ms', commit: '1s', skipCommit: false,
}

export const DEFAULT_BUNDLE_PORTS = { p2p: 26656, rpc: 26657, abci: 26658, metrics: 26660, api: 26680 } as const
export type BundlePorts = { -readonly [K in keyof typeof DEFAULT_BUNDLE_PORTS]: number }
const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/

export interface BundleOptions {
  out: string
  hosts: string[]
  /** per host: its directory's name and its moniker (default: the host) */
  names?: string[]
  /** per host: its voting power (default 10) */
  powers?: number[]
  /** per host: ports that differ from the defaults (after basePort) */
  hostPorts?: Array<Partial<BundlePorts>>
  /** the config file these options come from (`--config`): errors then name its field */
  source?: string
  chainId?: string
  citizens?: number
  /** p2p port; the others keep their distance from it (default 26656) */
  basePort?: number
  /** where each host directory will live on its machine (written into the systemd units) */
  installDir?: string
  /** the Polis repository on each machine (default: this one) */
  polisRoot?: string
  /** the cometbft binary on each machine (default: the one this machine uses) */
  cometbftBin?: string
  /** POLIS_COMPILED in node.env: the App runs from dist/ only (default true; false lets it run the sources through tsx) */
  compiled?: boolean
  timeouts?: Partial<ConsensusTimeouts>
  genesisTime?: Date
  /** further CometBFT settings, e.g. { 'p2p.allow_duplicate_ip': true } for a trial of several hosts on one machine */
  cometConfig?: Record<string, string | number | boolean>
}

export interface BundleHost { host: string; name: string; dir: string; nodeId: string; validatorPubKey: string; power: number; ports: BundlePorts }
export interface Bundle { out: string; chainId: string; hosts: BundleHost[] }

export function writeBundle(o: BundleOptions): Bundle {
  const out = resolve(o.out)
  if (existsSync(out)) throw new PolisError('already_exists', `${out} exists: the bundle goes into a new directory (nothing is overwritten)`)
  const hosts = o.hosts
  // a field of the config file (--config), else the flag
  const bad = (field: string, flag: string, message: string): never => {
    throw o.source ? new BundleConfigError(o.source, field, message) : new PolisError('invalid_request', `${flag}: ${message}`)
  }
  if (hosts.length < 1 || hosts.length > 64) bad('hosts', '--hosts', 'name 1 to 64 machines')
  hosts.forEach((h, i) => {
    if (!HOST.test(h)) bad(`hosts[${i}].host`, '--hosts', `"${h}" is not a host name or IPv4 address`)
  })
  const names = o.names ?? hosts
  const powers = o.powers ?? hosts.map(() => 10)
  if (names.length !== hosts.length || powers.length !== hosts.length) throw new PolisError('invalid_request', 'one name and one power per host')
  names.forEach((n, i) => {
    if (!/^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,62}[A-Za-z0-9])?$/.test(n) || n === 'keys') bad(`hosts[${i}].name`, '--hosts', `"${n}" cannot name a directory (letters, digits, . _ -; not "keys")`)
    if (names.indexOf(n) !== i) bad(`hosts[${i}].name`, '--hosts', o.source ? `"${n}" is already the name of hosts[${names.indexOf(n)}]` : 'names a machine twice')
  })
  powers.forEach((p, i) => {
    if (!Number.isSafeInteger(p) || p < 1) bad(`hosts[${i}].power`, '--hosts', `power must be a positive integer (got ${p})`)
  })
  const shift = (o.basePort ?? DEFAULT_BUNDLE_PORTS.p2p) - DEFAULT_BUNDLE_PORTS.p2p
  const defaults = Object.fromEntries(Object.entries(DEFAULT_BUNDLE_PORTS).map(([k, v]) => [k, v + shift])) as BundlePorts
  if (defaults.p2p < 1024 || defaults.api > 65535) bad('base_port', '--base-port', `must leave ports ${defaults.p2p}..${defaults.api} between 1024 and 65535`)
  const hostPorts = hosts.map((_, i): BundlePorts => ({ ...defaults, ...o.hostPorts?.[i] }))
  // every host:port once (two entries may share a machine on other ports)
  const used = new Map<string, string>()
  hostPorts.forEach((ports, i) => {
    for (const [k, port] of Object.entries(ports)) {
      const at = `${hosts[i]}:${port}`
      const field = `hosts[${i}].ports.${k}`
      const other = used.get(at)
      if (other) bad(field, '--hosts', `${at} is already ${other}`)
      used.set(at, field)
    }
  })
  const chainId = o.chainId ?? 'polis-city'
  const polisRoot = o.polisRoot ?? fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '')
  const cometbftBin = o.cometbftBin ?? cometbftBinary() ?? '/usr/local/bin/cometbft'
  const installDir = o.installDir ?? '/srv/polis'

  const authority = generateKeyPair()
  const citizens = Array.from({ length: o.citizens ?? 0 }, () => generateKeyPair())
  const nodes = hosts.map((host) => ({ host, val: generateKeyPair(), p2p: generateKeyPair() }))
  const appState = testnetAppState({ authority, validators: nodes.map((n) => n.val), power: powers, citizens, balance: 1_000_000_000n })
  const genesis = cometGenesis({ chainId, time: o.genesisTime ?? new Date(), validators: nodes.map((n, i) => ({ pubKey: n.val.publicKey, power: powers[i]!, name: names[i]! })), appState })
  const genesisText = JSON.stringify(genesis, null, 2) + '\n'
  const ids = nodes.map((n) => nodeIdOf(n.p2p.publicKey))
  const timeouts = { ...WAN_TIMEOUTS, ...o.timeouts }

  mkdirSync(join(out, 'keys'), { recursive: true, mode: 0o700 })
  writeFileSync(join(out, 'keys', 'authority.json'), JSON.stringify(keyJson(authority), null, 2) + '\n', { mode: 0o600 })
  if (citizens.length) writeFileSync(join(out, 'keys', 'citizens.json'), JSON.stringify(citizens.map(keyJson), null, 2) + '\n', { mode: 0o600 })
  writeFileSync(join(out, 'genesis.json'), genesisText)

  const result: BundleHost[] = nodes.map((n, i) => {
    const ports = hostPorts[i]!
    const dir = join(out, names[i]!)
    const home = join(dir, 'cometbft')
    writeNodeKeys(home, n.val, n.p2p)
    for (const d of ['app', 'logs']) mkdirSync(join(dir, d), { recursive: true })
    writeFileSync(join(home, 'config', 'genesis.json'), genesisText)
    const peers = nodes.map((p, j) => (j === i ? undefined : `${ids[j]}@${p.host}:${hostPorts[j]!.p2p}`)).filter(Boolean).join(',')
    writeFileSync(join(home, 'config', 'config.toml'), cometConfigToml({
      moniker: names[i]!,
      proxyApp: `tcp://${n.host}:${ports.abci}`,
      rpc: `tcp://${n.host}:${ports.rpc}`,
      p2p: `tcp://${n.host}:${ports.p2p}`,
      peers,
      timeouts,
      mempoolSize: 10_000,
      logLevel: 'main:info,state:info,*:error',
      overrides: {
        'p2p.external_address': `${n.host}:${ports.p2p}`,
        // a city's machines are usually on a private network: strict address books refuse private addresses
        'p2p.addr_book_strict': false,
        'p2p.allow_duplicate_ip': false,
        'p2p.pex': false,
        'instrumentation.prometheus': true,
        'instrumentation.prometheus_listen_addr': `${n.host}:${ports.metrics}`,
        ...o.cometConfig,
      },
    }))
    writeFileSync(join(dir, 'node.env'), nodeEnv({ host: n.host, ports, polisRoot, cometbftBin, compiled: o.compiled ?? true }))
    script(join(dir, 'start.sh'), START_SH)
    script(join(dir, 'stop.sh'), STOP_SH)
    writeFileSync(join(dir, 'polis-app.service'), appUnit(names[i]!, installDir))
    writeFileSync(join(dir, 'polis-cometbft.service'), cometUnit(names[i]!, installDir))
    return { host: n.host, name: names[i]!, dir, nodeId: ids[i]!, validatorPubKey: keyJson(n.val).pub_key, power: powers[i]!, ports }
  })
  writeFileSync(join(out, 'README.txt'), readme(chainId, result, installDir))
  return { out, chainId, hosts: result }
}

function script(path: string, text: string): void {
  writeFileSync(path, text)
  chmodSync(path, 0o755)
}

function nodeEnv(o: { host: string; ports: BundlePorts; polisRoot: string; cometbftBin: string; compiled: boolean }): string {
  return `# This machine's settings (read by start.sh, stop.sh and the systemd units). Edit the paths if Polis
# or cometbft live elsewhere on this machine.
POLIS_ROOT=${o.polisRoot}
COMETBFT_BIN=${o.cometbftBin}
POLIS_HOST=${o.host}
POLIS_ABCI=tcp://${o.host}:${o.ports.abci}
POLIS_RPC=http://${o.host}:${o.ports.rpc}
POLIS_API_PORT=${o.ports.api}
POLIS_VERIFY_THREADS=1
# 1: the App runs compiled, from $POLIS_ROOT/dist (built by \`npm ci\` or \`npm run build\`), and refuses
# to start if that build is missing or older than $POLIS_ROOT/src; 0: it may run the sources through tsx
POLIS_COMPILED=${o.compiled ? 1 : 0}
# State-sync snapshots every this many blocks (0: none; docs/DEPLOY.md), and the state heights kept
# (0: all; a snapshot being made and pending bridge packets are always kept)
POLIS_SNAPSHOT_INTERVAL=1000
POLIS_PRUNING_KEEP_RECENT=10000
`
}

const START_SH = `#!/bin/sh
# Starts this machine's validator without systemd: the Polis App first, CometBFT once the App
# listens. Logs in logs/, pids in run/. Stop with ./stop.sh.
set -eu
cd "$(dirname "$0")"
HERE="$(pwd)"
. ./node.env
mkdir -p logs run
if [ -f run/app.pid ] && kill -0 "$(cat run/app.pid)" 2>/dev/null; then echo "already running (pid $(cat run/app.pid))"; exit 1; fi
from=0
[ -f logs/app.log ] && from=$(wc -c < logs/app.log)
export POLIS_COMPILED
node "$POLIS_ROOT/bin/polis" app \\
  --home "$HERE" --abci "$POLIS_ABCI" --verify-threads "$POLIS_VERIFY_THREADS" \\
  --api-port "$POLIS_API_PORT" --api-host "$POLIS_HOST" --rpc "$POLIS_RPC" \\
  --snapshot-interval "$POLIS_SNAPSHOT_INTERVAL" --pruning-keep-recent "$POLIS_PRUNING_KEEP_RECENT" >> logs/app.log 2>&1 &
echo $! > run/app.pid
i=0
until tail -c +$((from + 1)) logs/app.log | grep -q "abci listening on"; do
  i=$((i + 1))
  if ! kill -0 "$(cat run/app.pid)" 2>/dev/null; then echo "the App exited at start: see logs/app.log"; exit 1; fi
  if [ "$i" -gt 600 ]; then echo "the App did not listen within 60 s: see logs/app.log"; exit 1; fi
  sleep 0.1
done
"$COMETBFT_BIN" start --home "$HERE/cometbft" >> logs/cometbft.log 2>&1 &
echo $! > run/cometbft.pid
echo "started: App pid $(cat run/app.pid), CometBFT pid $(cat run/cometbft.pid); API http://$POLIS_HOST:$POLIS_API_PORT"
`

const STOP_SH = `#!/bin/sh
# Stops this machine's validator: CometBFT first, then the App (each gets 15 s to stop cleanly).
set -u
cd "$(dirname "$0")"
for p in cometbft app; do
  [ -f run/$p.pid ] || continue
  pid="$(cat run/$p.pid)"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    i=0
    while kill -0 "$pid" 2>/dev/null; do
      i=$((i + 1))
      if [ "$i" -gt 150 ]; then kill -KILL "$pid"; fi
      sleep 0.1
    done
  fi
  rm -f run/$p.pid
done
echo stopped
`

/** A systemd unit of this machine's validator, reading node.env, logging into logs/. */
function unit(o: { head: string; description: string; deps: string; execStart: string; restart: string; log: string; dir: string }): string {
  return `${o.head}
[Unit]
Description=${o.description}
${o.deps}

[Service]
Type=simple
User=polis
WorkingDirectory=${o.dir}
EnvironmentFile=${o.dir}/node.env
${o.execStart}
${o.restart}
LimitNOFILE=65536
StandardOutput=append:${o.dir}/logs/${o.log}
StandardError=append:${o.dir}/logs/${o.log}

[Install]
WantedBy=multi-user.target
`
}

function appUnit(host: string, dir: string): string {
  return unit({
    dir, log: 'app.log',
    head: `# The Polis App of validator ${host}. Install: copy both units to /etc/systemd/system/, then\n#   systemctl daemon-reload && systemctl enable --now polis-app polis-cometbft`,
    description: `Polis App (validator ${host})`,
    deps: 'After=network-online.target\nWants=network-online.target',
    execStart: `ExecStart=/usr/bin/env node \${POLIS_ROOT}/bin/polis app --home ${dir} --abci \${POLIS_ABCI} --verify-threads \${POLIS_VERIFY_THREADS} --api-port \${POLIS_API_PORT} --api-host \${POLIS_HOST} --rpc \${POLIS_RPC} --snapshot-interval \${POLIS_SNAPSHOT_INTERVAL} --pruning-keep-recent \${POLIS_PRUNING_KEEP_RECENT}`,
    // exit status HALT_EXIT_CODE: stopped at the governance halt height; stays down until the operator upgrades
    restart: `Restart=always\nRestartSec=2\nRestartPreventExitStatus=${HALT_EXIT_CODE}`,
  })
}

function cometUnit(host: string, dir: string): string {
  return unit({
    dir, log: 'cometbft.log',
    head: `# CometBFT of validator ${host}; starts after the App (CometBFT exits if its App is not there).`,
    description: `CometBFT (validator ${host})`,
    deps: 'Requires=polis-app.service\nAfter=polis-app.service',
    // the executable of ExecStart must be literal: the binary's path comes from node.env through a shell
    execStart: `ExecStartPre=/bin/sleep 2\nExecStart=/bin/sh -c 'exec "$COMETBFT_BIN" start --home ${dir}/cometbft'`,
    restart: 'Restart=always\nRestartSec=3',
  })
}

function readme(chainId: string, hosts: BundleHost[], dir: string): string {
  const same = hosts.every((h) => JSON.stringify(h.ports) === JSON.stringify(hosts[0]!.ports))
  const portsOf = (p: BundlePorts) => `p2p ${p.p2p}, API ${p.api}, metrics ${p.metrics}, RPC ${p.rpc}, ABCI ${p.abci}`
  return `Polis city "${chainId}" across ${hosts.length} machines (see docs/DEPLOY.md).

Copy each host directory to its machine as ${dir}:
${hosts.map((h) => `  ${h.name}/  ->  ${h.host}:${dir}   node id ${h.nodeId}, power ${h.power}${same ? '' : `; ${portsOf(h.ports)}`}`).join('\n')}
Then on each machine: ./start.sh (or install the two systemd units). keys/ stays with the coordinator:
keys/authority.json is the city's governance key and belongs on no validator machine.
Open to the other validators only the p2p port${same ? ` ${hosts[0]!.ports.p2p}` : ''}; the API${same ? ` ${hosts[0]!.ports.api}` : ''} to clients; the metrics port${same ? ` ${hosts[0]!.ports.metrics}` : ''}
(CometBFT) and the API's /metrics (Polis) to monitoring; RPC${same ? ` ${hosts[0]!.ports.rpc}` : ''} and ABCI${same ? ` ${hosts[0]!.ports.abci}` : ''} to no one.
`
}
