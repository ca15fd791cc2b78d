/**
 * Identity keeper: accounts are Ed25519 public keys with roles, a nonce and a revocation mark.
 * Key layout: types.ts.
 * A revoked account stays on record (its history must remain verifiable) and is refused
 * from the block after the one that revoked it.
 */
import { fail } from '../../base/errors.js'
import type { KV, KVReader } from '../../app/kv.js'
import { moduleReader, moduleStore, type ExecContext } from '../../app/module.js'
import { concatBytes, toHex, utf8 } from '../../base/bytes.js'
import { IDENTITY_EVENT, IDENTITY_KEY, MODULE, type Account } from './types.js'
import { decodeAccountRecord, encodeAccountRecord } from './record.js'

export type { Account }

export const CORE_ROLES = ['authority', 'validator', 'rsu', 'vehicle', 'device', 'citizen', 'operator', 'relayer'] as const

/** Prefix of the full store key of an account record ("identity/" included): the hot path skips the PrefixKV. */
const A_STORE = utf8(MODULE + '/' + IDENTITY_KEY.account)

/** The full store key of `pk`'s record, in one allocation (every transaction reads its sender's). */
function accountKey(pk: Uint8Array): Uint8Array {
  const out = new Uint8Array(A_STORE.length + pk.length)
  out.set(A_STORE, 0)
  out.set(pk, A_STORE.length)
  return out
}
const rolePrefix = (role: string) => utf8(IDENTITY_KEY.role + role)
const roleKey = (role: string, pk: Uint8Array) => concatBytes(rolePrefix(role), new Uint8Array([0]), pk)
const ONE = new Uint8Array([1])

export function getAccount(kv: KVReader, pk: Uint8Array): Account | undefined {
  const b = kv.get(accountKey(pk))
  return b ? decodeAccountRecord(pk, b) : undefined
}

/** Whether `pk` is registered (revoked or not), without decoding the record. */
export function accountExists(kv: KVReader, pk: Uint8Array): boolean {
  return kv.get(accountKey(pk)) !== undefined
}

function putAccount(kv: KV, a: Account): void {
  kv.set(accountKey(a.pubKey), encodeAccountRecord(a))
}

/** Active at `height`: not revoked, or revoked by a block at or after this height. */
export function isActiveAt(a: Account, height: bigint): boolean {
  return a.revokedAt === undefined || a.revokedAt >= height
}

export function hasRole(a: Account, role: string): boolean {
  return a.roles.includes(role)
}

/** The account of `pk`, refused unless it exists and is active at the context's height. */
export function requireActiveAccount(ctx: { kv: KVReader; height: bigint }, pk: Uint8Array): Account {
  const a = getAccount(ctx.kv, pk)
  if (!a) fail('unknown_account', `account ${toHex(pk)} is not registered`)
  if (!isActiveAt(a, ctx.height)) fail('account_revoked', `account ${toHex(pk)} was revoked at height ${a.revokedAt}`)
  return a
}

export function requireRole(ctx: { kv: KVReader; height: bigint }, pk: Uint8Array, role: string): Account {
  const a = requireActiveAccount(ctx, pk)
  if (!hasRole(a, role)) fail('unauthorized', `account ${toHex(pk)} does not hold the role "${role}"`)
  return a
}

export function setNonce(kv: KV, a: Account, nonce: bigint): void {
  putAccount(kv, { ...a, nonce })
}

export function registerAccount(ctx: ExecContext, pk: Uint8Array, roles: string[], meta?: Uint8Array): Account {
  if (getAccount(ctx.kv, pk)) fail('already_exists', `account ${toHex(pk)} is already registered`)
  const a: Account = { pubKey: pk, roles: [...roles].sort(), nonce: 0n, createdAt: ctx.height }
  if (meta) a.meta = meta
  putAccount(ctx.kv, a)
  const store = moduleStore(ctx.kv, MODULE)
  for (const r of a.roles) store.set(roleKey(r, pk), ONE)
  ctx.emit(IDENTITY_EVENT.registered, { account: toHex(pk), roles: a.roles.join(',') })
  return a
}

export function grantRole(ctx: ExecContext, pk: Uint8Array, role: string): void {
  const a = requireActiveAccount(ctx, pk)
  if (hasRole(a, role)) fail('already_exists', `account already holds the role "${role}"`)
  putAccount(ctx.kv, { ...a, roles: [...a.roles, role].sort() })
  moduleStore(ctx.kv, MODULE).set(roleKey(role, pk), ONE)
  ctx.emit(IDENTITY_EVENT.roleGranted, { account: toHex(pk), role })
}

export function revokeRole(ctx: ExecContext, pk: Uint8Array, role: string): void {
  const a = requireActiveAccount(ctx, pk)
  if (!hasRole(a, role)) fail('not_found', `account does not hold the role "${role}"`)
  if (role === 'authority') ensureAnotherAuthority(ctx.kv, pk)
  putAccount(ctx.kv, { ...a, roles: a.roles.filter((r) => r !== role) })
  moduleStore(ctx.kv, MODULE).delete(roleKey(role, pk))
  ctx.emit(IDENTITY_EVENT.roleRevoked, { account: toHex(pk), role })
}

/** Revokes a key from the next block on (also used by other modules, e.g. SIEM quarantine). */
export function revokeAccount(ctx: ExecContext, pk: Uint8Array, reason: string): void {
  const a = requireActiveAccount(ctx, pk)
  if (a.revokedAt !== undefined) fail('account_revoked', 'account is already revoked')
  if (hasRole(a, 'authority')) ensureAnotherAuthority(ctx.kv, pk)
  putAccount(ctx.kv, { ...a, revokedAt: ctx.height, revokeReason: reason })
  const store = moduleStore(ctx.kv, MODULE)
  for (const r of a.roles) store.delete(roleKey(r, pk))
  ctx.emit(IDENTITY_EVENT.revoked, { account: toHex(pk), reason })
}

function ensureAnotherAuthority(kv: KVReader, pk: Uint8Array): void {
  for (const other of listRoleMembers(kv, 'authority', 2)) {
    if (toHex(other) !== toHex(pk)) return
  }
  fail('invalid_state', 'the last authority cannot be removed: grant the role to another account first')
}

/** Active holders of a role, in key order. */
export function listRoleMembers(kv: KVReader, role: string, limit = 1000, after?: Uint8Array): Uint8Array[] {
  const prefix = concatBytes(rolePrefix(role), new Uint8Array([0]))
  const out: Uint8Array[] = []
  const gte = after ? concatBytes(prefix, after, new Uint8Array([0])) : prefix
  const lt = concatBytes(rolePrefix(role), new Uint8Array([1]))
  for (const [k] of moduleReader(kv, MODULE).iterate({ gte, lt, limit })) out.push(k.subarray(prefix.length))
  return out
}
