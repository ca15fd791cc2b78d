/**
 * The validators module: the validator set of a city under CometBFT, changed by governance. The
 * authority, or an account it granted the role `validator-admin`, adds a validator or changes its
 * power (`validators/set`), removes one (`validators/remove`), and plans a halt height for a
 * coordinated upgrade (`validators/set-halt-height`). A validator's key must first be registered
 * with identity (role `validator`). The block's changes leave the App through FinalizeBlock's
 * validator updates (`validatorUpdates`), which CometBFT applies two heights later; the safety bound
 * is in keeper.ts.
 *
 * Genesis (`app_state.validators`): `{ validators: [{ pub_key, power }] }`, the same set as the
 * engine's genesis (the CometBFT adapter checks that they are equal). A chain without this section
 * (the solo engine: one validator, fixed) has an empty set here and refuses changes.
 */
import { defineMessage, type Module } from '../../app/module.js'
import { onlyFields, positiveAmountField, pubKeyField, uintField } from '../../app/fields.js'
import { fail } from '../../base/errors.js'
import { fromHex, toHex } from '../../base/bytes.js'
import { parseAmount } from '../../codec/amount.js'
import { haltHeight, initValidators, setHaltHeight, setPower, takeUpdates, totalPower, validatorSet } from './keeper.js'
import { MAX_VALIDATOR_POWER, MODULE, VALIDATOR_ADMIN_ROLE } from './types.js'

export interface ValidatorsGenesis { validators: Array<{ pub_key: string; power: string }> }

const MANAGERS = ['authority', VALIDATOR_ADMIN_ROLE] as const

export function parseValidatorsGenesis(state: unknown): Array<{ pubKey: Uint8Array; power: bigint }> {
  const g = state as ValidatorsGenesis
  if (!g || typeof g !== 'object' || !Array.isArray(g.validators) || g.validators.length === 0) fail('invalid_genesis', 'validators.validators must be a non-empty list of { pub_key, power }')
  const seen = new Set<string>()
  return g.validators.map((v, i) => {
    if (!v || typeof v.pub_key !== 'string' || !/^[0-9a-f]{64}$/.test(v.pub_key)) fail('invalid_genesis', `validators[${i}].pub_key must be 64 hex digits (Ed25519)`)
    if (seen.has(v.pub_key)) fail('invalid_genesis', `validators: ${v.pub_key} is listed twice`)
    seen.add(v.pub_key)
    let power: bigint
    try {
      power = parseAmount(v.power)
    } catch {
      fail('invalid_genesis', `validators[${i}].power must be a decimal string`)
    }
    if (power < 1n || power > MAX_VALIDATOR_POWER) fail('invalid_genesis', `validators[${i}].power must be from 1 to ${MAX_VALIDATOR_POWER}`)
    return { pubKey: fromHex(v.pub_key), power }
  })
}

export function validatorsModule(): Module {
  return {
    name: MODULE,
    roles: [VALIDATOR_ADMIN_ROLE],
    messages: {
      set: defineMessage({
        roles: MANAGERS,
        parse: (v) => {
          onlyFields(v, ['pub_key', 'power'])
          const power = positiveAmountField(v, 'power')
          if (power > MAX_VALIDATOR_POWER) fail('invalid_message', `power must be at most ${MAX_VALIDATOR_POWER}`)
          return { pubKey: pubKeyField(v, 'pub_key'), power }
        },
        handle: (ctx, m) => {
          if (totalPower(ctx.kv) === 0n) fail('invalid_state', 'this chain has no managed validator set (no validators section in its genesis: the solo engine)')
          setPower(ctx, m.pubKey, m.power)
        },
      }),
      remove: defineMessage({
        roles: MANAGERS,
        parse: (v) => {
          onlyFields(v, ['pub_key'])
          return { pubKey: pubKeyField(v, 'pub_key') }
        },
        handle: (ctx, m) => setPower(ctx, m.pubKey, 0n),
      }),
      'set-halt-height': defineMessage({
        roles: MANAGERS,
        parse: (v) => {
          onlyFields(v, ['height'])
          return { height: uintField(v, 'height') }
        },
        handle: (ctx, m) => setHaltHeight(ctx, m.height),
      }),
    },
    queries: {
      set: (ctx) => {
        const set = validatorSet(ctx.kv)
        return { validators: set.map((v) => ({ pub_key: toHex(v.pubKey), power: v.power.toString() })), total_power: set.reduce((s, v) => s + v.power, 0n).toString() }
      },
      'halt-height': (ctx) => ({ halt_height: haltHeight(ctx.kv).toString() }),
    },
    validateGenesis(state) {
      if (state !== undefined) parseValidatorsGenesis(state)
    },
    initGenesis(ctx, state) {
      initValidators(ctx.kv, parseValidatorsGenesis(state))
    },
    validatorUpdates: (ctx) => takeUpdates(ctx.kv),
  }
}
