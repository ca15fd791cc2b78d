/**
 * Vehicle transfer over the bridge (`app = "vehicle"`, docs/BRIDGE.md): the owner sends a vehicle
 * registered here to the city at the other end of a client. This registry marks it exporting
 * (no reports, sales or second export from then on), the destination registers it with its owner
 * and history hash, and the ack settles it: success → exported here; error ack or timeout → active
 * here again. The vehicles keeper does the registry work; this file is the packet glue.
 */
import type { CborValue } from '../../../codec/cbor.js'
import { fail } from '../../../base/errors.js'
import type { TxContext } from '../../../app/module.js'
import { toHex } from '../../../base/bytes.js'
import { confirmExport, exportVehicle, importVehicle, revertExport, type Departure } from '../../vehicles/keeper.js'
import type { ThreatIntelView } from '../../vehicles/types.js'
import { requireActiveClient, requireClient } from '../client/state.js'
import { nextSequence } from '../keeper.js'
import { BRIDGE_EVENT, type BridgeApp, type Packet } from '../types.js'
import { sendPacket } from '../packet/lifecycle.js'
import { encodePayload } from '../packet/codec.js'

export const VEHICLE_APP = 'vehicle'
const PLATE_MAX = 12

export function sendVehicle(ctx: TxContext, p: { client: string; vehicle: Uint8Array; timeoutHeight: bigint; timeoutTime: bigint }): Packet {
  const c = requireActiveClient(ctx, p.client)
  const sequence = nextSequence(ctx.kv, p.client)
  const d = exportVehicle(ctx, p.vehicle, ctx.sender, { chain: c.chainId, client: p.client, sequence })
  const payload = encodePayload(VEHICLE_APP, {
    vin_commitment: d.vinCommitment, plate: d.plate, owner: d.owner, device: d.device, history_hash: d.historyHash, history_length: d.historyLength,
  })
  const packet = sendPacket(ctx, p.client, payload, p.timeoutHeight, p.timeoutTime)
  ctx.emit(BRIDGE_EVENT.vehicleTransfer, { client_id: p.client, sequence: packet.sequence.toString(), vehicle: toHex(d.vinCommitment), destination: c.chainId })
  return packet
}

function parseData(d: Record<string, CborValue>): Departure {
  if (Object.keys(d).sort().join(',') !== 'device,history_hash,history_length,owner,plate,vin_commitment') {
    fail('invalid_message', 'vehicle data must be {vin_commitment, plate, owner, device, history_hash, history_length}')
  }
  const bytes32 = (x: unknown, n: string) => {
    if (!(x instanceof Uint8Array) || x.length !== 32) fail('invalid_message', `vehicle ${n} must be 32 bytes`)
    return x
  }
  if (typeof d.plate !== 'string' || d.plate.length > PLATE_MAX) fail('invalid_message', 'vehicle plate must be a string of at most 12 characters')
  const n = d.history_length
  const historyLength = typeof n === 'bigint' ? n : typeof n === 'number' && Number.isSafeInteger(n) ? BigInt(n) : -1n
  if (historyLength < 1n) fail('invalid_message', 'vehicle history_length must be a positive integer')
  return {
    vinCommitment: bytes32(d.vin_commitment, 'vin_commitment'), plate: d.plate, owner: bytes32(d.owner, 'owner'), device: bytes32(d.device, 'device'),
    historyHash: bytes32(d.history_hash, 'history_hash'), historyLength,
  }
}

const vinOf = (data: Record<string, CborValue>) => parseData(data).vinCommitment

/** `threatIntel`: the receiving chain's blocklist, which an arriving vehicle's device key must not be on. */
export const vehicleApp = (threatIntel: ThreatIntelView): BridgeApp => ({
  onRecv(ctx, packet, data) {
    importVehicle(ctx, parseData(data), requireClient(ctx.kv, packet.destClient).chainId, threatIntel)
  },
  onAck(ctx, packet, data, ack) {
    if ('ok' in ack) confirmExport(ctx, vinOf(data), packet.sourceClient, packet.sequence)
    else revertExport(ctx, vinOf(data), packet.sourceClient, packet.sequence, `refused by the destination: ${ack.error}`)
  },
  onTimeout(ctx, packet, data) {
    revertExport(ctx, vinOf(data), packet.sourceClient, packet.sequence, 'timed out')
  },
})
