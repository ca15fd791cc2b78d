/**
 * What the HTTP API needs from a consensus engine, so that the same routes serve a solo node and
 * each App process of a CometBFT network (docs/API.md, "Engines").
 *
 *   SoloBackend      the solo engine (src/engine/solo): blocks, signed headers and mempool are its own
 *   CometBackend     src/engine/cometbft/api.ts: the App of this process + CometBFT's JSON-RPC
 *                    (mempool = broadcast_tx_sync, blocks/commits = CometBFT's block and commit)
 *
 * Queries and proofs always go to the App of this process (both engines run the same PolisApp).
 */
import { EventEmitter } from 'node:events'
import type { StoredTxResult } from '../app/events.js'
import type { AppEvent } from '../app/types.js'
import type { QueryRequest, QueryResult } from '../app/types.js'
import { txHash as sha256Of } from '../app/tx.js'
import { PolisError } from '../base/errors.js'
import { toHex } from '../base/bytes.js'
import type { CommittedBlock, SoloEngine, TxStatus } from '../engine/solo/engine.js'
import type { Block as StoredBlock } from '../engine/solo/block-store.js'
import { signedHeaderJson } from './convert.js'

/** A committed block, engine-neutral: what the event stream and the metrics need. */
export interface BlockEvent {
  height: bigint
  /** The engine's block hash (solo: header hash; CometBFT: block id hash; empty if unknown). */
  hash: Uint8Array
  /** Header time, unix ms. */
  time: bigint
  appHash: Uint8Array
  txs: Uint8Array[]
  results: StoredTxResult[]
  events: AppEvent[]
}

export type { TxStatus }

export type { QueryRequest }

export interface ApiBackend {
  readonly engine: 'solo' | 'cometbft'
  readonly chainId: string
  /** The genesis document as served by /v1/genesis (CometBFT: its genesis.json, app_state inside). */
  genesis(): Promise<unknown>
  /** Admission to the mempool: code 0 = admitted. Never throws for a refusal. */
  submit(tx: Uint8Array): Promise<{ code: number; log: string; hash: Uint8Array }>
  /** Submits and waits for the commit; throws PolisError (the refusal, or `expired` on timeout). */
  submitAndWait(tx: Uint8Array, timeoutMs: number): Promise<StoredTxResult>
  txStatus(hash: Uint8Array): Promise<TxStatus>
  /** Last committed height (0 before the first block). */
  height(): Promise<bigint>
  mempoolSize(): Promise<number>
  /** Why the node is not ready to serve (/ready answers 503 with it), or undefined when it is. */
  notReady?(): Promise<string | undefined>
  /** /v1/status body. */
  status(): Promise<Record<string, unknown>>
  /** /v1/blocks/:height and /v1/headers/:height bodies; undefined when there is no such block. */
  blockJson(height: bigint): Promise<object | undefined>
  headerJson(height: bigint): Promise<object | undefined>
  /** A query through the App of this process. */
  query(q: QueryRequest): QueryResult
  on(event: 'block', fn: (b: BlockEvent) => void): unknown
  off(event: 'block', fn: (b: BlockEvent) => void): unknown
}

export function soloBlockEvent(b: CommittedBlock): BlockEvent {
  const h = b.block.signed.header
  return { height: h.height, hash: b.block.signed.hash, time: h.time, appHash: h.appHash, txs: b.block.txs, results: b.results, events: b.events }
}

/** The solo engine as an API backend: the behaviour the API always had. */
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
}

export function notFoundBlock(height: bigint, latest: bigint): PolisError {
  return new PolisError('not_found', height === 0n ? 'no block has been committed yet' : `no block at height ${height} (latest is ${latest})`)
}
