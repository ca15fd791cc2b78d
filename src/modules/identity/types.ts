/**
 * The identity module's names: its state keys, message types and event names, and typed builders
 * of its messages for clients.
 * Keys (under "identity/"):  a|pubkey -> Account (binary, record.ts)      r|role|0x00|pubkey -> 0x01 (active members)
 */
import type { Msg } from '../../app/tx.js'
import { bytesEqual, concatBytes, toHex, utf8 } from '../../base/bytes.js'

export const MODULE = 'identity'

/** Key prefixes under "identity/". */
export const IDENTITY_KEY = { account: 'a', role: 'r' } as const

export const IDENTITY_MSG = {
  register: 'identity/register',
  registerDevice: 'identity/register-device',
  grantRole: 'identity/grant-role',
  revokeRole: 'identity/revoke-role',
  revoke: 'identity/revoke',
} as const

export const IDENTITY_EVENT = {
  registered: 'identity.registered',
  roleGranted: 'identity.role_granted',
  roleRevoked: 'identity.role_revoked',
  revoked: 'identity.revoked',
} as const

const ACCOUNT_STORE_PREFIX = utf8(MODULE + '/' + IDENTITY_KEY.account)

/** The full store key (as a store proof names it) of the account record of `pk`. */
export function accountStoreKey(pk: Uint8Array): Uint8Array {
  return concatBytes(ACCOUNT_STORE_PREFIX, pk)
}

/** The address of a full account store key, or undefined if `key` is not one. */
export function accountOfStoreKey(key: Uint8Array): string | undefined {
  const n = ACCOUNT_STORE_PREFIX.length
  if (key.length !== n + 32 || !bytesEqual(key.subarray(0, n), ACCOUNT_STORE_PREFIX)) return undefined
  return toHex(key.subarray(n))
}

export const identityMsgs = {
  register(p: { pubKey: Uint8Array; roles: string[]; meta?: Uint8Array }): Msg {
    const value: Msg['value'] = { pub_key: p.pubKey, roles: p.roles }
    if (p.meta) value.meta = p.meta
    return { type: IDENTITY_MSG.register, value }
  },
  registerDevice(p: { pubKey: Uint8Array; meta?: Uint8Array }): Msg {
    const value: Msg['value'] = { pub_key: p.pubKey }
    if (p.meta) value.meta = p.meta
    return { type: IDENTITY_MSG.registerDevice, value }
  },
  grantRole(p: { pubKey: Uint8Array; role: string }): Msg {
    return { type: IDENTITY_MSG.grantRole, value: { pub_key: p.pubKey, role: p.role } }
  },
  revokeRole(p: { pubKey: Uint8Array; role: string }): Msg {
    return { type: IDENTITY_MSG.revokeRole, value: { pub_key: p.pubKey, role: p.role } }
  },
  /** An empty or absent reason is left out. */
  revoke(p: { pubKey: Uint8Array; reason?: string }): Msg {
    const value: Msg['value'] = { pub_key: p.pubKey }
    if (p.reason) value.reason = p.reason
    return { type: IDENTITY_MSG.revoke, value }
  },
}

export interface Account {
  pubKey: Uint8Array
  roles: string[]           // sorted
  nonce: bigint
  createdAt: bigint         // height
  revokedAt?: bigint        // height of the block that revoked it
  revokeReason?: string
  meta?: Uint8Array         // a salted commitment to off-chain personal data, never the data
}
