/**
 * The solo engine's block store, in the node's database next to the state, written in the same
 * atomic batch as the block's state (App.commit's `extra`).
 * Keys: e/b|height(8) -> Block (CBOR)    e/h|headerHash -> height(8)
 */
import type { ClassicLevel } from 'classic-level'
import { decodeCanonical, encodeCanonical } from '../../codec/cbor.js'
import { concatBytes, utf8 } from '../../base/bytes.js'
import type { BatchPut } from '../../app/types.js'
import { decodeHeader, encodeHeader, type SignedHeader } from '../../lightclient/solo-header.js'
import { heightKey, readU64be } from '../../codec/be.js'

const BLOCK_PREFIX = utf8('e/b')
const HASH_PREFIX = utf8('e/h')

export interface Block { signed: SignedHeader; txs: Uint8Array[] }

export function blockRecords(block: Block): BatchPut[] {
  const value = encodeCanonical([encodeHeader(block.signed.header), block.signed.hash, block.signed.signature, block.txs])
  return [
    { key: heightKey(BLOCK_PREFIX, block.signed.header.height), value },
    { key: concatBytes(HASH_PREFIX, block.signed.hash), value: heightKey(new Uint8Array(0), block.signed.header.height) },
  ]
}

export class BlockStore {
  constructor(private readonly db: ClassicLevel<Uint8Array, Uint8Array>) {}

  block(height: bigint): Block | undefined {
    const b = this.db.getSync(heightKey(BLOCK_PREFIX, height))
    if (!b) return undefined
    const [hdr, hash, signature, txs] = decodeCanonical(b, 'invalid_state') as [Uint8Array, Uint8Array, Uint8Array, Uint8Array[]]
    return { signed: { header: decodeHeader(hdr), hash, signature }, txs }
  }

  header(height: bigint): SignedHeader | undefined {
    return this.block(height)?.signed
  }

  heightOfHash(hash: Uint8Array): bigint | undefined {
    const b = this.db.getSync(concatBytes(HASH_PREFIX, hash))
    return b ? readU64be(b) : undefined
  }
}
