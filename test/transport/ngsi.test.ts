import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Ajv2020 from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import { simulate } from '../../src/transport/sim.js'
import { ReceiverAnalyser } from '../../src/transport/analyser.js'
import { readLog, type Received } from '../../src/transport/veremi.js'
import { toNormalized, toTrafficFlowObserved, trafficState } from '../../src/transport/traffic.js'

const SDM = join(import.meta.dirname, '../fixtures/smart-data-models')
const root = mkdtempSync(join(tmpdir(), 'polis-ngsi-'))
after(() => rmSync(root, { recursive: true, force: true }))
const grid = { blocks: 4, blockLength: 200 }

function validator() {
  const ajv = new (Ajv2020 as unknown as typeof Ajv2020.default)({ strict: false, allErrors: true })
  ;(addFormats as unknown as typeof addFormats.default)(ajv)
  ajv.addSchema(JSON.parse(readFileSync(join(SDM, 'shared-schemas/common-schema.json'), 'utf8')))
  return ajv.compile(JSON.parse(readFileSync(join(SDM, 'dataModel.Transportation/TrafficFlowObserved/schema.json'), 'utf8')))
}

test('traffic state per segment: distinct vehicles, mean speed in km/h, occupancy; untrusted senders excluded', () => {
  const b = (sender: number, t: number, x: number, y: number, vx: number, vy: number): Received => ({
    type: 3, rcvTime: t, sendTime: t, sender, messageID: t * 100 + sender, pos: [x, y, 0], pos_noise: [0, 0, 0], spd: [vx, vy, 0], spd_noise: [0, 0, 0], RSSI: 0,
  })
  const beacons = [b(1, 0, 50, 0, 10, 0), b(1, 1, 60, 0, 10, 0), b(2, 0, 120, 2, 20, 0), b(3, 0, 200, 130, 0, 5), b(9, 0, 100, 0, 30, 0), b(4, 0, 100, 100, 5, 5), b(1, 20, 70, 0, 10, 0)]
  const s = trafficState(beacons, { grid, start: 0, end: 10, trusted: (x) => x !== 9 })
  assert.deepEqual(s.map((x) => x.segment), ['h0-0', 'v1-0'])
  const h = s[0]!
  assert.equal(h.intensity, 2)
  assert.equal(h.averageVehicleSpeed, Math.round(((10 + 10 + 20) / 3) * 3.6 * 10) / 10)
  assert.equal(h.occupancy, Math.round(((3 * (4.5 / 200) * 1) / 10) * 1000) / 1000)
  assert.deepEqual([s[1]!.from, s[1]!.to], [[200, 0], [200, 200]])
})

test('TrafficFlowObserved entities from a simulated window validate against the Smart Data Models schema', () => {
  const validate = validator()
  const example = JSON.parse(readFileSync(join(SDM, 'dataModel.Transportation/TrafficFlowObserved/examples/example.json'), 'utf8'))
  assert.ok(validate(example), JSON.stringify(validate.errors)) // the validator itself accepts the model's example
  const dir = join(root, 'city')
  const sim = simulate({ seed: 3, vehicles: 20, duration: 30, attack: 'randomPos', attackerShare: 0.2, rsus: 1 }, dir)
  const log = readLog(sim.rsuFiles[0]!)
  const a = new ReceiverAnalyser({ grid, sticky: true })
  const suspect = new Set<number>()
  for (const e of log) {
    const v = a.push(e)
    if (v?.flagged) suspect.add(v.sender)
  }
  const received = log.filter((e): e is Received => e.type === 3)
  const states = trafficState(received, { grid, start: 10, end: 20, trusted: (s) => !suspect.has(s) })
  assert.ok(states.length > 0)
  const entities = toTrafficFlowObserved(states, { city: 'polis-sim', origin: [-4.7286, 41.6523], epochMs: Date.UTC(2026, 0, 1), start: 10, end: 20 })
  for (const e of entities) assert.ok(validate(e), JSON.stringify(validate.errors))
  assert.match(String(entities[0]!.id), /^urn:ngsi-ld:TrafficFlowObserved:polis-sim:/)
  assert.equal(entities[0]!.dateObserved, '2026-01-01T00:00:10Z/2026-01-01T00:00:20Z')
  const bad = { ...entities[0]!, occupancy: 1.5 }
  assert.equal(validate(bad), false)
  const n = toNormalized(entities[0]!)
  assert.deepEqual(n.intensity, { type: 'Property', value: entities[0]!.intensity })
  assert.equal((n.refRoadSegment as { type: string }).type, 'Relationship')
  assert.equal((n.location as { type: string }).type, 'GeoProperty')
  assert.ok(Array.isArray(n['@context']))
  // attackers' forged positions are excluded: every trusted sender in the window is a genuine vehicle
  const attackers = new Set(sim.attackers.map((i) => 10 + 6 * i))
  assert.ok([...attackers].every((s) => suspect.has(s) || !received.some((r) => r.sender === s)))
})
