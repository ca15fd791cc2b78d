/**
 * The transport module (BITS): RSUs submit, per closed window, the Merkle root of the vehicle
 * reports they received and their per-vehicle verdict counts; the chain keeps each vehicle's beta
 * reputation and flags those below the threshold. See keeper.ts for the arithmetic.
 *
 * Message `transport/register-rsu` (transport department or authority): { rsu, x, y, radius }
 *   an RSU and its coverage circle (m, city grid); see areas.ts.
 * Message `transport/heartbeat` (a registered RSU): {} — records that the RSU is alive.
 * Message `transport/submit-window` (role rsu, a registered RSU):
 *   { window: uint, root: bytes(32), size: uint, verdicts: [[vehicle pubkey(32), ok uint, bad uint], …],
 *     events?: [[code 1–3, x, y, [vehicle, …]], …], traffic?: [[x, y, flow, speed cm/s, occupancy ‰], …] }
 *   verdicts sorted by vehicle key, no duplicates, at most 1024; every vehicle active in the vehicle
 *   registry (`isActiveVehicle`); event reporters among the verdicts' vehicles; every event and
 *   segment inside the RSU's coverage. Windows are numbered by the RSUs and settle by their progress
 *   (window-clock.ts); a window's effects apply when it settles (window-settlement.ts, confirmed-events.ts).
 */
import { defineMessage, type Module, type MsgValue } from '../../app/module.js'
import { bytesField, onlyFields, pubKeyField, uintField } from '../../app/fields.js'
import { PolisError, fail } from '../../base/errors.js'
import { hexParam, limitParam } from '../../app/query-params.js'
import { compareBytes, toHex } from '../../base/bytes.js'
import { activeVehicles, TRANSPORT_ROLE } from '../vehicles/keeper.js'
import { heartbeat, lastSeen, registerRsu, requireCoverage, requireInside, getCoverage } from './areas.js'
import { listConfirmed, type WindowEvent } from './confirmed-events.js'
import {
  DEFAULT_PARAMS, getParams, getReputation, getStanding, rsuWeight, getSubmission, isFlagged, listFlagged, scorePermille, setParams,
  type SegmentTraffic, type TransportParams, type VerdictCount,
} from './keeper.js'
import { MAX_WINDOW, lastWindow, nextWindow, settledThrough } from './window-clock.js'
import { acceptWindow } from './window-settlement.js'
import { MODULE, type VehicleRegistry } from './types.js'

export const MAX_VERDICTS = 1024
export const MAX_EVENTS = 64
export const MAX_SEGMENTS = 256
const MAX_COUNT = 1n << 32n
/** Coordinates on the city grid, metres: within 1000 km. */
const MAX_COORD = 1_000_000n

export interface TransportGenesis {
  max_lag_windows?: string
  threshold_permille?: string
  decay_permille?: string
  min_evidence?: string
  event_quorum?: string
  event_min_rsus?: string
  event_span_windows?: string
}

function paramsOf(g: TransportGenesis | undefined): TransportParams {
  const n = (v: unknown, dflt: bigint, name: string, min: bigint, max: bigint): bigint => {
    if (v === undefined) return dflt
    if (typeof v !== 'string' || !/^[0-9]{1,12}$/.test(v)) fail('invalid_genesis', `transport.${name} must be a decimal string`)
    const x = BigInt(v)
    if (x < min || x > max) fail('invalid_genesis', `transport.${name} must be between ${min} and ${max}`)
    return x
  }
  if (g !== undefined && (typeof g !== 'object' || g === null)) fail('invalid_genesis', 'transport must be an object')
  const d = DEFAULT_PARAMS
  return {
    maxLagWindows: n(g?.max_lag_windows, d.maxLagWindows, 'max_lag_windows', 1n, 1_000_000n),
    thresholdPermille: n(g?.threshold_permille, d.thresholdPermille, 'threshold_permille', 0n, 1000n),
    decayPermille: n(g?.decay_permille, d.decayPermille, 'decay_permille', 0n, 1000n),
    minEvidence: n(g?.min_evidence, d.minEvidence, 'min_evidence', 0n, 1_000_000n),
    eventQuorum: n(g?.event_quorum, d.eventQuorum, 'event_quorum', 1n, 1000n),
    eventMinRsus: n(g?.event_min_rsus, d.eventMinRsus, 'event_min_rsus', 1n, 1000n),
    eventSpanWindows: n(g?.event_span_windows, d.eventSpanWindows, 'event_span_windows', 0n, 1000n),
  }
}

function bad(msg: string): never {
  throw new PolisError('invalid_message', msg)
}

function parseVerdicts(v: MsgValue): VerdictCount[] {
  const x = v.verdicts
  if (!Array.isArray(x) || x.length > MAX_VERDICTS) bad(`verdicts must be a list of at most ${MAX_VERDICTS} entries`)
  const out: VerdictCount[] = []
  for (const e of x) {
    if (!Array.isArray(e) || e.length !== 3) bad('each verdict must be [vehicle, ok, bad]')
    const [vehicle, ok, nbad] = e
    const rec = bytesField({ vehicle: vehicle! }, 'vehicle', 32)
    const okN = uintField({ ok: ok! }, 'ok', MAX_COUNT)
    const badN = uintField({ bad: nbad! }, 'bad', MAX_COUNT)
    if (okN + badN === 0n) bad('a verdict must count at least one report')
    if (out.length && compareBytes(out[out.length - 1]!.vehicle, rec) >= 0) bad('verdicts must be sorted by vehicle, without duplicates')
    out.push({ vehicle: rec, ok: okN, bad: badN })
  }
  return out
}

const listOf = (v: MsgValue, name: string, max: number): MsgValue[keyof MsgValue][] => {
  const x = v[name]
  if (x === undefined) return []
  if (!Array.isArray(x) || x.length > max) bad(`${name} must be a list of at most ${max} entries`)
  return x
}
const coord = (x: unknown, name: string) => uintField({ [name]: x as never }, name, MAX_COORD)

function parseEvents(v: MsgValue, vehicles: VerdictCount[]): WindowEvent[] {
  const heard = new Set(vehicles.map((x) => toHex(x.vehicle)))
  return listOf(v, 'events', MAX_EVENTS).map((e) => {
    if (!Array.isArray(e) || e.length !== 4 || !Array.isArray(e[3])) bad('each event must be [code, x, y, [vehicle, …]]')
    const code = Number(uintField({ code: e[0]! }, 'code', 3n))
    if (code < 1) bad('event code must be 1 (congestion), 2 (accident) or 3 (hazard)')
    const reporters: Uint8Array[] = []
    for (const r of e[3] as unknown[]) {
      const k = bytesField({ reporter: r as never }, 'reporter', 32)
      if (reporters.length && compareBytes(reporters[reporters.length - 1]!, k) >= 0) bad('event reporters must be sorted, without duplicates')
      if (!heard.has(toHex(k))) bad('an event reporter must be among the vehicles the window judged')
      reporters.push(k)
    }
    if (reporters.length === 0 || reporters.length > MAX_VERDICTS) bad('an event needs at least one reporter')
    return { code, x: coord(e[1], 'x'), y: coord(e[2], 'y'), reporters }
  })
}

function parseTraffic(v: MsgValue): SegmentTraffic[] {
  return listOf(v, 'traffic', MAX_SEGMENTS).map((t) => {
    if (!Array.isArray(t) || t.length !== 5) bad('each traffic entry must be [x, y, flow, speed, occupancy]')
    return {
      x: coord(t[0], 'x'), y: coord(t[1], 'y'), flow: uintField({ flow: t[2]! }, 'flow', MAX_COUNT),
      speed: uintField({ speed: t[3]! }, 'speed', 100_000n), occupancy: uintField({ occupancy: t[4]! }, 'occupancy', 1000n),
    }
  })
}

/** `vehicles`: the vehicle register with the chain's blocklist, given by the composition (default: a chain without threat intelligence). */
export function transportModule(vehicles: VehicleRegistry = activeVehicles()): Module {
  return {
    name: MODULE,
    messages: {
      'register-rsu': defineMessage({
        roles: [TRANSPORT_ROLE, 'authority'],
        parse: (v) => {
          onlyFields(v, ['rsu', 'x', 'y', 'radius'])
          const radius = uintField(v, 'radius', 100_000n)
          if (radius === 0n) bad('radius must be positive')
          return { rsu: pubKeyField(v, 'rsu'), x: uintField(v, 'x', MAX_COORD), y: uintField(v, 'y', MAX_COORD), radius }
        },
        handle: (ctx, m) => registerRsu(ctx, m.rsu, { x: m.x, y: m.y, radius: m.radius }),
      }),
      heartbeat: defineMessage({
        roles: ['rsu'],
        parse: (v) => onlyFields(v, []),
        handle: (ctx) => heartbeat(ctx, ctx.sender),
      }),
      'submit-window': defineMessage({
        roles: ['rsu'],
        parse: (v) => {
          onlyFields(v, ['window', 'root', 'size', 'verdicts', 'events', 'traffic'])
          const verdicts = parseVerdicts(v)
          return {
            window: uintField(v, 'window', MAX_WINDOW), root: bytesField(v, 'root', 32), size: v.size === undefined ? 0n : uintField(v, 'size', MAX_COUNT),
            verdicts, events: parseEvents(v, verdicts), traffic: parseTraffic(v),
          }
        },
        handle: (ctx, m) => {
          const area = requireCoverage(ctx.kv, ctx.sender)
          // reports signed by a key that is not an active registered vehicle refuse the whole window
          for (const vc of m.verdicts) {
            if (!vehicles.isActiveVehicle(ctx.kv, vc.vehicle, ctx.height)) fail('unauthorized', `${toHex(vc.vehicle)} is not an active registered vehicle`)
          }
          for (const e of m.events) requireInside(area, e.x, e.y, 'an event')
          for (const t of m.traffic) requireInside(area, t.x, t.y, 'a road segment')
          acceptWindow(ctx, vehicles, { rsu: ctx.sender, window: m.window, root: m.root, verdicts: m.verdicts, size: m.size, traffic: m.traffic }, m.events)
        },
      }),
    },
    queries: {
      params: (ctx) => {
        const p = getParams(ctx.kv)
        return {
          max_lag_windows: p.maxLagWindows.toString(), threshold_permille: p.thresholdPermille.toString(),
          decay_permille: p.decayPermille.toString(), min_evidence: p.minEvidence.toString(), event_quorum: p.eventQuorum.toString(),
          event_min_rsus: p.eventMinRsus.toString(), event_span_windows: p.eventSpanWindows.toString(), settled_window: settledThrough(ctx.kv)?.toString() ?? null,
          next_window: nextWindow(ctx.kv).toString(),
        }
      },
      reputation: (ctx, q) => {
        const vehicle = hexParam(q, 'vehicle', 32)
        const r = getReputation(ctx.kv, vehicle)
        return {
          vehicle: toHex(vehicle), alpha: r.alpha.toString(), beta: r.beta.toString(), last_window: r.lastWindow.toString(),
          score_permille: scorePermille(r).toString(), flagged: isFlagged(ctx.kv, vehicle),
        }
      },
      window: (ctx, q) => {
        const rsu = hexParam(q, 'rsu', 32)
        const w = q.window
        if (typeof w !== 'string' || !/^[0-9]{1,19}$/.test(w)) throw new PolisError('invalid_request', 'window is required (decimal string)')
        const s = getSubmission(ctx.kv, rsu, BigInt(w))
        if (!s) throw new PolisError('not_found', `no submission of ${toHex(rsu)} for window ${w}`)
        return {
          rsu: toHex(rsu), window: w, root: toHex(s.root), size: s.size.toString(),
          verdicts: s.verdicts.map((v) => ({ vehicle: toHex(v.vehicle), ok: v.ok.toString(), bad: v.bad.toString() })),
          traffic: s.traffic.map((t) => ({ x: t.x.toString(), y: t.y.toString(), flow: t.flow.toString(), speed_cms: t.speed.toString(), occupancy_permille: t.occupancy.toString() })),
        }
      },
      'rsu-standing': (ctx, q) => {
        const rsu = hexParam(q, 'rsu', 32)
        const r = getStanding(ctx.kv, rsu)
        return {
          rsu: toHex(rsu), alpha: r.alpha.toString(), beta: r.beta.toString(), last_window: r.lastWindow.toString(),
          score_permille: scorePermille(r).toString(), weight_permille: rsuWeight(ctx.kv, rsu).toString(),
        }
      },
      rsu: (ctx, q) => {
        const rsu = hexParam(q, 'rsu', 32)
        const c = getCoverage(ctx.kv, rsu)
        if (!c) throw new PolisError('not_found', `no registered RSU ${toHex(rsu)}`)
        return { rsu: toHex(rsu), x: c.x.toString(), y: c.y.toString(), radius: c.radius.toString(), last_seen: lastSeen(ctx.kv, rsu)?.toString() ?? null,
          last_window: lastWindow(ctx.kv, rsu)?.toString() ?? null,
        }
      },
      // lists are wrapped in an object: the HTTP API answers objects
      events: (ctx, q) => ({
        events: listConfirmed(ctx.kv, limitParam(q)).map((e) => ({
          window: e.window.toString(), event: e.event, x: e.x.toString(), y: e.y.toString(), reporters: e.reporters.toString(), rsus: e.rsus,
        })),
      }),
      flagged: (ctx, q) => ({ flagged: listFlagged(ctx.kv, limitParam(q)).map((f) => ({ vehicle: toHex(f.vehicle), window: f.window.toString() })) }),
    },
    validateGenesis(state) {
      paramsOf(state as TransportGenesis | undefined)
    },
    initGenesis(ctx, state) {
      setParams(ctx.kv, paramsOf(state as TransportGenesis))
    },
  }
}
