/**
 * `polis tx vehicles …` and `polis query vehicles …`: the vehicle register. A VIN never goes on
 * chain: the CLI sends the commitment sha256(salt ‖ utf8(VIN)), taking the VIN plus --salt (or
 * making a salt and printing it: keep it with the VIN, it opens the commitment).
 */
import type { Command } from 'commander'
import { fromHex, toHex } from '../../base/bytes.js'
import { MODULE, vehiclesMsgs, type StatusAction } from '../../modules/vehicles/types.js'
import { toAmount } from '../../sdk/msgs.js'
import { commitment } from '../../services/department-store.js'
import { commandGroup } from '../args.js'
import type { CliContext } from '../context.js'
import { table, text, type Json } from '../format.js'
import { heightOf, heightOpt, saltOf } from './service-args.js'
import { submit, txOptions, type TxFlags } from './tx.js'

/** A vehicle id: 64 hex (the VIN commitment), or the plate (looked up on the node). */
export async function vehicleId(c: CliContext, v: string): Promise<Uint8Array> {
  if (/^[0-9a-fA-F]{64}$/.test(v)) return fromHex(v.toLowerCase())
  const r = await c.client().query<{ id: string }>(MODULE, 'vehicle', { plate: v })
  return fromHex(r.id)
}

export function vehiclesCommands(program: Command, ctx: (cmd: Command) => CliContext): void {
  const v = commandGroup(program, 'tx').command('vehicles').description('the vehicle register: the transport department registers, owners transfer')
  txOptions(v.command('register')
    .description('register a vehicle (transport role); the chain gets the VIN commitment sha256(salt ‖ VIN), never the VIN')
    .argument('<vin>', 'the VIN in clear (not sent: only its commitment is)')
    .argument('<plate>', 'the plate, e.g. AB-123-CD')
    .argument('<owner>', 'the owner: a key name or an address')
    .argument('<device>', "the vehicle's device key: a key name or an address")
    .option('--salt <hex>', 'the 32-byte salt of the commitment (default: a new one, printed)'))
    .addHelpText('after', '\nExample:\n  polis keys add car-1 && polis tx vehicles register WVWZZZ1JZXW000001 AB-123-CD citizen-1 car-1 --from transport-dept')
    .action(async (vin: string, plate: string, owner: string, device: string, o: TxFlags & { salt?: string }, cmd: Command) => {
      const c = ctx(cmd)
      const { salt, generated } = saltOf(o.salt)
      const id = commitment(vin, salt)
      await submit(c, o, [vehiclesMsgs.register({ vinCommitment: id, plate, owner: c.address(owner), device: c.address(device) })],
        { salt: toHex(salt), vin_commitment: toHex(id) },
        [`vehicle id (VIN commitment) ${toHex(id)}`, `salt ${toHex(salt)}${generated ? ' (generated: keep it with the VIN, it opens the commitment)' : ''}`])
    })
  txOptions(v.command('offer')
    .description('offer your vehicle to a buyer (owner)')
    .argument('<vehicle>', 'the vehicle id (64 hex) or its plate')
    .argument('<buyer>', 'a key name or an address')
    .option('--price <n>', 'what the buyer pays on accepting', '0'))
    .action(async (vehicle: string, buyer: string, o: TxFlags & { price: string }, cmd: Command) => {
      const c = ctx(cmd)
      await submit(c, o, [vehiclesMsgs.offerTransfer({ vehicle: await vehicleId(c, vehicle), buyer: c.address(buyer), price: toAmount(o.price, 'price', { positive: false }) })])
    })
  txOptions(v.command('cancel-offer')
    .description('withdraw your pending offer (owner)')
    .argument('<vehicle>', 'the vehicle id (64 hex) or its plate'))
    .action(async (vehicle: string, o: TxFlags, cmd: Command) => {
      const c = ctx(cmd)
      await submit(c, o, [vehiclesMsgs.cancelOffer({ vehicle: await vehicleId(c, vehicle) })])
    })
  txOptions(v.command('accept')
    .description('accept an offer made to you and pay its price (buyer)')
    .argument('<vehicle>', 'the vehicle id (64 hex) or its plate')
    .option('--price <n>', 'the price you agree to (must match the offer)', '0'))
    .action(async (vehicle: string, o: TxFlags & { price: string }, cmd: Command) => {
      const c = ctx(cmd)
      await submit(c, o, [vehiclesMsgs.acceptTransfer({ vehicle: await vehicleId(c, vehicle), price: toAmount(o.price, 'price', { positive: false }) })])
    })
  for (const [action, what] of [['suspend', 'suspend a vehicle (transport role)'], ['reinstate', 'reinstate a suspended vehicle (transport role)'], ['deregister', 'deregister a vehicle for good (transport role)']] as Array<[StatusAction, string]>) {
    txOptions(v.command(action).description(what)
      .argument('<vehicle>', 'the vehicle id (64 hex) or its plate')
      .requiredOption('--reason <text>', 'why (kept on chain)'))
      .action(async (vehicle: string, o: TxFlags & { reason: string }, cmd: Command) => {
        const c = ctx(cmd)
        await submit(c, o, [vehiclesMsgs.status(action, { vehicle: await vehicleId(c, vehicle), reason: o.reason })])
      })
  }

  const q = commandGroup(program, 'query').command('vehicles').description('registered vehicles, by id, plate or owner, and their histories')
  const ask = (c: CliContext, name: string, params: Record<string, string | undefined>, height?: string) => c.client().query<Json>(MODULE, name, params, { height: heightOf(height) })
  const show = (c: CliContext, r: Json) => c.print(table([['id', text(r.id)], ['plate', text(r.plate)], ['status', text(r.status)],
    ['owner', `${text(r.owner)}${c.nameOf(String(r.owner)) ? ` (${c.nameOf(String(r.owner))})` : ''}`], ['device', text(r.device)], ['registered', `block ${text(r.registered_at)}`],
    ['offer', r.offer ? JSON.stringify(r.offer) : undefined], ['origin', text(r.origin)]]), r)
  heightOpt(q.command('vehicle').description('one vehicle, by id (64 hex) or plate').argument('<vehicle>', 'the vehicle id or its plate'))
    .action(async (vehicle: string, o: { height?: string }, cmd: Command) => {
      const c = ctx(cmd)
      const params = /^[0-9a-fA-F]{64}$/.test(vehicle) ? { id: vehicle.toLowerCase() } : { plate: vehicle }
      show(c, await ask(c, 'vehicle', params, o.height))
    })
  heightOpt(q.command('by-owner').description("an owner's vehicles").argument('<owner>', 'a key name or an address').option('--limit <n>', 'at most this many'))
    .action(async (owner: string, o: { height?: string; limit?: string }, cmd: Command) => {
      const c = ctx(cmd)
      const r = await ask(c, 'by-owner', { owner: toHex(c.address(owner)), limit: o.limit }, o.height)
      const list = (r.vehicles as Json[]) ?? []
      c.print(list.length ? list.map((x) => `${text(x.plate)}  ${text(x.status)}  ${text(x.id)}`) : 'no vehicles', r)
    })
  heightOpt(q.command('history').description('the register events of a vehicle').argument('<vehicle>', 'the vehicle id (64 hex) or its plate'))
    .action(async (vehicle: string, o: { height?: string }, cmd: Command) => {
      const c = ctx(cmd)
      const r = await ask(c, 'history', { id: toHex(await vehicleId(c, vehicle)) }, o.height)
      c.print(((r.history as Json[]) ?? []).map((e) => `#${text(e.seq)} ${text(e.event)} at block ${text(e.height)}${e.reason ? ` (${text(e.reason)})` : ''}${e.owner ? ` owner ${text(e.owner)}` : ''}${e.price ? ` price ${text(e.price)}` : ''}`), r)
    })
  q.command('device-active').description('whether a device key belongs to an active vehicle').argument('<device>', 'a key name or an address')
    .action(async (device: string, _o: unknown, cmd: Command) => {
      const c = ctx(cmd)
      const r = await ask(c, 'device-active', { device: toHex(c.address(device)) })
      c.print(r.active ? 'active' : 'not active', r)
    })
}
