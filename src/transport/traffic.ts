/**
 * Traffic state per road segment from what an RSU (or the city) heard in a window, counting only
 * vehicles that are trusted (not flagged), and its export as FIWARE Smart Data Models
 * `TrafficFlowObserved` entities (NGSI-LD; key-values form, which the model's JSON schema checks,
 * and the normalized form with Property wrappers and the @context).
 *
 * A segment is the stretch of road between two adjacent intersections of the grid: "h<i>-<j>" runs
 * east from intersection (i, j), "v<i>-<j>" north. A beacon belongs to the segment it lies on
 * (within `roadTolerance`); intersections belong to the segment they start.
 *   intensity            distinct vehicles seen on the segment in the window
 *   averageVehicleSpeed  mean of their reported speeds, km/h
 *   occupancy            share of the window the segment's length was covered by vehicles:
 *                        Σ over beacons (vehicleLength / segmentLength · beaconInterval) / window, ≤ 1
 */
import type { Grid } from './roads.js'
import type { Received } from './veremi.js'

export interface SegmentState {
  segment: string
  /** Segment end points in metres. */
  from: [number, number]
  to: [number, number]
  intensity: number
  averageVehicleSpeed: number
  occupancy: number
}

export interface TrafficOptions {
  grid: Grid
  /** Window [start, end) in simulation seconds. */
  start: number
  end: number
  trusted: (sender: number) => boolean
  beaconInterval?: number
  vehicleLength?: number
  roadTolerance?: number
}

export function trafficState(beacons: Iterable<Received>, o: TrafficOptions): SegmentState[] {
  const L = o.grid.blockLength, n = o.grid.blocks
  const tol = o.roadTolerance ?? 8
  const interval = o.beaconInterval ?? 1
  const vlen = o.vehicleLength ?? 4.5
  const acc = new Map<string, { from: [number, number]; to: [number, number]; vehicles: Set<number>; speed: number; count: number }>()
  for (const b of beacons) {
    if (b.sendTime < o.start || b.sendTime >= o.end || !o.trusted(b.sender)) continue
    const [x, y] = b.pos
    let seg: { id: string; from: [number, number]; to: [number, number] } | undefined
    const i = Math.round(x / L), j = Math.round(y / L)
    if (Math.abs(x - i * L) <= tol && i >= 0 && i <= n && y >= -tol && y <= n * L + tol) {
      const k = Math.min(Math.max(Math.floor(y / L), 0), n - 1)
      seg = { id: `v${i}-${k}`, from: [i * L, k * L], to: [i * L, (k + 1) * L] }
    } else if (Math.abs(y - j * L) <= tol && j >= 0 && j <= n && x >= -tol && x <= n * L + tol) {
      const k = Math.min(Math.max(Math.floor(x / L), 0), n - 1)
      seg = { id: `h${k}-${j}`, from: [k * L, j * L], to: [(k + 1) * L, j * L] }
    }
    if (!seg) continue
    let a = acc.get(seg.id)
    if (!a) acc.set(seg.id, (a = { from: seg.from, to: seg.to, vehicles: new Set(), speed: 0, count: 0 }))
    a.vehicles.add(b.sender)
    a.speed += Math.hypot(b.spd[0], b.spd[1])
    a.count++
  }
  const window = o.end - o.start
  return [...acc.entries()]
    .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
    .map(([segment, a]) => ({
      segment, from: a.from, to: a.to, intensity: a.vehicles.size,
      averageVehicleSpeed: Math.round((a.speed / a.count) * 3.6 * 10) / 10,
      occupancy: Math.min(1, Math.round(((a.count * (vlen / L) * interval) / window) * 1000) / 1000),
    }))
}

export interface NgsiOptions {
  city: string
  /** Longitude and latitude of the grid's (0, 0) corner. */
  origin: [number, number]
  /** Epoch (ms) of simulation time 0. */
  epochMs: number
  start: number
  end: number
}

export const NGSI_LD_CONTEXT = [
  'https://smart-data-models.github.io/dataModel.Transportation/context.jsonld',
  'https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld',
]

/** Metres east/north of the origin → [longitude, latitude] (equirectangular; fine at city scale). */
function lonLat(o: NgsiOptions, p: [number, number]): [number, number] {
  const lat = o.origin[1] + p[1] / 111_320
  const lon = o.origin[0] + p[0] / (111_320 * Math.cos((o.origin[1] * Math.PI) / 180))
  return [Math.round(lon * 1e7) / 1e7, Math.round(lat * 1e7) / 1e7]
}

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z')

/** `TrafficFlowObserved` entities in key-values form. */
export function toTrafficFlowObserved(states: SegmentState[], o: NgsiOptions): Array<Record<string, unknown>> {
  const from = iso(o.epochMs + o.start * 1000), to = iso(o.epochMs + o.end * 1000)
  return states.map((s) => ({
    id: `urn:ngsi-ld:TrafficFlowObserved:${o.city}:${s.segment}:${from}`,
    type: 'TrafficFlowObserved',
    refRoadSegment: `urn:ngsi-ld:RoadSegment:${o.city}:${s.segment}`,
    location: { type: 'LineString', coordinates: [lonLat(o, s.from), lonLat(o, s.to)] },
    dateObserved: `${from}/${to}`,
    dateObservedFrom: from,
    dateObservedTo: to,
    intensity: s.intensity,
    averageVehicleSpeed: s.averageVehicleSpeed,
    occupancy: s.occupancy,
    laneDirection: 'forward',
    dataProvider: 'polis-transport',
  }))
}

/** The same entities in NGSI-LD normalized form (Property / Relationship / GeoProperty). */
export function toNormalized(e: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { id: e.id, type: e.type }
  for (const [k, v] of Object.entries(e)) {
    if (k === 'id' || k === 'type') continue
    if (k === 'location') out[k] = { type: 'GeoProperty', value: v }
    else if (k.startsWith('ref')) out[k] = { type: 'Relationship', object: v }
    else if (k === 'dateObservedFrom' || k === 'dateObservedTo') out[k] = { type: 'Property', value: { '@type': 'DateTime', '@value': v } }
    else out[k] = { type: 'Property', value: v }
  }
  out['@context'] = NGSI_LD_CONTEXT
  return out
}
