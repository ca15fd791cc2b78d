/**
 * Plausibility checks from the misbehaviour-detection literature (the checks VeReMi's baseline
 * detectors use: van der Heijden et al. 2018; So, Sangeetha, Petit 2018; Kamel et al. 2020).
 * Each check is a pure function returning true when the message is plausible.
 * Off-chain code: floating point is fine here; the chain only sees the verdict counts.
 */
import { type Grid, distanceToRoad } from './roads.js'

/** A beacon's claims: time (s), position (m), velocity (m/s). */
export interface Kin {
  t: number
  x: number
  y: number
  vx: number
  vy: number
}
export interface Point {
  x: number
  y: number
}

export interface CheckParams {
  /** Radio range the receiver can hear (m); a claim beyond range + margin is implausible. */
  range: number
  rangeMargin: number
  /** A sender first heard closer than this, after the warm-up, appeared suddenly (m). */
  sawDistance: number
  /** The receiver must have listened this long before a new sender counts as sudden (s). */
  warmup: number
  maxSpeed: number
  /** Above emergency braking (≈ 8–9 m/s² on dry asphalt), which honest drivers do. */
  maxAccel: number
  /** Tolerance of the position-jump check (m), covering GPS noise. */
  jumpTolerance: number
  /** Tolerance of the kinematic residual (m) and its share of the distance travelled. */
  kinTolerance: number
  kinRelTolerance: number
  /** How far off a road a claimed position may lie (m); used only when a road map is known. */
  roadTolerance: number
  /** Above this speed (m/s) at both beacons, the heading may turn at most to cos = maxTurnCos between them. */
  minTurnSpeed: number
  maxTurnCos: number
  /** Moving less than this (m) between beacons while claiming speed above minTurnSpeed is implausible. */
  frozenDistance: number
  /** Consecutive messages further apart than this (s) are not compared. */
  maxGap: number
  /** A beacon's send time may lie this far after its receive time (s), for clock differences. */
  maxClockSkew: number
}

export const defaultCheckParams: CheckParams = {
  range: 300,
  rangeMargin: 30,
  sawDistance: 150,
  warmup: 3,
  maxSpeed: 30,
  maxAccel: 10,
  jumpTolerance: 15,
  kinTolerance: 15,
  kinRelTolerance: 0.75,
  roadTolerance: 12,
  minTurnSpeed: 3,
  maxTurnCos: -0.2,
  frozenDistance: 0.5,
  maxGap: 3,
  maxClockSkew: 0.5,
}

const speed = (k: Kin) => Math.hypot(k.vx, k.vy)

/** Acceptance range: the claimed position lies within radio range of the receiver. */
export function acceptanceRange(own: Point, msg: Kin, p: CheckParams = defaultCheckParams): boolean {
  return Math.hypot(msg.x - own.x, msg.y - own.y) <= p.range + p.rangeMargin
}

/** Sudden appearance: a sender heard for the first time must not claim to be close (call for first messages only). */
export function suddenAppearance(own: Point, msg: Kin, p: CheckParams = defaultCheckParams): boolean {
  return Math.hypot(msg.x - own.x, msg.y - own.y) >= p.sawDistance
}

/** Position jump: the distance moved since the sender's previous beacon is reachable at the speeds claimed. */
export function positionJump(prev: Kin, cur: Kin, p: CheckParams = defaultCheckParams): boolean {
  const dt = cur.t - prev.t
  if (!(dt > 0)) return Math.hypot(cur.x - prev.x, cur.y - prev.y) <= p.jumpTolerance
  const reach = Math.max(speed(prev), speed(cur)) * dt + 0.5 * p.maxAccel * dt * dt
  return Math.hypot(cur.x - prev.x, cur.y - prev.y) <= reach + p.jumpTolerance
}

/** Maximum speed. */
export function maxSpeed(msg: Kin, p: CheckParams = defaultCheckParams): boolean {
  return Number.isFinite(msg.vx) && Number.isFinite(msg.vy) && speed(msg) <= p.maxSpeed
}

/** Maximum (longitudinal) acceleration between consecutive beacons. */
export function maxAcceleration(prev: Kin, cur: Kin, p: CheckParams = defaultCheckParams): boolean {
  const dt = cur.t - prev.t
  if (!(dt > 0)) return speed(prev) === speed(cur)
  return Math.abs(speed(cur) - speed(prev)) / dt <= p.maxAccel
}

/**
 * Kinematic consistency: the displacement agrees with the mean of the two velocity vectors
 * (trapezoidal integration). The tolerance grows with the distance travelled, since a turn between
 * the beacons bends the path away from the straight mean.
 */
export function kinematicConsistency(prev: Kin, cur: Kin, p: CheckParams = defaultCheckParams): boolean {
  const dt = cur.t - prev.t
  if (!(dt > 0)) return true
  const ex = (prev.vx + cur.vx) / 2 * dt, ey = (prev.vy + cur.vy) / 2 * dt
  const dx = cur.x - prev.x, dy = cur.y - prev.y
  const residual = Math.hypot(dx - ex, dy - ey)
  const sp = speed(prev), sc = speed(cur)
  // a real vehicle does not reverse between two beacons a second apart
  if (sp > p.minTurnSpeed && sc > p.minTurnSpeed && (prev.vx * cur.vx + prev.vy * cur.vy) / (sp * sc) < p.maxTurnCos) return false
  // nor stand still while claiming to move: GPS noise alone moves a real position more than this
  if (sp > p.minTurnSpeed && sc > p.minTurnSpeed && Math.hypot(dx, dy) < p.frozenDistance) return false
  const turn = Math.min(Math.hypot(cur.vx - prev.vx, cur.vy - prev.vy) / 2, Math.min(sp, sc)) * dt
  return residual <= p.kinTolerance + p.kinRelTolerance * turn
}

/** Map check: the claimed position lies on a road (only when the receiver knows the road map). */
export function onRoad(msg: Kin, grid: Grid, p: CheckParams = defaultCheckParams): boolean {
  return distanceToRoad(grid, msg.x, msg.y) <= p.roadTolerance
}

/** Besides the checks above, the analyser marks 'stale' (a sender's beacon not newer than its last) and 'future' (sent after it was received). */
export const CHECKS = ['range', 'sudden', 'jump', 'speed', 'accel', 'kinematic', 'road', 'stale', 'future'] as const
export type CheckName = (typeof CHECKS)[number]
