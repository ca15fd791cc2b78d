/**
 * The account record as stored in state (the value under identity/a|pubkey): a compact binary
 * encoding, since every transaction reads its sender's record and writes it back with the next
 * nonce. Canonical — one byte string per account, checked on decoding — so the app hash is a
 * function of the accounts alone. Byte layout: docs/ENCODING.md ("State records").
 *
 *   0x01                           format
 *   uvarint nonce, uvarint created_at
 *   flags (1 byte): 1 revoked_at, 2 revoke_reason, 4 meta
 *   uvarint role count, then per role (sorted): uvarint length, UTF-8
 *   [uvarint revoked_at] [uvarint length, UTF-8 revoke_reason] [uvarint length, meta]
 *
 * Integers are unsigned LEB128 varints in their shortest form.
 */
import { fail } from '../../base/errors.js'
import type { Account } from './types.js'

const FORMAT = 1
const REVOKED = 1
const REASON = 2
const META = 4

const textEncoder = new TextEncoder()
const textDecoder = new TextDecoder('utf-8', { fatal: true })

function uvarintLength(n: bigint | number): number {
  let size = 1
  if (typeof n === 'number') {
    while (n >= 128) {
      n = Math.floor(n / 128)
      size++
    }
    return size
  }
  while (n >= 128n) {
    n >>= 7n
    size++
  }
  return size
}

function putBig(out: Uint8Array, pos: number, n: bigint): number {
  if (n < 0n) fail('invalid_state', 'negative integer in an account record')
  if (n <= 0x1fffffffffffffn) return putNum(out, pos, Number(n))
  while (n >= 128n) {
    out[pos++] = Number(n & 127n) | 128
    n >>= 7n
  }
  out[pos++] = Number(n)
  return pos
}

function putNum(out: Uint8Array, pos: number, n: number): number {
  while (n >= 128) {
    out[pos++] = (n % 128) | 128
    n = Math.floor(n / 128)
  }
  out[pos++] = n
  return pos
}

export function encodeAccountRecord(a: Account): Uint8Array {
  const roles = a.roles.map((r) => textEncoder.encode(r))
  const reason = a.revokeReason !== undefined ? textEncoder.encode(a.revokeReason) : undefined
  let size = 1 + uvarintLength(a.nonce) + uvarintLength(a.createdAt) + 1 + uvarintLength(roles.length)
  for (const r of roles) size += uvarintLength(r.length) + r.length
  if (a.revokedAt !== undefined) size += uvarintLength(a.revokedAt)
  if (reason) size += uvarintLength(reason.length) + reason.length
  if (a.meta) size += uvarintLength(a.meta.length) + a.meta.length
  const out = new Uint8Array(size)
  out[0] = FORMAT
  let p = putBig(out, 1, a.nonce)
  p = putBig(out, p, a.createdAt)
  out[p++] = (a.revokedAt !== undefined ? REVOKED : 0) | (reason ? REASON : 0) | (a.meta ? META : 0)
  p = putNum(out, p, roles.length)
  for (const r of roles) {
    p = putNum(out, p, r.length)
    out.set(r, p)
    p += r.length
  }
  if (a.revokedAt !== undefined) p = putBig(out, p, a.revokedAt)
  if (reason) {
    p = putNum(out, p, reason.length)
    out.set(reason, p)
    p += reason.length
  }
  if (a.meta) {
    p = putNum(out, p, a.meta.length)
    out.set(a.meta, p)
    p += a.meta.length
  }
  if (p !== size) fail('invalid_state', 'account record size mismatch')
  return out
}

/** A cursor that refuses anything the encoder would not have written. */
class RecordReader {
  pos = 0
  constructor(private readonly b: Uint8Array) {}

  private bad(what: string): never {
    fail('invalid_state', `corrupt account record: ${what}`)
  }

  byte(): number {
    if (this.pos >= this.b.length) this.bad('truncated')
    return this.b[this.pos++]!
  }

  /** Shortest-form unsigned varint, as a bigint. */
  big(): bigint {
    let n = 0
    let scale = 1
    const start = this.pos
    for (;;) {
      const x = this.byte()
      if (this.pos - start > 7) return this.bigSlow(start)
      n += (x & 127) * scale
      if (x < 128) {
        if (x === 0 && this.pos - start > 1) this.bad('varint not in its shortest form')
        return BigInt(n)
      }
      scale *= 128
    }
  }

  private bigSlow(start: number): bigint {
    this.pos = start
    let n = 0n
    let shift = 0n
    for (let i = 0; i < 10; i++) {
      const x = this.byte()
      n |= BigInt(x & 127) << shift
      if (x < 128) {
        if (x === 0) this.bad('varint not in its shortest form')
        return n
      }
      shift += 7n
    }
    this.bad('varint too long')
  }

  small(): number {
    const n = this.big()
    if (n > 0xffffn) this.bad('length too large')
    return Number(n)
  }

  bytes(n: number): Uint8Array {
    if (this.pos + n > this.b.length) this.bad('truncated')
    const out = this.b.slice(this.pos, this.pos + n)
    this.pos += n
    return out
  }

  text(): string {
    const n = this.small()
    if (this.pos + n > this.b.length) this.bad('truncated')
    try {
      return textDecoder.decode(this.b.subarray(this.pos, (this.pos += n)))
    } catch {
      this.bad('invalid UTF-8')
    }
  }

  end(): void {
    if (this.pos !== this.b.length) this.bad('trailing bytes')
  }
}

export function decodeAccountRecord(pubKey: Uint8Array, bytes: Uint8Array): Account {
  const r = new RecordReader(bytes)
  if (r.byte() !== FORMAT) fail('invalid_state', 'corrupt account record: unknown format')
  const nonce = r.big()
  const createdAt = r.big()
  const flags = r.byte()
  if (flags > (REVOKED | REASON | META)) fail('invalid_state', 'corrupt account record: unknown flags')
  const count = r.small()
  const roles: string[] = []
  for (let i = 0; i < count; i++) {
    const role = r.text()
    if (i > 0 && roles[i - 1]! > role) fail('invalid_state', 'corrupt account record: roles not sorted')
    roles.push(role)
  }
  const a: Account = { pubKey, roles, nonce, createdAt }
  if (flags & REVOKED) a.revokedAt = r.big()
  if (flags & REASON) a.revokeReason = r.text()
  if (flags & META) a.meta = r.bytes(r.small())
  r.end()
  return a
}
