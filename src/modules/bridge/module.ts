/**
 * The bridge module: light clients of counterparty cities (client/), ICS-04 style packets proved
 * with ICS-23 (packet/), and the apps on top: token transfer and vehicle transfer (apps/); the
 * threat-intelligence app is the threatintel module's. Which apps a chain serves is given by the
 * composition. See docs/BRIDGE.md.
 */
import { defineMessage, type Module, type MsgValue } from '../../app/module.js'
import { bytesField, onlyFields, optionalStringField, positiveAmountField, pubKeyField, uintField } from '../../app/fields.js'
import { fail } from '../../base/errors.js'
import { hexParam, optionalStringParam } from '../../app/query-params.js'
import { toHex } from '../../base/bytes.js'
import { nativeDenom } from '../bank/keeper.js'
import { getClient, getConsensusState, listClients, type ClientState } from './client/state.js'
import { clientIdField, clientMessages } from './client/messages.js'
import { pruneConsensusStates } from './client/pruning.js'
import { getAckCommitment, getCommitment, hasReceipt, nextSequence } from './keeper.js'
import { CLIENT_ID_PATTERN, MODULE, type Packet } from './types.js'
import type { BridgeApps } from './packet/apps.js'
import { acknowledgePacket, recvPacket, timeoutPacket } from './packet/lifecycle.js'
import { BASE_DENOM_PATTERN, denomTrace, escrowed, sendTransfer } from './apps/transfer.js'
import { sendVehicle } from './apps/vehicle-transfer.js'
import { channelProgressQuery } from './channel-progress.js'

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

/** A client as queries show it. */
export function clientJson(c: ClientState): Record<string, unknown> {
  const common = {
    client_id: c.clientId, type: c.type, chain_id: c.chainId, counterparty_client: c.counterpartyClient, latest_height: c.latestHeight.toString(),
    frozen_height: c.frozenHeight?.toString() ?? null, trusting_period: c.trustingPeriod.toString(), max_clock_drift: c.maxClockDrift.toString(),
  }
  if (c.type === 'solo') return { ...common, validator: toHex(c.validator), hash_alg: c.hash.name }
  return { ...common, trust_level: `${c.trustLevel.numerator}/${c.trustLevel.denominator}` }
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

/** `apps`: the bridge apps this chain runs, injected by the composition (src/chain/bridge-apps.ts). */
export function bridgeModule(apps: BridgeApps): Module {
  return {
    name: MODULE,
    endBlock: (ctx) => void pruneConsensusStates(ctx),
    messages: {
      ...clientMessages(),
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
      channel: channelProgressQuery,
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
