/** Transactions: submit one (optionally waiting for its commit), submit a batch, status by hash. */
import type { FastifyInstance } from 'fastify'
import { PolisError } from '../../base/errors.js'
import { sha256 } from '../../crypto/hash.js'
import { toHex } from '../../base/bytes.js'
import type { ApiContext } from '../context.js'
import { committedJson, hexBytes } from '../convert.js'
import { problemOfCode, sendProblem, stopping } from '../problem.js'
import { BatchResult, Flag, Hash, SubmitAccepted, TxHex, TxStatus, errorResponses, flag } from '../schemas.js'

const SENDER_FIELD = Buffer.from([0x66, ...Buffer.from('sender'), 0x58, 0x20])

/**
 * The sender of a transaction, found cheaply (without decoding) to keep one sender's transactions of
 * a batch in order. In canonical CBOR the body's "sender" entry is its last but one ("chain_id"
 * follows, and a chain id cannot hold these bytes), so the last occurrence is the right one. This is
 * only a scheduling hint: the ledger decodes and checks everything itself.
 */
function senderHint(tx: Uint8Array): string | undefined {
  const b = Buffer.from(tx.buffer, tx.byteOffset, tx.byteLength)
  const i = b.lastIndexOf(SENDER_FIELD)
  if (i < 0 || i + SENDER_FIELD.length + 32 > b.length) return undefined
  return b.toString('latin1', i + SENDER_FIELD.length, i + SENDER_FIELD.length + 32)
}

export function txRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const { backend, metrics, limits } = ctx

  app.post<{ Body: { tx: string }; Querystring: { wait?: string; timeout_ms?: string } }>('/v1/txs', {
    bodyLimit: limits.txBodyBytes,
    schema: {
      summary: 'Submit one signed transaction',
      description:
        'Admits the transaction to the mempool after the full ledger pipeline (decode, chain id, messages, signature, account, nonce, roles, handlers on a scratch copy of state). ' +
        '202 when admitted. With wait=true, answers 200 once it is committed, with its result (code 0 = executed; a refusal in the block is recorded with its code), or 202 if timeout_ms passes first. ' +
        'A refusal is a problem with the ledger code and changes nothing.',
      tags: ['txs'],
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: { wait: Flag, timeout_ms: { type: 'string', pattern: '^[1-9][0-9]{0,5}$', description: `how long wait=true waits (ms, default ${limits.waitMs}, at most ${limits.maxWaitMs})` } },
      },
      body: { type: 'object', required: ['tx'], additionalProperties: false, properties: { tx: TxHex } },
      response: { 200: TxStatus, 202: SubmitAccepted, ...errorResponses },
    },
  }, async (req, reply) => {
    if (ctx.isStopping()) throw stopping()
    const bytes = hexBytes(req.body.tx)
    const instance = req.url.split('?')[0]
    if (!flag(req.query.wait)) {
      const r = await backend.submit(bytes)
      metrics.onSubmit(r.code)
      if (r.code !== 0) return sendProblem(reply, { ...problemOfCode(r.code, r.log), instance })
      return reply.code(202).send({ hash: toHex(r.hash), code: 0, status: 'pending' })
    }
    const timeout = Math.min(Number(req.query.timeout_ms ?? limits.waitMs), limits.maxWaitMs)
    try {
      const res = await backend.submitAndWait(bytes, timeout)
      metrics.onSubmit(0)
      return reply.code(200).send(committedJson(res))
    } catch (e) {
      if (!(e instanceof PolisError)) throw e
      if (e.errorName === 'expired') {
        metrics.onSubmit(0)
        return reply.code(202).send({ hash: toHex(sha256(bytes)), code: 0, status: 'pending' })
      }
      if (e.errorName === 'invalid_state' && ctx.isStopping()) throw stopping()
      metrics.onSubmit(e.code)
      return sendProblem(reply, { ...problemOfCode(e.code, e.message), instance })
    }
  })

  app.post<{ Body: { txs: string[] } }>('/v1/txs/batch', {
    bodyLimit: limits.bodyBytes,
    schema: {
      summary: 'Submit many signed transactions',
      description:
        `Up to ${limits.maxBatch} transactions, admitted independently (one sender's transactions in the order given). ` +
        'The answer lists each one\'s hash and code (0 = admitted; otherwise the refusal and its log): a refused transaction does not fail the batch. ' +
        'A malformed request (not hex, too many) is refused as a whole, before anything is admitted.',
      tags: ['txs'],
      body: { type: 'object', required: ['txs'], additionalProperties: false, properties: { txs: { type: 'array', minItems: 1, maxItems: limits.maxBatch, items: TxHex } } },
      response: { 200: { type: 'object', required: ['results'], additionalProperties: false, properties: { results: { type: 'array', items: BatchResult } } }, ...errorResponses },
    },
  }, async (req) => {
    if (ctx.isStopping()) throw stopping()
    const txs = req.body.txs.map(hexBytes)
    const last = new Map<string, Promise<unknown>>()
    const results = await Promise.all(txs.map((tx) => {
      const key = senderHint(tx)
      const prev = key === undefined ? undefined : last.get(key)
      const p = prev ? prev.then(() => backend.submit(tx)) : backend.submit(tx)
      if (key !== undefined) last.set(key, p)
      return p
    }))
    return {
      results: results.map((r) => {
        metrics.onSubmit(r.code)
        return { hash: toHex(r.hash), code: r.code, log: r.log }
      }),
    }
  })

  app.get<{ Params: { hash: string } }>('/v1/txs/:hash', {
    schema: {
      summary: 'Status and result of a transaction',
      tags: ['txs'],
      params: { type: 'object', required: ['hash'], additionalProperties: false, properties: { hash: Hash } },
      response: { 200: TxStatus, ...errorResponses },
    },
  }, async (req) => {
    const hash = hexBytes(req.params.hash)
    const s = await backend.txStatus(hash)
    if (s.status === 'committed') return committedJson(s.result)
    return { hash: toHex(hash), status: s.status }
  })
}
