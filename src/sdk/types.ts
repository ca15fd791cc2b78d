/** Shapes of the node's JSON (docs/API.md) and of what the SDK returns. */
import type { AppEvent } from '../app/types.js'

export type { AppEvent } from '../app/types.js'

/** `GET /v1/status` */
export interface NodeStatus {
  chain_id: string
  height: string
  app_hash: string
  time: string
  hash_alg: string
  validator: string
  mempool_size: number
  engine: string
  [extra: string]: unknown
}

/** `POST /v1/txs` (202) */
export interface SubmitResponse { hash: string; code: number; log?: string }

/** One entry of `POST /v1/txs/batch` */
export interface BatchResult { hash: string; code: number; log: string }

/** `GET /v1/txs/{hash}` */
export interface TxStatusResponse {
  hash: string
  status: 'committed' | 'pending' | 'unknown'
  height?: string
  index?: number
  code?: number
  log?: string
  events?: AppEvent[]
}

/** A committed transaction's result, typed. `code` 0 is success; otherwise an ErrorCodes value. */
export interface TxResult {
  hash: string
  height: bigint
  index: number
  code: number
  log: string
  events: AppEvent[]
  ok: boolean
}

/** `GET /v1/headers/{height}` */
export interface HeaderResponse {
  height: string
  hash: string
  header: Record<string, unknown>
  header_cbor: string
  signature: string
}

/** `GET /v1/blocks/{height}` */
export interface BlockResponse extends HeaderResponse {
  txs: string[]
  results: Array<{ hash: string; code: number; log: string }>
}

/** `GET /v1/store/{key}` */
export interface StoreResponse {
  key: string
  value: string | null
  height: string
  proof?: string
}

/** `identity/account` query: an account as JSON. */
export interface AccountJson {
  address: string
  roles: string[]
  nonce: string
  created_at: string
  revoked_at: string | null
  revoke_reason: string | null
  meta: string | null
}

export interface BalanceJson { address: string; denom: string; amount: string }
