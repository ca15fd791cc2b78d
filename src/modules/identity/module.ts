/** The identity module: accounts with roles, registered and revoked by the authority. */
import { defineMessage, type Module } from '../../app/module.js'
import { onlyFields, optionalBytesField, optionalStringField, pubKeyField, stringField, stringListField } from '../../app/fields.js'
import { PolisError, fail } from '../../base/errors.js'
import { fromHex, toHex } from '../../base/bytes.js'
import { hexParam, limitParam } from '../../app/query-params.js'
import {
  CORE_ROLES, getAccount, grantRole, listRoleMembers, registerAccount, revokeAccount, revokeRole, type Account,
} from './keeper.js'
import { MODULE } from './types.js'

const ROLE_PATTERN = /^[a-z][a-z0-9_-]{1,31}$/

export interface IdentityGenesis { accounts: Array<{ pub_key: string; roles: string[]; meta?: string }> }

export function accountJson(a: Account) {
  return {
    address: toHex(a.pubKey),
    roles: a.roles,
    nonce: a.nonce.toString(),
    created_at: a.createdAt.toString(),
    revoked_at: a.revokedAt?.toString() ?? null,
    revoke_reason: a.revokeReason ?? null,
    meta: a.meta ? toHex(a.meta) : null,
  }
}

/** Builds the identity module; `extraRoles` are roles other modules introduce (e.g. departments). */
export function identityModule(extraRoles: readonly string[] = []): Module {
  const roles = [...new Set([...CORE_ROLES, ...extraRoles])].sort()
  const authority = ['authority'] as const
  return {
    name: MODULE,
    roles,
    messages: {
      register: defineMessage({
        roles: authority,
        parse: (v) => {
          onlyFields(v, ['pub_key', 'roles', 'meta'])
          return { pubKey: pubKeyField(v, 'pub_key'), roles: stringListField(v, 'roles', roles), meta: optionalBytesField(v, 'meta', 32) }
        },
        handle: (ctx, m) => {
          registerAccount(ctx, m.pubKey, m.roles, m.meta)
        },
      }),
      'register-device': defineMessage({
        roles: authority,
        parse: (v) => {
          onlyFields(v, ['pub_key', 'meta'])
          return { pubKey: pubKeyField(v, 'pub_key'), meta: optionalBytesField(v, 'meta', 32) }
        },
        handle: (ctx, m) => {
          registerAccount(ctx, m.pubKey, ['device'], m.meta)
        },
      }),
      'grant-role': defineMessage({
        roles: authority,
        parse: (v) => {
          onlyFields(v, ['pub_key', 'role'])
          const role = stringField(v, 'role')
          if (!roles.includes(role)) fail('invalid_message', `unknown role "${role}"`)
          return { pubKey: pubKeyField(v, 'pub_key'), role }
        },
        handle: (ctx, m) => grantRole(ctx, m.pubKey, m.role),
      }),
      'revoke-role': defineMessage({
        roles: authority,
        parse: (v) => {
          onlyFields(v, ['pub_key', 'role'])
          return { pubKey: pubKeyField(v, 'pub_key'), role: stringField(v, 'role', { max: 32 }) }
        },
        handle: (ctx, m) => revokeRole(ctx, m.pubKey, m.role),
      }),
      revoke: defineMessage({
        roles: authority,
        parse: (v) => {
          onlyFields(v, ['pub_key', 'reason'])
          return { pubKey: pubKeyField(v, 'pub_key'), reason: optionalStringField(v, 'reason', { max: 256 }) ?? '' }
        },
        handle: (ctx, m) => revokeAccount(ctx, m.pubKey, m.reason),
      }),
    },
    queries: {
      account: (ctx, p) => {
        const a = getAccount(ctx.kv, hexParam(p, 'address', 32))
        if (!a) throw new PolisError('not_found', 'no such account')
        return accountJson(a)
      },
      'role-members': (ctx, p) => {
        const role = p.role
        if (typeof role !== 'string' || !roles.includes(role)) throw new PolisError('invalid_request', 'role must be one of ' + roles.join(', '))
        const limit = limitParam(p)
        const after = p.after === undefined ? undefined : hexParam(p, 'after', 32)
        return { role, members: listRoleMembers(ctx.kv, role, limit, after).map(toHex) }
      },
      roles: () => ({ roles }),
    },
    validateGenesis(state) {
      const g = state as IdentityGenesis
      if (!g || !Array.isArray(g.accounts)) fail('invalid_genesis', 'identity.accounts must be a list')
      const seen = new Set<string>()
      let authorities = 0
      for (const a of g.accounts) {
        if (typeof a.pub_key !== 'string' || !/^[0-9a-f]{64}$/.test(a.pub_key)) fail('invalid_genesis', `identity: bad pub_key ${JSON.stringify(a.pub_key)}`)
        if (seen.has(a.pub_key)) fail('invalid_genesis', `identity: duplicate account ${a.pub_key}`)
        seen.add(a.pub_key)
        if (!Array.isArray(a.roles) || a.roles.some((r) => !roles.includes(r) || !ROLE_PATTERN.test(r))) fail('invalid_genesis', `identity: bad roles for ${a.pub_key}`)
        if (a.meta !== undefined && !/^[0-9a-f]{64}$/.test(a.meta)) fail('invalid_genesis', `identity: meta must be 32 bytes hex`)
        if (a.roles.includes('authority')) authorities++
      }
      if (authorities === 0) fail('invalid_genesis', 'identity: genesis must name at least one authority')
    },
    initGenesis(ctx, state) {
      const g = state as IdentityGenesis
      const sorted = [...g.accounts].sort((x, y) => (x.pub_key < y.pub_key ? -1 : x.pub_key > y.pub_key ? 1 : 0))
      for (const a of sorted) registerAccount(ctx, fromHex(a.pub_key), a.roles, a.meta ? fromHex(a.meta) : undefined)
    },
  }
}
