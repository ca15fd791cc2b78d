/** The chain: status, blocks, signed headers (what a light client checks), the genesis document. */
import type { FastifyInstance } from 'fastify'
import { notFoundBlock } from '../backend.js'
import type { ApiContext } from '../context.js'
import { parseHeight } from '../convert.js'
import { AnyObject, Block, HeightParam, NodeStatus, SignedHeader, errorResponses } from '../schemas.js'

export function chainRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const { backend } = ctx
  // A CometBFT node serves CometBFT's own block, header and commit shapes (docs/API.md, "Engines").
  const solo = backend.engine === 'solo'

  async function at<T>(height: bigint | undefined, get: (h: bigint) => Promise<T | undefined>): Promise<T> {
    const latest = await backend.height()
    const h = height ?? latest
    const r = h > 0n && h <= latest ? await get(h) : undefined
    if (r === undefined) throw notFoundBlock(h, latest)
    return r
  }

  app.get('/v1/status', {
    schema: { summary: 'Chain id, height, app hash and node state', tags: ['chain'], response: { 200: solo ? NodeStatus : AnyObject, ...errorResponses } },
  }, async () => backend.status())

  const blockSchema = (summary: string, params?: object) => ({ summary, tags: ['chain'], ...(params ? { params } : {}), response: { 200: solo ? Block : AnyObject, ...errorResponses } })
  const headerSchema = (summary: string, params?: object) => ({ summary, tags: ['chain'], ...(params ? { params } : {}), response: { 200: solo ? SignedHeader : AnyObject, ...errorResponses } })
  const block = (h?: bigint) => at(h, (x) => backend.blockJson(x))
  const header = (h?: bigint) => at(h, (x) => backend.headerJson(x))

  app.get('/v1/blocks/latest', { schema: blockSchema('The latest committed block') }, async () => block())
  app.get<{ Params: { height: string } }>('/v1/blocks/:height', { schema: blockSchema('A committed block: signed header, transactions, results', HeightParam) }, async (req) =>
    block(parseHeight(req.params.height)!))
  app.get('/v1/headers/latest', { schema: headerSchema('The latest signed header') }, async () => header())
  app.get<{ Params: { height: string } }>('/v1/headers/:height', { schema: headerSchema('A signed header: what a light client verifies (solo: hash over header_cbor, Ed25519 signature of the proposer; CometBFT: header + commit signatures)', HeightParam) }, async (req) =>
    header(parseHeight(req.params.height)!))

  const validators = backend.validatorsJson?.bind(backend)
  if (validators) {
    // up to the next height: a light client needs the set that signs the block after the latest (next_validators_hash)
    app.get<{ Params: { height: string } }>('/v1/validators/:height', { schema: { summary: 'The validator set that signs block `height` (CometBFT\'s JSON, every page): a light client checks it against the header\'s validators_hash', tags: ['chain'], params: HeightParam, response: { 200: AnyObject, ...errorResponses } } }, async (req) => {
      const h = parseHeight(req.params.height)!
      const latest = await backend.height()
      const r = h > 0n && h <= latest + 1n ? await validators(h) : undefined
      if (r === undefined) throw notFoundBlock(h, latest)
      return r
    })
  }

  app.get('/v1/genesis', {
    schema: { summary: 'The genesis document', tags: ['chain'], response: { 200: AnyObject, ...errorResponses } },
  }, async () => backend.genesis())
}
