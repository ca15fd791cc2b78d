/**
 * The genesis document of a city chain (JSON). Amounts, heights and times are decimal strings,
 * keys are lowercase hex. Validation refuses anything unclear with PolisError('invalid_genesis').
 */
import { fail } from '../base/errors.js'
import { sha256 } from '../crypto/hash.js'
import { fromHex, utf8 } from '../base/bytes.js'
import { canonicalJson } from '../codec/json.js'
import type { HashChoice } from '../crypto/header-hash.js'

export interface GenesisValidator { name?: string; pub_key: string; power: string }

export interface Genesis {
  chain_id: string
  genesis_time: string                 // ms since epoch
  initial_height?: string              // only "1" is supported
  consensus?: {
    hash?: HashChoice                  // header-linking hash; default sha256
    block?: { max_txs?: number; max_bytes?: number }
  }
  validators: GenesisValidator[]
  app_state: Record<string, unknown>
}

export const CHAIN_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,47}$/

export interface ParsedGenesis {
  doc: Genesis
  chainId: string
  genesisTime: bigint
  validators: Array<{ name: string; pubKey: Uint8Array; power: bigint }>
  hash: HashChoice
  maxBlockTxs: number
  maxBlockBytes: number
}

export function parseGenesis(input: unknown): ParsedGenesis {
  const g = input as Genesis
  if (typeof g !== 'object' || g === null) fail('invalid_genesis', 'genesis must be a JSON object')
  if (typeof g.chain_id !== 'string' || !CHAIN_ID_PATTERN.test(g.chain_id)) fail('invalid_genesis', 'chain_id must be 1..48 of a-z, 0-9, "-"')
  if (typeof g.genesis_time !== 'string' || !/^[0-9]{1,16}$/.test(g.genesis_time)) fail('invalid_genesis', 'genesis_time must be milliseconds since the epoch, as a decimal string')
  if (g.initial_height !== undefined && g.initial_height !== '1') fail('invalid_genesis', 'initial_height must be "1"')
  if (!Array.isArray(g.validators) || g.validators.length === 0) fail('invalid_genesis', 'genesis needs at least one validator')
  const seen = new Set<string>()
  const validators = g.validators.map((v, i) => {
    if (typeof v.pub_key !== 'string' || !/^[0-9a-f]{64}$/.test(v.pub_key)) fail('invalid_genesis', `validators[${i}].pub_key must be 32 bytes of lowercase hex`)
    if (seen.has(v.pub_key)) fail('invalid_genesis', `validators[${i}] is a duplicate`)
    seen.add(v.pub_key)
    if (typeof v.power !== 'string' || !/^[1-9][0-9]{0,17}$/.test(v.power)) fail('invalid_genesis', `validators[${i}].power must be a positive decimal string`)
    return { name: typeof v.name === 'string' ? v.name : `validator-${i}`, pubKey: fromHex(v.pub_key), power: BigInt(v.power) }
  })
  if (typeof g.app_state !== 'object' || g.app_state === null) fail('invalid_genesis', 'app_state must be an object')
  const hash = g.consensus?.hash ?? { name: 'sha256' }
  if (typeof hash.name !== 'string') fail('invalid_genesis', 'consensus.hash.name must be a string')
  const maxBlockTxs = g.consensus?.block?.max_txs ?? 10_000
  const maxBlockBytes = g.consensus?.block?.max_bytes ?? 16 * 1024 * 1024
  if (!Number.isInteger(maxBlockTxs) || maxBlockTxs < 1 || maxBlockTxs > 100_000) fail('invalid_genesis', 'consensus.block.max_txs must be 1..100000')
  if (!Number.isInteger(maxBlockBytes) || maxBlockBytes < 1024 || maxBlockBytes > 64 * 1024 * 1024) fail('invalid_genesis', 'consensus.block.max_bytes must be 1 KiB..64 MiB')
  return { doc: g, chainId: g.chain_id, genesisTime: BigInt(g.genesis_time), validators, hash, maxBlockTxs, maxBlockBytes }
}

/** The genesis hash: SHA-256 of the canonical JSON of the document. Block 1 links to it. */
export function genesisHash(doc: Genesis): Uint8Array {
  return sha256(utf8(canonicalJson(doc)))
}
