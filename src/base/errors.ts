/**
 * Typed errors. Every refusal the ledger makes carries a stable numeric code (recorded in tx
 * results, returned by checkTx, mapped to HTTP problem bodies) and a stable name.
 * Codes are part of the protocol: never renumber, only append.
 */
export const ErrorCodes = {
  ok: 0,
  internal: 1,
  tx_decode: 2,
  tx_too_large: 3,
  bad_signature: 4,
  wrong_chain_id: 5,
  bad_nonce: 6,
  unknown_message: 7,
  unauthorized: 8,
  account_revoked: 9,
  unknown_account: 10,
  insufficient_funds: 11,
  invalid_message: 12,
  mempool_full: 13,
  duplicate_tx: 14,
  not_found: 15,
  invalid_request: 16,
  already_exists: 17,
  block_full: 18,
  invalid_genesis: 19,
  invalid_state: 20,
  expired: 21,
  proof_invalid: 22,
  frozen: 23,
  overflow: 24,
  validator_key_unregistered: 25,
  unsafe_validator_change: 26,
  pruned: 27,
} as const

export type ErrorName = keyof typeof ErrorCodes

const nameByCode = new Map<number, ErrorName>(
  Object.entries(ErrorCodes).map(([k, v]) => [v, k as ErrorName]),
)

export class PolisError extends Error {
  readonly code: number
  readonly errorName: ErrorName
  constructor(name: ErrorName, message: string) {
    super(message)
    this.name = 'PolisError'
    this.errorName = name
    this.code = ErrorCodes[name]
  }
}

export function errorNameOf(code: number): ErrorName | 'unknown' {
  return nameByCode.get(code) ?? 'unknown'
}

/** Throws a typed error: `fail('insufficient_funds', 'balance 3 < 5')`. */
export function fail(name: ErrorName, message: string): never {
  throw new PolisError(name, message)
}
