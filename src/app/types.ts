/**
 * The seam between the App (deterministic state machine) and the engines that drive it
 * (solo, CometBFT). Semantics follow ABCI 2.0; see docs/ARCHITECTURE.md for the differences.
 * Times are milliseconds since the Unix epoch, as bigint, taken from the block header.
 */

export interface EventAttribute { key: string; value: string }
export interface AppEvent { type: string; attributes: EventAttribute[] }

export interface TxResult {
  code: number           // 0 = ok, otherwise an ErrorCodes value
  log: string            // error message when code != 0
  events: AppEvent[]
}

export interface CheckTxResult {
  code: number
  log: string
  sender?: Uint8Array
  nonce?: bigint
  hash?: Uint8Array
}

export interface ValidatorUpdate { pubKey: Uint8Array; power: bigint }

export interface BlockRequest {
  height: bigint
  time: bigint            // ms since epoch, from the header
  txs: Uint8Array[]
  proposer: Uint8Array    // validator public key
}

export interface FinalizeResult {
  results: TxResult[]
  events: AppEvent[]      // begin/end-block events
  validatorUpdates: ValidatorUpdate[]
  appHash: Uint8Array
}

export interface QueryRequest {
  path: string            // e.g. "store" (raw key), "bank/balance", "identity/account"
  data: Uint8Array
  height?: bigint         // 0 or absent = latest committed
  prove?: boolean
}

export interface QueryResult {
  code: number
  log: string
  height: bigint
  key?: Uint8Array
  value?: Uint8Array
  proof?: Uint8Array      // protobuf-encoded ics23 CommitmentProof, when prove = true
}

export interface AppInfo { lastHeight: bigint; lastAppHash: Uint8Array; chainId: string }

/** A key/value write the engine asks the App to persist in the same atomic batch as the state. */
export interface BatchPut { key: Uint8Array; value: Uint8Array }

export interface App {
  info(): AppInfo
  initChain(genesis: unknown): Promise<{ appHash: Uint8Array; validators: ValidatorUpdate[] }>
  /** `hash`: txHash(tx) if the caller has computed it (saves hashing twice). */
  checkTx(tx: Uint8Array, hash?: Uint8Array): Promise<CheckTxResult>
  finalizeBlock(block: BlockRequest): Promise<FinalizeResult>
  /** Persist atomically (with the engine's `extra` records); re-admit `recheck` (the mempool's remainder). */
  commit(extra?: BatchPut[], recheck?: Uint8Array[]): Promise<CheckTxResult[]>
  query(q: QueryRequest): QueryResult
}
