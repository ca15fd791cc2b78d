/**
 * Raw state keys a client may ask the node to prove, and the meaning of their values.
 * The layouts are the modules' own (`accountStoreKey`, `balanceStoreKey`): one tree holds all
 * state, so a key is "<module>/<module's key>".
 */
import { PolisError } from '../base/errors.js'
import { amountFromBytes } from '../codec/amount.js'
import { bytesEqual, fromHex, toHex } from '../base/bytes.js'
import { accountJson, accountOfStoreKey, accountStoreKey, getAccount } from '../modules/identity/index.js'
import { balanceOfStoreKey, balanceStoreKey } from '../modules/bank/types.js'
import type { KVReader } from '../app/kv.js'
import type { AccountJson } from './types.js'

export { accountStoreKey } from '../modules/identity/types.js'
export { balanceStoreKey } from '../modules/bank/types.js'

export type StateKeyKind = 'balance' | 'account' | 'raw'

export interface StateKey {
  kind: StateKeyKind
  key: Uint8Array
  /** For balance and account keys. */
  address?: string
  denom?: string
}

/**
 * Parses a key given as hex, or as a shorthand:
 *   balance:<address>[:<denom>]   the bank balance (native denom unless given)
 *   account:<address>             the identity record (roles, nonce, revocation)
 * `resolveAddress` may map names (e.g. key names) to addresses; by default only 64-hex is accepted.
 */
export function parseStateKey(
  spec: string,
  opts: { nativeDenom?: string; resolveAddress?: (s: string) => Uint8Array } = {},
): StateKey {
  const resolve = opts.resolveAddress ?? ((s: string) => {
    if (!/^[0-9a-fA-F]{64}$/.test(s)) throw new PolisError('invalid_request', `"${s}" is not an address (64 hex characters)`)
    return fromHex(s.toLowerCase())
  })
  const m = /^(balance|account):([^:]+)(?::(.+))?$/.exec(spec)
  if (m) {
    const [, kind, who, denom] = m as unknown as [string, 'balance' | 'account', string, string | undefined]
    const pk = resolve(who)
    if (kind === 'account') {
      if (denom !== undefined) throw new PolisError('invalid_request', 'account:<address> takes no denomination')
      return { kind, key: accountStoreKey(pk), address: toHex(pk) }
    }
    const d = denom ?? opts.nativeDenom
    if (!d) throw new PolisError('invalid_request', 'balance:<address> needs a denomination: balance:<address>:<denom>')
    return { kind, key: balanceStoreKey(pk, d), address: toHex(pk), denom: d }
  }
  const hex = spec.startsWith('0x') ? spec.slice(2) : spec
  if (!/^(?:[0-9a-fA-F]{2})+$/.test(hex)) {
    throw new PolisError('invalid_request', `state key "${spec}" must be hex bytes, or balance:<address>[:<denom>], or account:<address>`)
  }
  return describeKey(fromHex(hex.toLowerCase()))
}

/** Recognises the layout of a raw key where it can. */
export function describeKey(key: Uint8Array): StateKey {
  const account = accountOfStoreKey(key)
  if (account !== undefined) return { kind: 'account', key, address: account }
  const balance = balanceOfStoreKey(key)
  if (balance) return { kind: 'balance', key, ...balance }
  return { kind: 'raw', key }
}

/** What a value means for its key: an amount for a balance, the account for an identity record. */
export function decodeStateValue(k: StateKey, value: Uint8Array | undefined): { amount: string } | { account: AccountJson | null } | { hex: string | null } {
  if (k.kind === 'balance') return { amount: amountFromBytes(value).toString() }
  if (k.kind === 'account') {
    if (!value) return { account: null }
    const pk = fromHex(k.address!)
    const reader: KVReader = { get: (key) => (bytesEqual(key, k.key) ? value : undefined), iterate: () => [] }
    const a = getAccount(reader, pk)
    return { account: a ? (accountJson(a) as AccountJson) : null }
  }
  return { hex: value ? toHex(value) : null }
}
