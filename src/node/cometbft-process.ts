/**
 * The Polis App as a process that CometBFT connects to (its `proxy_app`).
 *
 *   node --import tsx src/node/cometbft-process.ts --home NODE_DIR --abci tcp://127.0.0.1:26658
 *        [--db DIR] [--verify-threads N] [--cache-size N] [--quiet]
 *        [--api-port N [--api-host 127.0.0.1] [--rpc http://127.0.0.1:26657]]
 *        [--snapshot-interval N [--snapshot-keep 2] [--snapshot-chunk-bytes B]]   (state sync: snapshot.ts)
 *        [--pruning-keep-recent N]   (state heights kept, 0 = all; node.ts says what else is kept)
 *
 *   polis app --home NODE_DIR …   the same, from the CLI (compiled from dist/ when built: an
 *                                 operator's systemd unit or a deploy bundle's start.sh runs this)
 *
 * Prints `abci listening on ADDR` once it accepts connections (start CometBFT after that: CometBFT
 * exits if its App is not there), then one line per committed block unless --quiet.
 * SIGTERM/SIGINT close the socket and the database cleanly; a block finalized but not committed is
 * simply dropped (CometBFT replays it on reconnection).
 *
 * With --api-port, the process also serves the HTTP API of docs/API.md over this App and CometBFT's
 * RPC (`--rpc`), printing `api listening on URL` (src/engine/cometbft/backend.ts; api-node.ts).
 */
import { parseArgs } from 'node:util'
import { existsSync, readFileSync, realpathSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { RUNNING_COMPILED } from '../util/module-entry.js'
import { toHex } from '../base/bytes.js'
import { startAbciNode } from '../engine/cometbft/node.js'
import { APP_VERSION, HALT_EXIT_CODE } from '../engine/cometbft/abci-app.js'
import { canonicalJson } from '../codec/json.js'
import { timings } from '../engine/cometbft/server.js'
import { pino } from 'pino'
import { CometBackend } from '../engine/cometbft/backend.js'
import { CometRpc } from '../engine/cometbft/rpc.js'
import { startApiNode, type ApiNode } from './api-node.js'
import { checkGenesisAgainstPeers, statesyncRpcServers } from '../engine/cometbft/peer-genesis.js'
import { PolisError } from '../base/errors.js'

/** What the App process runs with (the command-line options above; `polis app` takes the same). */
export interface CometAppOptions {
  home: string
  abci: string
  db?: string
  verifyThreads: number
  cacheSize?: number
  quiet: boolean
  noIndex: boolean
  apiPort?: number
  apiHost: string
  rpc: string
  snapshotInterval: number
  snapshotKeep: number
  snapshotChunkBytes?: number
  pruningKeepRecent: number
}

/**
 * Runs the App process until SIGTERM/SIGINT (then exits 0, or HALT_EXIT_CODE after the governance
 * halt height); a refusal to start (App version, another chain's database, a genesis unlike its
 * peers') prints why and exits 2. Never returns.
 */
export async function runCometApp(values: CometAppOptions): Promise<never> {
  const ts = () => new Date().toISOString()
  const log = (m: string) => process.stdout.write(`${ts()} ${m}\n`)
  // The App version CometBFT's genesis expects (consensus_params.version.app) must be this binary's.
  const cometGenesisFile = join(values.home, 'cometbft', 'config', 'genesis.json')
  type CometGenesis = { chain_id?: string; app_state?: unknown; consensus_params?: { version?: { app?: string } } }
  const cometGenesis = existsSync(cometGenesisFile) ? (JSON.parse(readFileSync(cometGenesisFile, 'utf8')) as CometGenesis) : undefined
  const refuse = (why: string): never => {
    process.stderr.write(`${why}: refusing to start\n`)
    process.exit(2)
  }
  if (cometGenesis) {
    const want = cometGenesis.consensus_params?.version?.app ?? '0'
    if (BigInt(want) !== APP_VERSION) refuse(`${cometGenesisFile}: the chain runs App version ${want}, this binary is App version ${APP_VERSION}`)
  }
  let halted = false
  const node = await startAbciNode({
    home: values.home,
    dbDir: values.db,
    abci: values.abci,
    verifyThreads: values.verifyThreads,
    cacheSize: values.cacheSize,
    indexEvents: !values.noIndex && !process.env.POLIS_ABCI_NO_INDEX,
    snapshotInterval: values.snapshotInterval,
    snapshotKeep: values.snapshotKeep,
    snapshotChunkBytes: values.snapshotChunkBytes,
    pruning: { keepRecent: values.pruningKeepRecent },
    log,
    onCommit: values.quiet ? undefined : (h, hash, n) => log(`committed height ${h} txs ${n} app_hash ${toHex(hash)}`),
    // stop after the Commit response has gone out; CometBFT then stops too (its App is gone)
    onHalt: (h) => {
      halted = true
      setTimeout(() => void stop(`halt height ${h}`), 50)
    },
  })
  log(`App version ${APP_VERSION}, ${RUNNING_COMPILED ? `running compiled from ${fileURLToPath(new URL('../', import.meta.url))}` : 'running the TypeScript sources (tsx)'}`)
  const info = node.abci.app.info()
  log(`app at height ${info.lastHeight} app_hash ${toHex(info.lastAppHash)}`)
  // An App database of another chain (chain id, or genesis state) than this node's CometBFT genesis
  if (cometGenesis && info.lastHeight > 0n) {
    const mine = node.abci.app.genesisDoc?.doc
    let why: string | undefined
    if (info.chainId !== cometGenesis.chain_id) why = `the App's database is of chain "${info.chainId}", ${cometGenesisFile} is of "${cometGenesis.chain_id}"`
    else if (mine && canonicalJson(mine.app_state) !== canonicalJson(cometGenesis.app_state ?? {})) why = `the App's database was made from another genesis (app_state) than ${cometGenesisFile}`
    if (why) {
      await node.close()
      refuse(why)
    }
  }
  // A fresh node that joins by state sync: its genesis must be the one its RPC servers run (peer-genesis.ts)
  const cometConfigFile = join(values.home, 'cometbft', 'config', 'config.toml')
  if (cometGenesis && info.lastHeight === 0n && existsSync(cometConfigFile)) {
    const servers = statesyncRpcServers(readFileSync(cometConfigFile, 'utf8'))
    try {
      const r = await checkGenesisAgainstPeers(cometGenesis, servers)
      if (servers.length) log(`genesis checked against ${r.checked.length ? r.checked.join(', ') : 'no peer'}${r.unreachable.length ? ` (unreachable: ${r.unreachable.join(', ')})` : ''}`)
    } catch (e) {
      await node.close()
      refuse(e instanceof PolisError ? `${e.errorName}: ${e.message}` : (e as Error).message)
    }
  }
  log(`abci listening on ${node.address}`)
  let api: ApiNode | undefined
  if (values.apiPort !== undefined) {
    const logger = pino({ level: values.quiet ? 'warn' : 'info', base: { svc: 'polis-api' } })
    api = await startApiNode(new CometBackend(node.abci, new CometRpc(values.rpc)), { logger, host: values.apiHost, port: values.apiPort })
    log(`api listening on ${api.url}`)
  }

  let stopping = false
  const stop = async (sig: string) => {
    if (stopping) return
    stopping = true
    log(`${sig}: closing`)
    log(`abci time per request: ${[...timings].map(([k, t]) => `${k} ${t.n}× ${t.ms.toFixed(0)} ms`).join(', ')}`)
    const t = setTimeout(() => process.exit(1), 10_000)
    t.unref()
    await api?.stop().catch(() => undefined)
    await node.close()
    process.exit(halted ? HALT_EXIT_CODE : 0)
  }
  process.on('SIGTERM', () => void stop('SIGTERM'))
  process.on('SIGINT', () => void stop('SIGINT'))
  return new Promise<never>(() => undefined)
}

// run as a script (the testnet supervisor spawns this file); `polis app` imports runCometApp instead
const isMain = process.argv[1] !== undefined && existsSync(process.argv[1]) && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href
if (isMain) {
  const { values } = parseArgs({
    options: {
      home: { type: 'string' },
      abci: { type: 'string', default: 'tcp://127.0.0.1:26658' },
      db: { type: 'string' },
      'verify-threads': { type: 'string', default: '1' },
      'cache-size': { type: 'string' },
      quiet: { type: 'boolean', default: false },
      'no-index': { type: 'boolean', default: false },
      'api-port': { type: 'string' },
      'snapshot-interval': { type: 'string', default: '0' },
      'snapshot-keep': { type: 'string', default: '2' },
      'snapshot-chunk-bytes': { type: 'string' },
      'pruning-keep-recent': { type: 'string', default: '0' },
      'api-host': { type: 'string', default: '127.0.0.1' },
      rpc: { type: 'string', default: 'http://127.0.0.1:26657' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  })
  if (values.help || !values.home) {
    process.stderr.write('usage: cometbft-process.ts --home NODE_DIR [--abci tcp://127.0.0.1:26658|unix:///path] [--db DIR] [--verify-threads N] [--cache-size N] [--quiet] [--api-port N [--api-host H] [--rpc URL]]\n')
    process.exit(values.help ? 0 : 2)
  }
  await runCometApp({
    home: values.home,
    abci: values.abci!,
    db: values.db,
    verifyThreads: Number(values['verify-threads']),
    cacheSize: values['cache-size'] ? Number(values['cache-size']) : undefined,
    quiet: values.quiet!,
    noIndex: values['no-index']!,
    apiPort: values['api-port'] !== undefined ? Number(values['api-port']) : undefined,
    apiHost: values['api-host']!,
    rpc: values.rpc!,
    snapshotInterval: Number(values['snapshot-interval']),
    snapshotKeep: Number(values['snapshot-keep']),
    snapshotChunkBytes: values['snapshot-chunk-bytes'] ? Number(values['snapshot-chunk-bytes']) : undefined,
    pruningKeepRecent: Number(values['pruning-keep-recent']),
  })
}
