/** What every route module gets: the engine backend, the metrics, and the node's lifecycle state. */
import type { ApiBackend } from './backend.js'
import type { EventHub } from './event-stream.js'
import type { NodeMetrics } from './metrics.js'

export interface ApiLimits {
  /** Body limit of POST /v1/txs (one transaction as hex, in JSON). */
  txBodyBytes: number
  /** Body limit of POST /v1/txs/batch and the default for every other route. */
  bodyBytes: number
  /** Transactions in one batch. */
  maxBatch: number
  /** Default and maximum wait of `?wait=true`. */
  waitMs: number
  maxWaitMs: number
}

export interface ApiContext {
  backend: ApiBackend
  metrics: NodeMetrics
  hub: EventHub
  limits: ApiLimits
  /** True once shutdown has begun: submissions are refused (503), /ready fails. */
  isStopping(): boolean
}
