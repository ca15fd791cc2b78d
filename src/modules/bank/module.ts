/** The bank module: token transfers, minting by the authority, burning; balance and supply queries. */
import { defineMessage, type Module } from '../../app/module.js'
import { DENOM_PATTERN, onlyFields, optionalStringField, positiveAmountField, pubKeyField } from '../../app/fields.js'
import { fail } from '../../base/errors.js'
import { fromHex, toHex } from '../../base/bytes.js'
import { parseAmount } from '../../codec/amount.js'
import { hexParam, optionalStringParam } from '../../app/query-params.js'
import { balanceOf, balancesOf, burn, mint, nativeDenom, requireRecipient, setParams, supplyOf, transfer } from './keeper.js'
import { MODULE } from './types.js'

export interface BankGenesis { denom: string; balances?: Array<{ address: string; amount: string }> }

export function bankModule(): Module {
  return {
    name: MODULE,
    messages: {
      send: defineMessage({
        roles: 'any',
        parse: (v) => {
          onlyFields(v, ['to', 'amount', 'denom'])
          return { to: pubKeyField(v, 'to'), amount: positiveAmountField(v), denom: optionalStringField(v, 'denom', { pattern: DENOM_PATTERN, max: 128 }) }
        },
        handle: (ctx, m) => transfer(ctx, ctx.sender, m.to, m.denom ?? nativeDenom(ctx.kv), m.amount),
        spends: (m) => [{ denom: m.denom, amount: m.amount }],
        precheck: (kv, m) => requireRecipient(kv, m.to),
      }),
      mint: defineMessage({
        roles: ['authority'],
        parse: (v) => {
          onlyFields(v, ['to', 'amount'])
          return { to: pubKeyField(v, 'to'), amount: positiveAmountField(v) }
        },
        handle: (ctx, m) => mint(ctx, m.to, nativeDenom(ctx.kv), m.amount),
        precheck: (kv, m) => requireRecipient(kv, m.to),
      }),
      burn: defineMessage({
        roles: 'any',
        parse: (v) => {
          onlyFields(v, ['amount', 'denom'])
          return { amount: positiveAmountField(v), denom: optionalStringField(v, 'denom', { pattern: DENOM_PATTERN, max: 128 }) }
        },
        handle: (ctx, m) => burn(ctx, ctx.sender, m.denom ?? nativeDenom(ctx.kv), m.amount),
        spends: (m) => [{ denom: m.denom, amount: m.amount }],
      }),
    },
    queries: {
      balance: (ctx, p) => {
        const address = hexParam(p, 'address', 32)
        const denom = optionalStringParam(p, 'denom') ?? nativeDenom(ctx.kv)
        return { address: toHex(address), denom, amount: balanceOf(ctx.kv, address, denom).toString() }
      },
      balances: (ctx, p) => {
        const address = hexParam(p, 'address', 32)
        return { address: toHex(address), balances: balancesOf(ctx.kv, address).map((b) => ({ denom: b.denom, amount: b.amount.toString() })) }
      },
      supply: (ctx, p) => {
        const denom = optionalStringParam(p, 'denom') ?? nativeDenom(ctx.kv)
        return { denom, amount: supplyOf(ctx.kv, denom).toString() }
      },
      params: (ctx) => ({ denom: nativeDenom(ctx.kv) }),
    },
    validateGenesis(state) {
      const g = state as BankGenesis
      if (!g || typeof g.denom !== 'string' || !DENOM_PATTERN.test(g.denom) || g.denom.includes('/')) {
        fail('invalid_genesis', 'bank.denom must be a base denomination (letters, digits, . _ -; no "/")')
      }
      for (const b of g.balances ?? []) {
        if (typeof b.address !== 'string' || !/^[0-9a-f]{64}$/.test(b.address)) fail('invalid_genesis', `bank: bad address ${JSON.stringify(b.address)}`)
        try {
          if (parseAmount(b.amount) === 0n) throw new Error()
        } catch {
          fail('invalid_genesis', `bank: amount for ${b.address} must be a positive decimal string`)
        }
      }
    },
    initGenesis(ctx, state) {
      const g = state as BankGenesis
      setParams(ctx.kv, g.denom)
      const sorted = [...(g.balances ?? [])].sort((x, y) => (x.address < y.address ? -1 : x.address > y.address ? 1 : 0))
      for (const b of sorted) mint(ctx, fromHex(b.address), g.denom, parseAmount(b.amount))
    },
  }
}
