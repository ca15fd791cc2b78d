/**
 * Loopback testnets of N CometBFT validators, each driving its own Polis App process, and a
 * supervisor that runs them. `polis testnet` (CLI) calls `generateTestnet` and `Testnet.start`;
 * the fault tests and the benchmark use the same functions.
 *
 * Layout of a testnet directory:
 *
 *   OUT/testnet.json             manifest: chain id, nodes, ports (paths relative to OUT)
 *   OUT/keys/authority.json      the city authority's key (seed), registered in genesis
 *   OUT/keys/citizens.json       funded citizen keys, when asked for
 *   OUT/nodeI/cometbft/          CometBFT home: config/{config.toml,genesis.json,node_key.json,
 *                                priv_validator_key.json}, data/
 *   OUT/nodeI/app/               the Polis App's LevelDB
 *   OUT/nodeI/logs/              app.log, cometbft.log
 *
 * Node I listens on basePort + 10·I (p2p), +1 (RPC), +2 (ABCI), all on `host` (127.0.0.1).
 * Every node lists every other as a persistent peer; addr_book_strict = false and
 * allow_duplicate_ip = true so that several validators share one IP; no empty blocks (except
 * the ones that carry a new app hash); timeouts tuned for loopback.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, fstatSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { keyPairFromSeed, generateKeyPair, type KeyPair } from '../crypto/keys.js'
import { sha256 } from '../crypto/hash.js'
import { toHex, utf8 } from '../base/bytes.js'
import { assertFreshDir } from '../base/fresh-dir.js'
import { processEntry } from '../util/module-entry.js'
import { requireCometbft } from '../engine/cometbft/binary.js'
import { CometRpc } from '../engine/cometbft/rpc.js'
import { HALT_EXIT_CODE } from '../engine/cometbft/abci-app.js'

export interface ConsensusTimeouts {
  propose: string
  proposeDelta: string
  prevote: string
  prevoteDelta: string
  precommit: string
  precommitDelta: string
  commit: string
  /** Proceed as soon as all precommits are in, instead of waiting `commit`. */
  skipCommit: boolean
}

/**
 * Blocks are made for transactions, and at the latest after this long without one (CometBFT's
 * create_empty_blocks_interval), so that block time and the end-block work on it (energy slots,
 * SLAs, light-client expiry) move on while a city is idle; the solo engine's empty_block_interval_ms
 * (src/node/config.ts) is the same bound. Override with configOverrides['consensus.create_empty_blocks_interval'].
 */
export const EMPTY_BLOCKS_INTERVAL = '5s'

/** Loopback defaults: a round completes in well under a second; a dead proposer costs ~1 s. */
export const LOOPBACK_TIMEOUTS: ConsensusTimeouts = {
  propose: '1s',
  proposeDelta: '200ms',
  prevote: '300ms',
  prevoteDelta: '100ms',
  precommit: '300ms',
  precommitDelta: '100ms',
  commit: '200ms',
  skipCommit: false,
}

export interface TestnetOptions {
  out: string
  validators: number
  chainId?: string
  host?: string
  basePort?: number
  /** 'polis' (default): one Polis App process per node. 'kvstore': CometBFT's built-in app. */
  app?: 'polis' | 'kvstore'
  /** The Polis app_state; default: the authority, the validators and `citizens` funded accounts. */
  appState?: Record<string, unknown>
  citizens?: number
  citizenBalance?: bigint
  /** Derive every key from this label (reproducible testnets); random keys otherwise. */
  keySeed?: string
  genesisTime?: Date
  power?: number
  timeouts?: Partial<ConsensusTimeouts>
  mempoolSize?: number
  /** CometBFT log level, e.g. 'info' or 'main:info,state:info,*:error' (the default). */
  logLevel?: string
  /** Extra [mempool]/[p2p]/... overrides: { 'mempool.size': 10000 }. */
  configOverrides?: Record<string, string | number | boolean>
  /** Validator keys of the first nodes (e.g. a city home's own validator); the others are made as usual. */
  validatorKeys?: KeyPair[]
  /** Port of node i's HTTP API (served by its App process), written to the manifest; none if undefined. */
  apiPorts?: Array<number | undefined>
}

export interface TestnetNode {
  name: string
  dir: string             // relative to the testnet directory
  p2pPort: number
  rpcPort: number
  abciPort: number
  nodeId: string
  validatorAddress: string  // upper-case hex, as CometBFT prints it
  validatorPubKey: string   // hex
  /** the HTTP API of this node's App process, if it serves one */
  apiPort?: number
}

export interface TestnetManifest {
  chainId: string
  app: 'polis' | 'kvstore'
  host: string
  cometbftVersion: string
  nodes: TestnetNode[]
}

/** Deterministic key for `label` under a testnet's key seed. */
export function testnetKey(keySeed: string, label: string): KeyPair {
  return keyPairFromSeed(sha256(utf8(`${keySeed}/${label}`)))
}

function b64(b: Uint8Array): string {
  return Buffer.from(b).toString('base64')
}

function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z')
}

/** The ports of `n` nodes from `basePort` (p2p, RPC, ABCI: base + 10·i + 0, 1, 2). */
export function testnetPorts(basePort: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => [basePort + 10 * i, basePort + 10 * i + 1, basePort + 10 * i + 2]).flat()
}

/** The key files of a testnet: { pub_key, seed } (hex), mode 0600. */
export const keyJson = (k: KeyPair) => ({ pub_key: toHex(k.publicKey), seed: toHex(k.seed) })

/** The default app_state of a testnet: the authority, the validators (role and the validators module's set), funded citizens. */
/** `power`: every validator's, or one per validator. */
export function testnetAppState(o: { authority: KeyPair; validators: KeyPair[]; power: number | number[]; citizens: KeyPair[]; balance: bigint }): Record<string, unknown> {
  const powerOf = (i: number) => String(typeof o.power === 'number' ? o.power : o.power[i]!)
  return {
    identity: {
      accounts: [
        { pub_key: toHex(o.authority.publicKey), roles: ['authority'] },
        ...o.validators.map((v) => ({ pub_key: toHex(v.publicKey), roles: ['validator'] })),
        ...o.citizens.map((c) => ({ pub_key: toHex(c.publicKey), roles: ['citizen'] })),
      ],
    },
    bank: { denom: 'ucity', balances: o.citizens.map((c) => ({ address: toHex(c.publicKey), amount: o.balance.toString() })) },
    validators: { validators: o.validators.map((v, i) => ({ pub_key: toHex(v.publicKey), power: powerOf(i) })) },
  }
}

export function generateTestnet(opts: TestnetOptions): TestnetManifest {
  const n = opts.validators
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new Error('validators must be 1..64')
  const out = resolve(opts.out)
  if (existsSync(join(out, 'testnet.json'))) throw new Error(`${out} already holds a testnet`)
  assertFreshDir(out, 'a testnet')
  const chainId = opts.chainId ?? 'polis-city'
  const host = opts.host ?? '127.0.0.1'
  const basePort = opts.basePort ?? 26600
  const app = opts.app ?? 'polis'
  const power = opts.power ?? 10
  const key = (label: string) => (opts.keySeed !== undefined ? testnetKey(opts.keySeed, label) : generateKeyPair())

  const vals = Array.from({ length: n }, (_, i) => ({ val: opts.validatorKeys?.[i] ?? key(`node${i}/validator`), node: key(`node${i}/p2p`) }))
  const authority = key('authority')
  const citizens = Array.from({ length: opts.citizens ?? 0 }, (_, i) => key(`citizen/${i}`))
  const nodes: TestnetNode[] = vals.map((v, i) => ({
    name: `node${i}`,
    dir: `node${i}`,
    p2pPort: basePort + 10 * i,
    rpcPort: basePort + 10 * i + 1,
    abciPort: basePort + 10 * i + 2,
    nodeId: nodeIdOf(v.node.publicKey),
    validatorAddress: toHex(sha256(v.val.publicKey).subarray(0, 20)).toUpperCase(),
    validatorPubKey: toHex(v.val.publicKey),
    ...(opts.apiPorts?.[i] !== undefined ? { apiPort: opts.apiPorts[i] } : {}),
  }))

  const appState = opts.appState ?? testnetAppState({ authority, validators: vals.map((v) => v.val), power, citizens, balance: opts.citizenBalance ?? 1_000_000_000n })
  const genesis = cometGenesis({ chainId, time: opts.genesisTime ?? new Date(), validators: vals.map((v, i) => ({ pubKey: v.val.publicKey, power, name: `node${i}` })), appState: app === 'polis' ? appState : {} })

  mkdirSync(join(out, 'keys'), { recursive: true })
  writeFileSync(join(out, 'keys', 'authority.json'), JSON.stringify(keyJson(authority), null, 2) + '\n', { mode: 0o600 })
  if (citizens.length) writeFileSync(join(out, 'keys', 'citizens.json'), JSON.stringify(citizens.map(keyJson), null, 2) + '\n', { mode: 0o600 })

  const t = { ...LOOPBACK_TIMEOUTS, ...opts.timeouts }
  vals.forEach((v, i) => {
    const node = nodes[i]!
    const home = join(out, node.dir, 'cometbft')
    mkdirSync(join(home, 'config'), { recursive: true })
    mkdirSync(join(home, 'data'), { recursive: true })
    mkdirSync(join(out, node.dir, 'app'), { recursive: true })
    mkdirSync(join(out, node.dir, 'logs'), { recursive: true })
    const peers = nodes.filter((_, j) => j !== i).map((p) => `${p.nodeId}@${host}:${p.p2pPort}`).join(',')
    writeFileSync(join(home, 'config', 'config.toml'), cometConfigToml({
      moniker: node.name,
      proxyApp: app === 'kvstore' ? 'kvstore' : `tcp://${host}:${node.abciPort}`,
      rpc: `tcp://${host}:${node.rpcPort}`,
      p2p: `tcp://${host}:${node.p2pPort}`,
      peers,
      timeouts: t,
      mempoolSize: opts.mempoolSize ?? 10_000,
      logLevel: opts.logLevel ?? 'main:info,state:info,*:error',
      overrides: opts.configOverrides ?? {},
    }))
    writeFileSync(join(home, 'config', 'genesis.json'), JSON.stringify(genesis, null, 2) + '\n')
    writeNodeKeys(home, v.val, v.node)
  })
  const manifest: TestnetManifest = { chainId, app, host, cometbftVersion: '0.38.25', nodes }
  writeFileSync(join(out, 'testnet.json'), JSON.stringify(manifest, null, 2) + '\n')
  return manifest
}

/** CometBFT's genesis.json for a Polis chain (consensus_params.version.app = the App version). */
export function cometGenesis(o: { chainId: string; time: Date; validators: Array<{ pubKey: Uint8Array; power: number; name: string }>; appState: Record<string, unknown> }): Record<string, unknown> {
  return {
    genesis_time: rfc3339(o.time),
    chain_id: o.chainId,
    initial_height: '1',
    consensus_params: {
      block: { max_bytes: '22020096', max_gas: '-1' },
      evidence: { max_age_num_blocks: '100000', max_age_duration: '172800000000000', max_bytes: '1048576' },
      validator: { pub_key_types: ['ed25519'] },
      version: { app: '1' },
      abci: { vote_extensions_enable_height: '0' },
    },
    validators: o.validators.map((v) => ({
      address: toHex(sha256(v.pubKey).subarray(0, 20)).toUpperCase(),
      pub_key: { type: 'tendermint/PubKeyEd25519', value: b64(v.pubKey) },
      power: String(v.power),
      name: v.name,
    })),
    app_hash: '',
    app_state: o.appState,
  }
}

/** A CometBFT home's keys (mode 0600) and a fresh sign state: config/priv_validator_key.json, config/node_key.json, data/priv_validator_state.json. */
export function writeNodeKeys(home: string, validator: KeyPair, nodeKey: KeyPair): void {
  mkdirSync(join(home, 'config'), { recursive: true })
  mkdirSync(join(home, 'data'), { recursive: true })
  writeFileSync(join(home, 'config', 'priv_validator_key.json'), JSON.stringify({
    address: toHex(sha256(validator.publicKey).subarray(0, 20)).toUpperCase(),
    pub_key: { type: 'tendermint/PubKeyEd25519', value: b64(validator.publicKey) },
    priv_key: { type: 'tendermint/PrivKeyEd25519', value: b64(Buffer.concat([validator.seed, validator.publicKey])) },
  }, null, 2) + '\n', { mode: 0o600 })
  writeFileSync(join(home, 'config', 'node_key.json'), JSON.stringify({
    priv_key: { type: 'tendermint/PrivKeyEd25519', value: b64(Buffer.concat([nodeKey.seed, nodeKey.publicKey])) },
  }) + '\n', { mode: 0o600 })
  writeFileSync(join(home, 'data', 'priv_validator_state.json'), JSON.stringify({ height: '0', round: 0, step: 0 }, null, 2) + '\n')
}

/** CometBFT's node id: the first 20 bytes of SHA-256 of the node key, hex. */
export function nodeIdOf(pub: Uint8Array): string {
  return toHex(sha256(pub).subarray(0, 20))
}

interface ConfigParams {
  moniker: string
  proxyApp: string
  rpc: string
  p2p: string
  peers: string
  timeouts: ConsensusTimeouts
  mempoolSize: number
  logLevel: string
  overrides: Record<string, string | number | boolean>
}

function tomlValue(v: string | number | boolean): string {
  return typeof v === 'string' ? JSON.stringify(v) : String(v)
}

/** CometBFT 0.38's config.toml, every key of `cometbft init`, with the testnet's values. */
export function cometConfigToml(p: ConfigParams): string {
  const t = p.timeouts
  const sections: Record<string, Record<string, string | number | boolean | string[]>> = {
    '': {
      version: '0.38.25', proxy_app: p.proxyApp, moniker: p.moniker, db_backend: 'goleveldb', db_dir: 'data',
      log_level: p.logLevel, log_format: 'plain', genesis_file: 'config/genesis.json',
      priv_validator_key_file: 'config/priv_validator_key.json', priv_validator_state_file: 'data/priv_validator_state.json',
      priv_validator_laddr: '', node_key_file: 'config/node_key.json', abci: 'socket', filter_peers: false,
    },
    rpc: {
      laddr: p.rpc, cors_allowed_origins: [], cors_allowed_methods: ['HEAD', 'GET', 'POST'],
      cors_allowed_headers: ['Origin', 'Accept', 'Content-Type', 'X-Requested-With', 'X-Server-Time'],
      grpc_laddr: '', grpc_max_open_connections: 900, unsafe: false, max_open_connections: 900,
      max_subscription_clients: 100, max_subscriptions_per_client: 5, experimental_subscription_buffer_size: 200,
      experimental_websocket_write_buffer_size: 200, experimental_close_on_slow_client: false,
      timeout_broadcast_tx_commit: '10s', max_request_batch_size: 10, max_body_bytes: 1000000,
      max_header_bytes: 1048576, tls_cert_file: '', tls_key_file: '', pprof_laddr: '',
    },
    p2p: {
      laddr: p.p2p, external_address: '', seeds: '', persistent_peers: p.peers, addr_book_file: 'config/addrbook.json',
      addr_book_strict: false, max_num_inbound_peers: 40, max_num_outbound_peers: 10, unconditional_peer_ids: '',
      persistent_peers_max_dial_period: '0s', flush_throttle_timeout: '10ms', max_packet_msg_payload_size: 1024,
      send_rate: 20480000, recv_rate: 20480000, pex: true, seed_mode: false, private_peer_ids: '',
      allow_duplicate_ip: true, handshake_timeout: '20s', dial_timeout: '3s',
    },
    mempool: {
      // recheck off: the Polis App re-admits its pending transactions in process at Commit (abci-app.ts)
      type: 'flood', recheck: false, recheck_timeout: '1s', broadcast: true, wal_dir: '', size: p.mempoolSize,
      max_txs_bytes: 1073741824, cache_size: 100000, 'keep-invalid-txs-in-cache': false, max_tx_bytes: 1048576,
      max_batch_bytes: 0, experimental_max_gossip_connections_to_persistent_peers: 0,
      experimental_max_gossip_connections_to_non_persistent_peers: 0,
    },
    statesync: {
      enable: false, rpc_servers: '', trust_height: 0, trust_hash: '', trust_period: '168h0m0s', discovery_time: '15s',
      temp_dir: '', chunk_request_timeout: '10s', chunk_fetchers: '4', max_snapshot_chunks: 100000,
    },
    blocksync: { version: 'v0' },
    consensus: {
      wal_file: 'data/cs.wal/wal', timeout_propose: t.propose, timeout_propose_delta: t.proposeDelta,
      timeout_prevote: t.prevote, timeout_prevote_delta: t.prevoteDelta, timeout_precommit: t.precommit,
      timeout_precommit_delta: t.precommitDelta, timeout_commit: t.commit, double_sign_check_height: 0,
      skip_timeout_commit: t.skipCommit, create_empty_blocks: false, create_empty_blocks_interval: EMPTY_BLOCKS_INTERVAL,
      peer_gossip_sleep_duration: '10ms', peer_query_maj23_sleep_duration: '2s', block_time_tolerance: '1m0s',
    },
    storage: { discard_abci_responses: false },
    tx_index: { indexer: 'kv', 'psql-conn': '' },
    instrumentation: { prometheus: false, prometheus_listen_addr: ':26660', max_open_connections: 3, namespace: 'cometbft' },
  }
  for (const [k, v] of Object.entries(p.overrides)) {
    const dot = k.lastIndexOf('.')
    const sec = dot < 0 ? '' : k.slice(0, dot)
    const key = dot < 0 ? k : k.slice(dot + 1)
    if (!sections[sec]) throw new Error(`unknown config section in override "${k}"`)
    sections[sec]![key] = v
  }
  const lines = ['# CometBFT 0.38 configuration written by the Polis testnet generator (src/network/cometbft-testnet.ts).', '']
  for (const [sec, kv] of Object.entries(sections)) {
    if (sec) lines.push('', `[${sec}]`)
    for (const [k, v] of Object.entries(kv)) lines.push(`${k} = ${Array.isArray(v) ? `[${v.map((x) => JSON.stringify(x)).join(', ')}]` : tomlValue(v)}`)
  }
  return lines.join('\n') + '\n'
}

/**
 * Writes one more node into a testnet directory: a full node with the chain's genesis and every
 * other node as a persistent peer (the others learn of it when it dials them), on the next block
 * of ports (p2p base + 10·i). With `validatorKey` it signs once governance gives that key power
 * (the validators module); until then it follows the chain. Returns the new node.
 */
export function addTestnetNode(dir: string, o: { validatorKey?: KeyPair; apiPort?: number; config?: Record<string, string | number | boolean> } = {}): TestnetNode {
  const out = resolve(dir)
  const m = loadManifest(out)
  if (m.app !== 'polis') throw new Error('only a Polis testnet can grow')
  const i = m.nodes.length
  const base = m.nodes[0]!.p2pPort
  const val = o.validatorKey ?? generateKeyPair()
  const p2p = generateKeyPair()
  const node: TestnetNode = {
    name: `node${i}`, dir: `node${i}`, p2pPort: base + 10 * i, rpcPort: base + 10 * i + 1, abciPort: base + 10 * i + 2,
    nodeId: nodeIdOf(p2p.publicKey),
    validatorAddress: toHex(sha256(val.publicKey).subarray(0, 20)).toUpperCase(),
    validatorPubKey: toHex(val.publicKey),
    ...(o.apiPort !== undefined ? { apiPort: o.apiPort } : {}),
  }
  const from = join(out, m.nodes[0]!.dir, 'cometbft', 'config')
  const home = join(out, node.dir, 'cometbft')
  if (existsSync(home)) throw new Error(`${home} already exists`)
  for (const d of [join(home, 'config'), join(home, 'data'), join(out, node.dir, 'app'), join(out, node.dir, 'logs')]) mkdirSync(d, { recursive: true })
  const peers = m.nodes.map((p) => `${p.nodeId}@${m.host}:${p.p2pPort}`).join(',')
  let section = ''
  const set: Record<string, string | number | boolean> = {
    moniker: node.name, proxy_app: `tcp://${m.host}:${node.abciPort}`, 'rpc.laddr': `tcp://${m.host}:${node.rpcPort}`,
    'p2p.laddr': `tcp://${m.host}:${node.p2pPort}`, 'p2p.persistent_peers': peers, ...o.config,
  }
  const toml = readFileSync(join(from, 'config.toml'), 'utf8').split('\n').map((line) => {
    const sec = /^\[(.+)\]$/.exec(line)
    if (sec) section = sec[1]!
    const kv = /^([A-Za-z0-9_.-]+) = /.exec(line)
    const k = kv ? (section ? `${section}.${kv[1]}` : kv[1]!) : undefined
    return k !== undefined && k in set ? `${kv![1]} = ${tomlValue(set[k]!)}` : line
  }).join('\n')
  writeFileSync(join(home, 'config', 'config.toml'), toml)
  writeFileSync(join(home, 'config', 'genesis.json'), readFileSync(join(from, 'genesis.json')))
  writeNodeKeys(home, val, p2p)
  m.nodes.push(node)
  writeFileSync(join(out, 'testnet.json'), JSON.stringify(m, null, 2) + '\n')
  return node
}

export function loadManifest(dir: string): TestnetManifest {
  return JSON.parse(readFileSync(join(dir, 'testnet.json'), 'utf8')) as TestnetManifest
}

// ---------------------------------------------------------------------------------- supervisor

const APP_MAIN = processEntry(new URL('../node/cometbft-process.ts', import.meta.url))

interface Proc { child: ChildProcess; exited: Promise<number | null>; expectedExit: boolean }

interface NodeState { app?: Proc; comet?: Proc; restarts: number; restarting?: boolean; halted?: boolean }

export interface TestnetStartOptions {
  /** Restart a node whose App or CometBFT process died (the `polis testnet start` behaviour). */
  autoRestart?: boolean
  /** Verification threads per App process (default 0, inline: N Apps share the machine's cores). */
  verifyThreads?: number
  log?: (msg: string) => void
  /** Environment for the child processes. */
  env?: NodeJS.ProcessEnv
  /** Port of node i's HTTP API, served by its App process (`cometbft-process.ts --api-port`); none if undefined. */
  apiPort?: (i: number) => number | undefined
  /** State-sync snapshots every this many blocks in every App (`--snapshot-interval`; 0: none). */
  snapshotInterval?: number
  snapshotChunkBytes?: number
  /** State heights every App keeps (`--pruning-keep-recent`; 0 or absent: all). */
  pruningKeepRecent?: number
}

const liveChildren = new Set<ChildProcess>()
let exitHookInstalled = false
function installExitHook(): void {
  if (exitHookInstalled) return
  exitHookInstalled = true
  // Never leave validators behind when the parent goes (a test that fails, ^C).
  process.on('exit', () => {
    for (const c of liveChildren) {
      try {
        c.kill('SIGKILL')
      } catch {
        // gone
      }
    }
  })
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}

/** Waits until `file` (from byte `from`) contains `needle`. */
async function waitForLine(file: string, from: number, needle: string, timeoutMs: number, alive: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let pos = from
  let tail = ''
  while (Date.now() < deadline) {
    if (existsSync(file)) {
      const fd = openSync(file, 'r')
      try {
        const size = fstatSync(fd).size
        if (size > pos) {
          const buf = Buffer.alloc(size - pos)
          readSync(fd, buf, 0, buf.length, pos)
          pos = size
          tail = (tail + buf.toString('utf8')).slice(-64 * 1024)
          if (tail.includes(needle)) return
        }
      } finally {
        closeSync(fd)
      }
    }
    if (!alive()) throw new Error(`process exited before printing "${needle}" (see ${file})`)
    await sleep(50)
  }
  throw new Error(`timed out waiting for "${needle}" in ${file}`)
}

function fileSize(f: string): number {
  try {
    const fd = openSync(f, 'r')
    try {
      return fstatSync(fd).size
    } finally {
      closeSync(fd)
    }
  } catch {
    return 0
  }
}

/** The last lines `file` got from byte `from` (what a process said before it exited), as ":\n<lines>", or ''. */
function lastLines(file: string, from: number, n = 5): string {
  try {
    const text = readFileSync(file).subarray(from).toString('utf8').trim()
    return text ? `:\n${text.split('\n').slice(-n).join('\n')}` : ''
  } catch {
    return ''
  }
}

export class Testnet {
  readonly manifest: TestnetManifest
  private readonly state: NodeState[]
  private readonly log: (msg: string) => void
  private stopping = false

  constructor(readonly dir: string, private readonly opts: TestnetStartOptions = {}) {
    this.dir = resolve(dir)
    this.manifest = loadManifest(this.dir)
    this.state = this.manifest.nodes.map(() => ({ restarts: 0 }))
    this.log = opts.log ?? (() => undefined)
    installExitHook()
  }

  get size(): number {
    return this.manifest.nodes.length
  }

  nodeDir(i: number): string {
    return join(this.dir, this.manifest.nodes[i]!.dir)
  }

  rpc(i: number): CometRpc {
    return new CometRpc(`http://${this.manifest.host}:${this.manifest.nodes[i]!.rpcPort}`)
  }

  isRunning(i: number): boolean {
    const s = this.state[i]!
    return !!s.comet && s.comet.child.exitCode === null && s.comet.child.signalCode === null
  }

  /** The node's App stopped at the governance halt height (startNode clears it). */
  halted(i: number): boolean {
    return !!this.state[i]!.halted
  }

  appPid(i: number): number | undefined {
    return this.state[i]!.app?.child.pid
  }

  cometbftPid(i: number): number | undefined {
    return this.state[i]!.comet?.child.pid
  }

  /** Writes one more node into the directory (addTestnetNode) and knows it; start it with startNode(i). */
  addNode(o: Parameters<typeof addTestnetNode>[1] = {}): number {
    const node = addTestnetNode(this.dir, o)
    this.manifest.nodes.push(node)
    this.state.push({ restarts: 0 })
    return this.manifest.nodes.length - 1
  }

  /**
   * Starts every node (Apps first, each CometBFT once its App listens), then waits for RPC. If a
   * node fails to start, the others are let finish starting, then every node is stopped (nothing
   * is left running) and the first node's error is thrown.
   */
  async start(): Promise<void> {
    this.stopping = false
    const results = await Promise.allSettled(this.manifest.nodes.map((_, i) => this.startNode(i)))
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
    if (failed) {
      await this.stop()
      throw failed.reason
    }
  }

  private spawnProc(cmd: string, args: string[], logFile: string, onExit: (code: number | null, sig: string | null) => void): Proc {
    const fd = openSync(logFile, 'a')
    const child = spawn(cmd, args, { stdio: ['ignore', fd, fd], env: { ...process.env, ...this.opts.env } })
    closeSync(fd)
    liveChildren.add(child)
    const p: Proc = { child, expectedExit: false, exited: undefined! }
    p.exited = new Promise((res) => {
      child.on('exit', (code, sig) => {
        liveChildren.delete(child)
        res(code)
        onExit(code, sig)
      })
      child.on('error', (e) => {
        liveChildren.delete(child)
        this.log(`${cmd}: ${e.message}`)
        res(null)
      })
    })
    return p
  }

  private snapshotArgs(): string[] {
    const n = this.opts.snapshotInterval ?? 0
    if (!n) return []
    return ['--snapshot-interval', String(n), ...(this.opts.snapshotChunkBytes ? ['--snapshot-chunk-bytes', String(this.opts.snapshotChunkBytes)] : [])]
  }

  private pruningArgs(): string[] {
    return this.opts.pruningKeepRecent ? ['--pruning-keep-recent', String(this.opts.pruningKeepRecent)] : []
  }

  private apiArgs(i: number): string[] {
    const port = this.opts.apiPort ? this.opts.apiPort(i) : this.manifest.nodes[i]!.apiPort
    if (port === undefined) return []
    const host = this.manifest.host
    return ['--api-port', String(port), '--api-host', host, '--rpc', `http://${host}:${this.manifest.nodes[i]!.rpcPort}`]
  }

  async startNode(i: number, timeoutMs = 60_000): Promise<void> {
    const node = this.manifest.nodes[i]!
    const s = this.state[i]!
    if (this.isRunning(i)) return
    s.halted = false
    const dir = this.nodeDir(i)
    const logs = join(dir, 'logs')
    mkdirSync(logs, { recursive: true })
    if (this.manifest.app === 'polis' && !(s.app && s.app.child.exitCode === null && s.app.child.signalCode === null)) {
      const appLog = join(logs, 'app.log')
      const from = fileSize(appLog)
      const app = this.spawnProc(
        process.execPath,
        [...APP_MAIN.execArgv, APP_MAIN.file, '--home', dir, '--abci', `tcp://${this.manifest.host}:${node.abciPort}`, '--verify-threads', String(this.opts.verifyThreads ?? 0), ...this.apiArgs(i), ...this.snapshotArgs(), ...this.pruningArgs()],
        appLog,
        (code, sig) => this.onExit(i, 'app', app, code, sig),
      )
      s.app = app
      try {
        await waitForLine(appLog, from, 'abci listening on', timeoutMs, () => app.child.exitCode === null && app.child.signalCode === null)
      } catch (e) {
        throw new Error(`${node.name}: ${(e as Error).message}${lastLines(appLog, from)}`)
      }
    }
    const cometFrom = fileSize(join(logs, 'cometbft.log'))
    const comet = this.spawnProc(requireCometbft(), ['start', '--home', join(dir, 'cometbft')], join(logs, 'cometbft.log'), (code, sig) => this.onExit(i, 'cometbft', comet, code, sig))
    s.comet = comet
    this.log(`${node.name}: started (rpc ${node.rpcPort})`)
    const rpc = this.rpc(i)
    const deadline = Date.now() + timeoutMs
    for (;;) {
      try {
        await rpc.status()
        return
      } catch (e) {
        if (comet.child.exitCode !== null || comet.child.signalCode !== null) {
          throw new Error(`${node.name}: cometbft exited at start (see ${join(logs, 'cometbft.log')})${lastLines(join(logs, 'cometbft.log'), cometFrom)}`)
        }
        if (Date.now() > deadline) throw new Error(`${node.name}: RPC not up within ${timeoutMs} ms: ${(e as Error).message}`)
        await sleep(100)
      }
    }
  }

  private onExit(i: number, what: 'app' | 'cometbft', p: Proc, code: number | null, sig: string | null): void {
    const s = this.state[i]!
    if (what === 'app' && code === HALT_EXIT_CODE) s.halted = true
    if (p.expectedExit || this.stopping) return
    const name = this.manifest.nodes[i]!.name
    if (s.halted) {
      this.log(`${name}: ${what} stopped at the halt height; not restarting it`)
      return
    }
    this.log(`${name}: ${what} exited unexpectedly (code ${code}, signal ${sig})`)
    if (!this.opts.autoRestart) return
    if (s.restarting) return // the other process of the node went down with it: one restart
    if (s.restarts >= 20) {
      this.log(`${name}: restarted too often; leaving it down`)
      return
    }
    s.restarts++
    s.restarting = true
    void (async () => {
      try {
        // CometBFT exits by itself when its App goes; let both be gone before starting again.
        await this.stopNode(i, 'SIGTERM')
        // CometBFT may notice first that its App stopped at the halt height
        if (s.halted) return this.log(`${name}: stopped at the halt height; not restarting it`)
        await sleep(Math.min(30_000, 500 * 2 ** Math.min(s.restarts, 6)))
        if (this.stopping) return
        await this.startNode(i)
        this.log(`${name}: restarted`)
      } catch (e) {
        this.log(`${name}: restart failed: ${(e as Error).message}`)
      } finally {
        s.restarting = false
      }
    })()
  }

  private async stopProc(p: Proc | undefined, signal: NodeJS.Signals, graceMs: number): Promise<void> {
    if (!p) return
    p.expectedExit = true
    if (p.child.exitCode === null && p.child.signalCode === null) {
      p.child.kill(signal)
      const t = setTimeout(() => p.child.kill('SIGKILL'), graceMs)
      await p.exited
      clearTimeout(t)
    }
  }

  /** Stops a node: CometBFT first, then its App. */
  async stopNode(i: number, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const s = this.state[i]!
    await this.stopProc(s.comet, signal, 15_000)
    await this.stopProc(s.app, signal, 15_000)
    s.comet = undefined
    s.app = undefined
  }

  /** kill -9 of a node's App process; CometBFT notices the lost connection and exits by itself. */
  async killApp(i: number, cometExitTimeoutMs = 20_000): Promise<void> {
    const s = this.state[i]!
    if (!s.app) throw new Error('no App process')
    s.app.expectedExit = true
    if (s.comet) s.comet.expectedExit = true
    s.app.child.kill('SIGKILL')
    await s.app.exited
    s.app = undefined
    if (s.comet) {
      const t = setTimeout(() => s.comet?.child.kill('SIGKILL'), cometExitTimeoutMs)
      await s.comet.exited
      clearTimeout(t)
      s.comet = undefined
    }
  }

  async stop(): Promise<void> {
    this.stopping = true
    await Promise.all(this.manifest.nodes.map((_, i) => this.stopNode(i)))
  }

  /** Resolves once every node in `nodes` reports at least `height`. */
  async waitForHeight(height: bigint, nodes: number[] = this.manifest.nodes.map((_, i) => i), timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    for (const i of nodes) {
      for (;;) {
        try {
          if ((await this.rpc(i).height()) >= height) break
        } catch {
          // not up yet
        }
        if (Date.now() > deadline) throw new Error(`node${i} did not reach height ${height} within ${timeoutMs} ms`)
        await sleep(100)
      }
    }
  }
}
