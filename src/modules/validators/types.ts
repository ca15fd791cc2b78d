/**
 * The validators module's names: its state keys, message types and event names, and typed builders
 * of its messages for clients.
 * Keys (under "validators/"):
 *   v|pubkey -> power (amount bytes)          the validator set the App hands to CometBFT
 *   p|pubkey -> power before this block       changes of the block in progress (cleared at its end)
 *   h        -> halt height (amount bytes)    absent: no halt planned
 */
import type { Msg } from '../../app/tx.js'
import { concatBytes, utf8 } from '../../base/bytes.js'

export const MODULE = 'validators'

/** Key prefixes under "validators/". */
export const VALIDATORS_KEY = { validator: 'v', pending: 'p', haltHeight: 'h' } as const

export const VALIDATORS_MSG = {
  set: 'validators/set',
  remove: 'validators/remove',
  setHaltHeight: 'validators/set-halt-height',
} as const

export const VALIDATORS_EVENT = {
  updated: 'validators.updated',
  removed: 'validators.removed',
  haltHeight: 'validators.halt_height',
} as const

/** The role the authority may grant (identity/grant-role) to let an account manage validators. */
export const VALIDATOR_ADMIN_ROLE = 'validator-admin'

/** Largest power of one validator (CometBFT's total must stay below 2^60). */
export const MAX_VALIDATOR_POWER = 1n << 50n

const VALIDATOR_STORE_PREFIX = utf8(MODULE + '/' + VALIDATORS_KEY.validator)

/** The full store key (as a store proof names it) of a validator's power. */
export function validatorStoreKey(pk: Uint8Array): Uint8Array {
  return concatBytes(VALIDATOR_STORE_PREFIX, pk)
}

export const validatorsMsgs = {
  /** Adds a validator, or changes its power (power ≥ 1). Its key must be registered with role `validator`. */
  set(p: { pubKey: Uint8Array; power: bigint }): Msg {
    return { type: VALIDATORS_MSG.set, value: { pub_key: p.pubKey, power: p.power } }
  },
  remove(p: { pubKey: Uint8Array }): Msg {
    return { type: VALIDATORS_MSG.remove, value: { pub_key: p.pubKey } }
  },
  /** The chain stops after committing this height (0 clears it). */
  setHaltHeight(p: { height: bigint }): Msg {
    return { type: VALIDATORS_MSG.setHaltHeight, value: { height: p.height } }
  },
}
