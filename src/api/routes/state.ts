/** State: module queries, raw keys with ICS-23 proofs, accounts. */
import type { FastifyInstance } from 'fastify'
import { refusal } from '../problem.js'
import { toHex, utf8 } from '../../base/bytes.js'
import type { ApiContext } from '../context.js'
import { hexBytes, parseHeight } from '../convert.js'
import { Account, AnyObject, Flag, Hash, HeightQuery, StoreEntry, Uint, errorResponses, flag } from '../schemas.js'

const MAX_KEY_BYTES = 1024

export function stateRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const { backend } = ctx

  /** A module query through the App; throws its typed refusal. */
  function query(path: string, params: Record<string, unknown>, height?: bigint): { value: unknown; height: bigint } {
    const r = backend.query({ path, data: utf8(JSON.stringify(params)), height })
    if (r.code !== 0) throw refusal(r.code, r.log)
    return { value: JSON.parse(Buffer.from(r.value!).toString('utf8')), height: r.height }
  }

  app.get<{ Params: { module: string; name: string }; Querystring: Record<string, string> }>('/v1/query/:module/:name', {
    schema: {
      summary: 'A module query',
      description: 'Runs the query `module/name` of a module with the query-string parameters (all strings) as its input, at `height` (default: the latest). ' +
        'E.g. /v1/query/bank/balance?address=HEX, /v1/query/bank/supply, /v1/query/identity/account?address=HEX, /v1/query/identity/role-members?role=rsu, ' +
        '/v1/query/bridge/channel?client_id=ID (a channel end\'s exact packet counts: next_sequence, sent, in_flight, in_flight_sequences, oldest_in_flight, received). ' +
        'The height answered is in the x-polis-height header.',
      tags: ['state'],
      params: {
        type: 'object', required: ['module', 'name'], additionalProperties: false,
        properties: { module: { type: 'string', pattern: '^[a-z][a-z0-9_-]{0,31}$' }, name: { type: 'string', pattern: '^[a-z][a-z0-9_-]{0,63}$' } },
      },
      querystring: { type: 'object', additionalProperties: { type: 'string', maxLength: 4096 }, maxProperties: 32, properties: { height: Uint } },
      response: { 200: AnyObject, ...errorResponses },
    },
  }, async (req, reply) => {
    const { height, ...params } = req.query
    const r = query(`${req.params.module}/${req.params.name}`, params, parseHeight(height))
    reply.header('x-polis-height', r.height.toString())
    return r.value
  })

  app.get<{ Params: { key: string }; Querystring: { height?: string; prove?: string } }>('/v1/store/:key', {
    schema: {
      summary: 'A raw state key, optionally with an ICS-23 proof',
      description: 'The value of a key of the state tree at `height` (default: the latest), null if absent. With prove=true, a protobuf ics23 CommitmentProof ' +
        '(existence, or non-existence when absent) that verifies with iavlSpec against the app_hash of the signed header at that height.',
      tags: ['state'],
      params: { type: 'object', required: ['key'], additionalProperties: false, properties: { key: { type: 'string', minLength: 2, maxLength: 2 * MAX_KEY_BYTES, pattern: '^([0-9a-fA-F]{2})+$' } } },
      querystring: { type: 'object', additionalProperties: false, properties: { height: Uint, prove: Flag } },
      response: { 200: StoreEntry, ...errorResponses },
    },
  }, async (req) => {
    const key = hexBytes(req.params.key)
    const r = backend.query({ path: 'store', data: key, height: parseHeight(req.query.height), prove: flag(req.query.prove) })
    if (r.code !== 0) throw refusal(r.code, r.log)
    return { key: toHex(key), value: r.value ? toHex(r.value) : null, height: r.height.toString(), ...(r.proof ? { proof: toHex(r.proof) } : {}) }
  })

  app.get<{ Params: { address: string }; Querystring: { height?: string } }>('/v1/accounts/:address', {
    schema: {
      summary: 'An account: identity (roles, nonce, revocation) and all balances',
      tags: ['state'],
      params: { type: 'object', required: ['address'], additionalProperties: false, properties: { address: Hash } },
      querystring: HeightQuery,
      response: { 200: Account, ...errorResponses },
    },
  }, async (req) => {
    const address = req.params.address.toLowerCase()
    const h = parseHeight(req.query.height)
    const acct = query('identity/account', { address }, h)
    const bal = query('bank/balances', { address }, acct.height)
    return { ...(acct.value as object), height: acct.height.toString(), balances: (bal.value as { balances: unknown[] }).balances }
  })
}
