/**
 * The RSU analyser's plausibility stage: reads one receiver's stream (own GPS, received beacons)
 * and gives every received beacon a verdict. A sender's track is kept per pseudonym.
 * `sticky`: once a sender has failed a check, its later beacons stay suspect for `stickyFor`
 * seconds (a detector that remembers, as the VeReMi papers' multi-message detectors do).
 */
import {
  type CheckName, type CheckParams, type Kin, type Point, acceptanceRange, defaultCheckParams, kinematicConsistency,
  maxAcceleration, maxSpeed, onRoad, positionJump, suddenAppearance,
} from './checks.js'
import { type Grid, distanceToRoad } from './roads.js'
import type { LogLine, Received } from './veremi.js'

export interface AnalyserOptions {
  params?: Partial<CheckParams>
  /** The road map, when known (enables the on-road check). */
  grid?: Grid
  sticky?: boolean
  /** Seconds a sender stays suspect after failing a check (default 15: long enough to catch a liar's next beacons, short enough that one GPS glitch does not condemn an honest driver). */
  stickyFor?: number
  /** A learned detector over the residual features (`FEATURES`); true = outlier. Combined by OR. */
  outlier?: (features: number[]) => boolean
  /** Called with every received beacon's features (to collect training data). */
  onFeatures?: (features: number[]) => void
}

/**
 * Residual features of a beacon against the receiver and the sender's previous beacon; pairwise
 * features are 0 for a sender's first beacon (and `first` is 1).
 */
export const FEATURES = ['distance', 'jumpExcess', 'kinResidual', 'accel', 'speed', 'roadDistance', 'headingCos', 'first'] as const

export interface Verdict {
  messageID: number
  sender: number
  failed: CheckName[]
  /** The learned detector called it an outlier. */
  outlier?: boolean
  /** The detector's answer: true = misbehaviour. */
  flagged: boolean
}

export const DEFAULT_STICKY_SECONDS = 15

const kinOf = (m: Received): Kin => ({ t: m.sendTime, x: m.pos[0], y: m.pos[1], vx: m.spd[0], vy: m.spd[1] })

export class ReceiverAnalyser {
  readonly p: CheckParams
  private own: Point | undefined
  private since: number | undefined
  private tracks = new Map<number, Kin>()
  private suspectUntil = new Map<number, number>()

  constructor(private readonly opts: AnalyserOptions = {}) {
    this.p = { ...defaultCheckParams, ...opts.params }
  }

  /** Feeds one log line; returns the verdict for a received beacon, undefined for own GPS. */
  push(e: LogLine): Verdict | undefined {
    if (e.type === 2) {
      this.own = { x: e.pos[0], y: e.pos[1] }
      this.since ??= e.rcvTime
      return undefined
    }
    return this.check(e)
  }

  check(m: Received): Verdict {
    const p = this.p
    const cur = kinOf(m)
    const failed: CheckName[] = []
    if (![cur.t, cur.x, cur.y, cur.vx, cur.vy].every(Number.isFinite)) {
      return { messageID: m.messageID, sender: m.sender, failed: ['speed'], flagged: true }
    }
    if (this.own && !acceptanceRange(this.own, cur, p)) failed.push('range')
    if (!maxSpeed(cur, p)) failed.push('speed')
    if (this.opts.grid && !onRoad(cur, this.opts.grid, p)) failed.push('road')
    const prev = this.tracks.get(m.sender)
    if (prev && cur.t - prev.t <= p.maxGap && cur.t > prev.t) {
      if (!positionJump(prev, cur, p)) failed.push('jump')
      if (!maxAcceleration(prev, cur, p)) failed.push('accel')
      if (!kinematicConsistency(prev, cur, p)) failed.push('kinematic')
    } else if (prev && cur.t <= prev.t) {
      failed.push('stale') // a duplicate or a replay of an older beacon of this sender
    } else if (this.own && this.since !== undefined && m.rcvTime - this.since >= p.warmup && !suddenAppearance(this.own, cur, p)) {
      failed.push('sudden')
    }
    if (cur.t > m.rcvTime + p.maxClockSkew) failed.push('future')
    let outlier: boolean | undefined
    if (this.opts.outlier || this.opts.onFeatures) {
      const f = this.features(cur, prev && cur.t - prev.t <= p.maxGap && cur.t > prev.t ? prev : undefined)
      this.opts.onFeatures?.(f)
      if (this.opts.outlier) outlier = this.opts.outlier(f)
    }
    if (!prev || cur.t > prev.t) this.tracks.set(m.sender, cur)
    let flagged = failed.length > 0 || outlier === true
    if (this.opts.sticky) {
      const until = this.suspectUntil.get(m.sender)
      if (flagged) this.suspectUntil.set(m.sender, cur.t + (this.opts.stickyFor ?? DEFAULT_STICKY_SECONDS))
      else if (until !== undefined && cur.t <= until) flagged = true
    }
    return outlier === undefined ? { messageID: m.messageID, sender: m.sender, failed, flagged } : { messageID: m.messageID, sender: m.sender, failed, outlier, flagged }
  }

  features(cur: Kin, prev: Kin | undefined): number[] {
    const dist = this.own ? Math.hypot(cur.x - this.own.x, cur.y - this.own.y) : 0
    const speed = Math.hypot(cur.vx, cur.vy)
    const road = this.opts.grid ? distanceToRoad(this.opts.grid, cur.x, cur.y) : 0
    if (!prev) return [dist, 0, 0, 0, speed, road, 1, 1]
    const dt = cur.t - prev.t
    const ps = Math.hypot(prev.vx, prev.vy)
    const moved = Math.hypot(cur.x - prev.x, cur.y - prev.y)
    const jumpExcess = moved - Math.max(ps, speed) * dt
    const kin = Math.hypot(cur.x - prev.x - ((prev.vx + cur.vx) / 2) * dt, cur.y - prev.y - ((prev.vy + cur.vy) / 2) * dt)
    const accel = Math.abs(speed - ps) / dt
    const cos = ps > 0.5 && speed > 0.5 ? (prev.vx * cur.vx + prev.vy * cur.vy) / (ps * speed) : 1
    return [dist, jumpExcess, kin, accel, speed, road, cos, 0]
  }
}
