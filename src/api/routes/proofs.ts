/**
 * Many raw state keys with their ICS-23 proofs in one request, all at one height: the relayer's
 * proofs for a pass (packet commitments, acks, receipt absences) in one round trip instead of one
 * each. Every entry is the same as `GET /v1/store/{key}?prove=true&height=H` would answer, so each
 * proof is checked on its own against the app hash of header H (nothing here is batched into a
 * weaker claim).
 */
import type { FastifyInstance } from 'fastify'
import { PolisError } from '../../base/errors.js'
import { toHex } from '../../base/bytes.js'
import type { ApiContext } from '../context.js'
import { hexBytes, parseHeight } from '../convert.js'
import { refusal } from '../problem.js'
import { StoreEntry, Uint, errorResponses } from '../schemas.js'

const MAX_KEY_BYTES = 1024
/** Keys in one request at most (a relayer pass asks for a few hundred). */
export const MAX_PROOF_KEYS = 2000

export function proofRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const { backend } = ctx
  app.post<{ Body: { keys: string[]; height?: string } }>('/v1/store/proofs', {
    schema: {
      summary: 'Many raw state keys with ICS-23 proofs, at one height',
      description: `Up to ${MAX_PROOF_KEYS} keys (hex) of the state tree, each answered as GET /v1/store/{key}?prove=true would: its value (null if absent) and a protobuf ics23 ` +
        'CommitmentProof of it (existence, or non-existence when absent), every one at the same `height` (default: the latest), which the answer names. ' +
        'Each proof verifies on its own with iavlSpec against the app_hash of the signed header at that height.',
      tags: ['state'],
      body: {
        type: 'object', required: ['keys'], additionalProperties: false,
        properties: {
          keys: { type: 'array', minItems: 1, maxItems: MAX_PROOF_KEYS, items: { type: 'string', minLength: 2, maxLength: 2 * MAX_KEY_BYTES, pattern: '^([0-9a-fA-F]{2})+$' } },
          height: Uint,
        },
      },
      response: {
        200: { type: 'object', required: ['height', 'entries'], additionalProperties: false, properties: { height: Uint, entries: { type: 'array', items: StoreEntry } } },
        ...errorResponses,
      },
    },
  }, async (req) => {
    let height = parseHeight(req.body.height)
    const entries = req.body.keys.map((hex) => {
      const key = hexBytes(hex)
      const r = backend.query({ path: 'store', data: key, height, prove: true })
      if (r.code !== 0) throw refusal(r.code, r.log)
      if (!r.proof) throw new PolisError('internal', 'the store answered without a proof')
      height ??= r.height // the first answer fixes the latest height for the rest
      return { key: toHex(key), value: r.value ? toHex(r.value) : null, height: r.height.toString(), proof: toHex(r.proof) }
    })
    return { height: height!.toString(), entries }
  })
}
