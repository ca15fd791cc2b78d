/**
 * Validators keeper: the validator set the App reports to CometBFT, the changes of the block in
 * progress, and the halt height. Key layout: types.ts.
 *
 * Safety bound: within one block, the power removed (validators removed or lowered) must stay
 * below a third of the set's total power at the start of the block, so that more than two thirds
 * of the power that signed block H still holds power after the change and a light client that
 * trusts H keeps following by bisection; the power added (validators added or raised) must stay
 * below half of it, so that new validators not yet online (a third of the new total) cannot halt
 * the chain; and the set may never become empty.
 */
import { amountFromBytes, amountToBytes } from '../../codec/amount.js'
import { fail } from '../../base/errors.js'
import type { KV, KVReader } from '../../app/kv.js'
import { moduleReader, moduleStore, type ExecContext } from '../../app/module.js'
import type { ValidatorUpdate } from '../../app/types.js'
import { concatBytes, toHex, utf8 } from '../../base/bytes.js'
import { getAccount, hasRole, isActiveAt } from '../identity/keeper.js'
import { MODULE, VALIDATORS_EVENT, VALIDATORS_KEY } from './types.js'

const V = utf8(VALIDATORS_KEY.validator)
const P = utf8(VALIDATORS_KEY.pending)
const HALT = utf8(VALIDATORS_KEY.haltHeight)
/** The first key after every key that starts with a one-byte prefix (keys run on past 0xff: a public key may start with it). */
const end = (prefix: Uint8Array) => new Uint8Array([prefix[0]! + 1])

export interface Validator { pubKey: Uint8Array; power: bigint }

export function powerOf(kv: KVReader, pk: Uint8Array): bigint {
  return amountFromBytes(moduleReader(kv, MODULE).get(concatBytes(V, pk)))
}

/** The set, in key order. */
export function validatorSet(kv: KVReader): Validator[] {
  const out: Validator[] = []
  for (const [k, v] of moduleReader(kv, MODULE).iterate({ gte: V, lt: end(V) })) out.push({ pubKey: k.slice(V.length), power: amountFromBytes(v) })
  return out
}

export function totalPower(kv: KVReader): bigint {
  return validatorSet(kv).reduce((s, v) => s + v.power, 0n)
}

/** The genesis set (no pending changes: CometBFT starts from the same set). */
export function initValidators(kv: KV, set: Validator[]): void {
  const s = moduleStore(kv, MODULE)
  for (const v of set) s.set(concatBytes(V, v.pubKey), amountToBytes(v.power))
}

/** The block's changes so far: power before the block, per key. */
function pending(kv: KVReader): Array<{ pubKey: Uint8Array; before: bigint }> {
  const out: Array<{ pubKey: Uint8Array; before: bigint }> = []
  for (const [k, v] of moduleReader(kv, MODULE).iterate({ gte: P, lt: end(P) })) out.push({ pubKey: k.slice(P.length), before: amountFromBytes(v.subarray(1)) })
  return out
}

/**
 * Sets `pk`'s power (0 removes it), refused unless the key is a registered, active account with
 * role `validator` (for a power above 0), and unless the block's changes stay within the safety
 * bound (unsafe_validator_change).
 */
export function setPower(ctx: ExecContext, pk: Uint8Array, power: bigint): void {
  const current = powerOf(ctx.kv, pk)
  if (power > 0n) {
    const a = getAccount(ctx.kv, pk)
    if (!a || !isActiveAt(a, ctx.height)) fail('validator_key_unregistered', `validator key ${toHex(pk)} is not a registered, active account: register it with identity first`)
    if (!hasRole(a, 'validator')) fail('validator_key_unregistered', `account ${toHex(pk)} does not hold the role "validator"`)
  } else if (current === 0n) fail('not_found', `${toHex(pk)} is not a validator`)
  if (power === current) return
  const s = moduleStore(ctx.kv, MODULE)
  const pkey = concatBytes(P, pk)
  // a marker byte first: a new validator's power before the block is 0, and a stored value is never empty
  if (s.get(pkey) === undefined) s.set(pkey, concatBytes(new Uint8Array([1]), amountToBytes(current)))
  if (power === 0n) s.delete(concatBytes(V, pk))
  else s.set(concatBytes(V, pk), amountToBytes(power))
  // the bound, against the set as it was when the block began
  let removed = 0n
  let added = 0n
  let delta = 0n
  for (const p of pending(ctx.kv)) {
    const now = powerOf(ctx.kv, p.pubKey)
    if (now < p.before) removed += p.before - now
    else added += now - p.before
    delta += now - p.before
  }
  const after = totalPower(ctx.kv)
  const before = after - delta
  if (after === 0n) fail('unsafe_validator_change', 'the validator set cannot become empty')
  if (removed * 3n >= before) fail('unsafe_validator_change', `this block's changes would remove ${removed} of ${before} voting power: at least a third at once; spread the change over several blocks`)
  if (added * 2n >= before) fail('unsafe_validator_change', `this block's changes would add ${added} to ${before} voting power: half or more at once (new validators not yet online could then halt the chain); spread the change over several blocks`)
  ctx.emit(power === 0n ? VALIDATORS_EVENT.removed : VALIDATORS_EVENT.updated, { pub_key: toHex(pk), power: power.toString(), previous: current.toString() })
}

/** The block's validator updates for CometBFT (key order; power 0 = removed), clearing them. */
export function takeUpdates(kv: KV): ValidatorUpdate[] {
  const s = moduleStore(kv, MODULE)
  const out: ValidatorUpdate[] = []
  for (const p of pending(kv)) {
    const power = powerOf(kv, p.pubKey)
    if (power !== p.before) out.push({ pubKey: p.pubKey, power })
  }
  for (const p of pending(kv)) s.delete(concatBytes(P, p.pubKey))
  return out
}

export function haltHeight(kv: KVReader): bigint {
  return amountFromBytes(moduleReader(kv, MODULE).get(HALT))
}

export function setHaltHeight(ctx: ExecContext, height: bigint): void {
  if (height !== 0n && height <= ctx.height) fail('invalid_message', `halt height ${height} is not above the current height ${ctx.height}`)
  const s = moduleStore(ctx.kv, MODULE)
  if (height === 0n) s.delete(HALT)
  else s.set(HALT, amountToBytes(height))
  ctx.emit(VALIDATORS_EVENT.haltHeight, { height: height.toString() })
}
