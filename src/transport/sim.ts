/**
 * Deterministic traffic simulator writing VeReMi-format logs (see veremi.ts).
 *
 * Vehicles drive on a square road grid with bounded acceleration, turning at intersections by a
 * seeded choice; each sends a beacon (position, speed) every `beaconInterval` seconds, heard by
 * every vehicle within `range` metres of its true position. A share of vehicles are attackers of
 * one class, as in VeReMi (one attack class per simulation). Same config, same bytes.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { KeyPair } from '../crypto/keys.js'
import { toHex } from '../base/bytes.js'
import { Rng } from '../util/rng.js'
import { camOf, signReport, simVehicleKey } from './report.js'
import { type Grid, gridExtent } from './roads.js'
import {
  AttackerType, type AttackClass, type GroundTruth, type OwnGps, type Received, type Vec3,
  GROUND_TRUTH_FILE, receiverFileName,
} from './veremi.js'

export interface SimConfig {
  seed: number
  grid: Grid
  vehicles: number
  /** Simulated seconds. */
  duration: number
  attack: AttackClass
  /** Share of vehicles that attack, 0–1 (rounded to a whole number of vehicles). */
  attackerShare: number
  range: number
  beaconInterval: number
  step: number
  gpsSigma: number
  speedSigma: number
  minSpeed: number
  maxSpeed: number
  maxAccel: number
  /** delayed messages: how old the data an attacker sends is (s). */
  delay: number
  /** Sybil: ghost identities per attacker. */
  ghosts: number
  /** Road-side units, placed on intersections; each writes `RSUlog-<i>.json` in the receivers' format. */
  rsus: number
  /** Honest noise. GPS glitches (multipath): per beacon, the chance that one starts; offset σ (m) and length (s). */
  glitchRate: number
  glitchSigma: number
  glitchSeconds: number
  /** Packet loss: a reception at distance d is lost with probability lossBase + lossEdge·(d/range)². */
  lossBase: number
  lossEdge: number
  /** Channel access latency: up to this many seconds between sending and receiving. */
  maxLatency: number
  /** Emergency braking: per second, the chance a driver brakes hard (decelerations in m/s²). */
  brakeRate: number
  brakeMin: number
  brakeMax: number
  /** Accidents on the road; vehicles passing within `incidentRadius` m report them (RSU logs, type 5). */
  incidents: number
  incidentRadius: number
}

export const defaultSimConfig: SimConfig = {
  seed: 1,
  grid: { blocks: 4, blockLength: 200 },
  vehicles: 40,
  duration: 100,
  attack: 'constPos',
  attackerShare: 0.2,
  range: 300,
  beaconInterval: 1,
  step: 0.1,
  gpsSigma: 1.5,
  speedSigma: 0.25,
  minSpeed: 6,
  maxSpeed: 15,
  maxAccel: 2.5,
  delay: 5,
  ghosts: 3,
  rsus: 0,
  glitchRate: 0.003,
  glitchSigma: 6,
  glitchSeconds: 3,
  lossBase: 0.02,
  lossEdge: 0.3,
  maxLatency: 0.05,
  brakeRate: 0.004,
  brakeMin: 6,
  brakeMax: 8.5,
  incidents: 1,
  incidentRadius: 60,
}

interface Vehicle {
  index: number
  id: number
  attack: number
  from: [number, number]
  to: [number, number]
  d: number
  v: number
  target: number
  phase: number
  x: number
  y: number
  vx: number
  vy: number
  /** Attack parameters. */
  fixed: [number, number]
  stopAt: number
  stopped?: { pos: Vec3 }
  victim: number
  /** Honest noise and driving state. */
  a: number
  brake?: { decel: number; until: number }
  glitch?: { dx: number; dy: number; until: number }
  reported: Set<number>
  history: Array<{ t: number; pos: Vec3; spd: Vec3 }>
  log: string[]
}

export interface SimResult {
  files: string[]
  rsuFiles: string[]
  /** Sender id → index of the physical vehicle (Sybil pseudonyms map to their attacker). */
  senders: Map<number, number>
  messages: number
  received: number
  attackers: number[]
  /** Where the real incidents are (m). */
  incidents: Array<[number, number]>
}

const r6 = (x: number) => Math.round(x * 1e6) / 1e6
const r3 = (x: number) => Math.round(x * 1e3) / 1e3

export function simulate(cfgIn: Partial<SimConfig>, outDir: string): SimResult {
  const cfg: SimConfig = { ...defaultSimConfig, ...cfgIn, grid: { ...defaultSimConfig.grid, ...cfgIn.grid } }
  if (!(cfg.vehicles >= 1 && cfg.duration > 0 && cfg.attackerShare >= 0 && cfg.attackerShare <= 1)) throw new Error('bad simulation config')
  const rng = new Rng(cfg.seed)
  const { blocks, blockLength: L } = cfg.grid
  const ext = gridExtent(cfg.grid)
  const code = AttackerType[cfg.attack]
  const nAttackers = code === 0 ? 0 : Math.round(cfg.vehicles * cfg.attackerShare)
  const attackerSet = new Set(rng.shuffle([...Array(cfg.vehicles).keys()]).slice(0, nAttackers))

  const neighbours = (n: [number, number]): Array<[number, number]> =>
    ([[1, 0], [-1, 0], [0, 1], [0, -1]] as const)
      .map(([dx, dy]) => [n[0] + dx, n[1] + dy] as [number, number])
      .filter(([i, j]) => i >= 0 && j >= 0 && i <= blocks && j <= blocks)

  const vs: Vehicle[] = []
  for (let i = 0; i < cfg.vehicles; i++) {
    const from: [number, number] = [rng.int(blocks + 1), rng.int(blocks + 1)]
    const nb = neighbours(from)
    const to = nb[rng.int(nb.length)]!
    const target = rng.uniform(cfg.minSpeed, cfg.maxSpeed)
    const attack = attackerSet.has(i) ? code : 0
    const sgn = () => (rng.next() < 0.5 ? -1 : 1)
    const v: Vehicle = {
      index: i, id: 10 + 6 * i, attack, from, to, d: rng.uniform(0, L), v: target, target,
      phase: rng.int(Math.round(cfg.beaconInterval / cfg.step)), x: 0, y: 0, vx: 0, vy: 0,
      fixed: [0, 0], stopAt: 0, victim: -1, a: 0, reported: new Set(), history: [], log: [],
    }
    if (attack === AttackerType.constPos) v.fixed = [rng.uniform(0, ext), rng.uniform(0, ext)]
    if (attack === AttackerType.constPosOffset) v.fixed = [sgn() * rng.uniform(50, 250), sgn() * rng.uniform(50, 250)]
    if (attack === AttackerType.constSpeed) v.fixed = [rng.uniform(-cfg.maxSpeed, cfg.maxSpeed), rng.uniform(-cfg.maxSpeed, cfg.maxSpeed)]
    if (attack === AttackerType.eventualStop) v.stopAt = rng.uniform(0.1, 0.6) * cfg.duration
    vs.push(v)
  }
  const ghostOffsets = vs.map(() => Array.from({ length: cfg.ghosts }, () => [rng.uniform(-60, 60), rng.uniform(-60, 60)] as [number, number]))

  // RSUs on intersections, spread over the grid by a seeded choice without repeats
  const nodes = rng.shuffle([...Array((blocks + 1) * (blocks + 1)).keys()]).slice(0, Math.min(cfg.rsus, (blocks + 1) * (blocks + 1)))
  const rsus = nodes.map((n) => ({ x: (n % (blocks + 1)) * L, y: Math.floor(n / (blocks + 1)) * L, log: [] as string[] }))
  const senders = new Map<number, number>()

  const place = (v: Vehicle) => {
    const dx = (v.to[0] - v.from[0]), dy = (v.to[1] - v.from[1])
    v.x = (v.from[0] + dx * v.d / L) * L
    v.y = (v.from[1] + dy * v.d / L) * L
    v.vx = dx * v.v
    v.vy = dy * v.v
  }
  vs.forEach(place)

  const gt: string[] = []
  let messageID = 0
  let received = 0
  const steps = Math.round(cfg.duration / cfg.step)
  const every = Math.round(cfg.beaconInterval / cfg.step)
  const noise = (s: number) => rng.gauss() * s
  const lost = (d: number) => rng.next() < cfg.lossBase + cfg.lossEdge * (d / cfg.range) ** 2
  const latency = (d: number) => d / 299792458 + rng.uniform(0.001, cfg.maxLatency)
  const keys = new Map<number, KeyPair>()
  const keyOf = (sender: number) => {
    let k = keys.get(sender)
    if (!k) keys.set(sender, (k = simVehicleKey(cfg.seed, sender)))
    return k
  }
  // incidents on the road: where and from when; attackers each fake one report somewhere else
  const roadPoint = (): [number, number] => {
    const along = rng.uniform(0, ext), line = rng.int(blocks + 1) * L
    return rng.next() < 0.5 ? [along, line] : [line, along]
  }
  const incidents = Array.from({ length: rsus.length ? cfg.incidents : 0 }, () => ({ at: roadPoint(), from: rng.uniform(0.2, 0.4) * cfg.duration }))
  const fakes = new Map(vs.filter((v) => v.attack !== 0 && rsus.length).map((v) => [v.index, { at: roadPoint(), when: rng.uniform(0.3, 0.9) * cfg.duration }]))
  const sendEvent = (v: Vehicle, t: number, at: [number, number], incident: number) => {
    v.reported.add(incident)
    const pos: Vec3 = [r3(at[0]), r3(at[1]), 0]
    const rep = toHex(signReport({ kind: 'event', station: keyOf(v.id).publicKey, t: Math.round(t * 1000), x: Math.round(at[0] * 100), y: Math.round(at[1] * 100), event: 'accident' }, keyOf(v.id)))
    for (const r of rsus) {
      const dist = Math.hypot(r.x - v.x, r.y - v.y)
      if (dist > cfg.range || lost(dist)) continue
      r.log.push(JSON.stringify({ type: 5, rcvTime: r6(t + latency(dist)), sendTime: t, sender: v.id, event: 'accident', pos, cam: rep }))
    }
  }

  for (let k = 0; k <= steps; k++) {
    const t = r6(k * cfg.step)
    if (k > 0) {
      for (const v of vs) {
        if (rng.next() < 0.01) v.target = rng.uniform(cfg.minSpeed, cfg.maxSpeed)
        if (!v.brake && rng.next() < cfg.brakeRate * cfg.step) v.brake = { decel: rng.uniform(cfg.brakeMin, cfg.brakeMax), until: t + rng.uniform(1, 2.5) }
        if (v.brake && t >= v.brake.until) v.brake = undefined
        const dv = v.brake
          ? -Math.min(v.v, v.brake.decel * cfg.step)
          : Math.max(-cfg.maxAccel * cfg.step, Math.min(cfg.maxAccel * cfg.step, v.target - v.v))
        v.v += dv
        v.a = dv / cfg.step
        v.d += v.v * cfg.step
        while (v.d >= L) {
          v.d -= L
          const nb = neighbours(v.to).filter(([i, j]) => i !== v.from[0] || j !== v.from[1])
          const next = nb.length ? nb[rng.int(nb.length)]! : v.from
          v.from = v.to
          v.to = next
        }
        place(v)
      }
    }
    if (k % every === 0) {
      for (const r of rsus) {
        const own: OwnGps = { type: 2, rcvTime: t, pos: [r.x, r.y, 0], pos_noise: [0, 0, 0], spd: [0, 0, 0], spd_noise: [0, 0, 0] }
        r.log.push(JSON.stringify(own))
      }
    }
    for (const v of vs) {
      if ((k + v.phase) % every !== 0) continue
      const pn: Vec3 = [cfg.gpsSigma, cfg.gpsSigma, 0]
      const sn: Vec3 = [cfg.speedSigma, cfg.speedSigma, 0]
      if (v.glitch && t >= v.glitch.until) v.glitch = undefined
      if (!v.glitch && rng.next() < cfg.glitchRate) v.glitch = { dx: noise(cfg.glitchSigma), dy: noise(cfg.glitchSigma), until: t + rng.uniform(1, cfg.glitchSeconds) }
      const gx = v.glitch?.dx ?? 0, gy = v.glitch?.dy ?? 0
      const gps: Vec3 = [r3(v.x + gx + noise(cfg.gpsSigma)), r3(v.y + gy + noise(cfg.gpsSigma)), 0]
      const spd: Vec3 = [r3(v.vx + noise(cfg.speedSigma)), r3(v.vy + noise(cfg.speedSigma)), 0]
      const own: OwnGps = { type: 2, rcvTime: t, pos: gps, pos_noise: pn, spd, spd_noise: sn }
      v.log.push(JSON.stringify(own))
      if (v.attack === 0) {
        incidents.forEach((inc, n) => {
          if (t >= inc.from && !v.reported.has(n) && Math.hypot(v.x - inc.at[0], v.y - inc.at[1]) <= cfg.incidentRadius) sendEvent(v, t, inc.at, n)
        })
      } else {
        const f = fakes.get(v.index)
        if (f && t >= f.when && !v.reported.has(-1)) sendEvent(v, t, f.at, -1)
      }
      v.history.push({ t, pos: gps, spd })
      if (v.history.length > 64) v.history.shift()

      // What the vehicle sends: its reading, or the attack's forgery. [sender id, pos, spd][]
      const out: Array<[number, Vec3, Vec3]> = []
      switch (v.attack) {
        case AttackerType.constPos: out.push([v.id, [r3(v.fixed[0]), r3(v.fixed[1]), 0], spd]); break
        case AttackerType.constPosOffset: out.push([v.id, [r3(gps[0] + v.fixed[0]), r3(gps[1] + v.fixed[1]), 0], spd]); break
        case AttackerType.randomPos: out.push([v.id, [r3(rng.uniform(0, ext)), r3(rng.uniform(0, ext)), 0], spd]); break
        case AttackerType.randomPosOffset: out.push([v.id, [r3(gps[0] + rng.uniform(-70, 70)), r3(gps[1] + rng.uniform(-70, 70)), 0], spd]); break
        case AttackerType.eventualStop:
          if (t >= v.stopAt) {
            v.stopped ??= { pos: gps }
            out.push([v.id, v.stopped.pos, [0, 0, 0]])
          } else out.push([v.id, gps, spd])
          break
        case AttackerType.constSpeed: out.push([v.id, gps, [r3(v.fixed[0]), r3(v.fixed[1]), 0]]); break
        case AttackerType.randomSpeed:
          out.push([v.id, gps, [r3(rng.uniform(-cfg.maxSpeed, cfg.maxSpeed)), r3(rng.uniform(-cfg.maxSpeed, cfg.maxSpeed)), 0]])
          break
        case AttackerType.dataReplay: {
          // replays the newest beacon it heard from one victim (kept while in range), under its own id
          let victim = v.victim >= 0 ? vs[v.victim] : undefined
          if (!victim || Math.hypot(victim.x - v.x, victim.y - v.y) > cfg.range) {
            let best = -1, bd = Infinity
            for (const u of vs) {
              if (u === v) continue
              const dd = Math.hypot(u.x - v.x, u.y - v.y)
              if (dd <= cfg.range && dd < bd) (bd = dd), (best = u.index)
            }
            v.victim = best
            victim = best >= 0 ? vs[best] : undefined
          }
          const h = victim?.history[victim.history.length - 1]
          out.push(h ? [v.id, h.pos, h.spd] : [v.id, gps, spd])
          break
        }
        case AttackerType.delayedMessages: {
          const h = v.history.find((e) => e.t >= t - cfg.delay - 1e-9) ?? v.history[0]!
          out.push([v.id, h.pos, h.spd])
          break
        }
        case AttackerType.sybil:
          for (let g = 0; g < cfg.ghosts; g++) {
            const [ox, oy] = g === 0 ? [0, 0] : ghostOffsets[v.index]![g]!
            out.push([100000 + v.index * 100 + g, [r3(gps[0] + ox), r3(gps[1] + oy), 0], spd])
          }
          break
        default: out.push([v.id, gps, spd])
      }
      for (const [sender, pos, sp] of out) {
        const id = ++messageID
        const cam = rsus.length ? toHex(signReport(camOf(keyOf(sender).publicKey, t, pos, sp, v.a), keyOf(sender))) : ''
        const truth: GroundTruth = {
          type: 4, time: t, sender, attackerType: v.attack, messageID: id,
          pos: [r3(v.x), r3(v.y), 0], pos_noise: pn, spd: [r3(v.vx), r3(v.vy), 0], spd_noise: sn,
        }
        gt.push(JSON.stringify(truth))
        senders.set(sender, v.index)
        for (const r of rsus) {
          const dist = Math.hypot(r.x - v.x, r.y - v.y)
          if (dist > cfg.range || lost(dist)) continue
          const rec: Received & { cam: string } = {
            type: 3, rcvTime: r6(t + latency(dist)), sendTime: t, sender, messageID: id,
            pos, pos_noise: pn, spd: sp, spd_noise: sn, RSSI: r3(-40 - 20 * Math.log10(Math.max(dist, 1))), cam,
          }
          r.log.push(JSON.stringify(rec))
        }
        for (const u of vs) {
          if (u === v) continue
          const dist = Math.hypot(u.x - v.x, u.y - v.y)
          if (dist > cfg.range || lost(dist)) continue
          const rec: Received = {
            type: 3, rcvTime: r6(t + latency(dist)), sendTime: t, sender, messageID: id,
            pos, pos_noise: pn, spd: sp, spd_noise: sn, RSSI: r3(-40 - 20 * Math.log10(Math.max(dist, 1))),
          }
          u.log.push(JSON.stringify(rec))
          received++
        }
      }
    }
  }

  mkdirSync(outDir, { recursive: true })
  const files: string[] = []
  for (const v of vs) {
    const f = join(outDir, receiverFileName(v.index, v.id, v.attack))
    writeFileSync(f, v.log.join('\n') + '\n')
    files.push(f)
  }
  const rsuFiles = rsus.map((r, i) => {
    const f = join(outDir, `RSUlog-${i}.json`)
    writeFileSync(f, r.log.join('\n') + '\n')
    return f
  })
  writeFileSync(join(outDir, GROUND_TRUTH_FILE), gt.join('\n') + '\n')
  writeFileSync(join(outDir, 'simulation.json'), JSON.stringify(cfg, null, 2) + '\n')
  return { files, rsuFiles, senders, messages: messageID, received, attackers: [...attackerSet].sort((a, b) => a - b), incidents: incidents.map((i) => i.at) }
}
