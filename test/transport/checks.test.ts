import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  acceptanceRange, defaultCheckParams as P, kinematicConsistency, maxAcceleration, maxSpeed, onRoad, positionJump,
  suddenAppearance, type Kin,
} from '../../src/transport/checks.js'
import { ReceiverAnalyser } from '../../src/transport/analyser.js'
import { distanceToRoad } from '../../src/transport/roads.js'
import { parseLogLine, type Received } from '../../src/transport/veremi.js'

const k = (t: number, x: number, y: number, vx = 0, vy = 0): Kin => ({ t, x, y, vx, vy })
const grid = { blocks: 4, blockLength: 200 }

test('acceptance range: within range + margin is plausible, beyond is not', () => {
  assert.equal(acceptanceRange({ x: 0, y: 0 }, k(1, 300, 0), P), true)
  assert.equal(acceptanceRange({ x: 0, y: 0 }, k(1, 0, P.range + P.rangeMargin), P), true)
  assert.equal(acceptanceRange({ x: 0, y: 0 }, k(1, 0, P.range + P.rangeMargin + 1), P), false)
  assert.equal(acceptanceRange({ x: 100, y: 100 }, k(1, 500, 500), P), false)
})

test('sudden appearance: a new sender claiming to be close is implausible', () => {
  assert.equal(suddenAppearance({ x: 0, y: 0 }, k(5, 290, 0), P), true)
  assert.equal(suddenAppearance({ x: 0, y: 0 }, k(5, 20, 10), P), false)
})

test('position jump: the distance moved must be reachable at the claimed speeds', () => {
  assert.equal(positionJump(k(0, 0, 0, 10, 0), k(1, 10, 0, 10, 0), P), true)
  assert.equal(positionJump(k(0, 0, 0, 10, 0), k(1, 10 + P.jumpTolerance, 0, 10, 0), P), true) // noise margin
  assert.equal(positionJump(k(0, 0, 0, 10, 0), k(1, 60, 0, 10, 0), P), false)
  assert.equal(positionJump(k(0, 0, 0, 10, 0), k(2, 30, 0, 10, 0), P), true) // two seconds
  assert.equal(positionJump(k(0, 0, 0, 0, 0), k(1, 0, 80, 0, 0), P), false) // teleport while "parked"
})

test('maximum speed', () => {
  assert.equal(maxSpeed(k(0, 0, 0, 20, 10), P), true)
  assert.equal(maxSpeed(k(0, 0, 0, 30, 10), P), false)
  assert.equal(maxSpeed(k(0, 0, 0, NaN, 0), P), false)
})

test('maximum acceleration between consecutive beacons', () => {
  assert.equal(maxAcceleration(k(0, 0, 0, 10, 0), k(1, 10, 0, 13, 0), P), true)
  assert.equal(maxAcceleration(k(0, 0, 0, 14, 0), k(1, 14, 0, 0, 0), P), false) // eventual stop: 14 m/s² braking
  assert.equal(maxAcceleration(k(0, 0, 0, 10, 0), k(1, 5, 5, 0, 10), P), true) // a turn keeps the speed
})

test('kinematic consistency: displacement agrees with the mean velocity', () => {
  assert.equal(kinematicConsistency(k(0, 0, 0, 10, 0), k(1, 10, 0, 10, 0), P), true)
  assert.equal(kinematicConsistency(k(0, 0, 0, 10, 0), k(1, 5, 5, 0, 10), P), true) // turned at mid-interval
  assert.equal(kinematicConsistency(k(0, 0, 0, 15, 0), k(1, 0, 0, 15, 0), P), false) // claims 15 m/s, stands still
  assert.equal(kinematicConsistency(k(0, 0, 0, 10, 0), k(1, 0, 12, 10, 0), P), false) // moves north, claims east
  assert.equal(kinematicConsistency(k(0, 0, 0, 10, 0), k(1, 10, 0, -10, 0), P), false) // reversed in one second
  // standing still while claiming to move, even a slow 8 m/s that the 15 m tolerance would cover
  assert.equal(kinematicConsistency(k(0, 500, 200, 8, 0), k(1, 500, 200, 8, 0), P), false)
  assert.equal(kinematicConsistency(k(0, 500, 200, 8, 0), k(1, 500.6, 200, 8, 0), P), true) // noise-sized movement passes the frozen test (the residual stays within 15 m)
  assert.equal(kinematicConsistency(k(0, 500, 200, 0.2, 0), k(1, 500, 200, 0.1, 0), P), true) // a parked car, speed noise only
})

test('on-road check against the grid map', () => {
  assert.equal(distanceToRoad(grid, 200, 123), 0)
  assert.equal(distanceToRoad(grid, 100, 100), 100)
  assert.equal(distanceToRoad(grid, -5, 50), 5)
  assert.equal(onRoad(k(0, 403, 777), grid, P), true)
  assert.equal(onRoad(k(0, 450, 777), grid, P), false)
  assert.equal(onRoad(k(0, 2000, 0), grid, P), false)
})

const rec = (t: number, sender: number, id: number, pos: [number, number], spd: [number, number]): Received => ({
  type: 3, rcvTime: t, sendTime: t, sender, messageID: id, pos: [pos[0], pos[1], 0], pos_noise: [0, 0, 0], spd: [spd[0], spd[1], 0], spd_noise: [0, 0, 0], RSSI: 0,
})

test('analyser: runs the checks per sender track, sudden appearance only after the warm-up, sticky memory', () => {
  const own = (t: number) => ({ type: 2 as const, rcvTime: t, pos: [0, 0, 0] as [number, number, number], pos_noise: [0, 0, 0] as [number, number, number], spd: [0, 0, 0] as [number, number, number], spd_noise: [0, 0, 0] as [number, number, number] })
  const a = new ReceiverAnalyser({ sticky: true })
  a.push(own(0))
  assert.deepEqual(a.push(rec(1, 7, 1, [50, 0], [10, 0]))!.failed, []) // close but before the warm-up
  assert.deepEqual(a.push(rec(2, 7, 2, [60, 0], [10, 0]))!.failed, [])
  assert.deepEqual(a.push(rec(3, 7, 3, [160, 0], [10, 0]))!.failed, ['jump', 'kinematic'])
  const after = a.push(rec(4, 7, 4, [170, 0], [10, 0]))!
  assert.deepEqual(after.failed, [])
  assert.equal(after.flagged, true) // sticky
  a.push(own(5))
  assert.deepEqual(a.push(rec(5, 8, 5, [30, 0], [10, 0]))!.failed, ['sudden'])
  assert.deepEqual(a.push(rec(5, 9, 6, [900, 0], [10, 0]))!.failed, ['range'])
  assert.deepEqual(a.push(rec(5, 10, 7, [NaN, 0], [10, 0]))!.flagged, true)
  // a duplicate or a replayed older beacon; a beacon from the future
  assert.deepEqual(a.push(rec(5, 9, 8, [900, 0], [10, 0]))!.failed, ['range', 'stale'])
  assert.deepEqual(a.push(rec(3, 9, 9, [200, 0], [10, 0]))!.failed, ['stale'])
  const fut = { ...rec(6, 11, 10, [200, 0], [10, 0]), rcvTime: 5 }
  assert.ok(a.push(fut)!.failed.includes('future'))
  const plain = new ReceiverAnalyser({ grid })
  assert.deepEqual(plain.push(rec(1, 1, 1, [100, 100], [1, 0]))!.failed, ['road'])
})

test('log lines: malformed or non-finite entries are skipped, not a crash', () => {
  assert.equal(parseLogLine('not json'), undefined)
  assert.equal(parseLogLine('{"type":3,"rcvTime":1,"pos":[1,2,0],"spd":[0,0,0]}'), undefined) // no sender
  assert.equal(parseLogLine('{"type":2,"rcvTime":1,"pos":[1e999,2,0],"spd":[0,0,0]}'), undefined)
  assert.equal(parseLogLine('{"type":5,"rcvTime":1,"pos":[1,2,0],"spd":[0,0,0]}'), undefined)
  const ok = parseLogLine('{"type":3,"rcvTime":1.5,"sendTime":1.5,"sender":13,"messageID":42,"pos":[1,2,0],"pos_noise":[3,3,0],"spd":[4,5,0],"spd_noise":[0.1,0.1,0],"RSSI":1e-9}')
  assert.equal(ok?.type, 3)
  assert.equal((ok as Received).messageID, 42)
})
