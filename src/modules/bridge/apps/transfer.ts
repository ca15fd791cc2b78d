/**
 * Token transfer over the bridge. Sending a token whose trace does not start with
 * "transfer/<source client>/" escrows it in the channel's escrow account; sending a voucher back
 * through the client it came in by burns it. The destination mints a voucher
 *   ibc/<hex sha256("transfer/<dest client>/<trace>")>
 * and records the trace, or, for a token coming home, releases it from the escrow of that
 * channel. An error ack or a timeout refunds the sender (re-mint or release).
 * Keys (under "bridge/"):  traces/<hex> -> trace (utf8)
 * Escrow account of a client: sha256("polis/bridge/escrow/" ‖ client id), an account with no roles
 * and no private key.
 */
import type { CborValue } from '../../../codec/cbor.js'
import { fail } from '../../../base/errors.js'
import type { KVReader } from '../../../app/kv.js'
import { moduleReader, moduleStore, type ExecContext } from '../../../app/module.js'
import { sha256 } from '../../../crypto/hash.js'
import { toHex, utf8 } from '../../../base/bytes.js'
import { balanceOf, burn, mint, nativeDenom, transfer } from '../../bank/keeper.js'
import { getAccount, registerAccount } from '../../identity/keeper.js'
import { BRIDGE_EVENT, BRIDGE_KEY, MODULE, type Ack, type BridgeApp, type Packet } from '../types.js'
import { encodePayload } from '../packet/codec.js'
import { sendPacket } from '../packet/lifecycle.js'

export const TRANSFER_APP = 'transfer'
const CLIENT = '[a-z][a-z0-9-]{0,31}'
const BASE = '[a-zA-Z][a-zA-Z0-9._-]{1,127}'
/** A denomination trace: hops "transfer/<client>/" then a base denom, which never holds "/". */
export const TRACE_PATTERN = new RegExp(`^(transfer/${CLIENT}/)*${BASE}$`)
export const BASE_DENOM_PATTERN = new RegExp(`^${BASE}$`)

export const escrowAddress = (client: string) => sha256(utf8('polis/bridge/escrow/' + client))
export const voucherDenom = (trace: string) => 'ibc/' + toHex(sha256(utf8(trace)))
const traceKey = (hex: string) => utf8(BRIDGE_KEY.trace + hex)

export function denomTrace(kv: KVReader, denom: string): string | undefined {
  if (!denom.startsWith('ibc/')) return undefined
  const b = moduleReader(kv, MODULE).get(traceKey(denom.slice(4)))
  return b ? Buffer.from(b).toString('utf8') : undefined
}

/** The trace a local denomination travels as. */
function traceOf(kv: KVReader, denom: string): string {
  if (denom.startsWith('ibc/')) {
    const t = denomTrace(kv, denom)
    if (!t) fail('not_found', `no trace recorded for ${denom}`)
    return t
  }
  if (!BASE_DENOM_PATTERN.test(denom)) fail('invalid_message', `"${denom}" is neither a base denomination nor a voucher`)
  return denom
}

/** The local denomination of a trace (base denom, or the voucher that records it). */
const localDenom = (trace: string) => (trace.includes('/') ? voucherDenom(trace) : trace)

function ensureEscrow(ctx: ExecContext, client: string): Uint8Array {
  const a = escrowAddress(client)
  if (!getAccount(ctx.kv, a)) registerAccount(ctx, a, [])
  return a
}

export function escrowed(kv: KVReader, client: string, denom: string): bigint {
  return balanceOf(kv, escrowAddress(client), denom)
}

export interface TransferData { denom: string; amount: bigint; sender: Uint8Array; receiver: Uint8Array }

function parseData(d: Record<string, CborValue>): TransferData {
  const keys = Object.keys(d).sort().join(',')
  if (keys !== 'amount,denom,receiver,sender') fail('invalid_message', 'transfer data must be {denom, amount, sender, receiver}')
  const amount = typeof d.amount === 'bigint' ? d.amount : typeof d.amount === 'number' && Number.isSafeInteger(d.amount) ? BigInt(d.amount) : -1n
  if (amount <= 0n) fail('invalid_message', 'transfer amount must be a positive integer')
  if (typeof d.denom !== 'string' || d.denom.length > 1024 || !TRACE_PATTERN.test(d.denom)) fail('invalid_message', `transfer denom "${String(d.denom)}" is not a trace`)
  const bytes32 = (x: unknown, n: string) => {
    if (!(x instanceof Uint8Array) || x.length !== 32) fail('invalid_message', `transfer ${n} must be 32 bytes`)
    return x
  }
  return { denom: d.denom, amount, sender: bytes32(d.sender, 'sender'), receiver: bytes32(d.receiver, 'receiver') }
}

/** Escrows or burns, and sends the packet. */
export function sendTransfer(
  ctx: ExecContext & { sender: Uint8Array },
  p: { client: string; denom?: string; amount: bigint; receiver: Uint8Array; timeoutHeight: bigint; timeoutTime: bigint },
): Packet {
  const denom = p.denom ?? nativeDenom(ctx.kv)
  const trace = traceOf(ctx.kv, denom)
  if (trace.startsWith(`transfer/${p.client}/`)) burn(ctx, ctx.sender, denom, p.amount)
  else transfer(ctx, ctx.sender, ensureEscrow(ctx, p.client), denom, p.amount)
  const payload = encodePayload(TRANSFER_APP, { denom: trace, amount: p.amount, sender: ctx.sender, receiver: p.receiver })
  const packet = sendPacket(ctx, p.client, payload, p.timeoutHeight, p.timeoutTime)
  ctx.emit(BRIDGE_EVENT.transfer, { client_id: p.client, sequence: packet.sequence.toString(), denom, trace, amount: p.amount.toString(), receiver: toHex(p.receiver) })
  return packet
}

function refund(ctx: ExecContext, packet: Packet, d: TransferData): void {
  const denom = localDenom(d.denom)
  if (d.denom.startsWith(`transfer/${packet.sourceClient}/`)) mint(ctx, d.sender, denom, d.amount)
  else transfer(ctx, escrowAddress(packet.sourceClient), d.sender, denom, d.amount)
  ctx.emit(BRIDGE_EVENT.refund, { source_client: packet.sourceClient, sequence: packet.sequence.toString(), denom, amount: d.amount.toString() })
}

export const transferApp: BridgeApp = {
  onRecv(ctx, packet, data) {
    const d = parseData(data)
    const home = `transfer/${packet.sourceClient}/`
    if (d.denom.startsWith(home)) {
      // coming home: release what this channel escrowed
      const denom = localDenom(d.denom.slice(home.length))
      transfer(ctx, escrowAddress(packet.destClient), d.receiver, denom, d.amount)
    } else {
      const trace = `transfer/${packet.destClient}/${d.denom}`
      const denom = voucherDenom(trace)
      moduleStore(ctx.kv, MODULE).set(traceKey(denom.slice(4)), utf8(trace))
      mint(ctx, d.receiver, denom, d.amount)
    }
  },
  onAck(ctx, packet, data, ack: Ack) {
    if ('error' in ack) refund(ctx, packet, parseData(data))
  },
  onTimeout(ctx, packet, data) {
    refund(ctx, packet, parseData(data))
  },
}
