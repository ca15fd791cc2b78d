/** The vehicles module: the vehicle register, ownership transfers between owners, department decisions. */
import { defineMessage, type Module, type MsgValue } from '../../app/module.js'
import { bytesField, onlyFields, pubKeyField, stringField, uintField } from '../../app/fields.js'
import { PolisError } from '../../base/errors.js'
import { toHex } from '../../base/bytes.js'
import { hexParam, limitParam, optionalStringParam } from '../../app/query-params.js'
import {
  PLATE_PATTERN, TRANSPORT_ROLE, acceptTransfer, cancelOffer, deregisterVehicle, historyHash, historyOf, offerTransfer, registerVehicle,
  reinstateVehicle, requireVehicle, suspendVehicle, vehicleByPlate, vehiclesOf, isActiveVehicle, type Vehicle,
} from './keeper.js'
import { MODULE, NO_THREAT_INTEL, type ThreatIntelView } from './types.js'

const vehicleField = (v: MsgValue) => bytesField(v, 'vehicle', 32)
const reasonField = (v: MsgValue) => stringField(v, 'reason', { min: 1, max: 256 })
const priceField = (v: MsgValue) => (v.price === undefined ? 0n : uintField(v, 'price'))

export function vehicleJson(v: Vehicle) {
  return {
    id: toHex(v.id), vin_commitment: toHex(v.id), plate: v.plate, owner: toHex(v.owner), device: toHex(v.device), status: v.status,
    registered_at: v.registeredAt.toString(), origin: v.origin ?? null,
    export: v.export ? { chain: v.export.chain, client_id: v.export.client, sequence: v.export.sequence.toString() } : null,
    offer: v.offer ? { buyer: toHex(v.offer.buyer), price: v.offer.price.toString(), offered_at: v.offer.offeredAt.toString() } : null,
  }
}

/** `threatIntel`: the chain's threat-intelligence blocklist, given by the composition (none: nothing is listed). */
export function vehiclesModule(threatIntel: ThreatIntelView = NO_THREAT_INTEL): Module {
  const transport = [TRANSPORT_ROLE]
  return {
    name: MODULE,
    roles: transport,
    messages: {
      register: defineMessage({
        roles: transport,
        parse: (v) => {
          onlyFields(v, ['vin_commitment', 'plate', 'owner', 'device_key'])
          return {
            vinCommitment: bytesField(v, 'vin_commitment', 32), plate: stringField(v, 'plate', { pattern: PLATE_PATTERN, max: 12 }),
            owner: pubKeyField(v, 'owner'), device: pubKeyField(v, 'device_key'),
          }
        },
        handle: (ctx, m) => {
          registerVehicle(ctx, m, threatIntel)
        },
      }),
      'offer-transfer': defineMessage({
        roles: 'any',
        parse: (v) => {
          onlyFields(v, ['vehicle', 'buyer', 'price'])
          return { vehicle: vehicleField(v), buyer: pubKeyField(v, 'buyer'), price: priceField(v) }
        },
        handle: (ctx, m) => offerTransfer(ctx, m.vehicle, m.buyer, m.price),
      }),
      'cancel-offer': defineMessage({
        roles: 'any',
        parse: (v) => {
          onlyFields(v, ['vehicle'])
          return { vehicle: vehicleField(v) }
        },
        handle: (ctx, m) => cancelOffer(ctx, m.vehicle),
      }),
      'accept-transfer': defineMessage({
        roles: 'any',
        parse: (v) => {
          onlyFields(v, ['vehicle', 'price'])
          return { vehicle: vehicleField(v), price: priceField(v) }
        },
        handle: (ctx, m) => acceptTransfer(ctx, m.vehicle, m.price),
      }),
      suspend: defineMessage({
        roles: transport,
        parse: (v) => {
          onlyFields(v, ['vehicle', 'reason'])
          return { vehicle: vehicleField(v), reason: reasonField(v) }
        },
        handle: (ctx, m) => suspendVehicle(ctx, m.vehicle, m.reason),
      }),
      reinstate: defineMessage({
        roles: transport,
        parse: (v) => {
          onlyFields(v, ['vehicle', 'reason'])
          return { vehicle: vehicleField(v), reason: reasonField(v) }
        },
        handle: (ctx, m) => reinstateVehicle(ctx, m.vehicle, m.reason),
      }),
      deregister: defineMessage({
        roles: transport,
        parse: (v) => {
          onlyFields(v, ['vehicle', 'reason'])
          return { vehicle: vehicleField(v), reason: reasonField(v) }
        },
        handle: (ctx, m) => deregisterVehicle(ctx, m.vehicle, m.reason),
      }),
    },
    queries: {
      vehicle: (ctx, p) => {
        const plate = optionalStringParam(p, 'plate')
        if (plate !== undefined) {
          const v = vehicleByPlate(ctx.kv, plate)
          if (!v) throw new PolisError('not_found', `no vehicle with plate ${plate}`)
          return vehicleJson(v)
        }
        return vehicleJson(requireVehicle(ctx.kv, hexParam(p, 'id', 32)))
      },
      'by-owner': (ctx, p) => {
        const owner = hexParam(p, 'owner', 32)
        return { owner: toHex(owner), vehicles: vehiclesOf(ctx.kv, owner, limitParam(p)).map(vehicleJson) }
      },
      history: (ctx, p) => {
        const id = hexParam(p, 'id', 32)
        requireVehicle(ctx.kv, id)
        const h = historyHash(ctx.kv, id)
        return {
          id: toHex(id),
          history_hash: toHex(h.hash),
          history_length: h.length.toString(),
          history: historyOf(ctx.kv, id).map((e) => ({
            seq: e.seq, event: e.event, by: toHex(e.by), height: e.height.toString(), time: e.time.toString(),
            reason: e.reason ?? null, owner: e.owner ? toHex(e.owner) : null, price: e.price?.toString() ?? null, chain: e.chain ?? null,
            history_hash: e.historyHash ? toHex(e.historyHash) : null, history_length: e.historyLength?.toString() ?? null,
          })),
        }
      },
      'device-active': (ctx, p) => {
        const device = hexParam(p, 'device', 32)
        return { device: toHex(device), active: isActiveVehicle(ctx.kv, device, ctx.height + 1n, threatIntel) }
      },
    },
  }
}
