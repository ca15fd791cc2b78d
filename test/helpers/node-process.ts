/**
 * A real node in a child process, for API tests and the HTTP benchmark:
 *
 *   const node = await startNodeProcess({ city: testCity() })   // loopback, port 0, temp data dir
 *   await fetch(node.url + '/v1/status')
 *   await node.stop()       // SIGTERM; resolves with the exit code/signal
 *   node.cleanup()          // kills it if still running, removes the temp dir
 *
 * Run as a script it is the child itself:
 *   node --import tsx test/helpers/node-process.ts --child ROOT [--block-interval MS] [--body-limit BYTES] [--log-level L]
 * where ROOT holds genesis.json and validator.key (hex seed, mode 0600) and data/ is the data dir.
 * The child prints "POLIS_NODE_URL <url>" on stdout once it listens, and stops gracefully on SIGTERM
 * or when its parent goes away (the IPC channel closes).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { testCity, tmpDir, type TestCity } from './chain.js'
import { toHex } from '../../src/base/bytes.js'

export interface NodeProcess {
  url: string
  root: string
  dataDir: string
  city: TestCity
  child: ChildProcess
  /** Everything the child wrote (stdout + stderr), for diagnostics. */
  output(): string
  /** SIGTERM (graceful); resolves when the process has exited. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  /** Starts the node again on the same data dir (after stop); a new URL. */
  restart(): Promise<NodeProcess>
  /** Kills the child if it still runs and removes the temp dir. */
  cleanup(): void
}

export interface NodeProcessOptions {
  city?: TestCity
  blockIntervalMs?: number
  bodyLimitBytes?: number
  logLevel?: string
  /** Reuse this root (genesis.json, validator.key, data/) instead of a new temp dir. */
  root?: string
  startTimeoutMs?: number
  /** Extra flags for the child's node (e.g. --cpu-prof). */
  nodeArgs?: string[]
}

const live = new Set<ChildProcess>()
process.once('exit', () => {
  for (const c of live) c.kill('SIGKILL')
})

const SELF = fileURLToPath(import.meta.url)

export async function startNodeProcess(opts: NodeProcessOptions = {}): Promise<NodeProcess> {
  const city = opts.city ?? testCity()
  const tmp = opts.root ? undefined : tmpDir('polis-node')
  const root = opts.root ?? tmp!.path
  const dataDir = join(root, 'data')
  if (!opts.root) {
    mkdirSync(dataDir, { recursive: true })
    writeFileSync(join(root, 'genesis.json'), JSON.stringify(city.genesis))
    writeFileSync(join(root, 'validator.key'), toHex(city.validator.seed), { mode: 0o600 })
  }
  const args = [...(opts.nodeArgs ?? []), '--import', 'tsx', SELF, '--child', root]
  if (opts.blockIntervalMs !== undefined) args.push('--block-interval', String(opts.blockIntervalMs))
  if (opts.bodyLimitBytes !== undefined) args.push('--body-limit', String(opts.bodyLimitBytes))
  args.push('--log-level', opts.logLevel ?? 'warn')
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] })
  ;(child.channel as { unref?: () => void } | undefined)?.unref?.()
  live.add(child)
  let out = ''
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => {
      live.delete(child)
      resolve({ code, signal })
    })
  })
  child.stderr!.setEncoding('utf8')
  child.stderr!.on('data', (d: string) => (out += d))
  child.stdout!.setEncoding('utf8')
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`node did not start within ${opts.startTimeoutMs ?? 30_000} ms:\n${out}`))
    }, opts.startTimeoutMs ?? 30_000)
    child.stdout!.on('data', (d: string) => {
      out += d
      const m = /POLIS_NODE_URL (\S+)/.exec(out)
      if (m) {
        clearTimeout(timer)
        resolve(m[1]!)
      }
    })
    void exited.then(({ code, signal }) => {
      clearTimeout(timer)
      reject(new Error(`node exited (${code ?? signal}) before listening:\n${out}`))
    })
  })
  const node: NodeProcess = {
    url, root, dataDir, city, child,
    output: () => out,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
      return exited
    },
    restart: () => startNodeProcess({ ...opts, city, root }),
    cleanup: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
      tmp?.remove()
    },
  }
  return node
}

// ------------------------------------------------------------------ the child

async function child(argv: string[]): Promise<void> {
  const opt = (name: string) => {
    const i = argv.indexOf('--' + name)
    return i >= 0 ? argv[i + 1] : undefined
  }
  const root = opt('child')!
  const { startNode, stopOnSignals } = await import('../../src/node/node.js')
  const { keyPairFromSeed } = await import('../../src/crypto/keys.js')
  const { fromHex } = await import('../../src/base/bytes.js')
  const genesis = JSON.parse(readFileSync(join(root, 'genesis.json'), 'utf8'))
  const validatorKey = keyPairFromSeed(fromHex(readFileSync(join(root, 'validator.key'), 'utf8').trim()))
  const bi = opt('block-interval')
  const bl = opt('body-limit')
  const node = await startNode({
    dataDir: join(root, 'data'), genesis, validatorKey, host: '127.0.0.1', port: 0,
    blockIntervalMs: bi === undefined ? undefined : Number(bi), bodyLimitBytes: bl === undefined ? undefined : Number(bl), logLevel: opt('log-level') ?? 'warn',
  })
  stopOnSignals(node)
  // the parent went away (killed, crashed): stop gracefully rather than linger
  process.on('disconnect', () => void node.stop().then(() => process.exit(0), () => process.exit(1)))
  process.stdout.write(`POLIS_NODE_URL ${node.url}\n`)
}

if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url && process.argv.includes('--child')) {
  child(process.argv).catch((e) => {
    process.stderr.write(`node failed to start: ${(e as Error)?.stack ?? e}\n`)
    process.exit(1)
  })
}
