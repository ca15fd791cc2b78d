/**
 * The city console (console/, built into console/dist by `npm ci` → `prepare`): its static files at
 * `/console/`, the network it should show at `/v1/network`, and CORS on the API so that a console
 * served by one city talks to every city of the network.
 *
 * Console pages get a strict Content-Security-Policy: scripts and styles only from this origin (no
 * inline script, no eval), nothing from the internet; connections only to the cities of the network.
 * The API allows any origin without credentials (`access-control-allow-origin: *`): every read is
 * public and every write is a signed transaction, so there is no ambient authority to protect.
 */
import { readFile, stat } from 'node:fs/promises'
import { extname, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { errorResponses } from '../schemas.js'
import { problem, sendProblem } from '../problem.js'

export interface NetworkCity { name: string; url: string }

/** Where `prepare` builds the console (console/dist at the root of the repository). */
export const CONSOLE_DIST = fileURLToPath(new URL('../../../console/dist/', import.meta.url))

/**
 * The other cities of a network, as the network supervisor (src/network/supervisor.ts) passes them
 * to each city process: `POLIS_NETWORK_CITIES="city-a=http://127.0.0.1:26680,city-b=http://…"`.
 */
export function networkFromEnv(env: NodeJS.ProcessEnv = process.env): NetworkCity[] {
  const v = env.POLIS_NETWORK_CITIES
  if (!v) return []
  const out: NetworkCity[] = []
  for (const part of v.split(',')) {
    const i = part.indexOf('=')
    if (i <= 0) continue
    const name = part.slice(0, i).trim()
    const url = part.slice(i + 1).trim().replace(/\/+$/, '')
    if (/^[a-z][a-z0-9-]{0,31}$/.test(name) && /^https?:\/\/[^\s/]+$/.test(url)) out.push({ name, url })
  }
  return out
}

/**
 * The SIEM collectors' APIs the console may read an event's content from (their CORS allows it,
 * src/agents/siem/collector-api.ts): `POLIS_SIEM_COLLECTORS="http://127.0.0.1:8089,http://…"`.
 * Listed in /v1/network and allowed by the console's Content-Security-Policy; nothing else is.
 */
export function collectorsFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.POLIS_SIEM_COLLECTORS ?? '').split(',').map((u) => u.trim().replace(/\/+$/, '')).filter((u) => /^https?:\/\/[^\s/]+$/.test(u))
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
  '.txt': 'text/plain; charset=utf-8',
}

const NetworkSchema = {
  type: 'object',
  required: ['chain_id', 'cities'],
  additionalProperties: false,
  properties: {
    chain_id: { type: 'string', description: 'the chain this node serves' },
    cities: {
      type: 'array',
      description: 'every city of the network (this one included), as the console should reach them',
      items: { type: 'object', required: ['name', 'url'], additionalProperties: false, properties: { name: { type: 'string' }, url: { type: 'string' } } },
    },
    collectors: { type: 'array', description: 'SIEM collector APIs the console may read event contents from (POLIS_SIEM_COLLECTORS)', items: { type: 'string' } },
  },
}

const originOf = (url: string) => {
  try {
    return new URL(url).origin
  } catch {
    return undefined
  }
}

/** `chainId` may be a function: a CometBFT node learns its chain id at InitChain, after the routes are set up. */
export function consoleRoutes(app: FastifyInstance, opts: { chainId: string | (() => string); network: NetworkCity[]; collectors?: string[]; dir?: string }): void {
  const dir = resolve(opts.dir ?? CONSOLE_DIST)
  const collectors = opts.collectors ?? collectorsFromEnv()
  const chainId = () => (typeof opts.chainId === 'function' ? opts.chainId() : opts.chainId)
  const selfUrl = (req: FastifyRequest) => `${req.protocol}://${req.host}`
  const cities = (req: FastifyRequest): NetworkCity[] => {
    const list = opts.network.length ? [...opts.network] : []
    const self = chainId()
    if (self && !list.some((c) => c.name === self)) list.unshift({ name: self, url: selfUrl(req) })
    return list
  }

  // CORS: simple requests get the header; preflights are answered before routing
  app.addHook('onRequest', (req, reply, done) => {
    if (req.headers.origin === undefined || req.url.startsWith('/console')) return done()
    reply.header('access-control-allow-origin', '*')
    reply.header('access-control-expose-headers', 'x-polis-height, retry-after')
    if (req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined) {
      reply.header('access-control-allow-methods', 'GET, POST')
      reply.header('access-control-allow-headers', 'content-type, accept')
      reply.header('access-control-max-age', '600')
      reply.header('vary', 'origin')
      return void reply.code(204).send()
    }
    done()
  })

  app.get('/v1/network', {
    schema: { summary: 'The cities of the network this node belongs to (what the console shows)', tags: ['chain'], response: { 200: NetworkSchema, ...errorResponses } },
  }, async (req) => ({ chain_id: chainId(), cities: cities(req), collectors }))

  const csp = (req: FastifyRequest) => {
    const origins = new Set<string>()
    for (const c of cities(req)) {
      const o = originOf(c.url)
      if (o) origins.add(o).add(o.replace(/^http/, 'ws'))
    }
    for (const u of collectors) {
      const o = originOf(u)
      if (o) origins.add(o)
    }
    return [
      "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self'", "font-src 'none'",
      `connect-src 'self' ${[...origins].join(' ')}`, "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'", "object-src 'none'",
    ].join('; ')
  }

  const serve = async (req: FastifyRequest<{ Params: { '*': string } }>, reply: FastifyReply) => {
    const rest = req.params['*'] ?? ''
    if (rest === '' && !req.url.split('?')[0]!.endsWith('/')) return reply.redirect('/console/', 308)
    const rel = rest.replace(/^\/+/, '') || 'index.html'
    const file = resolve(dir, rel)
    const inside = file.startsWith(dir + sep)
    const type = MIME[extname(file).toLowerCase()]
    let body: Buffer | undefined
    if (inside && type) {
      try {
        if ((await stat(file)).isFile()) body = await readFile(file)
      } catch {
        body = undefined
      }
    }
    if (body === undefined) {
      const built = await stat(resolve(dir, 'index.html')).then(() => true, () => false)
      const why = built ? `no console file ${rel}` : 'the console is not built: run `npm ci` (or `npm run build:console`)'
      return sendProblem(reply, problem(404, 'not_found', why, { instance: req.url.split('?')[0] }))
    }
    reply.header('content-security-policy', csp(req))
    reply.header('x-content-type-options', 'nosniff')
    reply.header('referrer-policy', 'no-referrer')
    reply.header('cross-origin-opener-policy', 'same-origin')
    reply.header('cache-control', rel.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache')
    return reply.type(type!).send(body)
  }
  app.get<{ Params: { '*': string } }>('/console*', serve)
}
