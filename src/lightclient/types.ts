/**
 * CometBFT (0.34+ / 0.37 / 0.38) light-client data: signed headers, commits, validator sets.
 * Times are kept exact as nanoseconds since the epoch (bigint), as CometBFT signs them.
 */

export interface Time { seconds: bigint; nanos: number }

export interface PartSetHeader { total: number; hash: Uint8Array }
export interface BlockId { hash: Uint8Array; partSetHeader: PartSetHeader }

export interface Header {
  version: { block: bigint; app: bigint }
  chainId: string
  height: bigint
  time: Time
  lastBlockId: BlockId
  lastCommitHash: Uint8Array
  dataHash: Uint8Array
  validatorsHash: Uint8Array
  nextValidatorsHash: Uint8Array
  consensusHash: Uint8Array
  appHash: Uint8Array
  lastResultsHash: Uint8Array
  evidenceHash: Uint8Array
  proposerAddress: Uint8Array
}

export const BlockIdFlag = { Absent: 1, Commit: 2, Nil: 3 } as const
export type BlockIdFlagValue = (typeof BlockIdFlag)[keyof typeof BlockIdFlag]

export interface CommitSig {
  blockIdFlag: number
  validatorAddress: Uint8Array
  timestamp: Time
  signature: Uint8Array
}

export interface Commit {
  height: bigint
  round: number
  blockId: BlockId
  signatures: CommitSig[]
}

export interface SignedHeader { header: Header; commit: Commit }

export interface Validator {
  address: Uint8Array
  pubKey: Uint8Array      // Ed25519, 32 bytes
  votingPower: bigint
  proposerPriority?: bigint
}

export interface ValidatorSet { validators: Validator[] }

/** A header with its commit, the validators that signed it and the next block's validators. */
export interface LightBlock {
  signedHeader: SignedHeader
  validatorSet: ValidatorSet
  /** Needed to verify later headers from this one; when given, checked against next_validators_hash. */
  nextValidatorSet?: ValidatorSet
}

export interface Fraction { numerator: bigint; denominator: bigint }

export const DEFAULT_TRUST_LEVEL: Fraction = { numerator: 1n, denominator: 3n }

export interface VerifyOptions {
  /** Trusting period in nanoseconds (CometBFT suggests 2/3 of the unbonding period). */
  trustingPeriodNs: bigint
  /** Allowed clock drift in nanoseconds (default 10 s, CometBFT's default). */
  maxClockDriftNs?: bigint
  /** Fraction of the trusted validators' power that must sign a non-adjacent header (default 1/3). */
  trustLevel?: Fraction
  /** The verifier's current time, in nanoseconds since the epoch. */
  nowNs: bigint
}

export type Verdict = 'SUCCESS' | 'NOT_ENOUGH_TRUST' | 'INVALID'

export interface VerifyResult { verdict: Verdict; reason: string }

export function timeToNs(t: Time): bigint {
  return t.seconds * 1_000_000_000n + BigInt(t.nanos)
}

export function nsToTime(ns: bigint): Time {
  const seconds = ns >= 0n ? ns / 1_000_000_000n : -((-ns + 999_999_999n) / 1_000_000_000n)
  return { seconds, nanos: Number(ns - seconds * 1_000_000_000n) }
}
