import { test } from 'node:test'
import assert from 'node:assert/strict'
import { toHex, utf8 } from '../../src/base/bytes.js'
import { PolisError } from '../../src/base/errors.js'
import {
  CaqwWalker, QHF_DEFAULT_PARAMS, bitsMsb8, bitsUnpadded, detCos, detSin, qhf, qhfBits, qhfOutputBytes,
  validateQhfParams, walkProbabilities, type QhfParams,
} from '../../src/crypto/qhf/index.js'
import { computeAll, loadVectors } from './vector-lib.js'

// ---------------------------------------------------------------------------------------------
// Known answers

test('known-answer vectors (test/qhf/vectors.json) reproduce exactly', () => {
  const file = loadVectors()
  const got = computeAll(file)
  let i = 0
  let cases = 0
  for (const s of file.sets) {
    for (const c of s.cases) {
      assert.equal(got[i++], c.hash, `${JSON.stringify(s.params)} / ${c.name}`)
      cases++
    }
  }
  assert.ok(cases >= 80, `expected the full vector file, got ${cases} cases`)
})

test('default output is 32 bytes; other sizes follow hashBits', () => {
  assert.equal(qhf(utf8('abc')).length, 32)
  assert.equal(qhfOutputBytes(), 32)
  const p = validateQhfParams({ latticeSide: 9, hashBits: 512 })
  assert.equal(qhf(utf8('abc'), p).length, 64)
})

// ---------------------------------------------------------------------------------------------
// The walk against an independent, literal transcription of the equations (E1)–(E8)

/** ψ[x][y][c] as nested arrays, coins applied as explicit 2×2 matrices, shifts by coordinates. */
function referenceWalk(bits: number[], N: number, cs: { c0: number; s0: number; c1: number; s1: number; a: number; b: number }): number[] {
  let psi = Array.from({ length: N }, () => Array.from({ length: N }, () => [0, 0]))
  psi[0]![0] = [cs.a, cs.b]
  const coin = (bit: number): number[][] => (bit ? [[cs.c1, cs.s1], [cs.s1, -cs.c1]] : [[cs.c0, cs.s0], [cs.s0, -cs.c0]])
  const half = (axis: 'x' | 'y', C: number[][]): void => {
    const next = Array.from({ length: N }, () => Array.from({ length: N }, () => [0, 0]))
    for (let x = 0; x < N; x++) {
      for (let y = 0; y < N; y++) {
        const [u, v] = psi[x]![y]! as [number, number]
        const n0 = C[0]![0]! * u + C[0]![1]! * v // (I ⊗ C)
        const n1 = C[1]![0]! * u + C[1]![1]! * v
        if (axis === 'x') { next[(x + 1) % N]![y]![0] = n0; next[(x - 1 + N) % N]![y]![1] = n1 } // S_x
        else { next[x]![(y + 1) % N]![0] = n0; next[x]![(y - 1 + N) % N]![1] = n1 } // S_y
      }
    }
    psi = next
  }
  for (const b of bits) { const C = coin(b); half('x', C); half('y', C) } // U_b = S_y(I⊗C)S_x(I⊗C)
  const p: number[] = []
  for (let x = 0; x < N; x++) for (let y = 0; y < N; y++) { const [u, v] = psi[x]![y]! as [number, number]; p.push(u * u + v * v) }
  return p
}

function randomBits(n: number, seed: number): number[] {
  let s = seed >>> 0
  return Array.from({ length: n }, () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s >>> 31 })
}

test('optimised walk equals the literal transcription bit for bit (same pinned constants)', () => {
  const P = QHF_DEFAULT_PARAMS
  const cs = { c0: detCos(P.theta0), s0: detSin(P.theta0), c1: detCos(P.theta1), s1: detSin(P.theta1), a: detCos(P.coinAngle), b: detSin(P.coinAngle) }
  for (const N of [3, 5, 7, 8, 9]) {
    const bits = randomBits(300, N)
    const ref = referenceWalk(bits, N, cs)
    const got = Array.from(walkProbabilities(bits, { side: N, theta0: P.theta0, theta1: P.theta1, coinAngle: P.coinAngle }))
    assert.deepEqual(got, ref, `N=${N}`)
  }
})

test('pinned trigonometry changes the walk by < 1e-12 against Math.cos/Math.sin; norm stays 1', () => {
  const P = QHF_DEFAULT_PARAMS
  const cs = { c0: Math.cos(P.theta0), s0: Math.sin(P.theta0), c1: Math.cos(P.theta1), s1: Math.sin(P.theta1), a: Math.cos(P.coinAngle), b: Math.sin(P.coinAngle) }
  const bits = randomBits(2000, 99)
  const ref = referenceWalk(bits, 7, cs)
  const got = walkProbabilities(bits, { side: 7, theta0: P.theta0, theta1: P.theta1, coinAngle: P.coinAngle })
  let norm = 0
  for (let k = 0; k < ref.length; k++) {
    assert.ok(Math.abs(got[k]! - ref[k]!) < 1e-12, `site ${k}: ${got[k]} vs ${ref[k]}`)
    norm += got[k]!
  }
  assert.ok(Math.abs(norm - 1) < 1e-12, `norm ${norm}`)
})

test('digest is round(P·10^8) mod 256 of sites 0,1,2,… in order', () => {
  const msg = utf8('digest rule')
  const w = new CaqwWalker({ side: 7, theta0: Math.PI / 4, theta1: Math.PI / 3, coinAngle: Math.PI / 4 })
  w.stepBytes(msg)
  const p = w.probabilities()
  const expect = Uint8Array.from(Array.from(p.subarray(0, 32), (x) => Math.round(x * 1e8) % 256))
  assert.deepEqual(qhf(msg), expect)
  assert.equal(w.steps, msg.length * 8)
})

test('pinned sin/cos: exact doubles for the default angles, within 2 ulp of Math on (0, π/2)', () => {
  // The exact IEEE-754 bit patterns every platform must produce.
  const bitsOf = (x: number): string => Buffer.from(new Float64Array([x]).buffer).toString('hex')
  assert.equal(detCos(Math.PI / 4), 0.7071067811865476)
  assert.equal(detSin(Math.PI / 4), 0.7071067811865475)
  assert.equal(detCos(Math.PI / 3), 0.5000000000000001)
  assert.equal(detSin(Math.PI / 3), 0.8660254037844386)
  assert.equal(bitsOf(detCos(Math.PI / 3)), '010000000000e03f')
  for (let i = 1; i < 1000; i++) {
    const x = (i / 1000) * (Math.PI / 2)
    const ulp = (v: number): number => Math.abs(v) * 2 ** -52
    assert.ok(Math.abs(detSin(x) - Math.sin(x)) <= 2 * ulp(Math.sin(x)), `sin ${x}`)
    assert.ok(Math.abs(detCos(x) - Math.cos(x)) <= 2 * ulp(Math.cos(x)) + 1e-300, `cos ${x}`)
  }
  assert.throws(() => detSin(2), RangeError)
  assert.throws(() => detCos(Number.NaN), RangeError)
})

// ---------------------------------------------------------------------------------------------
// Why the lattice side is odd

test('even torus: only 1/4 of the sites are ever reached; odd torus: all of them', () => {
  const bits = randomBits(1000, 5)
  const cfg = { theta0: Math.PI / 4, theta1: Math.PI / 3, coinAngle: Math.PI / 4 }
  const even = walkProbabilities(bits, { side: 8, ...cfg })
  assert.equal(even.filter((p) => p === 0).length, 48) // 3/4 of 64 sites hold probability 0
  const odd = walkProbabilities(bits, { side: 7, ...cfg })
  assert.equal(odd.filter((p) => p === 0).length, 0)
  assert.throws(() => validateQhfParams({ latticeSide: 8 }), /even/)
})

// ---------------------------------------------------------------------------------------------
// Messages: empty, short, long, bit conversions

test('empty message: no step, initial distribution, all-zero hash for every parameter set', () => {
  assert.equal(toHex(qhf(new Uint8Array())), '00'.repeat(32))
  assert.equal(toHex(qhf(new Uint8Array(), validateQhfParams({ latticeSide: 9, hashBits: 512, theta0: 'pi/6' }))), '00'.repeat(64))
  assert.deepEqual(qhfBits([]), qhf(new Uint8Array()))
  // but a single bit already moves the walker
  assert.notEqual(toHex(qhfBits([0])), '00'.repeat(32))
  assert.notDeepEqual(qhfBits([0]), qhfBits([1]))
})

test('no collisions among all 8191 bit strings of length 0..12', () => {
  const seen = new Set<string>()
  for (let len = 0; len <= 12; len++) {
    for (let v = 0; v < 2 ** len; v++) {
      const bits = Array.from({ length: len }, (_, j) => (v >> (len - 1 - j)) & 1)
      const h = toHex(qhfBits(bits))
      assert.ok(!seen.has(h), `collision at length ${len} value ${v}`)
      seen.add(h)
    }
  }
})

test('long message (256 KiB): stepBytes over the bytes equals a split run', () => {
  const m = new Uint8Array(1 << 18).map((_, i) => (i * 131 + 7) & 0xff)
  const t0 = performance.now()
  const h = qhf(m)
  const ms = performance.now() - t0
  const w = new CaqwWalker({ side: 7, theta0: Math.PI / 4, theta1: Math.PI / 3, coinAngle: Math.PI / 4 })
  w.stepBytes(m.subarray(0, 12345))
  w.stepBytes(m.subarray(12345))
  assert.deepEqual(w.digest(8, 256), h)
  assert.ok(ms < 10_000, `256 KiB took ${ms} ms`)
})

test('bit conversions: msb8 is what qhf uses; unpadded reproduces dec2bin and is not injective', () => {
  const m = utf8('abc')
  assert.deepEqual(qhfBits(bitsMsb8(m)), qhf(m))
  assert.deepEqual(Array.from(bitsMsb8(Uint8Array.of(0x61))), [0, 1, 1, 0, 0, 0, 0, 1])
  assert.equal(Array.from(bitsUnpadded(m)).join(''), '110000111000101100011')
  assert.equal(Array.from(bitsUnpadded(Uint8Array.of(0))).join(''), '0')
  assert.deepEqual(qhfBits(bitsUnpadded(Uint8Array.of(1, 1))), qhfBits(bitsUnpadded(Uint8Array.of(3)))) // the pitfall
  assert.notDeepEqual(qhf(Uint8Array.of(1, 1)), qhf(Uint8Array.of(3)))
  assert.throws(() => qhfBits([0, 2]), RangeError)
})

test('each message bit matters: flipping any one bit of a 32-byte message changes the hash', () => {
  const m = new Uint8Array(32).map((_, i) => i * 7)
  const h = toHex(qhf(m))
  for (let i = 0; i < m.length * 8; i++) {
    const m2 = m.slice()
    m2[i >> 3]! ^= 0x80 >> (i & 7)
    assert.notEqual(toHex(qhf(m2)), h, `bit ${i}`)
  }
})

// ---------------------------------------------------------------------------------------------
// Parameters (genesis)

function refused(p: unknown, re: RegExp): void {
  assert.throws(() => validateQhfParams(p), (e: unknown) => {
    assert.ok(e instanceof PolisError, `expected PolisError, got ${String(e)}`)
    assert.equal(e.errorName, 'invalid_genesis')
    assert.match(e.message, re)
    return true
  })
}

test('validateQhfParams: defaults, angle strings, and the accepted ranges', () => {
  assert.equal(validateQhfParams(undefined), QHF_DEFAULT_PARAMS)
  assert.deepEqual(validateQhfParams({}), QHF_DEFAULT_PARAMS)
  const p = validateQhfParams({ theta0: 'pi/6', theta1: '2*pi/7', coinAngle: 0.3, latticeSide: 11, hashBits: 968 })
  assert.equal(p.theta0, Math.PI / 6)
  assert.equal(p.theta1, (Math.PI * 2) / 7)
  assert.equal(p.coinAngle, 0.3)
  assert.ok(Object.isFrozen(p))
  // the round trip through JSON (a genesis file) is exact
  assert.deepEqual(validateQhfParams(JSON.parse(JSON.stringify(p))), p)

  refused('qhf', /expected an object/)
  refused([], /expected an object/)
  refused({ latticeSide: 7, foo: 1 }, /unknown field "foo"/)
  refused({ latticeSide: 8 }, /latticeSide: 8 is even/)
  refused({ latticeSide: 1 }, /latticeSide: 1 outside 3..63/)
  refused({ latticeSide: 65 }, /outside 3..63/)
  refused({ latticeSide: 7.5 }, /expected an integer/)
  refused({ latticeSide: '7' }, /expected an integer/)
  refused({ bitsPerSite: 16 }, /bitsPerSite: 16 not accepted/)
  refused({ hashBits: 250 }, /multiple of 8/)
  refused({ hashBits: 120 }, /hashBits: 120/)
  refused({ latticeSide: 5, hashBits: 256 }, /a 5x5 torus gives at most 200 bits/)
  refused({ latticeSide: 13, hashBits: 1032 }, /128..1024/)
  refused({ theta0: 0 }, /theta0: 0 outside the open interval \(0, pi\/2\)/)
  refused({ theta1: 'pi/2' }, /theta1: pi\/2 outside/)
  refused({ theta0: -0.1 }, /outside/)
  refused({ theta0: Number.NaN }, /outside/)
  refused({ theta0: 'pie' }, /expected an angle/)
  refused({ coinAngle: 2 }, /coinAngle: 2 outside/)
  refused({ theta0: 'pi/3' }, /theta0 and qhf.theta1 are equal/)
})

test('qhf() checks the params it is given, including hand-built objects', () => {
  const bad = { ...QHF_DEFAULT_PARAMS, latticeSide: 6 } as QhfParams
  assert.throws(() => qhf(utf8('x'), bad), PolisError)
  const mutable = { ...QHF_DEFAULT_PARAMS }
  assert.deepEqual(qhf(utf8('x'), mutable), qhf(utf8('x')))
  ;(mutable as { latticeSide: number }).latticeSide = 4
  assert.throws(() => qhf(utf8('x'), mutable), PolisError)
})
