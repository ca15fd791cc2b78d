/**
 * A running city node: the solo engine plus its HTTP/WebSocket API.
 *
 *   const node = await startNode({ dataDir, genesis, validatorKey, port: 0 })
 *   console.log(node.url)            // http://127.0.0.1:PORT
 *   stopOnSignals(node)              // SIGTERM/SIGINT: graceful stop, then exit 0
 *   await node.stop()                // or stop it yourself
 *
 * Graceful stop: new submissions are refused (503) and /ready fails; event streams close; the
 * server stops accepting connections and lets in-flight requests finish (blocks keep being cut,
 * so `?wait=true` requests get their answer); what is left in the mempool is committed (bounded by
 * `drainMs`); the block in progress commits; the database closes. Nothing admitted is lost.
 */
import { pino, type Logger } from 'pino'
import { SoloEngine } from '../engine/solo/engine.js'
import { SoloBackend } from '../engine/solo/backend.js'
import type { KeyPair } from '../crypto/keys.js'
import { toHex } from '../base/bytes.js'
import { startApiNode } from './api-node.js'

export { DEFAULT_API_HOST, DEFAULT_API_PORT } from './config.js'

export interface StartNodeOptions {
  dataDir: string
  genesis: unknown
  validatorKey: KeyPair
  host?: string
  /** 0 = any free port. */
  port?: number
  blockIntervalMs?: number
  /** An empty block when none was cut for this long (block time moves on an idle chain); absent or 0: never. */
  emptyBlockIntervalMs?: number
  /** State retention (polis.yaml `pruning`); absent: keep every height. */
  pruning?: { keepRecent: number }
  /** pino level: fatal, error, warn, info (default), debug, trace, silent. */
  logLevel?: string
  /** Largest request body (a batch); default 8 MiB. A single transaction's route accepts at most ~129 KiB. */
  bodyLimitBytes?: number
  /** A logger of your own (pino); default: JSON lines on stdout at `logLevel`. */
  logger?: Logger
  /** Longest time a stop spends committing what is left in the mempool; default 10 s. */
  drainMs?: number
}

export interface RunningNode {
  url: string
  engine: SoloEngine
  /** Graceful: stop accepting, finish the current block (and what was admitted), close. Idempotent. */
  stop(): Promise<void>
}

export async function startNode(opts: StartNodeOptions): Promise<RunningNode> {
  const logger = opts.logger ?? pino({ level: opts.logLevel ?? 'info', base: { svc: 'polis-node' } })
  const engine = await SoloEngine.open({ dataDir: opts.dataDir, genesis: opts.genesis, validatorKey: opts.validatorKey, blockIntervalMs: opts.blockIntervalMs, emptyBlockIntervalMs: opts.emptyBlockIntervalMs, pruning: opts.pruning })
  let api: Awaited<ReturnType<typeof startApiNode>>
  try {
    api = await startApiNode(new SoloBackend(engine), {
      logger, host: opts.host, port: opts.port, bodyLimitBytes: opts.bodyLimitBytes, beforeListen: () => engine.start(),
    })
  } catch (e) {
    await engine.stop().catch(() => undefined)
    throw e
  }
  const url = api.url
  logger.info({ url, chain_id: engine.genesis.chainId, height: engine.height.toString(), validator: toHex(opts.validatorKey.publicKey) }, 'node listening')

  let stopped: Promise<void> | undefined
  const stop = () => (stopped ??= (async () => {
    logger.info('node stopping')
    await api.stop()
    const deadline = Date.now() + (opts.drainMs ?? 10_000)
    while (engine.mempool.size > 0 && Date.now() < deadline) await engine.produceBlock()
    const left = engine.mempool.size
    await engine.stop()
    logger.info({ height: engine.height.toString(), dropped: left }, 'node stopped')
  })())
  return { url, engine, stop }
}

/**
 * Stops the node gracefully on SIGTERM or SIGINT, then exits (0, or 1 if the stop failed). A second
 * signal while stopping exits at once with 130.
 */
export function stopOnSignals(node: RunningNode, opts: { signals?: NodeJS.Signals[]; exit?: (code: number) => void; log?: Logger } = {}): () => void {
  const exit = opts.exit ?? ((code: number) => process.exit(code))
  let stopping = false
  const handler = (sig: NodeJS.Signals) => {
    if (stopping) return exit(130)
    stopping = true
    opts.log?.info({ signal: sig }, 'signal received')
    node.stop().then(() => exit(0), (err) => {
      opts.log?.error({ err }, 'stop failed')
      exit(1)
    })
  }
  const signals = opts.signals ?? ['SIGTERM', 'SIGINT']
  for (const s of signals) process.on(s, handler)
  return () => {
    for (const s of signals) process.off(s, handler)
  }
}
