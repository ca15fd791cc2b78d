/**
 * What the HTTP API needs from a consensus engine, so that the same routes serve a solo node and
 * each App process of a CometBFT network (docs/API.md, "Engines"). Each engine brings its own:
 *
 *   SoloBackend      src/engine/solo/backend.ts: blocks, signed headers and mempool are the engine's own
 *   CometBackend     src/engine/cometbft/backend.ts: the App of this process + CometBFT's JSON-RPC
 *                    (mempool = broadcast_tx_sync, blocks/commits = CometBFT's block and commit)
 *
 * Queries and proofs always go to the App of this process (both engines run the same PolisApp).
 */
import type { StoredTxResult, TxStatus } from '../app/tx-results.js'
import type { AppEvent } from '../app/types.js'
import type { QueryRequest, QueryResult } from '../app/types.js'
import { PolisError } from '../base/errors.js'

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
  /** /v1/validators/:height body (CometBFT: the validator set that signs block `height`, every page); undefined when unknown. */
  validatorsJson?(height: bigint): Promise<object | undefined>
  /** A query through the App of this process. */
  query(q: QueryRequest): QueryResult
  /** Header time (unix ms) of the last committed block, where the engine knows it at once (metrics at start). */
  lastBlockTime?(): bigint | undefined
  on(event: 'block', fn: (b: BlockEvent) => void): unknown
  off(event: 'block', fn: (b: BlockEvent) => void): unknown
  /** Stops relaying the engine's blocks (when the server it fed has closed). */
  detach(): void
}

export function notFoundBlock(height: bigint, latest: bigint): PolisError {
  return new PolisError('not_found', height === 0n ? 'no block has been committed yet' : `no block at height ${height} (latest is ${latest})`)
}
