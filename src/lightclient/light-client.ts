/**
 * A light client: keeps verified light blocks and moves its trust forward with skipping
 * verification (bisection, as CometBFT's `light.Client` in its default SkippingVerification mode)
 * or sequentially, fetching what it needs from a provider (a full node's RPC, see rpc-provider.ts).
 */
import { bytesEqual, toHex } from '../base/bytes.js'
import { verify, DEFAULT_MAX_CLOCK_DRIFT_NS } from './verifier.js'
import { headerHash } from './hash.js'
import { LightClientError } from './json.js'
import { DEFAULT_TRUST_LEVEL, timeToNs, type Fraction, type LightBlock, type VerifyResult } from './types.js'

export interface LightBlockProvider {
  /** The light block at `height` (with its next validator set); latest when absent. */
  lightBlock(height?: bigint): Promise<LightBlock>
}

export interface LightClientOptions {
  chainId: string
  trustingPeriodNs: bigint
  maxClockDriftNs?: bigint
  trustLevel?: Fraction
  /** Current time in ns since the epoch (default: the wall clock). */
  now?: () => bigint
  /** Most light blocks kept (oldest dropped first; the latest is always kept). Default 1000. */
  maxStored?: number
}

export class VerificationError extends LightClientError {
  constructor(readonly height: bigint, readonly result: VerifyResult) {
    super(`light block ${height}: ${result.verdict}: ${result.reason}`)
  }
}

export const wallClockNs = (): bigint => BigInt(Date.now()) * 1_000_000n

export class LightClient {
  private readonly store = new Map<bigint, LightBlock>()
  private latest: LightBlock
  /** Heights fetched as pivots by the last `verifyTo` (the bisection's schedule). */
  lastPivots: bigint[] = []
  /** The light blocks the last `verifyTo` verified, in order: each verifies from the one before (the first from the previous latest). */
  lastPath: LightBlock[] = []

  private constructor(private readonly provider: LightBlockProvider, readonly opts: LightClientOptions, trusted: LightBlock) {
    this.latest = trusted
    this.store.set(trusted.signedHeader.header.height, trusted)
  }

  /**
   * Starts from a trusted height and header hash obtained out of band (genesis, a governance
   * record, a social-consensus checkpoint): the block fetched there must have exactly that hash.
   */
  static async fromTrustedHash(provider: LightBlockProvider, height: bigint, hash: Uint8Array, opts: LightClientOptions): Promise<LightClient> {
    const lb = await provider.lightBlock(height)
    const h = lb.signedHeader.header
    if (h.chainId !== opts.chainId) throw new LightClientError(`provider serves chain "${h.chainId}", not "${opts.chainId}"`)
    if (!bytesEqual(headerHash(h), hash)) throw new LightClientError(`header ${height} has hash ${toHex(headerHash(h))}, not the trusted ${toHex(hash)}`)
    if (!lb.nextValidatorSet) throw new LightClientError('the trusted light block lacks its next validator set')
    const now = (opts.now ?? wallClockNs)()
    if (timeToNs(h.time) + opts.trustingPeriodNs <= now) throw new LightClientError(`trusted header ${height} is already outside the trusting period`)
    return new LightClient(provider, opts, lb)
  }

  /** Starts from a light block the caller already trusts. */
  static fromTrustedBlock(provider: LightBlockProvider, trusted: LightBlock, opts: LightClientOptions): LightClient {
    if (!trusted.nextValidatorSet) throw new LightClientError('the trusted light block lacks its next validator set')
    return new LightClient(provider, opts, trusted)
  }

  get latestTrusted(): LightBlock {
    return this.latest
  }

  trusted(height: bigint): LightBlock | undefined {
    return this.store.get(height)
  }

  private verifyOne(trusted: LightBlock, untrusted: LightBlock): VerifyResult {
    return verify(trusted, untrusted, {
      trustingPeriodNs: this.opts.trustingPeriodNs,
      maxClockDriftNs: this.opts.maxClockDriftNs ?? DEFAULT_MAX_CLOCK_DRIFT_NS,
      trustLevel: this.opts.trustLevel ?? DEFAULT_TRUST_LEVEL,
      nowNs: (this.opts.now ?? wallClockNs)(),
    })
  }

  private keep(lb: LightBlock): void {
    const h = lb.signedHeader.header.height
    this.store.set(h, lb)
    if (h > this.latest.signedHeader.header.height) this.latest = lb
    const max = this.opts.maxStored ?? 1000
    while (this.store.size > max) {
      const oldest = [...this.store.keys()].reduce((a, b) => (a < b ? a : b))
      if (oldest === this.latest.signedHeader.header.height) break
      this.store.delete(oldest)
    }
  }

  /** Verifies an untrusted light block the caller already holds (e.g. relayed) against the latest trusted one. */
  verifyBlock(untrusted: LightBlock): VerifyResult {
    const r = this.verifyOne(this.latest, untrusted)
    if (r.verdict === 'SUCCESS') this.keep(untrusted)
    return r
  }

  /**
   * Brings trust to `height` (latest when absent) by skipping verification: try the target
   * directly; when the trusted validators' overlap is too small (NOT_ENOUGH_TRUST), verify a
   * pivot half-way first. Throws VerificationError on INVALID.
   */
  async verifyTo(height?: bigint): Promise<LightBlock> {
    const target = await this.provider.lightBlock(height)
    const th = target.signedHeader.header.height
    this.lastPath = []
    const known = this.store.get(th)
    if (known) {
      if (!bytesEqual(headerHash(known.signedHeader.header), headerHash(target.signedHeader.header))) throw new LightClientError(`provider's header ${th} conflicts with the verified one`)
      return known
    }
    if (th < this.latest.signedHeader.header.height) throw new LightClientError(`height ${th} is below the latest trusted height; backwards verification is not supported`)
    this.lastPivots = []
    let trusted = this.latest
    const pending: LightBlock[] = [target]
    for (let steps = 0; steps < 200; steps++) {
      const next = pending[pending.length - 1]!
      const r = this.verifyOne(trusted, next)
      const nh = next.signedHeader.header.height
      if (r.verdict === 'SUCCESS') {
        this.keep(next)
        this.lastPath.push(next)
        trusted = next
        pending.pop()
        if (pending.length === 0) return target
        continue
      }
      if (r.verdict === 'INVALID') throw new VerificationError(nh, r)
      const lo = trusted.signedHeader.header.height
      if (nh - lo <= 1n) throw new VerificationError(nh, r)
      const pivot = lo + (nh - lo) / 2n
      this.lastPivots.push(pivot)
      pending.push(await this.provider.lightBlock(pivot))
    }
    throw new LightClientError('bisection did not converge')
  }

  /** Verifies every header from the latest trusted one up to `height`, one by one. */
  async verifySequential(height: bigint): Promise<LightBlock> {
    let trusted = this.latest
    for (let h = trusted.signedHeader.header.height + 1n; h <= height; h++) {
      const lb = await this.provider.lightBlock(h)
      const r = this.verifyOne(trusted, lb)
      if (r.verdict !== 'SUCCESS') throw new VerificationError(h, r)
      this.keep(lb)
      trusted = lb
    }
    return trusted
  }
}
