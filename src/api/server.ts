/**
 * The node's HTTP server (fastify): routes of docs/API.md, problem+json errors, body limits, JSON
 * schema validation of every input (ajv; no type coercion, unknown fields refused), the WebSocket
 * event stream, metrics and the OpenAPI document generated from the route schemas.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import websocket from '@fastify/websocket'
import type { ApiBackend, BlockEvent } from './backend.js'
import type { ApiContext, ApiLimits } from './context.js'
import { EventHub, registerEvents } from './event-stream.js'
import { NodeMetrics } from './metrics.js'
import { openApiDocument, recordRoutes, type RecordedRoute } from './openapi.js'
import { NO_SUCH_ROUTE, clientErrorHandler, errorHandler, problem, sendProblem } from './problem.js'
import { chainRoutes } from './routes/chain.js'
import { consoleRoutes, networkFromEnv, type NetworkCity } from './routes/console.js'
import { open311Routes } from './routes/open311.js'
import { opsRoutes } from './routes/ops.js'
import { proofRoutes } from './routes/proofs.js'
import { stateRoutes } from './routes/state.js'
import { txRoutes } from './routes/txs.js'
import { votingRoutes } from './routes/voting.js'

export const API_VERSION = '1.0.0'

export interface ApiServerOptions {
  /** The engine the routes serve (src/engine/solo/backend.ts, src/engine/cometbft/backend.ts). */
  backend: ApiBackend
  logger?: FastifyBaseLogger
  /** Largest request body (a batch); default 8 MiB. */
  bodyLimitBytes?: number
  limits?: Partial<ApiLimits>
  /** The cities of the network, for `/v1/network` and the console; default: $POLIS_NETWORK_CITIES, else this city alone. */
  network?: NetworkCity[]
}

export interface ApiServer {
  app: FastifyInstance
  metrics: NodeMetrics
  hub: EventHub
  /** Every route as registered (the OpenAPI document is made from these). */
  routes: RecordedRoute[]
  openapi(): object
  /** Refuse new submissions and fail /ready from now on (first step of a graceful stop). */
  beginStop(): void
  readonly stopping: boolean
}

export async function buildServer(opts: ApiServerOptions): Promise<ApiServer> {
  const backend = opts.backend
  const bodyBytes = opts.bodyLimitBytes ?? 8 * 1024 * 1024
  const limits: ApiLimits = {
    txBodyBytes: Math.min(bodyBytes, 2 * 65_536 + 1024),
    bodyBytes,
    maxBatch: 1000,
    waitMs: 30_000,
    maxWaitMs: 60_000,
    ...opts.limits,
  }
  let stopping = false
  let open = true
  const app = Fastify({
    ...(opts.logger ? { loggerInstance: opts.logger } : { logger: false }),
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: limits.bodyBytes,
    routerOptions: { maxParamLength: 2 * 1024 + 16 },
    requestTimeout: 30_000,
    keepAliveTimeout: 65_000,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    return503OnClosing: true,
    clientErrorHandler,
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: false } },
  })
  const routes = recordRoutes(app)
  const metrics = new NodeMetrics(backend)
  const hub = new EventHub(metrics)
  const ctx: ApiContext = { backend, metrics, hub, limits, isStopping: () => stopping }

  app.removeContentTypeParser('text/plain') // JSON only: anything else is 415
  app.setErrorHandler(errorHandler)
  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0]!
    return sendProblem(reply, problem(404, 'not_found', `no route serves ${req.method} ${path}`, { type: NO_SUCH_ROUTE, instance: path }))
  })
  app.addHook('onResponse', (req, reply, done) => {
    const route = req.routeOptions.url ?? 'unmatched'
    metrics.httpRequests.inc({ method: req.method, route, status: String(reply.statusCode) })
    metrics.httpSeconds.observe({ method: req.method, route }, reply.elapsedTime / 1000)
    if (reply.statusCode >= 500) req.log.warn({ method: req.method, url: req.url, status: reply.statusCode }, 'request failed')
    else req.log.debug({ method: req.method, url: req.url, status: reply.statusCode, ms: reply.elapsedTime }, 'request')
    done()
  })

  await app.register(websocket, { options: { maxPayload: 4096 } })

  const onBlock = (b: BlockEvent) => {
    metrics.onBlock(b)
    hub.publish(b)
    app.log.debug({ height: b.height.toString(), txs: b.results.length }, 'block committed')
  }
  backend.on('block', onBlock)
  app.addHook('onClose', (_app, done) => {
    open = false
    backend.off('block', onBlock)
    done()
  })

  let doc: object | undefined
  const openapi = () => (doc ??= openApiDocument(routes, { version: API_VERSION, chainId: backend.chainId }))

  consoleRoutes(app, { chainId: () => backend.chainId, network: opts.network ?? networkFromEnv() })
  txRoutes(app, ctx)
  chainRoutes(app, ctx)
  stateRoutes(app, ctx)
  proofRoutes(app, ctx)
  open311Routes(app, ctx)
  votingRoutes(app, ctx)
  registerEvents(app, hub, () => stopping)
  opsRoutes(app, ctx, openapi, () => open)
  await app.ready()

  return {
    app, metrics, hub, routes, openapi,
    beginStop: () => {
      stopping = true
    },
    get stopping() {
      return stopping
    },
  }
}
