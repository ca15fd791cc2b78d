/**
 * The cross-chain bridge: solo light clients of counterparty cities, ICS-04 style packets proved
 * with ICS-23, and the apps on top: token transfer, vehicle transfer, threat intelligence (whose
 * messages and blocklist are the threatintel module's). See docs/BRIDGE.md.
 */
import { defineMessage, type Module, type MsgValue } from '../../app/module.js'
import { bytesField, onlyFields, optionalStringField, positiveAmountField, pubKeyField, stringField, uintField } from '../../app/fields.js'
import { fail } from '../../base/errors.js'
import { hexParam, optionalStringParam } from '../../app/query-params.js'
import { toHex } from '../../base/bytes.js'
import { nativeDenom } from '../bank/keeper.js'
import { CLIENT_ID_PATTERN, MODULE, clientJson, createClient, getClient, getConsensusState, listClients, pruneConsensusStates, submitMisbehaviour, updateClient } from './client.js'
import { clientMessages } from './client-messages.js'
import { acknowledgePacket, getAckCommitment, getCommitment, hasReceipt, nextSequence, recvPacket, timeoutPacket, type BridgeApps, type Packet } from './packet.js'
import { BASE_DENOM_PATTERN, denomTrace, escrowed, sendTransfer } from './transfer.js'
import { sendVehicle } from './vehicle-transfer.js'
import { defaultBridgeApps } from './apps.js'

export * from './client.js'
export * from './packet.js'
export * from './transfer.js'
export * from './vehicle-transfer.js'
export * from './apps.js'

const clientIdField = (v: MsgValue, name = 'client_id') => stringField(v, name, { min: 1, max: 32, pattern: CLIENT_ID_PATTERN })

function packetField(v: MsgValue): Packet {
  const p = v.packet
  if (typeof p !== 'object' || p === null || Array.isArray(p) || p instanceof Uint8Array) fail('invalid_message', 'packet must be a map')
  const m = p as MsgValue
  onlyFields(m, ['sequence', 'source_client', 'dest_client', 'payload', 'timeout_height', 'timeout_time'])
  const sequence = uintField(m, 'sequence')
  if (sequence === 0n) fail('invalid_message', 'sequence starts at 1')
  return {
    sequence, sourceClient: clientIdField(m, 'source_client'), destClient: clientIdField(m, 'dest_client'),
    payload: bytesField(m, 'payload'), timeoutHeight: uintField(m, 'timeout_height'), timeoutTime: uintField(m, 'timeout_time'),
  }
}

/** The CBOR map form of a packet, as messages carry it. */
export function packetValue(p: Packet): MsgValue {
  return { sequence: p.sequence, source_client: p.sourceClient, dest_client: p.destClient, payload: p.payload, timeout_height: p.timeoutHeight, timeout_time: p.timeoutTime }
}

function hashParamsField(v: MsgValue): Record<string, unknown> | undefined {
  const x = v.hash_params
  if (x === undefined) return undefined
  if (typeof x !== 'object' || x === null || Array.isArray(x) || x instanceof Uint8Array) fail('invalid_message', 'hash_params must be a map')
  return x as Record<string, unknown>
}

function heightParam(p: Record<string, unknown>, name: string): bigint {
  const v = p[name]
  if ((typeof v !== 'string' && typeof v !== 'number') || !/^[0-9]{1,20}$/.test(String(v))) fail('invalid_request', `${name} must be a non-negative integer`)
  return BigInt(v)
}
function clientParam(p: Record<string, unknown>): string {
  const v = p.client_id
  if (typeof v !== 'string' || !CLIENT_ID_PATTERN.test(v)) fail('invalid_request', 'client_id is required')
  return v
}

/** `apps`: the bridge apps this chain runs (default: transfer, vehicle, threatintel). */
export function bridgeModule(apps: BridgeApps = defaultBridgeApps()): Module {
  return {
    name: MODULE,
    endBlock: (ctx) => void pruneConsensusStates(ctx),
    messages: {
      ...clientMessages(),
      'create-client': defineMessage({
        roles: ['authority'],
        parse: (v) => {
          onlyFields(v, ['client_id', 'chain_id', 'counterparty_client', 'validator', 'hash_alg', 'hash_params', 'trusting_period', 'max_clock_drift', 'header', 'signature'])
          const params = hashParamsField(v)
          return {
            clientId: clientIdField(v), chainId: stringField(v, 'chain_id', { min: 1, max: 64 }), counterpartyClient: clientIdField(v, 'counterparty_client'),
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
          return { clientId: clientIdField(v), header: bytesField(v, 'header'), signature: bytesField(v, 'signature', 64) }
        },
        handle: (ctx, m) => void updateClient(ctx, m.clientId, m.header, m.signature),
      }),
      'submit-misbehaviour': defineMessage({
        roles: ['relayer'],
        parse: (v) => {
          onlyFields(v, ['client_id', 'header1', 'signature1', 'header2', 'signature2'])
          return {
            clientId: clientIdField(v), h1: { header: bytesField(v, 'header1'), signature: bytesField(v, 'signature1', 64) },
            h2: { header: bytesField(v, 'header2'), signature: bytesField(v, 'signature2', 64) },
          }
        },
        handle: (ctx, m) => submitMisbehaviour(ctx, m.clientId, m.h1, m.h2),
      }),
      'recv-packet': defineMessage({
        roles: ['relayer'],
        parse: (v) => {
          onlyFields(v, ['packet', 'proof', 'proof_height'])
          return { packet: packetField(v), proof: bytesField(v, 'proof'), proofHeight: uintField(v, 'proof_height') }
        },
        handle: (ctx, m) => void recvPacket(ctx, apps, m.packet, m.proof, m.proofHeight),
      }),
      acknowledge: defineMessage({
        roles: ['relayer'],
        parse: (v) => {
          onlyFields(v, ['packet', 'ack', 'proof', 'proof_height'])
          return { packet: packetField(v), ack: bytesField(v, 'ack'), proof: bytesField(v, 'proof'), proofHeight: uintField(v, 'proof_height') }
        },
        handle: (ctx, m) => acknowledgePacket(ctx, apps, m.packet, m.ack, m.proof, m.proofHeight),
      }),
      timeout: defineMessage({
        roles: ['relayer'],
        parse: (v) => {
          onlyFields(v, ['packet', 'proof', 'proof_height'])
          return { packet: packetField(v), proof: bytesField(v, 'proof'), proofHeight: uintField(v, 'proof_height') }
        },
        handle: (ctx, m) => timeoutPacket(ctx, apps, m.packet, m.proof, m.proofHeight),
      }),
      transfer: defineMessage({
        roles: 'any',
        parse: (v) => {
          onlyFields(v, ['client_id', 'denom', 'amount', 'receiver', 'timeout_height', 'timeout_time'])
          return {
            client: clientIdField(v), denom: optionalStringField(v, 'denom', { min: 2, max: 128 }), amount: positiveAmountField(v), receiver: pubKeyField(v, 'receiver'),
            timeoutHeight: v.timeout_height === undefined ? 0n : uintField(v, 'timeout_height'), timeoutTime: v.timeout_time === undefined ? 0n : uintField(v, 'timeout_time'),
          }
        },
        handle: (ctx, m) => void sendTransfer(ctx, m),
      }),
      'transfer-vehicle': defineMessage({
        roles: 'any',
        parse: (v) => {
          onlyFields(v, ['client_id', 'vehicle', 'timeout_height', 'timeout_time'])
          return {
            client: clientIdField(v), vehicle: bytesField(v, 'vehicle', 32),
            timeoutHeight: v.timeout_height === undefined ? 0n : uintField(v, 'timeout_height'), timeoutTime: v.timeout_time === undefined ? 0n : uintField(v, 'timeout_time'),
          }
        },
        handle: (ctx, m) => void sendVehicle(ctx, m),
      }),
    },
    queries: {
      clients: (ctx) => ({ clients: listClients(ctx.kv).map(clientJson) }),
      client: (ctx, p) => {
        const c = getClient(ctx.kv, clientParam(p))
        if (!c) fail('not_found', 'no such client')
        return clientJson(c)
      },
      'consensus-state': (ctx, p) => {
        const cs = getConsensusState(ctx.kv, clientParam(p), heightParam(p, 'consensus_height'))
        if (!cs) fail('not_found', 'no consensus state at that height')
        return { app_hash: toHex(cs.appHash), time: cs.time.toString(), header_hash: toHex(cs.headerHash), ...(cs.nextValidatorsHash ? { next_validators_hash: toHex(cs.nextValidatorsHash), time_ns: String(cs.timeNs) } : {}) }
      },
      packet: (ctx, p) => {
        const client = clientParam(p)
        const seq = heightParam(p, 'sequence')
        const c = getCommitment(ctx.kv, client, seq)
        const a = getAckCommitment(ctx.kv, client, seq)
        return { commitment: c ? toHex(c) : null, receipt: hasReceipt(ctx.kv, client, seq), ack_commitment: a ? toHex(a) : null, next_sequence: nextSequence(ctx.kv, client).toString() }
      },
      'denom-trace': (ctx, p) => {
        const hash = toHex(hexParam(p, 'hash', 32))
        const t = denomTrace(ctx.kv, 'ibc/' + hash)
        if (!t) fail('not_found', 'no such voucher')
        return { denom: 'ibc/' + hash, trace: t }
      },
      escrow: (ctx, p) => {
        const client = clientParam(p)
        const denom = optionalStringParam(p, 'denom') ?? nativeDenom(ctx.kv)
        if (!BASE_DENOM_PATTERN.test(denom) && !denom.startsWith('ibc/')) fail('invalid_request', 'bad denom')
        return { client_id: client, denom, amount: escrowed(ctx.kv, client, denom).toString() }
      },
    },
  }
}
