/**
 * The test kit's launcher (for tests, benchmarks and simulations): Polis processes run as the real
 * `bin/polis` in a child process, waited on until they say they are ready, stopped
 * by signal, killed if this process exits first.
 *
 *   const node = await launchNode({ city: testCity(), blockIntervalMs: 10 })  // a home for the city in a temp dir
 *   const node = await launchNode({ home })                                  // a home made by `polis init`
 *   await fetch(node.url + '/v1/status')
 *   await node.stop()        // SIGTERM (graceful); resolves with the exit code/signal
 *   node.cleanup()           // kills it if it still runs; removes the home the launcher made
 *
 *   const agent = await launchProcess(['siem', 'correlator', 'start', …], { ready: /correlating/ })
 *
 * A node always listens on loopback port 0 (any free port) unless `env` says otherwise; its URL is
 * the one `polis start --json` prints in its `listening` line.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { DEFAULT_BLOCK_INTERVAL_MS, renderConfig } from '../node/config.js'
import { initHome, type InitResult } from '../node/init-home.js'
import { Keyring } from '../sdk/keys.js'
import type { TestCity } from './genesis-builder.js'

export const REPO = fileURLToPath(new URL('../..', import.meta.url))
export const POLIS_BIN = join(REPO, 'bin', 'polis')

const live = new Set<ChildProcess>()
process.once('exit', () => {
  for (const c of live) c.kill('SIGKILL')
})

/** Kills `child` (SIGKILL) if this process exits while it still runs. */
export function killOnExit(child: ChildProcess): void {
  live.add(child)
  child.once('exit', () => live.delete(child))
}

/** The environment of a child: no POLIS_* leaking in from the developer's shell. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('POLIS_')) env[k] = v
  return { ...env, ...extra }
}

export type Exit = { code: number | null; signal: NodeJS.Signals | null }

export interface PolisProcess {
  child: ChildProcess
  stdout(): string
  stderr(): string
  /** stdout then stderr, for diagnostics. */
  output(): string
  /** Sends a signal (SIGTERM: graceful) and resolves with the exit status once the process has exited. */
  stop(signal?: NodeJS.Signals): Promise<Exit>
}

export interface LaunchOptions<T> {
  /** Ready once this returns a value for the stdout so far (a RegExp: once it matches). */
  ready: RegExp | ((stdout: string) => T | undefined)
  /** Added to the clean environment (see cleanEnv). */
  env?: Record<string, string>
  cwd?: string
  timeoutMs?: number
  /** Flags for node itself (e.g. --cpu-prof). */
  nodeArgs?: string[]
}

/** What `npm start` runs (package.json "start": "node bin/polis network up"), as bin/polis arguments. */
export const NPM_START = ['network', 'up']

/** Runs `bin/polis <args>` until it is ready; one that exits or hangs first is an error (and killed). */
export async function launchProcess<T = true>(args: string[], opts: LaunchOptions<T>): Promise<PolisProcess & { ready: T }> {
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), POLIS_BIN, ...args], { cwd: opts.cwd ?? REPO, env: cleanEnv(opts.env), stdio: ['ignore', 'pipe', 'pipe'] })
  killOnExit(child)
  let out = ''
  let err = ''
  child.stdout!.setEncoding('utf8')
  child.stderr!.setEncoding('utf8')
  child.stderr!.on('data', (d: string) => (err += d))
  const exited = new Promise<Exit>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }))
  })
  const test = opts.ready instanceof RegExp ? ((re: RegExp) => (s: string) => (re.test(s) ? (true as T) : undefined))(opts.ready) : opts.ready
  const what = `polis ${args.join(' ')}`
  const timeoutMs = opts.timeoutMs ?? 30_000
  const ready = await new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${what}: not ready within ${timeoutMs} ms\nstdout:\n${out}\nstderr:\n${err}`))
    }, timeoutMs)
    child.stdout!.on('data', (d: string) => {
      out += d
      const v = test(out)
      if (v !== undefined) {
        clearTimeout(timer)
        resolve(v)
      }
    })
    void exited.then((s) => {
      clearTimeout(timer)
      reject(new Error(`${what}: exited (${s.code ?? s.signal}) before it was ready\nstdout:\n${out}\nstderr:\n${err}`))
    })
  })
  return {
    child,
    ready,
    stdout: () => out,
    stderr: () => err,
    output: () => out + err,
    stop: async (signal: NodeJS.Signals = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
      return exited
    },
  }
}

/** The `listening` line of `polis start --json` (or the human "API <url>" line). */
function listeningLine(out: string): Record<string, string> | undefined {
  const human = /^ {2}API {6}(http:\/\/\S+)/m.exec(out)
  if (human) return { event: 'listening', url: human[1]! }
  for (const line of out.split('\n')) {
    if (!line.startsWith('{')) continue
    try {
      const j = JSON.parse(line) as Record<string, string>
      if (j.event === 'listening') return j
    } catch {
      // a partial line: wait for more
    }
  }
  return undefined
}

export interface NodeOptions {
  /** Run this city: its genesis and validator key go into a fresh home in a temp dir. */
  city?: TestCity
  /** Or run an existing home (made by `polis init`); with `init`, `polis start --init` makes it first. */
  home?: string
  init?: boolean
  /** Environment overrides of polis.yaml (POLIS_BLOCK_INTERVAL_MS, …); unset: the home's own. */
  blockIntervalMs?: number
  bodyLimitBytes?: number
  logLevel?: string
  env?: Record<string, string>
  timeoutMs?: number
  nodeArgs?: string[]
}

export interface NodeProcess extends PolisProcess {
  url: string
  home: string
  /** The `listening` line the node printed (url, chain_id, home, data_dir, height, try). */
  listening: Record<string, string>
  /** Starts the node again on the same home (after stop); a new URL. */
  restart(): Promise<NodeProcess>
  /** Kills the node if it still runs and removes the home if the launcher made it. */
  cleanup(): void
}

/** Writes a home (polis.yaml, genesis.json, keys/validator.json) for `city` under `root`. */
export function cityHome(city: TestCity, root: string): string {
  const home = join(root, 'home')
  mkdirSync(home, { recursive: true })
  writeFileSync(join(home, 'genesis.json'), JSON.stringify(city.genesis))
  new Keyring(join(home, 'keys')).add('validator', city.validator.seed)
  writeFileSync(join(home, 'polis.yaml'), renderConfig({ chainId: city.chainId, apiHost: '127.0.0.1', apiPort: 0, blockIntervalMs: DEFAULT_BLOCK_INTERVAL_MS, logLevel: 'warn' }))
  return home
}

/** Starts a city node (`polis start --json`) and resolves once it listens. */
export async function launchNode(opts: NodeOptions): Promise<NodeProcess> {
  if (!opts.city === !opts.home) throw new Error('launchNode: give either a city or a home')
  const root = opts.city ? mkdtempSync(join(tmpdir(), `polis-node-${opts.city.chainId}-`)) : undefined
  const removeRoot = () => root && rmSync(root, { recursive: true, force: true })
  let home: string
  try {
    home = opts.home ?? cityHome(opts.city!, root!)
  } catch (e) {
    removeRoot()
    throw e
  }
  // logs on stderr rather than in <home>/node.log: a test's diagnostics (output()) show them
  const env: Record<string, string> = { POLIS_API_PORT: '0', POLIS_LOG_FILE: '-' }
  if (opts.blockIntervalMs !== undefined) env.POLIS_BLOCK_INTERVAL_MS = String(opts.blockIntervalMs)
  if (opts.bodyLimitBytes !== undefined) env.POLIS_BODY_LIMIT_BYTES = String(opts.bodyLimitBytes)
  if (opts.logLevel !== undefined) env.POLIS_LOG_LEVEL = opts.logLevel
  const start = async (): Promise<NodeProcess> => {
    const p = await launchProcess(['start', ...(opts.init ? ['--init'] : []), '--json', '--home', home], {
      ready: listeningLine, env: { ...env, ...opts.env }, timeoutMs: opts.timeoutMs, nodeArgs: opts.nodeArgs,
    })
    return {
      ...p,
      url: p.ready.url!,
      home,
      listening: p.ready,
      restart: start,
      cleanup: () => {
        if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL')
        removeRoot()
      },
    }
  }
  try {
    return await start()
  } catch (e) {
    removeRoot()
    throw e
  }
}

export interface TestHome extends InitResult {
  root: string
  remove(): void
}

/** A fresh home made by `initHome` (3 citizens by default) in a temp dir; API port 0, short block interval. */
export function makeHome(opts: { chainId?: string; sampleAccounts?: number; name?: string } = {}): TestHome {
  const root = mkdtempSync(join(tmpdir(), `${opts.name ?? 'polis-home'}-`))
  const r = initHome({ home: join(root, 'home'), chainId: opts.chainId, sampleAccounts: opts.sampleAccounts ?? 3, apiPort: 0, blockIntervalMs: 20, logLevel: 'warn' })
  return { ...r, root, remove: () => rmSync(root, { recursive: true, force: true }) }
}
