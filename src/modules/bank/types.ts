/**
 * The bank module's names: its state keys, message types and event names, and typed builders of
 * its messages for clients.
 * Keys (under "bank/"):  b|pubkey|denom -> amount   s|denom -> supply   p -> params
 */
import type { Msg } from '../../app/tx.js'
import { bytesEqual, concatBytes, toHex, utf8 } from '../../base/bytes.js'

export const MODULE = 'bank'

/** Key prefixes under "bank/". */
export const BANK_KEY = { balance: 'b', supply: 's', params: 'p' } as const

export const BANK_MSG = { send: 'bank/send', mint: 'bank/mint', burn: 'bank/burn' } as const

export const BANK_EVENT = { transfer: 'bank.transfer', mint: 'bank.mint', burn: 'bank.burn' } as const

const BALANCE_STORE_PREFIX = utf8(MODULE + '/' + BANK_KEY.balance)

/** The full store key (as a store proof names it) of the balance of `pk` in `denom`. */
export function balanceStoreKey(pk: Uint8Array, denom: string): Uint8Array {
  return concatBytes(BALANCE_STORE_PREFIX, pk, utf8(denom))
}

/** The account and denomination of a full balance store key, or undefined if `key` is not one. */
export function balanceOfStoreKey(key: Uint8Array): { address: string; denom: string } | undefined {
  const n = BALANCE_STORE_PREFIX.length
  if (key.length <= n + 32 || !bytesEqual(key.subarray(0, n), BALANCE_STORE_PREFIX)) return undefined
  return { address: toHex(key.subarray(n, n + 32)), denom: Buffer.from(key.subarray(n + 32)).toString('utf8') }
}

export const bankMsgs = {
  send(p: { to: Uint8Array; amount: bigint; denom?: string }): Msg {
    const value: Msg['value'] = { to: p.to, amount: p.amount }
    if (p.denom !== undefined) value.denom = p.denom
    return { type: BANK_MSG.send, value }
  },
  mint(p: { to: Uint8Array; amount: bigint }): Msg {
    return { type: BANK_MSG.mint, value: { to: p.to, amount: p.amount } }
  },
  burn(p: { amount: bigint; denom?: string }): Msg {
    const value: Msg['value'] = { amount: p.amount }
    if (p.denom !== undefined) value.denom = p.denom
    return { type: BANK_MSG.burn, value }
  },
}
