/** The chain: status, blocks, signed headers (what a light client checks), the genesis document. */
import type { FastifyInstance } from 'fastify'
import { PolisError } from '../../app/errors.js'
import { toHex } from '../../crypto/hash.js'
import { txHash } from '../../app/tx.js'
import type { Block as StoredBlock } from '../../engine/solo/block-store.js'
import type { ApiContext } from '../context.js'
import { parseHeight, signedHeaderJson } from '../convert.js'
import { AnyObject, Block, HeightParam, NodeStatus, SignedHeader, errorResponses } from '../schemas.js'

export function chainRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const { engine } = ctx

  function blockAt(height: bigint): StoredBlock {
    const b = height > 0n && height <= engine.height ? engine.blocks.block(height) : undefined
    if (!b) throw new PolisError('not_found', height === 0n ? 'no block has been committed yet' : `no block at height ${height} (latest is ${engine.height})`)
    return b
  }

  function blockJson(b: StoredBlock) {
    return {
      ...signedHeaderJson(b.signed),
      txs: b.txs.map(toHex),
      results: b.txs.map((tx) => {
        const hash = txHash(tx)
        const r = engine.app.txResult(hash)
        return { hash: toHex(hash), code: r?.code ?? 1, log: r?.log ?? 'internal: result missing' }
      }),
    }
  }

  app.get('/v1/status', {
    schema: { summary: 'Chain id, height, app hash and node state', tags: ['chain'], response: { 200: NodeStatus, ...errorResponses } },
  }, async () => {
    const info = engine.app.info()
    const head = info.lastHeight > 0n ? engine.blocks.header(info.lastHeight) : undefined
    return {
      chain_id: engine.genesis.chainId,
      height: info.lastHeight.toString(),
      app_hash: toHex(info.lastAppHash),
      time: (head?.header.time ?? engine.genesis.genesisTime).toString(),
      hash_alg: engine.genesis.hash.name,
      validator: toHex(engine.genesis.validators[0]!.pubKey),
      mempool_size: engine.mempool.size,
      engine: 'solo',
    }
  })

  const blockSchema = (summary: string, params?: object) => ({ summary, tags: ['chain'], ...(params ? { params } : {}), response: { 200: Block, ...errorResponses } })
  const headerSchema = (summary: string, params?: object) => ({ summary, tags: ['chain'], ...(params ? { params } : {}), response: { 200: SignedHeader, ...errorResponses } })

  app.get('/v1/blocks/latest', { schema: blockSchema('The latest committed block') }, async () => blockJson(blockAt(engine.height)))
  app.get<{ Params: { height: string } }>('/v1/blocks/:height', { schema: blockSchema('A committed block: signed header, transactions, results', HeightParam) }, async (req) =>
    blockJson(blockAt(parseHeight(req.params.height)!)))
  app.get('/v1/headers/latest', { schema: headerSchema('The latest signed header') }, async () => signedHeaderJson(blockAt(engine.height).signed))
  app.get<{ Params: { height: string } }>('/v1/headers/:height', { schema: headerSchema('A signed header: what a light client verifies (hash over header_cbor, Ed25519 signature of the proposer)', HeightParam) }, async (req) =>
    signedHeaderJson(blockAt(parseHeight(req.params.height)!).signed))

  app.get('/v1/genesis', {
    schema: { summary: 'The genesis document', tags: ['chain'], response: { 200: AnyObject, ...errorResponses } },
  }, async () => engine.genesis.doc)
}
