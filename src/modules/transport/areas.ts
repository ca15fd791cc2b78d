/**
 * RSU registry: the transport department (or the authority) registers each road-side unit with its
 * coverage area, a circle on the city's local grid (metres east and north of the city origin).
 * Only registered RSUs submit windows, and everything a window places on the map (events, traffic
 * per road segment) must lie inside the submitting RSU's circle.
 *
 * An RSU also sends heartbeats (`transport/heartbeat`): the chain records the height it last heard
 * of each RSU, and the blocks they make keep an idle chain's windows moving.
 *
 * Keys (under "transport/"):  a|rsu → { x, y, radius } (CBOR);  l|rsu → last height heard (CBOR)
 */
import { decodeTrusted, encodeCanonical } from '../../codec/cbor.js'
import { fail } from '../../base/errors.js'
import { prefixEnd, type KVReader } from '../../app/kv.js'
import { moduleReader, moduleStore, type ExecContext } from '../../app/module.js'
import { concatBytes, toHex, utf8 } from '../../base/bytes.js'
import { getAccount, hasRole, isActiveAt, registerAccount } from '../identity/keeper.js'
import { MODULE, TRANSPORT_EVENT, TRANSPORT_KEY as K } from './types.js'

export interface Coverage {
  x: bigint
  y: bigint
  radius: bigint
}

const areaKey = (rsu: Uint8Array) => concatBytes(utf8(K.coverage), rsu)
const seenKey = (rsu: Uint8Array) => concatBytes(utf8(K.lastSeen), rsu)

export function heartbeat(ctx: ExecContext, rsu: Uint8Array): void {
  requireCoverage(ctx.kv, rsu)
  moduleStore(ctx.kv, MODULE).set(seenKey(rsu), encodeCanonical(ctx.height))
}

export function lastSeen(kv: KVReader, rsu: Uint8Array): bigint | undefined {
  const b = moduleReader(kv, MODULE).get(seenKey(rsu))
  return b ? BigInt(decodeTrusted(b) as number | bigint) : undefined
}

/** Every registered RSU's key, in key order. */
export function registeredRsus(kv: KVReader): Uint8Array[] {
  const out: Uint8Array[] = []
  for (const [k] of moduleReader(kv, MODULE).iterate({ gte: utf8(K.coverage), lt: prefixEnd(utf8(K.coverage)) })) out.push(k.slice(1))
  return out
}

export function getCoverage(kv: KVReader, rsu: Uint8Array): Coverage | undefined {
  const b = moduleReader(kv, MODULE).get(areaKey(rsu))
  if (!b) return undefined
  const m = decodeTrusted(b) as Record<string, number | bigint>
  return { x: BigInt(m.x!), y: BigInt(m.y!), radius: BigInt(m.radius!) }
}

/** Registers (or moves) an RSU; its account is created with the rsu role if it has none. */
export function registerRsu(ctx: ExecContext, rsu: Uint8Array, c: Coverage): void {
  const a = getAccount(ctx.kv, rsu)
  if (!a) registerAccount(ctx, rsu, ['rsu'])
  else {
    if (!isActiveAt(a, ctx.height)) fail('account_revoked', `RSU key ${toHex(rsu)} is revoked`)
    if (!hasRole(a, 'rsu')) fail('invalid_request', `account ${toHex(rsu)} exists without the rsu role`)
  }
  moduleStore(ctx.kv, MODULE).set(areaKey(rsu), encodeCanonical({ x: c.x, y: c.y, radius: c.radius }))
  ctx.emit(TRANSPORT_EVENT.rsuRegistered, { rsu: toHex(rsu), x: c.x.toString(), y: c.y.toString(), radius: c.radius.toString() })
}

export function requireCoverage(kv: KVReader, rsu: Uint8Array): Coverage {
  const c = getCoverage(kv, rsu)
  if (!c) fail('unauthorized', `${toHex(rsu)} is not a registered RSU (transport/register-rsu)`)
  return c
}

/** Integer test: (x − cx)² + (y − cy)² ≤ r². */
export const covers = (c: Coverage, x: bigint, y: bigint) => (x - c.x) ** 2n + (y - c.y) ** 2n <= c.radius ** 2n

export function requireInside(c: Coverage, x: bigint, y: bigint, what: string): void {
  if (!covers(c, x, y)) fail('unauthorized', `${what} at (${x}, ${y}) m lies outside the RSU's coverage (${c.x}, ${c.y}) r ${c.radius} m`)
}
