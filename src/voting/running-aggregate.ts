/**
 * The chain's running sum of ballots on limbs (src/voting/limbs), so that adding a ballot costs
 * point additions and no square root. Three forms:
 *
 *  - compact ciphertexts: a decoded ballot's points as affine (x, y), 64 bytes a point, which is
 *    what a decoding returns (z = 1, t = x·y), so reading them back needs no square root. Only for
 *    points this code decoded itself (a verified ballot; the chain's own state).
 *  - work bytes: the sum in extended coordinates (X, Y, Z, T), 128 bytes a point, for the length of
 *    one block; the representative depends on the order of the additions, which every node follows
 *    in the same way, and it never reaches committed state (the module encodes it at end-block).
 *  - the canonical aggregate: 32 bytes a point (RFC 9496), what the chain commits and the record holds.
 */
import { decodeElement, limbsOf } from './group.js'
import { addPoints, copyPoint, negate, xpoint, type XPoint } from './limbs/edwards.js'
import { encodeRistretto } from './limbs/encode.js'
import { feFromBigint, feFromBytes, feToBigint, feToBytes, mul } from './limbs/field.js'

export const COMPACT_POINT_BYTES = 64
const WORK_POINT_BYTES = 128

const P = 2n ** 255n - 19n
const isOne = (z: Float64Array) => z[0] === 1 && z.every((l, j) => j === 0 || l === 0)

function modPow(b: bigint, e: bigint): bigint {
  let r = 1n
  for (b %= P; e > 0n; e >>= 1n, b = (b * b) % P) if (e & 1n) r = (r * b) % P
  return r
}

/**
 * The affine coordinates of points. A decoded point has z = 1 already; any other (a point this
 * process computed and then met again by its encoding, group.ts) is scaled by 1/z, rarely.
 */
export function compactPoints(points: readonly XPoint[]): Uint8Array {
  const out = new Uint8Array(points.length * COMPACT_POINT_BYTES)
  points.forEach((p, i) => {
    let { X, Y } = p
    if (!isOne(p.Z)) {
      const zInv = modPow(feToBigint(p.Z), P - 2n)
      X = feFromBigint((feToBigint(p.X) * zInv) % P)
      Y = feFromBigint((feToBigint(p.Y) * zInv) % P)
    }
    out.set(feToBytes(X), i * COMPACT_POINT_BYTES)
    out.set(feToBytes(Y), i * COMPACT_POINT_BYTES + 32)
  })
  return out
}

export function pointsFromCompact(bytes: Uint8Array): XPoint[] {
  if (bytes.length % COMPACT_POINT_BYTES !== 0) throw new Error('compact points: bad length')
  const out: XPoint[] = []
  for (let o = 0; o < bytes.length; o += COMPACT_POINT_BYTES) {
    const p = xpoint()
    feFromBytes(p.X, bytes.subarray(o, o + 32))
    feFromBytes(p.Y, bytes.subarray(o + 32, o + 64))
    p.Z[0] = 1
    mul(p.T, p.X, p.Y)
    out.push(p)
  }
  return out
}

/** The canonical aggregate (identity allowed) on limbs: fresh points, which accumulate may change. */
export function pointsFromAggregate(bytes: Uint8Array): XPoint[] {
  const out: XPoint[] = []
  for (let o = 0; o < bytes.length; o += 32) {
    const p = xpoint()
    copyPoint(p, limbsOf(decodeElement(bytes.subarray(o, o + 32), `aggregate point ${o / 32}`)))
    out.push(p)
  }
  return out
}

export function pointsFromWork(bytes: Uint8Array): XPoint[] {
  if (bytes.length % WORK_POINT_BYTES !== 0) throw new Error('aggregate work bytes: bad length')
  const out: XPoint[] = []
  for (let o = 0; o < bytes.length; o += WORK_POINT_BYTES) {
    const p = xpoint()
    feFromBytes(p.X, bytes.subarray(o, o + 32))
    feFromBytes(p.Y, bytes.subarray(o + 32, o + 64))
    feFromBytes(p.Z, bytes.subarray(o + 64, o + 96))
    feFromBytes(p.T, bytes.subarray(o + 96, o + 128))
    out.push(p)
  }
  return out
}

export function workBytes(points: readonly XPoint[]): Uint8Array {
  const out = new Uint8Array(points.length * WORK_POINT_BYTES)
  points.forEach((p, i) => {
    const o = i * WORK_POINT_BYTES
    out.set(feToBytes(p.X), o)
    out.set(feToBytes(p.Y), o + 32)
    out.set(feToBytes(p.Z), o + 64)
    out.set(feToBytes(p.T), o + 96)
  })
  return out
}

/** The canonical encoding (32 bytes a point): one square root per point. */
export function encodePoints(points: readonly XPoint[]): Uint8Array {
  const out = new Uint8Array(points.length * 32)
  points.forEach((p, i) => out.set(encodeRistretto(p), i * 32))
  return out
}

const scratch = xpoint()

/** sum[i] += terms[i] (or -= when `minus`), in place. */
export function accumulate(sum: XPoint[], terms: readonly XPoint[], minus: boolean): void {
  if (sum.length !== terms.length) throw new Error('accumulate: the ballot does not fit the aggregate')
  for (let i = 0; i < sum.length; i++) {
    if (minus) negate(scratch, terms[i]!)
    addPoints(sum[i]!, sum[i]!, minus ? scratch : terms[i]!)
  }
}

