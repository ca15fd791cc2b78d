/**
 * Messages of the light clients: create, update and misbehaviour of each type (solo, cometbft),
 * and client recovery. Cometbft light blocks travel as canonical CBOR byte strings
 * (src/lightclient/cbor.ts); solo headers as the solo engine encodes them.
 */
import { defineMessage, type MessageDef, type MsgValue } from '../../../app/module.js'
import { bytesField, onlyFields, pubKeyField, stringField, uintField } from '../../../app/fields.js'
import { fail } from '../../../base/errors.js'
import type { Fraction } from '../../../lightclient/types.js'
import { CLIENT_ID_PATTERN, type CometHeaderMsg } from '../types.js'
import { createCometClient, submitCometMisbehaviour, updateCometClient } from './cometbft.js'
import { createClient, submitMisbehaviour, updateClient } from './solo.js'
import { recoverClient } from './recovery.js'

/** A client id field of a message (`client_id` unless named). */
export const clientIdField = (v: MsgValue, name = 'client_id') => stringField(v, name, { min: 1, max: 32, pattern: CLIENT_ID_PATTERN })
const MAX_LIGHT_BLOCK_BYTES = 64 * 1024

const blob = (v: MsgValue, name: string) => {
  const b = bytesField(v, name)
  if (b.length > MAX_LIGHT_BLOCK_BYTES) fail('invalid_message', `${name} is over ${MAX_LIGHT_BLOCK_BYTES} bytes`)
  return b
}

function trustLevelField(v: MsgValue): Fraction | undefined {
  const t = v.trust_level
  if (t === undefined) return undefined
  if (!Array.isArray(t) || t.length !== 2) fail('invalid_message', 'trust_level must be [numerator, denominator]')
  const m = { numerator: t[0], denominator: t[1] } as MsgValue
  return { numerator: uintField(m, 'numerator', 1000n), denominator: uintField(m, 'denominator', 1000n) }
}

const optionalUint = (v: MsgValue, name: string) => (v[name] === undefined ? undefined : uintField(v, name))

const HEADER_FIELDS = ['signed_header', 'validator_set', 'trusted_height', 'trusted_validators'] as const

function headerMsg(v: MsgValue): CometHeaderMsg {
  return { signedHeader: blob(v, 'signed_header'), validatorSet: blob(v, 'validator_set'), trustedHeight: uintField(v, 'trusted_height'), trustedValidators: blob(v, 'trusted_validators') }
}
function nestedHeader(v: MsgValue, name: string): CometHeaderMsg {
  const x = v[name]
  if (typeof x !== 'object' || x === null || Array.isArray(x) || x instanceof Uint8Array) fail('invalid_message', `${name} must be a map`)
  onlyFields(x as MsgValue, HEADER_FIELDS)
  return headerMsg(x as MsgValue)
}

function hashParamsField(v: MsgValue): Record<string, unknown> | undefined {
  const x = v.hash_params
  if (x === undefined) return undefined
  if (typeof x !== 'object' || x === null || Array.isArray(x) || x instanceof Uint8Array) fail('invalid_message', 'hash_params must be a map')
  return x as Record<string, unknown>
}

export function clientMessages(): Record<string, MessageDef<any>> {
  return {
    'create-client': defineMessage({
      roles: ['authority'],
      parse: (v) => {
        onlyFields(v, ['client_id', 'chain_id', 'counterparty_client', 'validator', 'hash_alg', 'hash_params', 'trusting_period', 'max_clock_drift', 'header', 'signature'])
        const params = hashParamsField(v)
        return {
          clientId: clientIdField(v, 'client_id'), chainId: stringField(v, 'chain_id', { min: 1, max: 64 }), counterpartyClient: clientIdField(v, 'counterparty_client'),
          validator: pubKeyField(v, 'validator'), hash: params ? { name: stringField(v, 'hash_alg', { min: 1, max: 32 }), params } : { name: stringField(v, 'hash_alg', { min: 1, max: 32 }) },
          header: bytesField(v, 'header'), signature: bytesField(v, 'signature', 64),
          trustingPeriod: v.trusting_period === undefined ? undefined : uintField(v, 'trusting_period'),
          maxClockDrift: v.max_clock_drift === undefined ? undefined : uintField(v, 'max_clock_drift'),
        }
      },
      handle: (ctx, m) => createClient(ctx, m),
    }),
    'update-client': defineMessage({
      roles: ['relayer'],
      parse: (v) => {
        onlyFields(v, ['client_id', 'header', 'signature'])
        return { clientId: clientIdField(v, 'client_id'), header: bytesField(v, 'header'), signature: bytesField(v, 'signature', 64) }
      },
      handle: (ctx, m) => void updateClient(ctx, m.clientId, m.header, m.signature),
    }),
    'submit-misbehaviour': defineMessage({
      roles: ['relayer'],
      parse: (v) => {
        onlyFields(v, ['client_id', 'header1', 'signature1', 'header2', 'signature2'])
        return {
          clientId: clientIdField(v, 'client_id'), h1: { header: bytesField(v, 'header1'), signature: bytesField(v, 'signature1', 64) },
          h2: { header: bytesField(v, 'header2'), signature: bytesField(v, 'signature2', 64) },
        }
      },
      handle: (ctx, m) => submitMisbehaviour(ctx, m.clientId, m.h1, m.h2),
    }),
    'create-cometbft-client': defineMessage({
      roles: ['authority'],
      parse: (v) => {
        onlyFields(v, ['client_id', 'chain_id', 'counterparty_client', 'signed_header', 'validator_set', 'trust_level', 'trusting_period', 'max_clock_drift'])
        return {
          clientId: clientIdField(v, 'client_id'), chainId: stringField(v, 'chain_id', { min: 1, max: 50 }), counterpartyClient: clientIdField(v, 'counterparty_client'),
          signedHeader: blob(v, 'signed_header'), validatorSet: blob(v, 'validator_set'), trustLevel: trustLevelField(v),
          trustingPeriod: optionalUint(v, 'trusting_period'), maxClockDrift: optionalUint(v, 'max_clock_drift'),
        }
      },
      handle: (ctx, m) => createCometClient(ctx, m),
    }),
    'update-cometbft-client': defineMessage({
      roles: ['relayer'],
      parse: (v) => {
        onlyFields(v, ['client_id', ...HEADER_FIELDS])
        return { clientId: clientIdField(v, 'client_id'), header: headerMsg(v) }
      },
      handle: (ctx, m) => void updateCometClient(ctx, m.clientId, m.header),
    }),
    'submit-cometbft-misbehaviour': defineMessage({
      roles: ['relayer'],
      parse: (v) => {
        onlyFields(v, ['client_id', 'header1', 'header2'])
        return { clientId: clientIdField(v, 'client_id'), h1: nestedHeader(v, 'header1'), h2: nestedHeader(v, 'header2') }
      },
      handle: (ctx, m) => submitCometMisbehaviour(ctx, m.clientId, m.h1, m.h2),
    }),
    'recover-client': defineMessage({
      roles: ['authority'],
      parse: (v) => {
        onlyFields(v, ['subject_client', 'substitute_client', 'reason'])
        return { subject: clientIdField(v, 'subject_client'), substitute: clientIdField(v, 'substitute_client'), reason: stringField(v, 'reason', { min: 1, max: 256 }) }
      },
      handle: (ctx, m) => recoverClient(ctx, m.subject, m.substitute, m.reason),
    }),
  }
}
