/**
 * The HTTP/WebSocket API of docs/API.md over one engine's backend: the one wiring of a node, for
 * the solo engine (node.ts) and for each App process of a CometBFT network (cometbft-process.ts).
 *
 *   const api = await startApiNode(backend, { logger, port: 0 })
 *   console.log(api.url)
 *   await api.stop()                 // graceful: refuse new submissions, close streams, finish requests
 *
 * On a failure to start, what was built is closed and the backend detached; the engine stays the
 * caller's to stop.
 */
import type { Logger } from 'pino'
import type { ApiBackend } from '../api/backend.js'
import { buildServer, type ApiServer } from '../api/server.js'
import { DEFAULT_API_HOST, DEFAULT_API_PORT } from './config.js'

export interface ApiNodeOptions {
  logger: Logger
  host?: string
  /** 0 = any free port. */
  port?: number
  /** Largest request body (a batch); default 8 MiB. */
  bodyLimitBytes?: number
  /** Runs once the server is built, before it listens (the solo engine starts cutting blocks here). */
  beforeListen?: () => void
}

export interface ApiNode {
  url: string
  server: ApiServer
  /** Graceful close of the HTTP side, then the backend is detached. Idempotent. */
  stop(): Promise<void>
}

export async function startApiNode(backend: ApiBackend, opts: ApiNodeOptions): Promise<ApiNode> {
  let server: ApiServer | undefined
  let url: string
  try {
    server = await buildServer({ backend, logger: opts.logger, bodyLimitBytes: opts.bodyLimitBytes })
    opts.beforeListen?.()
    url = await server.app.listen({ host: opts.host ?? DEFAULT_API_HOST, port: opts.port ?? DEFAULT_API_PORT })
  } catch (e) {
    await server?.app.close().catch(() => undefined)
    backend.detach()
    throw e
  }
  const api = server
  let stopped: Promise<void> | undefined
  const stop = () => (stopped ??= (async () => {
    api.beginStop()
    api.hub.closeAll()
    // Close keep-alive connections as soon as their in-flight request is answered (fastify closes
    // only those idle at the moment close starts; the others would linger until keepAliveTimeout).
    const idle = setInterval(() => api.app.server.closeIdleConnections(), 25)
    try {
      await api.app.close()
    } finally {
      clearInterval(idle)
      backend.detach()
    }
  })())
  return { url, server: api, stop }
}
