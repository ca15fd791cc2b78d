/**
 * Bank keeper: integer token balances per (account, denomination) and the supply of each
 * denomination. Invariant: for every denom, supply = sum of balances (tested by property tests).
 * Key layout: types.ts.
 */
import { decodeTrusted, encodeCanonical } from '../../codec/cbor.js'
import { amountFromBytes, amountToBytes } from '../../codec/amount.js'
import { fail } from '../../base/errors.js'
import type { KV, KVReader } from '../../app/kv.js'
import { moduleReader, moduleStore, type ExecContext } from '../../app/module.js'
import { concatBytes, toHex, utf8 } from '../../base/bytes.js'
import { accountExists } from '../identity/keeper.js'
import { BANK_EVENT, BANK_KEY, MODULE } from './types.js'

const B = utf8(BANK_KEY.balance)
const denomBytes = new Map<string, Uint8Array>()
function denomKey(denom: string): Uint8Array {
  let b = denomBytes.get(denom)
  if (!b) {
    b = utf8(denom)
    if (denomBytes.size < 10_000) denomBytes.set(denom, b)
  }
  return b
}
/** Prefix of the full store key of a balance ("bank/" included): the hot path skips the PrefixKV. */
const B_STORE = utf8(MODULE + '/' + BANK_KEY.balance)

/** The full store key of a balance, built in one allocation (read and written by every transfer). */
function balanceKey(pk: Uint8Array, denom: string): Uint8Array {
  const d = denomKey(denom)
  const out = new Uint8Array(B_STORE.length + pk.length + d.length)
  out.set(B_STORE, 0)
  out.set(pk, B_STORE.length)
  out.set(d, B_STORE.length + pk.length)
  return out
}
const supplyKey = (denom: string) => utf8(BANK_KEY.supply + denom)
const PARAMS_KEY = utf8(BANK_KEY.params)
/** The params' full store key: read by every transfer. */
const PARAMS_STORE = utf8(MODULE + '/' + BANK_KEY.params)

/**
 * Decoded params by the record's bytes: every transfer reads them, and the state views hand out
 * the same (never modified) byte array for a value they have already read.
 */
const paramsOf = new WeakMap<Uint8Array, string>()

export function nativeDenom(kv: KVReader): string {
  const b = kv.get(PARAMS_STORE)
  if (!b) fail('invalid_state', 'bank params missing')
  let denom = paramsOf.get(b)
  if (denom === undefined) paramsOf.set(b, (denom = (decodeTrusted(b) as { denom: string }).denom))
  return denom
}

export function setParams(kv: KV, denom: string): void {
  moduleStore(kv, MODULE).set(PARAMS_KEY, encodeCanonical({ denom }))
}

export function balanceOf(kv: KVReader, pk: Uint8Array, denom: string): bigint {
  return amountFromBytes(kv.get(balanceKey(pk, denom)))
}

export function supplyOf(kv: KVReader, denom: string): bigint {
  return amountFromBytes(moduleReader(kv, MODULE).get(supplyKey(denom)))
}

export function balancesOf(kv: KVReader, pk: Uint8Array): Array<{ denom: string; amount: bigint }> {
  const prefix = concatBytes(B, pk)
  const out: Array<{ denom: string; amount: bigint }> = []
  const end = concatBytes(B, pk, new Uint8Array([0xff]))
  for (const [k, v] of moduleReader(kv, MODULE).iterate({ gte: prefix, lt: end })) {
    out.push({ denom: Buffer.from(k.subarray(prefix.length)).toString('utf8'), amount: amountFromBytes(v) })
  }
  return out
}

function setBalance(kv: KV, pk: Uint8Array, denom: string, amount: bigint): void {
  if (amount === 0n) kv.delete(balanceKey(pk, denom))
  else kv.set(balanceKey(pk, denom), amountToBytes(amount))
}

function setSupply(kv: KV, denom: string, amount: bigint): void {
  const s = moduleStore(kv, MODULE)
  if (amount === 0n) s.delete(supplyKey(denom))
  else s.set(supplyKey(denom), amountToBytes(amount))
}

export function requireRecipient(kv: KVReader, to: Uint8Array): void {
  if (!accountExists(kv, to)) fail('unknown_account', `recipient ${toHex(to)} is not a registered account`)
}

export function transfer(ctx: ExecContext, from: Uint8Array, to: Uint8Array, denom: string, amount: bigint): void {
  if (amount <= 0n) fail('invalid_message', 'amount must be positive')
  requireRecipient(ctx.kv, to)
  const fromBal = balanceOf(ctx.kv, from, denom)
  if (fromBal < amount) fail('insufficient_funds', `balance ${fromBal} ${denom} is less than ${amount} ${denom}`)
  setBalance(ctx.kv, from, denom, fromBal - amount)
  setBalance(ctx.kv, to, denom, balanceOf(ctx.kv, to, denom) + amount)
  ctx.emit(BANK_EVENT.transfer, { sender: toHex(from), recipient: toHex(to), denom, amount: amount.toString() })
}

/** Creates tokens: the native denom by the authority, vouchers by the bridge. */
export function mint(ctx: ExecContext, to: Uint8Array, denom: string, amount: bigint): void {
  if (amount <= 0n) fail('invalid_message', 'amount must be positive')
  requireRecipient(ctx.kv, to)
  setBalance(ctx.kv, to, denom, balanceOf(ctx.kv, to, denom) + amount)
  setSupply(ctx.kv, denom, supplyOf(ctx.kv, denom) + amount)
  ctx.emit(BANK_EVENT.mint, { recipient: toHex(to), denom, amount: amount.toString() })
}

export function burn(ctx: ExecContext, from: Uint8Array, denom: string, amount: bigint): void {
  if (amount <= 0n) fail('invalid_message', 'amount must be positive')
  const bal = balanceOf(ctx.kv, from, denom)
  if (bal < amount) fail('insufficient_funds', `balance ${bal} ${denom} is less than ${amount} ${denom}`)
  setBalance(ctx.kv, from, denom, bal - amount)
  setSupply(ctx.kv, denom, supplyOf(ctx.kv, denom) - amount)
  ctx.emit(BANK_EVENT.burn, { sender: toHex(from), denom, amount: amount.toString() })
}
