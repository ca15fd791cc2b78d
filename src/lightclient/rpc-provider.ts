/** Light blocks from a CometBFT node's RPC: `/commit`, `/validators` at h and at h+1. */
import { parseSignedHeader, parseValidatorSet } from './json.js'
import type { LightBlock, ValidatorSet } from './types.js'
import type { LightBlockProvider } from './light-client.js'

/** The two CometBFT JSON-RPC calls a light client needs (the engine's CometRpc has them). */
export interface LightBlockRpc {
  commit(height?: bigint): Promise<any>
  validators(height?: bigint, page?: number, perPage?: number): Promise<any>
}

async function validatorsAt(rpc: LightBlockRpc, height: bigint): Promise<ValidatorSet> {
  const all: unknown[] = []
  for (let page = 1; ; page++) {
    const r = await rpc.validators(height, page, 100)
    all.push(...r.validators)
    if (all.length >= Number(r.total) || r.validators.length === 0) break
  }
  return parseValidatorSet({ validators: all })
}

export function rpcProvider(rpc: LightBlockRpc): LightBlockProvider {
  return {
    async lightBlock(height?: bigint): Promise<LightBlock> {
      const c = await rpc.commit(height)
      const signedHeader = parseSignedHeader(c.signed_header)
      const h = signedHeader.header.height
      const [validatorSet, nextValidatorSet] = await Promise.all([validatorsAt(rpc, h), validatorsAt(rpc, h + 1n)])
      return { signedHeader, validatorSet, nextValidatorSet }
    },
  }
}
