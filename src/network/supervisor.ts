/**
 * `polis network up` / `npm start`: N city chains on this machine and the relayers between them.
 *
 * Each city runs in its own child process (src/network/city-process.ts): a city is a separate
 * chain with its own database, engine and event loop, as it would be on its own machine, so one
 * city's block production does not stall another's, the cities use more than one core, and a
 * city that crashes shows as that city's failure. The relayers (one per pair of cities, full
 * mesh) run in this supervisor: they are off-chain agents that only talk HTTP/WebSocket to the
 * nodes, like any client. A city that exits unexpectedly is started again on its port (a few times
 * a minute at most; then the network fails). Logs: `<home>/<city>/node.log`, `<home>/relayer/relayer.log`.
 *
 * A city whose polis.yaml says `engine: cometbft` (a network made with `--engine cometbft`) runs as
 * N CometBFT validators instead (cometbft-city.ts): an App process and a cometbft process per
 * validator, supervised by the testnet runner (a node whose process dies is restarted), logs in
 * `<home>/<city>/cometbft/nodeI/logs/`; the other cities follow it with `cometbft` light clients and
 * the relayers read its headers from node 0's RPC.
 *
 * Start: initialise the network home if it has no network.yaml, start every city and wait until
 * each listens, create the missing bridge clients (first start only), start the relayers. Stop
 * (SIGINT/SIGTERM via `stop()`): relayers first, then every city gracefully, in parallel.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { PolisError } from '../base/errors.js'
import { processEntry } from '../util/module-entry.js'
import { configPathOf, loadConfig, nodeUrlOf } from '../node/config.js'
import { Keyring } from '../sdk/keys.js'
import { Relayer } from '../agents/relayer/index.js'
import { cityHomeOf, readNetwork, relayerDirOf } from './layout.js'
import { initNetwork, networkPorts, relayerKeyName, type InitNetworkResult } from './init.js'
import { ensureClients, type ClientSetup } from './bridge-clients.js'
import { cometCityListenPorts, hasCometCity, startCometCity, type CometCity } from './cometbft-city.js'
import { busyPorts, freeLayoutBase } from './port-check.js'
import type { Testnet } from './cometbft-testnet.js'

export type Log = (msg: string, data?: Record<string, unknown>, level?: 'debug' | 'info' | 'warn') => void

export interface NetworkOptions {
  home: string
  /** for a network home that does not exist yet */
  init?: { cities?: number; basePort?: number; blockIntervalMs?: number; sampleAccounts?: number; engine?: 'solo' | 'cometbft'; validators?: number }
  relayer?: { intervalMs?: number; batchSize?: number }
  /** the environment of the city processes (node settings such as POLIS_LOG_LEVEL apply to all) */
  env?: NodeJS.ProcessEnv
  /** relayer and supervisor events (also written to relayer/relayer.log) */
  log?: Log
  /** longest wait for a city to listen (ms, default 60 s) */
  startTimeoutMs?: number
  /**
   * Restarts of a city that exits unexpectedly allowed within a minute (default 3); beyond them,
   * or for a city on port 0 (its new port would differ), the exit is a failure of the network.
   */
  restarts?: number
}

export interface RunningCity {
  name: string; url: string; home: string; chainId: string; height: string; logFile: string; pid: number
  engine: 'solo' | 'cometbft'
  /** under CometBFT: node 0's RPC and the validators' testnet runner */
  comet?: { rpc: string; tn: Testnet }
}

export interface RunningNetwork {
  home: string
  initialised?: InitNetworkResult
  cities: RunningCity[]
  clients: ClientSetup[]
  relayers: Array<{ pair: [string, string]; relayer: Relayer }>
  /** resolves with a message if a city process exits while the network runs and cannot be restarted */
  failed: Promise<string>
  /** stops relayers, then cities (gracefully); idempotent */
  stop(): Promise<void>
}

/** Settings that name one city's files or port must not leak from the supervisor's environment into every city. */
const PER_CITY_ENV = ['POLIS_HOME', 'POLIS_CITY', 'POLIS_NODE', 'POLIS_DATA_DIR', 'POLIS_GENESIS_FILE', 'POLIS_VALIDATOR_KEY_FILE', 'POLIS_KEYS_DIR', 'POLIS_API_PORT']
const CITY_ENTRY = processEntry(new URL('./city-process.ts', import.meta.url))

interface Child { name: string; proc: ChildProcess; exited: Promise<number | null>; logFd: number }

/** Forks one city (registered in `children` at once, so that a failed start elsewhere still stops it) and waits until it listens. */
function startCity(children: Child[], name: string, home: string, port: number, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Record<string, string>> {
  const logFile = join(home, 'node.log')
  const logFd = openSync(logFile, 'a', 0o644)
  const childEnv: NodeJS.ProcessEnv = { ...env }
  for (const k of PER_CITY_ENV) delete childEnv[k]
  // detached: its own process group, so a Ctrl-C reaches the supervisor only, which stops the cities in order
  const proc = fork(CITY_ENTRY.file, [home, String(port)], { execArgv: CITY_ENTRY.execArgv, env: childEnv, stdio: ['ignore', logFd, logFd, 'ipc'], detached: true })
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)))
  children.push({ name, proc, exited, logFd })
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL')
      reject(new PolisError('internal', `${name} did not start within ${timeoutMs} ms (log: ${logFile})`))
    }, timeoutMs)
    proc.on('message', (m: Record<string, string>) => {
      if (m.event === 'listening') {
        clearTimeout(timer)
        resolve(m)
      } else if (m.event === 'failed') {
        clearTimeout(timer)
        reject(new PolisError('invalid_request', `${name}: ${m.error}`))
      }
    })
    void exited.then((code) => {
      clearTimeout(timer)
      reject(new PolisError('internal', `${name} exited (${code}) before listening; see ${logFile}`))
    })
  })
}

/** Refuses to start a network one of whose ports another process holds (port-check.ts), naming the city and the port. */
async function refuseBusyPorts(home: string, cities: string[]): Promise<void> {
  const ports = cities.flatMap((name) => {
    const cityHome = cityHomeOf(home, name)
    const cfg = loadConfig({ home: cityHome, env: {} })
    const named = cfg.engine === 'cometbft' && hasCometCity(cityHome)
      ? cometCityListenPorts(cityHome)
      : cfg.api.port ? [{ port: cfg.api.port, host: cfg.api.host, what: 'API' }] : []
    return named.map((p) => ({ ...p, what: `city ${name} ${p.what}` }))
  })
  const busy = await busyPorts(ports)
  if (busy.length) throw new PolisError('invalid_request', `${busy.map((p) => `port ${p.port} on ${p.host} (${p.what})`).join(', ')} ${busy.length > 1 ? 'are' : 'is'} in use by another process; nothing was started. Stop that process, or make the network in another home with another --base-port`)
}

export async function upNetwork(o: NetworkOptions): Promise<RunningNetwork> {
  const home = o.home
  const env = o.env ?? process.env
  let initialised: InitNetworkResult | undefined
  let net = readNetwork(home)
  if (!net) {
    if (existsSync(configPathOf(home))) throw new PolisError('invalid_request', `${home} holds a single city (polis.yaml), not a network: start it with \`polis start\`, or give the network another --home`)
    const init = { ...o.init }
    // --base-port 0 under CometBFT: a free block of ports, found now (they are written into the validators' configuration)
    if (init.engine === 'cometbft' && init.basePort === 0) init.basePort = await freeLayoutBase((b) => networkPorts(b, init.cities ?? 2, 'cometbft', init.validators ?? 4))
    initialised = initNetwork({ home, ...init })
    net = readNetwork(home)!
  }
  await refuseBusyPorts(home, net.cities)
  const logFd = openSync(join(relayerDirOf(home), 'relayer.log'), 'a', 0o644)
  const log: Log = (msg, data = {}, level = 'info') => {
    writeSync(logFd, JSON.stringify({ time: new Date().toISOString(), level, msg, ...data }) + '\n')
    o.log?.(msg, data, level)
  }
  const children: Child[] = []
  const comets: CometCity[] = []
  const relayers: RunningNetwork['relayers'] = []
  let stopping: Promise<void> | undefined
  const stop = () => (stopping ??= (async () => {
    await Promise.all(relayers.map((r) => r.relayer.stop()))
    for (const c of children) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGTERM')
    await Promise.all([...children.map((c) => c.exited), ...comets.map((c) => c.stop())])
    for (const c of children) closeSync(c.logFd)
    log('network stopped', { cities: net!.cities })
    closeSync(logFd)
  })())
  try {
    const cities: RunningCity[] = []
    // each city's API tells the console it serves about every city (src/api/routes/console.ts)
    const networkEnv = { ...env, POLIS_NETWORK_CITIES: net.cities.map((c) => `${c}=${nodeUrlOf(loadConfig({ home: cityHomeOf(home, c), env: {} }))}`).join(',') }
    const startOne = async (name: string) => {
      const cityHome = cityHomeOf(home, name)
      const cfg = loadConfig({ home: cityHome, env: {} })
      if (cfg.engine === 'cometbft') {
        const cc = await startCometCity(cityHome, { env: networkEnv, timeoutMs: o.startTimeoutMs, log: (m) => log(m, { city: name }, 'debug') })
        comets.push(cc)
        const height = (await cc.tn.rpc(0).height()).toString()
        return { name, url: cc.url, home: cityHome, chainId: cfg.chainId, height, logFile: cc.logFile, pid: cc.tn.appPid(0)!, cfg, comet: { rpc: cc.rpcUrl, tn: cc.tn } }
      }
      const listening = await startCity(children, name, cityHome, cfg.api.port, networkEnv, o.startTimeoutMs ?? 60_000)
      return { name, url: listening.url!, home: cityHome, chainId: listening.chain_id!, height: listening.height!, logFile: join(cityHome, 'node.log'), pid: children.find((c) => c.name === name)!.proc.pid!, cfg, comet: undefined }
    }
    // every city is let finish starting (or failing), so that a failure stops all of them (below)
    const attempts = await Promise.allSettled(net.cities.map((name) => startOne(name).catch((e: unknown) => {
      const err = e as Error
      throw new PolisError(e instanceof PolisError ? e.errorName : 'internal', `city ${name} did not start: ${err.message}`)
    })))
    const failedStart = attempts.find((r): r is PromiseRejectedResult => r.status === 'rejected')
    if (failedStart) throw failedStart.reason
    const started = attempts.map((r) => (r as PromiseFulfilledResult<Awaited<ReturnType<typeof startOne>>>).value)
    for (const s of started) cities.push({ name: s.name, url: s.url, home: s.home, chainId: s.chainId, height: s.height, logFile: s.logFile, pid: s.pid, engine: s.cfg.engine, comet: s.comet })
    const genesisOf = (s: (typeof started)[number]) => JSON.parse(readFileSync(s.cfg.genesisFile, 'utf8')) as { validators: Array<{ pub_key: string }> }
    const keysOf = (name: string) => new Keyring(started.find((s) => s.name === name)!.cfg.keysDir)
    const clients = await ensureClients(started.map((s) => ({
      name: s.name, url: s.url, authority: keysOf(s.name).get('authority'),
      validator: genesisOf(s).validators[0]!.pub_key,
      comet: s.comet ? { rpc: s.comet.rpc, validators: genesisOf(s).validators.map((v) => v.pub_key) } : undefined,
    })))
    for (const c of clients.filter((c) => c.created)) log('bridge client created', { city: c.city, client: c.client })
    for (let i = 0; i < cities.length; i++) {
      for (let j = i + 1; j < cities.length; j++) {
        const a = cities[i]!
        const b = cities[j]!
        const relayer = new Relayer({
          a: { url: a.url, clientId: b.name, key: keysOf(a.name).get(relayerKeyName(b.name)), cometRpc: a.comet?.rpc },
          b: { url: b.url, clientId: a.name, key: keysOf(b.name).get(relayerKeyName(a.name)), cometRpc: b.comet?.rpc },
          intervalMs: o.relayer?.intervalMs, batchSize: o.relayer?.batchSize,
          statePath: join(relayerDirOf(home), `${a.name}~${b.name}.json`),
          log: (msg, data = {}, level = 'info') => log(msg, { pair: `${a.name}~${b.name}`, ...data }, level),
        })
        relayer.start()
        relayers.push({ pair: [a.name, b.name], relayer })
      }
    }
    // a city that exits unexpectedly is started again on its port (the relayers reconnect and
    // re-derive their work from the chains); too many exits in a minute are a failure
    let fail: (why: string) => void = () => undefined
    const failed = new Promise<string>((resolve) => (fail = resolve))
    const exits = new Map<string, number[]>()
    const supervise = (c: Child) => void c.exited.then(async (code) => {
      if (stopping) return
      const s = started.find((x) => x.name === c.name)!
      const recent = (exits.get(c.name) ?? []).filter((t) => Date.now() - t < 60_000)
      exits.set(c.name, [...recent, Date.now()])
      const why = `${c.name} exited unexpectedly (${code}); see ${s.logFile}`
      if (s.cfg.api.port === 0 || recent.length >= (o.restarts ?? 3)) return fail(why)
      log('city exited; restarting it', { city: c.name, code }, 'warn')
      try {
        await startCity(children, c.name, s.home, s.cfg.api.port, networkEnv, o.startTimeoutMs ?? 60_000)
        const next = children.filter((x) => x.name === c.name).at(-1)!
        const city = cities.find((x) => x.name === c.name)!
        city.pid = next.proc.pid!
        log('city restarted', { city: c.name, pid: city.pid })
        if (stopping) next.proc.kill('SIGTERM')
        else supervise(next)
      } catch (e) {
        fail(`${why}; restarting it failed: ${(e as Error).message}`)
      }
    })
    for (const c of children) supervise(c)
    return { home, initialised, cities, clients, relayers, failed, stop }
  } catch (e) {
    await stop()
    throw e
  }
}
