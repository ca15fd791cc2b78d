/**
 * Single-step CometBFT light-client verification, following CometBFT's `light/verifier.go` and
 * the predicate order of tendermint-rs (whose model-based vectors the tests run):
 *
 *   trusted header within the trusting period → untrusted header not from the future (clock drift)
 *   → validator set and next validator set match the header → header hash = commit's block id
 *   → commit well-formed, for this height and chain → time and height strictly increase →
 *   adjacent: validators = trusted next_validators;  non-adjacent: signers from the trusted next
 *   validator set hold more than `trustLevel` (1/3) of its power, else NOT_ENOUGH_TRUST →
 *   signers hold more than 2/3 of the header's validator set power.
 *
 * Every commit signature that is counted is an Ed25519 signature over the canonical vote.
 */
import { bytesEqual, toHex } from '../base/bytes.js'
import { verifySignature } from '../crypto/keys.js'
import { headerHash, validatorSetHash, voteSignBytes } from './hash.js'
import { BlockIdFlag, DEFAULT_TRUST_LEVEL, timeToNs, type Commit, type Fraction, type LightBlock, type Time, type ValidatorSet, type VerifyOptions, type VerifyResult } from './types.js'

export const DEFAULT_MAX_CLOCK_DRIFT_NS = 10_000_000_000n

const ok: VerifyResult = { verdict: 'SUCCESS', reason: '' }
const invalid = (reason: string): VerifyResult => ({ verdict: 'INVALID', reason })

export function totalPower(vs: ValidatorSet): bigint {
  return vs.validators.reduce((s, v) => s + v.votingPower, 0n)
}

/** Checks the signature at `idx` once (memoised per commit object). */
const sigCache = new WeakMap<Commit, Map<string, boolean>>()
function sigValid(chainId: string, commit: Commit, idx: number, pubKey: Uint8Array): boolean {
  let m = sigCache.get(commit)
  if (!m) sigCache.set(commit, (m = new Map()))
  const k = `${idx}/${chainId}/${toHex(pubKey)}`
  let r = m.get(k)
  if (r === undefined) {
    r = verifySignature(pubKey, voteSignBytes(chainId, commit, idx), commit.signatures[idx]!.signature)
    m.set(k, r)
  }
  return r
}

/**
 * Power of `vals` that signed `commit` for its block. `byIndex`: signature i belongs to validator
 * i (the header's own validator set, as CometBFT's VerifyCommitLight); otherwise signers are looked
 * up by address (a trusted set, as VerifyCommitLightTrusting). Returns an error string for a
 * malformed commit, a bad signature or a double vote.
 */
export function signedPower(chainId: string, commit: Commit, vals: ValidatorSet, byIndex: boolean): bigint | string {
  let power = 0n
  const seen = new Set<string>()
  const byAddr = byIndex ? undefined : new Map(vals.validators.map((v) => [toHex(v.address), v]))
  for (let i = 0; i < commit.signatures.length; i++) {
    const s = commit.signatures[i]!
    if (s.blockIdFlag !== BlockIdFlag.Commit) continue
    const v = byIndex ? vals.validators[i] : byAddr!.get(toHex(s.validatorAddress))
    if (!v) {
      if (byIndex) return `signature ${i} has no validator`
      continue
    }
    if (byIndex && !bytesEqual(v.address, s.validatorAddress)) return `signature ${i} is from ${toHex(s.validatorAddress)}, expected validator ${toHex(v.address)}`
    const a = toHex(v.address)
    if (seen.has(a)) return `validator ${a} signed twice`
    seen.add(a)
    if (!sigValid(chainId, commit, i, v.pubKey)) return `invalid signature from validator ${a} at index ${i}`
    power += v.votingPower
  }
  return power
}

function checkCommitShape(commit: Commit, vals: ValidatorSet): string | undefined {
  if (commit.signatures.length === 0) return 'commit has no signatures'
  if (commit.signatures.length !== vals.validators.length) return `commit has ${commit.signatures.length} signatures for ${vals.validators.length} validators`
  for (const [i, s] of commit.signatures.entries()) {
    if (s.blockIdFlag === BlockIdFlag.Absent) {
      if (s.validatorAddress.length || s.signature.length) return `absent signature ${i} carries an address or signature`
    } else if (s.blockIdFlag === BlockIdFlag.Commit || s.blockIdFlag === BlockIdFlag.Nil) {
      if (s.validatorAddress.length !== 20) return `signature ${i} has a malformed validator address`
      if (s.signature.length !== 64) return `signature ${i} is not 64 bytes`
    } else return `signature ${i} has an unknown block id flag ${s.blockIdFlag}`
  }
  return undefined
}

/** Verifies `untrusted` against `trusted` (whose next validator set must be known). */
export function verify(trusted: LightBlock, untrusted: LightBlock, opts: VerifyOptions): VerifyResult {
  const th = trusted.signedHeader.header
  if (!trusted.nextValidatorSet) throw new Error('the trusted light block needs its next validator set')
  return verifyFromTrusted({ chainId: th.chainId, height: th.height, time: th.time, nextValidatorsHash: th.nextValidatorsHash, nextValidatorSet: trusted.nextValidatorSet }, untrusted, opts)
}

/**
 * What verification needs of a trusted header: the light client kept on a chain stores only this
 * (and the caller supplies the next validator set, whose hash it checks against `nextValidatorsHash`).
 */
export interface TrustedState { chainId: string; height: bigint; time: Time; nextValidatorsHash: Uint8Array; nextValidatorSet: ValidatorSet }

export function verifyFromTrusted(th: TrustedState, untrusted: LightBlock, opts: VerifyOptions): VerifyResult {
  const trustedNext = th.nextValidatorSet
  const { header: h, commit } = untrusted.signedHeader
  const drift = opts.maxClockDriftNs ?? DEFAULT_MAX_CLOCK_DRIFT_NS
  const trustLevel: Fraction = opts.trustLevel ?? DEFAULT_TRUST_LEVEL
  if (trustLevel.denominator === 0n || trustLevel.numerator * 3n < trustLevel.denominator || trustLevel.numerator > trustLevel.denominator) {
    throw new Error('trust level must lie in [1/3, 1]')
  }

  if (timeToNs(th.time) + opts.trustingPeriodNs <= opts.nowNs) return invalid(`trusted header ${th.height} has expired (trusting period over)`)
  if (timeToNs(h.time) >= opts.nowNs + drift) return invalid(`header ${h.height} is from the future`)
  if (!bytesEqual(validatorSetHash(untrusted.validatorSet), h.validatorsHash)) return invalid('validator set does not match header.validators_hash')
  if (untrusted.nextValidatorSet && !bytesEqual(validatorSetHash(untrusted.nextValidatorSet), h.nextValidatorsHash)) return invalid('next validator set does not match header.next_validators_hash')
  if (!bytesEqual(headerHash(h), commit.blockId.hash)) return invalid('header hash does not match the commit\'s block id')
  if (h.chainId !== th.chainId) return invalid(`header is for chain "${h.chainId}", trusted chain is "${th.chainId}"`)
  if (commit.height !== h.height) return invalid(`commit is for height ${commit.height}, header is ${h.height}`)
  const shape = checkCommitShape(commit, untrusted.validatorSet)
  if (shape) return invalid(shape)
  if (timeToNs(h.time) <= timeToNs(th.time)) return invalid('header time is not after the trusted header\'s')
  if (h.height <= th.height) return invalid('header height is not above the trusted height')

  if (h.height === th.height + 1n) {
    if (!bytesEqual(h.validatorsHash, th.nextValidatorsHash)) return invalid('adjacent header\'s validators are not the trusted next validators')
  } else {
    const p = signedPower(h.chainId, commit, trustedNext, false)
    if (typeof p === 'string') return invalid(p)
    const needed = (totalPower(trustedNext) * trustLevel.numerator) / trustLevel.denominator
    if (p <= needed) return { verdict: 'NOT_ENOUGH_TRUST', reason: `trusted validators signed ${p} of ${totalPower(trustedNext)}, need more than ${needed}` }
  }
  const p = signedPower(h.chainId, commit, untrusted.validatorSet, true)
  if (typeof p === 'string') return invalid(p)
  const total = totalPower(untrusted.validatorSet)
  if (p <= (total * 2n) / 3n) return invalid(`validators signed ${p} of ${total}: not more than 2/3`)
  return ok
}

/**
 * Checks a light block on its own (no trusted state): validator set and header hashes match, the
 * commit is for this header, well formed, and signed by more than 2/3 of the header's validator
 * power. Returns why not, or undefined. (What a trust anchor given out of band must pass.)
 */
export function checkSelfSigned(lb: Pick<LightBlock, 'signedHeader' | 'validatorSet'>): string | undefined {
  const { header: h, commit } = lb.signedHeader
  if (!bytesEqual(validatorSetHash(lb.validatorSet), h.validatorsHash)) return 'validator set does not match header.validators_hash'
  if (!bytesEqual(headerHash(h), commit.blockId.hash)) return 'header hash does not match the commit\'s block id'
  if (commit.height !== h.height) return `commit is for height ${commit.height}, header is ${h.height}`
  const shape = checkCommitShape(commit, lb.validatorSet)
  if (shape) return shape
  const p = signedPower(h.chainId, commit, lb.validatorSet, true)
  if (typeof p === 'string') return p
  const total = totalPower(lb.validatorSet)
  if (p <= (total * 2n) / 3n) return `validators signed ${p} of ${total}: not more than 2/3`
  return undefined
}
