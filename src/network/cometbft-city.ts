/**
 * A city home run under CometBFT (`polis start --engine cometbft`, `polis network up --engine
 * cometbft`): the home made by `polis init` (polis.yaml, genesis.json, keys/) plus
 *
 *   <home>/cometbft/            a testnet directory (cometbft-testnet.ts): testnet.json, nodeI/{cometbft,app,logs}
 *
 * made once from the home: the same chain id, genesis time and app_state as genesis.json; node 0's
 * validator key is the home's own (keys/validator.json), the others are new and registered in the
 * genesis with role `validator` (identity), and genesis.json is rewritten to name every validator,
 * so that it describes the chain that runs. Node 0's App process serves the city's HTTP API on the
 * port of polis.yaml (the CLI, SDK and agents use it unchanged); node i > 0 serves its own API on
 * its block of ports. polis.yaml gets `engine: cometbft`.
 *
 * Ports of a city whose CometBFT base port is B: node i uses B + 10·i (p2p), +1 (RPC), +2 (ABCI),
 * +3 (API, i > 0).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { PolisError } from '../base/errors.js'
import { loadConfig, loadNodeFiles, nodeUrlOf, type NodeConfig } from '../node/config.js'
import { Testnet, generateTestnet, loadManifest, type TestnetManifest } from './cometbft-testnet.js'
import type { NamedPort } from './port-check.js'

export const COMET_DIR = 'cometbft'
export const MAX_CITY_VALIDATORS = 16
/** Ports one validator of a city takes from the city's CometBFT base port. */
export const PORTS_PER_VALIDATOR = 10

export const cometDirOf = (home: string) => join(home, COMET_DIR)
export const hasCometCity = (home: string) => existsSync(join(cometDirOf(home), 'testnet.json'))

/** The ports a city of `validators` nodes uses from CometBFT base port `base` (for free-port searches). */
export function cometCityPorts(base: number, validators: number): number[] {
  return Array.from({ length: validators }, (_, i) => [0, 1, 2, 3].map((d) => base + PORTS_PER_VALIDATOR * i + d)).flat()
}

export interface InitCometCityOptions {
  home: string
  validators: number
  /** the first CometBFT port of this city (see the header) */
  basePort: number
  /** CometBFT log level (default: consensus and state at info, the rest at error) */
  logLevel?: string
}

type GenesisDoc = { chain_id: string; genesis_time: string; validators: Array<{ name: string; pub_key: string; power: string }>; app_state: Record<string, unknown> & { identity?: { accounts?: Array<{ pub_key: string; roles: string[] }> } } }

/** Writes `<home>/cometbft/` from the home (see the header). Refuses a home that already has one. */
export function initCometCity(o: InitCometCityOptions): TestnetManifest {
  const n = o.validators
  if (!Number.isInteger(n) || n < 1 || n > MAX_CITY_VALIDATORS) throw new PolisError('invalid_request', `--validators must be an integer from 1 to ${MAX_CITY_VALIDATORS} (got ${n})`)
  if (hasCometCity(o.home)) throw new PolisError('already_exists', `${cometDirOf(o.home)} already holds this city's CometBFT network`)
  const cfg = loadConfig({ home: o.home, env: {} })
  if (cfg.api.port === 0) throw new PolisError('invalid_request', `${cfg.configPath}: api.port 0 cannot be used under CometBFT (the API port is written into the validators' configuration); set a port`)
  if (!Number.isInteger(o.basePort) || o.basePort < 1024 || o.basePort + PORTS_PER_VALIDATOR * n > 65535) throw new PolisError('invalid_request', `CometBFT base port ${o.basePort} must leave room for ${n} validators (${PORTS_PER_VALIDATOR} ports each) between 1024 and 65535`)
  const { validatorKey } = loadNodeFiles(cfg)
  const genesis = JSON.parse(readFileSync(cfg.genesisFile, 'utf8')) as GenesisDoc
  const own = genesis.validators.find((v) => v.pub_key === validatorKey.address)
  if (!own) throw new PolisError('invalid_genesis', `${cfg.genesisFile}: the home's validator key ${validatorKey.address} is not a validator of the genesis`)
  const power = Number(own.power)
  const manifest = generateTestnet({
    out: cometDirOf(o.home),
    validators: n,
    chainId: genesis.chain_id,
    host: cfg.api.host === '0.0.0.0' ? '127.0.0.1' : cfg.api.host,
    basePort: o.basePort,
    validatorKeys: [validatorKey],
    power,
    genesisTime: new Date(Number(genesis.genesis_time)),
    apiPorts: Array.from({ length: n }, (_, i) => (i === 0 ? cfg.api.port : o.basePort + PORTS_PER_VALIDATOR * i + 3)),
    logLevel: o.logLevel,
    appState: genesis.app_state,
  })
  // the new validators: accounts with role `validator` (a validator key is registered with identity first)
  const appState = withValidators(genesis.app_state, manifest, own.power)
  rewriteCometGenesis(cometDirOf(o.home), manifest, appState)
  genesis.validators = manifest.nodes.map((v, i) => ({ name: i === 0 ? own.name : v.name, pub_key: v.validatorPubKey, power: own.power }))
  genesis.app_state = appState
  writeFileSync(cfg.genesisFile, JSON.stringify(genesis, null, 2) + '\n', { mode: 0o644 })
  const yaml = readFileSync(cfg.configPath, 'utf8')
  writeFileSync(cfg.configPath, /^engine:/m.test(yaml) ? yaml.replace(/^engine:.*$/m, 'engine: cometbft') : yaml + 'engine: cometbft\n', { mode: 0o644 })
  return manifest
}

/** The new validators registered with identity (role `validator`), and the validators module's genesis set. */
function withValidators(appState: GenesisDoc['app_state'], m: TestnetManifest, power: string): GenesisDoc['app_state'] {
  const accounts = [...(appState.identity?.accounts ?? [])]
  for (const v of m.nodes) if (!accounts.some((a) => a.pub_key === v.validatorPubKey)) accounts.push({ pub_key: v.validatorPubKey, roles: ['validator'] })
  return { ...appState, identity: { ...appState.identity, accounts }, validators: { validators: m.nodes.map((v) => ({ pub_key: v.validatorPubKey, power })) } }
}

/** Puts `appState` into every node's CometBFT genesis.json (they are identical files). */
function rewriteCometGenesis(dir: string, m: TestnetManifest, appState: unknown): void {
  for (const node of m.nodes) {
    const f = join(dir, node.dir, 'cometbft', 'config', 'genesis.json')
    const g = JSON.parse(readFileSync(f, 'utf8')) as Record<string, unknown>
    g.app_state = appState
    writeFileSync(f, JSON.stringify(g, null, 2) + '\n')
  }
}

/** Every port a CometBFT city home's validators listen on (p2p, RPC, ABCI, API), named for error messages. */
export function cometCityListenPorts(home: string): NamedPort[] {
  const m = loadManifest(cometDirOf(home))
  return m.nodes.flatMap((n) => [
    { port: n.p2pPort, host: m.host, what: `${n.name} p2p` },
    { port: n.rpcPort, host: m.host, what: `${n.name} RPC` },
    { port: n.abciPort, host: m.host, what: `${n.name} ABCI` },
    ...(n.apiPort ? [{ port: n.apiPort, host: m.host, what: `${n.name} API` }] : []),
  ])
}

export interface CometCity {
  tn: Testnet
  /** the city's API (node 0's App process), as in polis.yaml */
  url: string
  /** node 0's CometBFT RPC */
  rpcUrl: string
  cfg: NodeConfig
  /** node 0's App log */
  logFile: string
  stop(): Promise<void>
}

/**
 * Starts every validator of a CometBFT city home (App first, then CometBFT, each supervised: a
 * process that dies is restarted) and waits until the city's API answers.
 */
export async function startCometCity(home: string, o: { env?: NodeJS.ProcessEnv; log?: (m: string) => void; timeoutMs?: number } = {}): Promise<CometCity> {
  const cfg = loadConfig({ home, env: {} })
  if (!hasCometCity(home)) throw new PolisError('not_found', `${home} has no CometBFT network (${cometDirOf(home)}); \`polis start --engine cometbft\` makes one`)
  const m = loadManifest(cometDirOf(home))
  if (m.chainId !== cfg.chainId) throw new PolisError('invalid_genesis', `${cometDirOf(home)} is chain "${m.chainId}", polis.yaml says "${cfg.chainId}"`)
  const tn = new Testnet(cometDirOf(home), { autoRestart: true, log: o.log, env: o.env, pruningKeepRecent: cfg.pruning.keepRecent })
  const url = nodeUrlOf({ api: { ...cfg.api, port: m.nodes[0]!.apiPort ?? cfg.api.port } })
  try {
    await tn.start()
    await waitForApi(url, o.timeoutMs ?? 60_000)
  } catch (e) {
    await tn.stop()
    throw e
  }
  return { tn, url, rpcUrl: tn.rpc(0).url, cfg, logFile: join(tn.nodeDir(0), 'logs', 'app.log'), stop: () => tn.stop() }
}

/** Waits until the API at `url` reports a committed block (CometBFT commits the genesis block at once with an empty one). */
async function waitForApi(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let last = ''
  for (;;) {
    try {
      const r = await fetch(`${url}/v1/status`)
      if (r.ok) {
        const s = (await r.json()) as { height?: string }
        if (BigInt(s.height ?? '0') >= 1n) return
        last = `height ${s.height}`
      } else last = `HTTP ${r.status}`
    } catch (e) {
      last = (e as Error).message
    }
    if (Date.now() > deadline) throw new PolisError('internal', `the city API at ${url} did not come up within ${timeoutMs} ms (${last})`)
    await new Promise((r) => setTimeout(r, 100))
  }
}
