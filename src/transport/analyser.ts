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
import type { Grid } from './roads.js'
import type { LogLine, Received } from './veremi.js'

export interface AnalyserOptions {
  params?: Partial<CheckParams>
  /** The road map, when known (enables the on-road check). */
  grid?: Grid
  sticky?: boolean
  stickyFor?: number
}

export interface Verdict {
  messageID: number
  sender: number
  failed: CheckName[]
  /** The detector's answer: true = misbehaviour. */
  flagged: boolean
}

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
    } else if (this.own && this.since !== undefined && m.rcvTime - this.since >= p.warmup && !suddenAppearance(this.own, cur, p)) {
      failed.push('sudden')
    }
    if (!prev || cur.t > prev.t) this.tracks.set(m.sender, cur)
    let flagged = failed.length > 0
    if (this.opts.sticky) {
      const until = this.suspectUntil.get(m.sender)
      if (flagged) this.suspectUntil.set(m.sender, cur.t + (this.opts.stickyFor ?? Infinity))
      else if (until !== undefined && cur.t <= until) flagged = true
    }
    return { messageID: m.messageID, sender: m.sender, failed, flagged }
  }
}
