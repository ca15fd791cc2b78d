/**
 * The solo engine as the API's backend (src/api/backend.ts): blocks, signed headers and the
 * mempool are the engine's own; queries go to its App.
 */
import { EventEmitter } from 'node:events'
import type { QueryRequest } from '../../app/types.js'
import { txHash as sha256Of } from '../../app/tx.js'
import { toHex } from '../../base/bytes.js'
import type { ApiBackend, BlockEvent } from '../../api/backend.js'
import { signedHeaderJson } from '../../api/convert.js'
import type { CommittedBlock, SoloEngine } from './engine.js'
import type { Block as StoredBlock } from './block-store.js'

export function soloBlockEvent(b: CommittedBlock): BlockEvent {
  const h = b.block.signed.header
  return { height: h.height, hash: b.block.signed.hash, time: h.time, appHash: h.appHash, txs: b.block.txs, results: b.results, events: b.events }
}

export class SoloBackend extends EventEmitter implements ApiBackend {
  readonly engine = 'solo' as const
  private readonly relay = (b: CommittedBlock) => this.emit('block', soloBlockEvent(b))

  constructor(readonly solo: SoloEngine) {
    super()
    solo.on('block', this.relay)
  }

  detach(): void {
    this.solo.off('block', this.relay)
  }

  get chainId(): string {
    return this.solo.genesis.chainId
  }

  async genesis(): Promise<unknown> {
    return this.solo.genesis.doc
  }

  submit(tx: Uint8Array) {
    return this.solo.submit(tx)
  }

  submitAndWait(tx: Uint8Array, timeoutMs: number) {
    return this.solo.submitAndWait(tx, timeoutMs)
  }

  async txStatus(hash: Uint8Array) {
    return this.solo.txStatus(hash)
  }

  async height() {
    return this.solo.height
  }

  async mempoolSize() {
    return this.solo.mempool.size
  }

  async status() {
    const e = this.solo
    const info = e.app.info()
    const head = info.lastHeight > 0n ? e.blocks.header(info.lastHeight) : undefined
    return {
      chain_id: e.genesis.chainId,
      height: info.lastHeight.toString(),
      app_hash: toHex(info.lastAppHash),
      time: (head?.header.time ?? e.genesis.genesisTime).toString(),
      hash_alg: e.genesis.hash.name,
      validator: toHex(e.genesis.validators[0]!.pubKey),
      mempool_size: e.mempool.size,
      engine: 'solo',
    }
  }

  private blockAt(height: bigint): StoredBlock | undefined {
    return height > 0n && height <= this.solo.height ? this.solo.blocks.block(height) : undefined
  }

  async blockJson(height: bigint) {
    const b = this.blockAt(height)
    if (!b) return undefined
    return {
      ...signedHeaderJson(b.signed),
      txs: b.txs.map(toHex),
      results: b.txs.map((tx) => {
        const r = this.solo.app.txResult(sha256Of(tx))
        return { hash: toHex(sha256Of(tx)), code: r?.code ?? 1, log: r?.log ?? 'internal: result missing' }
      }),
    }
  }

  async headerJson(height: bigint) {
    const b = this.blockAt(height)
    return b ? signedHeaderJson(b.signed) : undefined
  }

  query(q: QueryRequest) {
    return this.solo.app.query(q)
  }

  lastBlockTime(): bigint | undefined {
    return this.solo.blocks.header(this.solo.height)?.header.time
  }
}
