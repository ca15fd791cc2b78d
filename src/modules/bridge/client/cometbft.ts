/**
 * The CometBFT light client: a counterparty run by a BFT validator set under CometBFT. A header
 * is verified with src/lightclient (CometBFT's light-client rules) from a consensus state the
 * client already holds: adjacent (the header's validators are the trusted next validators) or
 * across a skip (signers of the trusted next validator set hold more than the trust level, 1/3 by
 * default), and in both cases more than 2/3 of the header's own validator power signed it. The
 * verifier's "now" is this chain's block time, never the wall clock. Header h carries the app hash
 * of the state after block h-1 (see stateRootAt).
 */
import { fail } from '../../../base/errors.js'
import type { ExecContext } from '../../../app/module.js'
import { bytesEqual, toHex } from '../../../base/bytes.js'
import { LightClientError } from '../../../lightclient/json.js'
import { decodeSignedHeader, decodeValidatorSet } from '../../../lightclient/cbor.js'
import { checkSelfSigned, verifyFromTrusted } from '../../../lightclient/verifier.js'
import { headerHash, validatorSetHash } from '../../../lightclient/hash.js'
import { DEFAULT_TRUST_LEVEL, nsToTime, timeToNs, type Fraction, type SignedHeader, type ValidatorSet } from '../../../lightclient/types.js'
import {
  DEFAULT_MAX_CLOCK_DRIFT, DEFAULT_TRUSTING_PERIOD, admissionOnly, checkNewClient, freeze, getConsensusState, recordHeader, requireActiveClient, storeNewClient,
  type CometClientState, type ConsensusState, type LightClientType,
} from './state.js'
import type { CometHeaderMsg } from '../types.js'

const NS_PER_MS = 1_000_000n
/** At mempool admission the drift is not checked (see admissionOnly). */
const ANY_DRIFT_NS = 2n ** 62n

function decoded<T>(f: () => T): T {
  try {
    return f()
  } catch (e) {
    if (e instanceof LightClientError) fail('invalid_message', e.message)
    throw e
  }
}

function consensusOf(sh: SignedHeader): ConsensusState {
  const h = sh.header
  if (h.appHash.length === 0 || h.appHash.every((x) => x === 0)) fail('proof_invalid', `header ${h.height} carries an empty or zero app hash`)
  const timeNs = timeToNs(h.time)
  return { appHash: h.appHash, time: timeNs / NS_PER_MS, headerHash: headerHash(h), nextValidatorsHash: h.nextValidatorsHash, timeNs }
}

export function checkTrustLevel(t: Fraction): void {
  if (t.denominator === 0n || t.denominator > 1000n || t.numerator * 3n < t.denominator || t.numerator > t.denominator) fail('invalid_message', 'trust_level must be a fraction in [1/3, 1] with a denominator of at most 1000')
}

/**
 * Creates a client from a trusted light block (signed header + its validator set), which the
 * authority vouches for out of band. It must still be well formed and signed by more than 2/3 of
 * its validators.
 */
export function createCometClient(
  ctx: ExecContext,
  p: { clientId: string; chainId: string; counterpartyClient: string; signedHeader: Uint8Array; validatorSet: Uint8Array; trustLevel?: Fraction; trustingPeriod?: bigint; maxClockDrift?: bigint },
): void {
  const c: CometClientState = {
    type: 'cometbft', clientId: p.clientId, chainId: p.chainId, counterpartyClient: p.counterpartyClient, latestHeight: 0n,
    trustLevel: p.trustLevel ?? DEFAULT_TRUST_LEVEL, trustingPeriod: p.trustingPeriod ?? DEFAULT_TRUSTING_PERIOD, maxClockDrift: p.maxClockDrift ?? DEFAULT_MAX_CLOCK_DRIFT,
  }
  checkNewClient(ctx, c)
  checkTrustLevel(c.trustLevel)
  const signedHeader = decoded(() => decodeSignedHeader(p.signedHeader))
  const validatorSet = decoded(() => decodeValidatorSet(p.validatorSet))
  const h = signedHeader.header
  if (h.chainId !== c.chainId) fail('proof_invalid', `header is for chain "${h.chainId}", the client tracks "${c.chainId}"`)
  if (h.height === 0n) fail('proof_invalid', 'header height must be positive')
  const why = checkSelfSigned({ signedHeader, validatorSet })
  if (why) fail('proof_invalid', `trusted header ${h.height}: ${why}`)
  storeNewClient(ctx, { ...c, latestHeight: h.height }, consensusOf(signedHeader))
}

function requireComet(ctx: ExecContext, id: string): CometClientState {
  const c = requireActiveClient(ctx, id)
  if (c.type !== 'cometbft') fail('invalid_message', `client ${id} is a ${c.type} client, not a cometbft one`)
  return c
}

/** Verifies one header message from the stored consensus state at its trusted height. */
export function verifyCometHeader(ctx: ExecContext, c: CometClientState, m: CometHeaderMsg): { signedHeader: SignedHeader; consensus: ConsensusState } {
  const signedHeader = decoded(() => decodeSignedHeader(m.signedHeader))
  const validatorSet = decoded(() => decodeValidatorSet(m.validatorSet))
  const trustedValidators: ValidatorSet = decoded(() => decodeValidatorSet(m.trustedValidators))
  const trusted = getConsensusState(ctx.kv, c.clientId, m.trustedHeight)
  if (!trusted || !trusted.nextValidatorsHash || trusted.timeNs === undefined) fail('proof_invalid', `client ${c.clientId} has no consensus state at trusted height ${m.trustedHeight}`)
  if (!bytesEqual(validatorSetHash(trustedValidators), trusted.nextValidatorsHash)) {
    fail('proof_invalid', `trusted_validators do not hash to the next validators hash ${toHex(trusted.nextValidatorsHash)} of trusted height ${m.trustedHeight}`)
  }
  const r = verifyFromTrusted(
    { chainId: c.chainId, height: m.trustedHeight, time: nsToTime(trusted.timeNs), nextValidatorsHash: trusted.nextValidatorsHash, nextValidatorSet: trustedValidators },
    { signedHeader, validatorSet },
    { trustingPeriodNs: c.trustingPeriod * NS_PER_MS, maxClockDriftNs: admissionOnly(ctx) ? ANY_DRIFT_NS : c.maxClockDrift * NS_PER_MS, trustLevel: c.trustLevel, nowNs: ctx.time * NS_PER_MS },
  )
  if (r.verdict !== 'SUCCESS') fail('proof_invalid', `header ${signedHeader.header.height} from trusted height ${m.trustedHeight}: ${r.verdict === 'NOT_ENOUGH_TRUST' ? 'not enough trust (verify an intermediate header first): ' : ''}${r.reason}`)
  return { signedHeader, consensus: consensusOf(signedHeader) }
}

/** CometBFT: header h carries the app hash of the state after block h-1, so the state after h is in header h+1. */
export const cometClientType: LightClientType<CometClientState, CometHeaderMsg> = {
  type: 'cometbft',
  verifyHeader(ctx, c, m) {
    const v = verifyCometHeader(ctx, c, m)
    return { height: v.signedHeader.header.height, consensus: v.consensus }
  },
  stateRootHeight: (h) => h + 1n,
}

/** Adds a verified header (see recordHeader: a different valid header at a known height freezes the client). */
export function updateCometClient(ctx: ExecContext, id: string, m: CometHeaderMsg): 'updated' | 'duplicate' | 'frozen' {
  const c = requireComet(ctx, id)
  const v = cometClientType.verifyHeader(ctx, c, m)
  return recordHeader(ctx, c, v.height, v.consensus)
}

/** Two headers for one height, each valid from a consensus state the client holds, with different hashes: freezes the client. */
export function submitCometMisbehaviour(ctx: ExecContext, id: string, m1: CometHeaderMsg, m2: CometHeaderMsg): void {
  const c = requireComet(ctx, id)
  const a = verifyCometHeader(ctx, c, m1)
  const b = verifyCometHeader(ctx, c, m2)
  if (a.signedHeader.header.height !== b.signedHeader.header.height) fail('invalid_message', 'misbehaviour needs two headers of the same height')
  if (bytesEqual(a.consensus.headerHash, b.consensus.headerHash)) fail('invalid_message', 'the two headers are the same')
  freeze(ctx, c, a.signedHeader.header.height)
}
