/**
 * A CometBFT city's header checked in the browser as a light client does, with the project's own
 * light-client code (src/lightclient bundled for the browser): the trusted header is the first block
 * of the pinned genesis — its commit signed by more than 2/3 of the pinned validator set — and trust
 * moves from it to the target header by skipping verification (LightClient.verifyTo: a header is
 * trusted when validators holding more than 1/3 of the trusted next set's power signed it, else a
 * pivot half-way is verified first; an adjacent header's validators must be the trusted header's
 * next validators), each header also signed by more than 2/3 of its own set. So a validator-set
 * change made by governance is followed, and a forged header or validator set fails exactly the
 * step of the header it was served for.
 *
 * Light blocks come from the city's API: `/v1/headers/{h}` (header and commit) and
 * `/v1/validators/{h}` (the set that signs block h), each checked against the hashes in the header.
 */
import { parseSignedHeader, parseValidatorSet } from '../../src/lightclient/json.ts'
import { headerHash, validatorSetHash } from '../../src/lightclient/hash.ts'
import { checkSelfSigned, signedPower, totalPower } from '../../src/lightclient/verifier.ts'
import { LightClient, VerificationError, wallClockNs, type LightBlockProvider } from '../../src/lightclient/light-client.ts'
import { timeToNs, type LightBlock, type ValidatorSet } from '../../src/lightclient/types.ts'
import { DEFAULT_TRUSTING_PERIOD } from '../../src/modules/bridge/client/state.ts'
import { bytesEqual, toHex } from '../../src/base/bytes.ts'
import type { City } from './cities.ts'
import type { CometTrust } from './trust.ts'
import type { Steps } from './steps.ts'

/** The trusting period the console verifies with: the bridge's default for its light clients (ms → ns). */
export const TRUSTING_PERIOD_NS = DEFAULT_TRUSTING_PERIOD * 1_000_000n

const short = (b: Uint8Array) => `${toHex(b).slice(0, 16)}…`

/** Light blocks from a Polis city's API (the headers and validator sets CometBFT serves, passed through). */
export function apiLightBlocks(city: City): LightBlockProvider {
  const validatorsAt = async (h: bigint): Promise<ValidatorSet> => {
    const r = await city.client.get<{ validators?: unknown }>(`/v1/validators/${h}`)
    return parseValidatorSet({ validators: r.validators })
  }
  return {
    async lightBlock(height?: bigint): Promise<LightBlock> {
      if (height === undefined) throw new Error('the console asks for light blocks by height')
      const r = await city.client.get<{ engine?: string; header?: unknown; commit?: unknown }>(`/v1/headers/${height}`)
      if (r.engine !== 'cometbft') throw new Error(`the pinned genesis is a CometBFT chain's, the node serves a ${r.engine ?? 'solo'} header`)
      const signedHeader = parseSignedHeader({ header: r.header, commit: r.commit })
      if (signedHeader.header.height !== height) throw new Error(`asked for header ${height}, the node sent header ${signedHeader.header.height}`)
      const [validatorSet, nextValidatorSet] = await Promise.all([validatorsAt(height), validatorsAt(height + 1n)])
      return { signedHeader, validatorSet, nextValidatorSet }
    },
  }
}

/** Why a light block's validator set is worth a mention: it is not the pinned genesis' set. */
function changedSet(vs: ValidatorSet, trust: CometTrust, hash: Uint8Array): string {
  return bytesEqual(hash, trust.validatorsHash) ? 'the genesis validator set' : `a validator set changed since the genesis: ${vs.validators.length} validators of total power ${totalPower(vs)}, hash ${short(hash)}`
}

/** What one step of the light client checked, for the page (signatures are memoised: no second Ed25519 check). */
function stepDetail(chainId: string, trusted: LightBlock, lb: LightBlock, trust: CometTrust): string {
  const th = trusted.signedHeader.header
  const { header: h, commit } = lb.signedHeader
  const own = signedPower(chainId, commit, lb.validatorSet, true)
  const total = totalPower(lb.validatorSet)
  const signed = `validators holding ${String(own)} of ${total} power of its own set signed it (more than 2/3)`
  const hash = `hash ${short(headerHash(h))} = the block id its commit signs`
  if (h.height === th.height + 1n) return `adjacent to trusted header ${th.height}: its validator set is that header's next set (next_validators_hash); ${signed}; ${hash}; ${changedSet(lb.validatorSet, trust, h.validatorsHash)}`
  const next = trusted.nextValidatorSet!
  const overlap = signedPower(chainId, commit, next, false)
  return `skipping from trusted header ${th.height}: validators of its next set holding ${String(overlap)} of ${totalPower(next)} power signed it (more than 1/3), and ${signed}; ${hash}; ${changedSet(lb.validatorSet, trust, h.validatorsHash)}`
}

/**
 * The header steps of a verification on a CometBFT city: the trusted header from the pinned genesis,
 * then one step per header the light client verified on its way to `target` (failing at the first
 * it cannot trust). Returns the target header's app hash when every step passed.
 */
export async function cometHeaderSteps(city: City, trust: CometTrust, target: bigint, s: Steps): Promise<{ appHash: Uint8Array } | undefined> {
  const provider = apiLightBlocks(city)
  const h0 = trust.initialHeight
  let trusted: LightBlock | undefined
  await s.run(`Trusted header ${h0} (the pinned validator set)`, async () => {
    const lb = await provider.lightBlock(h0)
    const { header } = lb.signedHeader
    if (header.chainId !== trust.chainId) throw new Error(`the header is for chain "${header.chainId}", the pinned genesis for "${trust.chainId}"`)
    if (!bytesEqual(header.validatorsHash, trust.validatorsHash)) throw new Error(`the header's validator set ${short(header.validatorsHash)} is not the pinned genesis' ${short(trust.validatorsHash)}`)
    const why = checkSelfSigned({ signedHeader: lb.signedHeader, validatorSet: trust.validators })
    if (why) throw new Error(why)
    if (!bytesEqual(validatorSetHash(lb.nextValidatorSet!), header.nextValidatorsHash)) throw new Error('the next validator set the node serves does not match the header\'s next_validators_hash')
    if (timeToNs(header.time) + TRUSTING_PERIOD_NS <= wallClockNs()) throw new Error(`header ${h0} is older than the trusting period (${DEFAULT_TRUSTING_PERIOD / 86_400_000n} days): a light client cannot follow the chain from the genesis any more; pin a newer trust anchor`)
    trusted = { ...lb, validatorSet: trust.validators }
    const power = signedPower(trust.chainId, lb.signedHeader.commit, trust.validators, true)
    return `the first block of the pinned genesis: hash ${short(headerHash(header))} = the block id its commit signs; validators of the pinned set holding ${String(power)} of ${trust.totalPower} power signed it (more than 2/3), every Ed25519 signature over the canonical vote checked; its next validator set matches next_validators_hash`
  })
  if (!trusted) return undefined
  if (target <= h0) return { appHash: trusted.signedHeader.header.appHash }

  const lc = LightClient.fromTrustedBlock(provider, trusted, { chainId: trust.chainId, trustingPeriodNs: TRUSTING_PERIOD_NS, now: wallClockNs })
  let failure: unknown
  try {
    await lc.verifyTo(target)
  } catch (e) {
    failure = e
  }
  let from = trusted
  for (const [i, lb] of lc.lastPath.entries()) {
    const h = lb.signedHeader.header.height
    const adjacent = h === from.signedHeader.header.height + 1n
    const pivots = i === lc.lastPath.length - 1 && !failure && lc.lastPivots.length ? `; bisection: header ${target} lacked trust from the header before, so pivots ${lc.lastPivots.join(', ')} were verified first` : ''
    await s.run(`Header ${h}: ${adjacent ? 'adjacent' : 'skipping'} verification from header ${from.signedHeader.header.height}`, () => stepDetail(trust.chainId, from, lb, trust) + pivots)
    from = lb
  }
  if (failure !== undefined) {
    const at = failure instanceof VerificationError ? failure.height : target
    const why = failure instanceof VerificationError ? `${failure.result.verdict === 'NOT_ENOUGH_TRUST' ? 'not enough trust' : 'invalid'}: ${failure.result.reason}` : (failure as Error).message
    await s.run(`Header ${at}: light-client verification from header ${from.signedHeader.header.height}`, () => {
      throw new Error(why)
    })
    return undefined
  }
  const last = lc.lastPath.at(-1)
  if (!last || last.signedHeader.header.height !== target) {
    await s.run(`Header ${target}`, () => {
      throw new Error('the light client did not reach the target header')
    })
    return undefined
  }
  return s.failed ? undefined : { appHash: last.signedHeader.header.appHash }
}
