/** `polis init`, `polis start`, `polis status`, `polis app` (one CometBFT validator's App process). */
import { existsSync, readdirSync, rmSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { Option, type Command } from 'commander'
import { PolisError } from '../../base/errors.js'
import { DEFAULT_API_PORT, DEFAULT_BLOCK_INTERVAL_MS, DEFAULT_CHAIN_ID, DEFAULT_DENOM, DEFAULT_HOME, DEFAULT_SAMPLE_BALANCE, ENGINES, LOG_LEVELS, DEFAULT_API_HOST, MAX_EMPTY_BLOCK_INTERVAL_MS, configPathOf, loadConfig, loadNodeFiles, nodeUrlOf, type EngineName, type LogLevel, type NodeConfig } from '../../node/config.js'
import { initHome, type InitResult } from '../../node/init-home.js'
import { assertPortFree, portForNewHome } from '../../node/api-port.js'
import { toAmount } from '../../sdk/msgs.js'
import type { CliContext } from '../context.js'
import { intArg } from '../args.js'
import { columns, isoTime, table } from '../format.js'


interface InitOpts { chainId?: string; sampleAccounts?: number; denom?: string; balance?: string; host?: string; port?: number; blockIntervalMs?: number; departments?: boolean; energySlotMs?: number }

/** Creates the home (`polis init`, `polis start --init`); without --port, the default port if free, else a free one. */
async function doInit(c: CliContext, o: InitOpts): Promise<InitResult & { portTaken?: number }> {
  const { port, taken } = await portForNewHome(o.host ?? DEFAULT_API_HOST, o.port)
  const r = initHome({
    home: c.home,
    chainId: o.chainId,
    sampleAccounts: o.sampleAccounts,
    denom: o.denom,
    sampleBalance: o.balance !== undefined ? toAmount(o.balance, '--balance') : undefined,
    apiHost: o.host,
    apiPort: port,
    blockIntervalMs: o.blockIntervalMs,
    departments: o.departments,
    energySlotMs: o.energySlotMs,
  })
  return { ...r, portTaken: taken }
}

/**
 * Undoes what `polis start --init` wrote when the start then failed: the whole home if it did not
 * exist before, else the files init made (keys made beforehand with `polis keys add` stay).
 */
function undoInit(r: InitResult, existed: boolean, keysBefore: Set<string>): void {
  if (!existed) return rmSync(r.home, { recursive: true, force: true })
  for (const f of [r.configPath, r.genesisFile, join(r.home, 'data'), join(r.home, 'node.log')]) rmSync(f, { recursive: true, force: true })
  for (const k of r.keys) if (!keysBefore.has(`${k.name}.json`)) rmSync(join(r.keysDir, `${k.name}.json`), { force: true })
}

function initLines(r: InitResult & { portTaken?: number }): string[] {
  return [
    `Initialised city chain "${r.chainId}" in ${r.home}`,
    ...(r.portTaken !== undefined ? [`  (port ${r.portTaken} is in use on this machine: this home's API port is ${r.apiPort}; the CLI finds it from the home)`] : []),
    ...table([['config', r.configPath], ['genesis', r.genesisFile], ['keys', `${r.keysDir} (files 0600)`]], '  '),
    'Accounts:',
    ...columns(r.keys.map((k) => [k.name, k.address, k.roles.join(','), k.balance === '0' ? '' : `${k.balance} ${r.denom}`]), '  '),
  ]
}

/** "--home X" when the CLI would not find this home by default. */
export function homeFlag(c: CliContext, home: string): string {
  const dflt = resolve(c.io.cwd, c.io.env.POLIS_HOME || DEFAULT_HOME)
  if (home === dflt) return ''
  const rel = relative(c.io.cwd, home)
  return ` --home ${rel && !rel.startsWith('..') && rel.length < home.length ? rel : home}`
}

interface StartOpts {
  init?: boolean; host?: string; port?: string; blockIntervalMs?: string; emptyBlockIntervalMs?: string; logLevel?: LogLevel; logFile?: string
  engine?: EngineName; validators: number; cometBasePort?: number
}

export function nodeCommands(program: Command, ctx: (cmd: Command) => CliContext): void {
  program.command('init')
    .description('create a node home: keys for the validator, the city authority and sample citizens, a genesis and polis.yaml')
    .option('--chain-id <id>', 'chain id (a-z, 0-9, -)', DEFAULT_CHAIN_ID)
    .option('--sample-accounts <n>', 'number of sample citizen accounts (citizen-1 …) with balances', intArg('--sample-accounts', 0, 1000), 3)
    .option('--denom <denom>', 'the native token denomination', DEFAULT_DENOM)
    .option('--balance <amount>', 'the balance of each sample citizen', DEFAULT_SAMPLE_BALANCE.toString())
    .option('--host <host>', 'API host written to polis.yaml', '127.0.0.1')
    .option('--port <port>', `API port written to polis.yaml (default ${DEFAULT_API_PORT}, or a free port if that one is in use)`, intArg('--port', 0, 65535))
    .option('--block-interval-ms <ms>', 'block interval written to polis.yaml', intArg('--block-interval-ms', 1, 60_000), DEFAULT_BLOCK_INTERVAL_MS)
    .option('--energy-slot-ms <ms>', 'length of an energy trading slot, and of the reading window after it, in the genesis (default 15 min; `npm start` uses 1 min)', intArg('--energy-slot-ms', 1000, 86_400_000))
    .option('--departments', 'also a clerk key per department (water-clerk, electricity-clerk, parking-clerk, tax-clerk, transport-clerk, energy-clerk, works-clerk, sanitation-clerk) with its role, and starter complaint services (pothole, streetlight, missed-pickup, graffiti)')
    .addHelpText('after', '\nThe home is --home, else $POLIS_HOME, else ./.polis. Example:\n  polis init --home ./city-a --chain-id city-a --sample-accounts 5')
    .action(async (o: InitOpts, cmd: Command) => {
      const c = ctx(cmd)
      const r = await doInit(c, o)
      c.print([...initLines(r), `Start the node with: polis start${homeFlag(c, r.home)}`], r)
    })

  program.command('start')
    .description('start the city node and its HTTP API (solo engine, or N CometBFT validators with --engine cometbft); stops cleanly on Ctrl-C / SIGTERM')
    .addOption(new Option('--engine <engine>', 'consensus engine (overrides `engine:` in polis.yaml and POLIS_ENGINE; default solo). cometbft needs `npm run setup:cometbft`').choices([...ENGINES]))
    .option('--validators <n>', 'with --engine cometbft, the first time: the number of validators of the city (node 0 uses the home\'s validator key)', intArg('--validators', 1, 16), 1)
    .option('--comet-base-port <port>', 'with --engine cometbft, the first time: the first CometBFT port (each validator takes 10 from there; default: API port + 20)', intArg('--comet-base-port', 1024, 65000))
    .option('--init', 'initialise the home first if it has no polis.yaml (3 sample citizens)')
    .option('--host <host>', 'API host (overrides polis.yaml and POLIS_API_HOST)')
    .option('--port <port>', 'API port, 0 for any free port (overrides polis.yaml and POLIS_API_PORT)')
    .option('--block-interval-ms <ms>', 'longest wait before a pending transaction goes into a block')
    .option('--empty-block-interval-ms <ms>', `an empty block when none was cut for this long, so that block time moves on an idle chain (0: never; overrides polis.yaml and POLIS_EMPTY_BLOCK_INTERVAL_MS; at most ${MAX_EMPTY_BLOCK_INTERVAL_MS})`)
    .addOption(new Option('--log-level <level>', 'log level (overrides polis.yaml and POLIS_LOG_LEVEL)').choices([...LOG_LEVELS]))
    .option('--log-file <file>', 'where the node\'s JSON log lines go, "-" for stderr (overrides polis.yaml\'s log_file, default <home>/node.log, and POLIS_LOG_FILE)')
    .action(async (o: StartOpts, cmd: Command) => {
      const c = ctx(cmd)
      const home = c.home
      if (existsSync(configPathOf(home))) return startHome(c, o)
      if (!o.init) throw new PolisError('invalid_request', `no polis.yaml in ${home}: create a node with \`polis init${homeFlag(c, home)}\` (or \`polis start --init\`)`)
      const existed = existsSync(home)
      const keysBefore = new Set(existsSync(join(home, 'keys')) ? readdirSync(join(home, 'keys')) : [])
      const r = await doInit(c, { host: o.host, port: o.port === undefined ? undefined : Number(o.port) })
      if (!c.json) c.print(initLines(r), r)
      else c.io.out(JSON.stringify({ event: 'initialised', home: r.home, chain_id: r.chainId, port: r.apiPort }) + '\n')
      try {
        await startHome(c, o)
      } catch (e) {
        // never a half-made home: a start that fails takes back what --init wrote
        undoInit(r, existed, keysBefore)
        throw e
      }
    })

  async function startHome(c: CliContext, o: StartOpts): Promise<void> {
    const home = c.home
    const overrides = { apiHost: o.host, apiPort: o.port, blockIntervalMs: o.blockIntervalMs, emptyBlockIntervalMs: o.emptyBlockIntervalMs, logLevel: o.logLevel, logFile: o.logFile, engine: o.engine }
    const cfg = loadConfig({ home, env: c.io.env, cwd: c.io.cwd, overrides })
    if (cfg.engine === 'cometbft') return startComet(c, cfg, o)
    const { hasCometCity } = await import('../../network/cometbft-city.js')
    if (hasCometCity(home)) throw new PolisError('invalid_request', `${home} runs its chain under CometBFT (${home}/cometbft): a chain cannot change engine; start it with --engine cometbft (or \`engine: cometbft\` in polis.yaml)`)
    const { genesis, validatorKey } = loadNodeFiles(cfg)
    await assertPortFree(cfg.api.host, cfg.api.port, home)
    const { startNode } = await import('../../node/node.js')
    const { pino } = await import('pino')
    // log lines go to the log file (or stderr); stdout is for people, or JSON events only with --json
    const logDest = pino.destination(cfg.logFile === '-' ? { dest: 2, sync: true } : { dest: cfg.logFile, sync: true, mkdir: true, append: true })
    const logger = pino({ level: cfg.logLevel, base: { svc: 'polis-node' } }, logDest)
    const node = await startNode({
      dataDir: cfg.dataDir,
      genesis,
      validatorKey,
      host: cfg.api.host,
      port: cfg.api.port,
      blockIntervalMs: cfg.blockIntervalMs,
      emptyBlockIntervalMs: cfg.emptyBlockIntervalMs,
      logger,
      bodyLimitBytes: cfg.api.bodyLimitBytes,
      pruning: cfg.pruning,
    }).catch((e: unknown) => {
      if (cfg.logFile !== '-') logDest.end()
      throw e
    })
    const logs = cfg.logFile === '-' ? 'stderr' : cfg.logFile
    const url = node.url.replace(/\/+$/, '')
    // the CLI line to try: a transfer between two sample citizens, if the keyring has them
    const ring = c.keyring()
    const names = ring.names()
    const from = names.find((n) => n.startsWith('citizen-'))
    const to = names.find((n) => n.startsWith('citizen-') && n !== from)
    let cliDefaultUrl: string | undefined
    try {
      cliDefaultUrl = nodeUrlOf(loadConfig({ home, env: c.io.env, cwd: c.io.cwd }))
    } catch {
      cliDefaultUrl = undefined
    }
    const flags = homeFlag(c, home) + (c.io.env.POLIS_NODE || cliDefaultUrl !== url ? ` --node ${url}` : '')
    const tryLine = from && to ? `npx polis tx bank send ${to} 100 --from ${from}${flags}` : `npx polis status${flags}`
    if (c.json) {
      c.io.out(JSON.stringify({ event: 'listening', url, chain_id: cfg.chainId, home, data_dir: cfg.dataDir, height: node.engine.height.toString(), log_file: logs, try: tryLine }) + '\n')
    } else {
      c.io.out([
        `Polis city node "${cfg.chainId}" is running (solo engine, height ${node.engine.height}).`,
        `  API      ${url}   (status: ${url}/v1/status, OpenAPI: ${url}/openapi.json)`,
        `  console  ${url}/console/`,
        `  home     ${home}`,
        `  logs     ${logs}`,
        `Try, in another terminal:`,
        `  ${tryLine}`,
        `Stop with Ctrl-C.`,
      ].join('\n') + '\n')
    }
    const signal = await (c.io.waitForStop ? c.io.waitForStop() : new Promise<string>(() => undefined))
    if (!c.json) c.io.out(`\n${signal}: stopping (the block in progress is finished first)…\n`)
    await node.stop()
    if (cfg.logFile !== '-') logDest.end()
    if (c.json) c.io.out(JSON.stringify({ event: 'stopped', signal, height: node.engine.height.toString() }) + '\n')
    else c.io.out('Stopped.\n')
  }

  /** `polis start --engine cometbft`: the home's CometBFT validators (made the first time), node 0 serving the API. */
  async function startComet(c: CliContext, cfg: NodeConfig, o: { validators: number; cometBasePort?: number }): Promise<void> {
    const { hasCometCity, initCometCity, startCometCity, cometDirOf } = await import('../../network/cometbft-city.js')
    if (!hasCometCity(cfg.home)) {
      if (existsSync(cfg.dataDir) && readdirSync(cfg.dataDir).length) throw new PolisError('invalid_request', `${cfg.home} holds a chain of the solo engine (${cfg.dataDir}): a chain cannot change engine; make a new home for a CometBFT city (polis init --home …)`)
      const m = initCometCity({ home: cfg.home, validators: o.validators, basePort: o.cometBasePort ?? cfg.api.port + 20 })
      if (c.json) c.io.out(JSON.stringify({ event: 'cometbft_initialised', dir: cometDirOf(cfg.home), validators: m.nodes.length }) + '\n')
      else c.io.out(`Made the city's CometBFT network in ${cometDirOf(cfg.home)}: ${m.nodes.length} validator${m.nodes.length > 1 ? 's' : ''} (node0 uses keys/validator.json)\n`)
    }
    const city = await startCometCity(cfg.home, { env: c.io.env })
    const height = await city.tn.rpc(0).height()
    const nodes = city.tn.manifest.nodes
    if (c.json) {
      c.io.out(JSON.stringify({ event: 'listening', url: city.url, chain_id: cfg.chainId, home: cfg.home, engine: 'cometbft', height: height.toString(), rpc: city.rpcUrl, validators: nodes.length }) + '\n')
    } else {
      c.io.out([
        `Polis city node "${cfg.chainId}" is running (cometbft engine, ${nodes.length} validator${nodes.length > 1 ? 's' : ''}, height ${height}).`,
        `  API      ${city.url}   (status: ${city.url}/v1/status, OpenAPI: ${city.url}/openapi.json)`,
        `  RPC      ${city.rpcUrl}   (CometBFT)`,
        `  home     ${cfg.home}   (validators in ${cometDirOf(cfg.home)}/nodeI, logs in nodeI/logs)`,
        `Stop with Ctrl-C.`,
      ].join('\n') + '\n')
    }
    const signal = await (c.io.waitForStop ? c.io.waitForStop() : new Promise<string>(() => undefined))
    if (!c.json) c.io.out(`\n${signal}: stopping every validator…\n`)
    await city.stop()
    if (c.json) c.io.out(JSON.stringify({ event: 'stopped', signal }) + '\n')
    else c.io.out('Stopped.\n')
  }

  program.command('app')
    .description("run one CometBFT validator's Polis App (its proxy_app) in the validator's directory (--home: cometbft/ and app/ inside), until SIGTERM; what a deploy bundle's start.sh and systemd unit run (docs/DEPLOY.md)")
    .option('--abci <addr>', 'where CometBFT connects to the App: tcp://HOST:PORT or unix:///path', 'tcp://127.0.0.1:26658')
    .option('--db <dir>', "the App's database (default <home>/app)")
    .option('--verify-threads <n>', 'signature verification threads (0: inline)', intArg('--verify-threads', 0, 64), 1)
    .option('--cache-size <n>', 'state tree node cache entries', intArg('--cache-size', 1, 100_000_000))
    .option('--api-port <port>', 'also serve the HTTP API (docs/API.md) on this port', intArg('--api-port', 1, 65535))
    .option('--api-host <host>', 'address of the HTTP API', '127.0.0.1')
    .option('--rpc <url>', "this validator's CometBFT RPC (for the HTTP API)", 'http://127.0.0.1:26657')
    .option('--snapshot-interval <n>', 'a state-sync snapshot every N blocks (0: none)', intArg('--snapshot-interval', 0, 1_000_000_000), 0)
    .option('--snapshot-keep <n>', 'snapshots kept', intArg('--snapshot-keep', 1, 1000), 2)
    .option('--pruning-keep-recent <n>', 'state heights kept (0: all)', intArg('--pruning-keep-recent', 0, 1_000_000_000), 0)
    .option('--no-index', 'do not index events (for transaction search)')
    .option('--quiet', 'no line per committed block')
    .action(async (o: { abci: string; db?: string; verifyThreads: number; cacheSize?: number; apiPort?: number; apiHost: string; rpc: string; snapshotInterval: number; snapshotKeep: number; pruningKeepRecent: number; index: boolean; quiet?: boolean }, cmd: Command) => {
      const c = ctx(cmd)
      if (!existsSync(join(c.home, 'cometbft', 'config', 'genesis.json'))) throw new PolisError('not_found', `${c.home} is not a validator's directory (no cometbft/config/genesis.json): --home names one host directory of \`polis testnet --hosts\``)
      const { runCometApp } = await import('../../node/cometbft-process.js')
      await runCometApp({
        home: c.home, abci: o.abci, db: o.db, verifyThreads: o.verifyThreads, cacheSize: o.cacheSize, quiet: !!o.quiet, noIndex: !o.index,
        apiPort: o.apiPort, apiHost: o.apiHost, rpc: o.rpc, snapshotInterval: o.snapshotInterval, snapshotKeep: o.snapshotKeep, pruningKeepRecent: o.pruningKeepRecent,
      })
    })

  program.command('status')
    .description("show the node's chain, height, app hash and mempool")
    .action(async (_o: unknown, cmd: Command) => {
      const c = ctx(cmd)
      const s = await c.client().status()
      // under CometBFT: the validator set, sync state and peers of the node answering
      const x = s as typeof s & { sync?: string; app_version?: string; peers?: Array<{ id: string; moniker: string; ip: string }>; validators?: Array<{ pub_key: string; power: string }> }
      const comet: Array<[string, string]> = x.validators ? [
        ['app version', String(x.app_version)],
        ['sync', String(x.sync)],
        ['peers', `${x.peers?.length ?? 0}${x.peers?.length ? ` (${x.peers.map((p) => `${p.moniker} ${p.ip}`).join(', ')})` : ''}`],
        ['validators', `${x.validators.length}, total power ${x.validators.reduce((t, v) => t + BigInt(v.power), 0n)}`],
        ...x.validators.map((v): [string, string] => ['', `${v.pub_key}  power ${v.power}`]),
      ] : []
      c.print(table([
        ['node', c.nodeUrl()],
        ['chain', s.chain_id],
        ['engine', s.engine],
        ['height', s.height],
        ['app hash', s.app_hash],
        ['time', s.height === '0' ? '(no block yet)' : isoTime(s.time)],
        ...(s.hash_alg !== undefined ? [['header hash', s.hash_alg] as [string, string]] : []),
        ['validator', s.validator],
        ['mempool', `${s.mempool_size} tx`],
        ...comet,
      ]), { node: c.nodeUrl(), ...s })
    })
}
