/** Operations: liveness, readiness, Prometheus metrics, the OpenAPI document. */
import type { FastifyInstance } from 'fastify'
import type { ApiContext } from '../context.js'
import { ApiError } from '../problem.js'
import { AnyObject, Uint, errorResponses } from '../schemas.js'

export function opsRoutes(app: FastifyInstance, ctx: ApiContext, openapi: () => object, isOpen: () => boolean): void {
  app.get('/health', {
    schema: {
      summary: 'Liveness: the process serves HTTP', tags: ['ops'],
      response: { 200: { type: 'object', required: ['status'], additionalProperties: false, properties: { status: { type: 'string', enum: ['ok'] } } }, ...errorResponses },
    },
  }, async () => ({ status: 'ok' }))

  app.get('/ready', {
    schema: {
      summary: 'Readiness: the store is open, the engine runs, the node is not stopping (503 otherwise)', tags: ['ops'],
      response: {
        200: { type: 'object', required: ['status', 'height'], additionalProperties: false, properties: { status: { type: 'string', enum: ['ready'] }, height: Uint } },
        ...errorResponses,
      },
    },
  }, async () => {
    if (ctx.isStopping()) throw new ApiError('invalid_state', 'the node is stopping', 503)
    if (!isOpen()) throw new ApiError('invalid_state', 'the node is not running', 503)
    const why = await ctx.backend.notReady?.()
    if (why !== undefined) throw new ApiError('invalid_state', why, 503)
    return { status: 'ready', height: (await ctx.backend.height()).toString() }
  })

  app.get('/metrics', {
    schema: {
      summary: 'Prometheus metrics (text exposition format)', tags: ['ops'],
      response: { 200: { description: 'metrics', content: { 'text/plain': { schema: { type: 'string' } } } }, ...errorResponses },
    },
  }, async (_req, reply) => {
    const body = await ctx.metrics.registry.metrics()
    return reply.type(ctx.metrics.registry.contentType).send(body)
  })

  app.get('/openapi.json', {
    schema: { summary: 'This OpenAPI 3.1 document', tags: ['ops'], response: { 200: AnyObject, ...errorResponses } },
  }, async () => openapi())
}
