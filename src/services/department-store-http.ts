/**
 * The department store over HTTP: `POST /v1/records` (a clerk stores a record) and `POST /v1/reveal`
 * (the citizen or a clerk reads one), both taking a `SignedStoreRequest`; refusals are
 * `{ error, code, message }` with the HTTP status of the error code. The chain is read through a
 * node's API (`clientChainView`).
 */
import Fastify, { type FastifyInstance } from 'fastify'
import { PolisError } from '../base/errors.js'
import { httpStatusOf } from '../api/problem.js'
import { fromHex, toHex } from '../base/bytes.js'
import type { PolisClient } from '../sdk/polis-client.js'
import type { ChainRecord, ChainView, DepartmentStore, RecordKind, SignedStoreRequest } from './department-store.js'

/** What the chain says about a record, read from a node: the commitment, its subject, its department. */
export function clientChainView(client: PolisClient): ChainView {
  const orNone = async <T>(f: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await f()
    } catch (e) {
      if (e instanceof PolisError && e.errorName === 'not_found') return undefined
      throw e
    }
  }
  return {
    async record(kind: RecordKind, ref: string): Promise<ChainRecord | undefined> {
      if (kind === 'complaint') {
        const r = await orNone(() => client.query<{ description_hash: string; citizen: string; agency_responsible: string | null }>('complaints', 'request', { id: ref }))
        return r && r.agency_responsible ? { commitment: fromHex(r.description_hash), subject: fromHex(r.citizen), department: r.agency_responsible } : undefined
      }
      if (kind === 'bill') {
        const b = await orNone(() => client.query<{ details: string | null; citizen: string; department: string }>('bills', 'bill', { bill: ref }))
        return b && b.details ? { commitment: fromHex(b.details), subject: fromHex(b.citizen), department: b.department } : undefined
      }
      const v = await orNone(() => client.query<{ id: string; owner: string }>('vehicles', 'vehicle', { id: ref }))
      return v ? { commitment: fromHex(v.id), subject: fromHex(v.owner), department: 'transport' } : undefined
    },
    async activeRoles(account: Uint8Array): Promise<string[] | undefined> {
      const a = await client.account(toHex(account))
      return a && a.revoked_at === null ? a.roles : undefined
    },
  }
}

export async function departmentStoreServer(store: DepartmentStore, opts: { host?: string; port?: number } = {}): Promise<{ app: FastifyInstance; url: string }> {
  const app = Fastify({ logger: false, bodyLimit: 64 * 1024 })
  app.setErrorHandler((err: Error & { validation?: unknown; statusCode?: number }, _req, reply) => {
    const e = err instanceof PolisError ? err : err.validation || err.statusCode === 400
      ? new PolisError('invalid_message', err.message)
      : new PolisError('internal', 'internal error')
    return reply.code(httpStatusOf(e.code)).send({ error: e.errorName, code: e.code, message: e.message })
  })
  const handle = (action: 'put' | 'reveal') => async (req: { body: unknown }) => {
    const body = req.body as SignedStoreRequest
    if (body?.request?.action !== action) throw new PolisError('invalid_message', `this endpoint takes "${action}" requests`)
    return store.handle(body)
  }
  app.post('/v1/records', handle('put'))
  app.post('/v1/reveal', handle('reveal'))
  app.get('/v1/store', async () => ({ store: store.id, department: store.department }))
  const url = await app.listen({ host: opts.host ?? '127.0.0.1', port: opts.port ?? 0 })
  return { app, url }
}
