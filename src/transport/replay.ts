/**
 * Replays a simulated city (`polis simulate transport --rsus N`) against a chain: the transport
 * department registers the simulation's vehicles (device keys derived from the seed) and RSUs
 * (coverage: the RSU's intersection, radio range + margin); then, window by window, every RSU
 * verifies and analyses the signed reports it heard, submits its window (an empty one when it heard
 * nothing), and re-reads the registry and the flagged list before the next. Used by
 * `polis transport replay`, the tests and the flag-time benchmark, each through its own `ChainPort`
 * (HTTP client or in-process engine).
 *
 * Windows follow the simulation's own clock: simulated window k (reports sent in [kW, (k+1)W) s)
 * is chain window first + k, where first is the chain's `next_window` when the replay starts (0 on
 * a fresh chain). Every RSU's window k lands before any RSU submits window k + 1, so each window
 * settles on chain as soon as its last RSU's submission lands (the chain's window clock:
 * src/modules/transport/window-clock.ts), and the outcome does not depend on how fast blocks come
 * or in which order the RSUs' transactions land.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Msg } from '../app/tx.js'
import { sha256 } from '../crypto/hash.js'
import { toHex, utf8 } from '../base/bytes.js'
import type { KeyPair } from '../crypto/keys.js'
import type { AnalyserOptions } from './analyser.js'
import { RsuAgent, type RefusalReason, type StationStatus } from './agent.js'
import { simRsuKey, simVehicleKey } from './report.js'
import type { Grid } from './roads.js'
import { listReceiverFiles } from './veremi.js'
import type { WindowSubmission } from './window.js'
import { TRANSPORT_EVENT, TRANSPORT_MSG } from '../modules/transport/types.js'
import { VEHICLES_MSG } from '../modules/vehicles/types.js'

export interface PortEvent { type: string; attributes: Array<{ key: string; value: string }> }
export interface PortResult { code: number; log: string; events: PortEvent[] }

export interface ChainPort {
  query<T>(path: string, params?: Record<string, string>): Promise<T>
  /** Signs and submits; resolves with the result in its block. */
  send(from: KeyPair, msgs: Msg[]): Promise<PortResult>
}

export interface CityConfig {
  seed: number
  rsus: number
  range: number
  grid: Grid
  duration: number
}

export function readCityConfig(dir: string): CityConfig {
  let c: Partial<CityConfig>
  try {
    c = JSON.parse(readFileSync(join(dir, 'simulation.json'), 'utf8')) as Partial<CityConfig>
  } catch (e) {
    throw new Error(`${dir} is not a simulated city (simulation.json): ${(e as Error).message}`)
  }
  if (!Number.isSafeInteger(c.seed) || !Number.isSafeInteger(c.rsus) || !(Number(c.range) > 0) || !(Number(c.duration) > 0)) throw new Error(`${dir}/simulation.json is incomplete`)
  return c as CityConfig
}

/** Sender ids of a simulation's registered vehicles (one per receiver log; Sybil pseudonyms are not among them). */
export const cityVehicles = (dir: string) => listReceiverFiles(dir).map((f) => f.moduleId)

const plateOf = (seed: number, id: number) => `SIM-${seed % 1000}-${id}`.slice(0, 12)
export const coverageRadius = (c: CityConfig) => Math.round(c.range + 50)

function rsuPosition(file: string): { x: number; y: number } {
  const first = readFileSync(file, 'utf8').split('\n', 1)[0]!
  const v = JSON.parse(first) as { type: number; pos: number[] }
  if (v.type !== 2) throw new Error(`${file}: the first line is not the RSU's position`)
  return { x: v.pos[0]!, y: v.pos[1]! }
}
const rsuFile = (dir: string, i: number) => join(dir, `RSUlog-${i}.json`)

/** Registers the city's RSUs and vehicles (owned by `dept`); skips what is already registered. */
export async function registerCity(dir: string, port: ChainPort, dept: KeyPair): Promise<{ rsus: number; vehicles: number }> {
  const c = readCityConfig(dir)
  if (!(c.rsus > 0)) throw new Error(`${dir} has no RSUs: simulate with --rsus N`)
  const msgs: Msg[] = []
  for (let i = 0; i < c.rsus; i++) {
    const at = rsuPosition(rsuFile(dir, i))
    msgs.push({ type: TRANSPORT_MSG.registerRsu, value: { rsu: simRsuKey(c.seed, i).publicKey, x: BigInt(Math.round(at.x)), y: BigInt(Math.round(at.y)), radius: BigInt(coverageRadius(c)) } })
  }
  let vehicles = 0
  for (const id of cityVehicles(dir)) {
    const device = simVehicleKey(c.seed, id).publicKey
    const known = await port.query<{ active: boolean }>('vehicles/device-active', { device: toHex(device) })
    if (known.active) continue
    vehicles++
    msgs.push({ type: VEHICLES_MSG.register, value: { vin_commitment: sha256(utf8(`polis/sim/${c.seed}/vin/${id}`)), plate: plateOf(c.seed, id), owner: dept.publicKey, device_key: device } })
  }
  for (let i = 0; i < msgs.length; i += 32) {
    const r = await port.send(dept, msgs.slice(i, i + 32))
    if (r.code !== 0) throw new Error(`registering the city failed: ${r.log}`)
  }
  return { rsus: c.rsus, vehicles }
}

export interface ReplayOptions {
  windowSeconds?: number
  analyser?: AnalyserOptions
  /** Writes each RSU window's reports to `<dir>/windows/rsu-<i>-<k>.json`, k the simulated window (for verify-report). */
  writeWindows?: boolean
  onWindow?: (k: number, results: PortResult[]) => void
}

export interface ReplaySummary {
  firstWindow: bigint
  windows: number
  submissions: number
  reports: number
  refused: Record<RefusalReason | 'unsigned', number>
  flagged: string[]
  /** Sender ids of the flagged vehicles, and of the simulation's attackers (from the log names). */
  flaggedIds: number[]
  attackerIds: number[]
  events: number
}

type LogLine = { type: number; rcvTime: number; sendTime: number; cam?: string }

/** Replays the city's RSU logs window by window against the chain. */
export async function replayCity(dir: string, port: ChainPort, o: ReplayOptions = {}): Promise<ReplaySummary> {
  const c = readCityConfig(dir)
  if (!(c.rsus > 0)) throw new Error(`${dir} has no RSUs: simulate with --rsus N`)
  const W = o.windowSeconds ?? 10
  const firstWindow = BigInt((await port.query<{ next_window: string }>('transport/params')).next_window)
  const vehicles = cityVehicles(dir).map((id) => simVehicleKey(c.seed, id).publicKey)
  const status = new Map<string, StationStatus>()
  const refreshStatus = async () => {
    const flagged = new Set((await port.query<{ flagged: Array<{ vehicle: string }> }>('transport/flagged', { limit: '1000' })).flagged.map((f) => f.vehicle))
    for (const v of vehicles) {
      const hex = toHex(v)
      const active = (await port.query<{ active: boolean }>('vehicles/device-active', { device: hex })).active
      status.set(hex, !active ? 'suspended' : flagged.has(hex) ? 'flagged' : 'active')
    }
  }
  await refreshStatus()
  const refused = { malformed: 0, forged: 0, unregistered: 0, suspended: 0, late: 0, unsigned: 0 }
  const rsus = Array.from({ length: c.rsus }, (_, i) => {
    const lines = readFileSync(rsuFile(dir, i), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as LogLine).filter((l) => l.type === 3 || l.type === 5)
    const agent = new RsuAgent({
      windowSeconds: W, firstWindow, at: rsuPosition(rsuFile(dir, i)), radius: coverageRadius(c),
      status: (s) => status.get(toHex(s)) ?? 'unregistered', analyser: o.analyser,
    })
    return { key: simRsuKey(c.seed, i), agent, lines, next: 0 }
  })
  const windows = Math.ceil(c.duration / W)
  let submissions = 0, reports = 0, events = 0
  for (let k = 0; k < windows; k++) {
    for (const r of rsus) {
      while (r.next < r.lines.length && r.lines[r.next]!.sendTime < (k + 1) * W) {
        const l = r.lines[r.next++]!
        if (!l.cam) refused.unsigned++
        else r.agent.receive(l.cam, l.rcvTime)
      }
    }
    const subs = rsus.map((r, i) => ({ i, r, win: r.agent.close(k) }))
    const results = await Promise.all(subs.map(({ r, win }) => port.send(r.key, [{ type: TRANSPORT_MSG.submitWindow, value: submissionValue(win.submission()) as never }])))
    for (const [j, res] of results.entries()) {
      if (res.code !== 0) throw new Error(`RSU ${subs[j]!.i} window ${k}: ${res.log}`)
      submissions++
      reports += subs[j]!.win.size
      events += res.events.filter((e) => e.type === TRANSPORT_EVENT.eventConfirmed).length
    }
    if (o.writeWindows) {
      mkdirSync(join(dir, 'windows'), { recursive: true })
      for (const { i, r, win } of subs) {
        if (win.size === 0) continue
        writeFileSync(join(dir, 'windows', `rsu-${i}-${k}.json`), JSON.stringify({
          rsu: toHex(r.key.publicKey), window: win.window.toString(), reports: win.allReports.map(toHex),
        }) + '\n')
      }
    }
    o.onWindow?.(k, results)
    await refreshStatus()
  }
  for (const r of rsus) for (const [reason, n] of Object.entries(r.agent.refused)) refused[reason as RefusalReason] += n
  const flagged = [...status].filter(([, s]) => s === 'flagged').map(([v]) => v)
  const files = listReceiverFiles(dir)
  const idOf = new Map(files.map((f) => [toHex(simVehicleKey(c.seed, f.moduleId).publicKey), f.moduleId]))
  const flaggedIds = flagged.map((v) => idOf.get(v)!).sort((a, b) => a - b)
  const attackerIds = files.filter((f) => f.attackerType !== 0).map((f) => f.moduleId).sort((a, b) => a - b)
  return { firstWindow, windows, submissions, reports, refused, flagged, flaggedIds, attackerIds, events }
}

/** The `transport/submit-window` message value of a window. */
export function submissionValue(s: WindowSubmission): Record<string, unknown> {
  const v: Record<string, unknown> = { window: s.window, root: s.root, size: s.size, verdicts: s.verdicts }
  if (s.events.length) v.events = s.events
  if (s.traffic.length) v.traffic = s.traffic
  return v
}
