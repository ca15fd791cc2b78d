/**
 * `polis tx energy …` and `polis query energy …`: the microgrid market (docs/SERVICES.md).
 * A slot is a number (the delivery interval [slot·slot_ms, (slot+1)·slot_ms) of block time), or by
 * this machine's clock `next` (the first slot starting at least half a slot from now) or `+N` (the
 * N-th slot after the current one); orders close when the slot starts.
 */
import { commandGroup } from '../args.js'
import type { Command } from 'commander'
import { PolisError } from '../../base/errors.js'
import { toHex } from '../../base/bytes.js'
import { MODULE, energyMsgs } from '../../modules/energy/types.js'
import type { CliContext } from '../context.js'
import { table, text, type Json } from '../format.js'
import { humanDuration, isoMs, relativeTo } from '../../base/human-time.js'
import { submit, txOptions, type TxFlags } from './tx.js'

function whole(v: string, what: string, allowZero = false): bigint {
  if (!(allowZero ? /^(0|[1-9][0-9]{0,19})$/ : /^[1-9][0-9]{0,19}$/).test(v)) throw new PolisError('invalid_request', `${what} must be a ${allowZero ? 'non-negative' : 'positive'} integer (got "${v}")`)
  return BigInt(v)
}

/**
 * A slot number, or from the slot length the node reports and this machine's clock (with a note
 * saying which slot and when): +N, the N-th slot after the current one; next, the first slot that
 * starts at least half a slot from now, so that there is time to place the other orders for it.
 */
async function slotOf(c: CliContext, v: string, noteIt = true): Promise<bigint> {
  const rel = v === 'next' ? 0n : /^\+[1-9][0-9]{0,3}$/.test(v) ? BigInt(v.slice(1)) : undefined
  if (rel === undefined) return whole(v, 'slot', true)
  const p = await c.client().query<{ slot_ms: string }>(MODULE, 'params', {})
  const now = BigInt(Date.now())
  const ms = BigInt(p.slot_ms)
  const slot = rel === 0n ? (now + ms / 2n + ms - 1n) / ms : now / ms + rel
  if (noteIt) c.note(`slot ${slot}: ${isoMs(slot * ms)} to ${isoMs((slot + 1n) * ms)} (${humanDuration(ms)}; starts ${relativeTo(slot * ms, now)})`)
  return slot
}

/** A query answer for people: instants (…_at, …_until, time) in ISO 8601 with how far from now, durations (…_ms) in units. */
function humanField(k: string, v: unknown): string | undefined {
  if (typeof v !== 'string' || !/^[0-9]+$/.test(v)) return text(v)
  if (/_ms$/.test(k)) return humanDuration(v)
  if (/(_at|_until|^time)$/.test(k)) return `${isoMs(v)} (${relativeTo(BigInt(v), BigInt(Date.now()))})`
  return v
}

export function energyCommands(program: Command, ctx: (cmd: Command) => CliContext): void {
  const tx = commandGroup(program, 'tx')
  const e = tx.command('energy').description('peer-to-peer energy: meters (energy department), offers and bids per slot (escrowed), meter readings')
  txOptions(e.command('register-meter').description('register a smart meter for a prosumer (energy or electricity department)')
    .argument('<meter>', "the meter's key: a key name or an address").argument('<owner>', 'the prosumer: a key name or an address'))
    .addHelpText('after', '\nExample:\n  polis keys add meter-1 && polis tx energy register-meter meter-1 citizen-1 --from energy-clerk')
    .action(async (meter: string, owner: string, o: TxFlags, cmd: Command) => {
      const c = ctx(cmd)
      await submit(c, o, [energyMsgs.registerMeter({ meter: c.address(meter), owner: c.address(owner) })])
    })
  txOptions(e.command('revoke-meter').description('revoke a meter (its readings and offers are refused from now on)')
    .argument('<meter>', 'a key name or an address').requiredOption('--reason <text>', 'why (public)'))
    .action(async (meter: string, o: TxFlags & { reason: string }, cmd: Command) => {
      const c = ctx(cmd)
      await submit(c, o, [energyMsgs.revokeMeter({ meter: c.address(meter), reason: o.reason })])
    })
  txOptions(e.command('offer').description('offer energy for a slot, delivered through your meter')
    .argument('<slot>', 'slot number, next or +N').argument('<wh>', 'energy in Wh').argument('<price>', 'ask, tokens per kWh')
    .requiredOption('--meter <meter>', 'your meter: a key name or an address'))
    .addHelpText('after', '\nExample:\n  polis tx energy offer next 2500 110 --meter meter-1 --from citizen-1')
    .action(async (slot: string, wh: string, price: string, o: TxFlags & { meter: string }, cmd: Command) => {
      const c = ctx(cmd)
      await submit(c, o, [energyMsgs.offer({ slot: await slotOf(c, slot), energyWh: whole(wh, 'wh'), price: whole(price, 'price'), meter: c.address(o.meter) })])
    })
  txOptions(e.command('bid').description('bid for energy in a slot; ceil(wh × price / 1000) tokens are escrowed now')
    .argument('<slot>', 'slot number, next or +N').argument('<wh>', 'energy in Wh').argument('<price>', 'limit, tokens per kWh'))
    .addHelpText('after', '\nExample:\n  polis tx energy bid next 1500 130 --from citizen-2')
    .action(async (slot: string, wh: string, price: string, o: TxFlags, cmd: Command) => {
      const c = ctx(cmd)
      await submit(c, o, [energyMsgs.bid({ slot: await slotOf(c, slot), energyWh: whole(wh, 'wh'), price: whole(price, 'price') })])
    })
  txOptions(e.command('cancel').description('cancel your order before its slot closes (a bid\'s escrow comes back)').argument('<order>', 'the order id'))
    .action(async (order: string, o: TxFlags, cmd: Command) => {
      await submit(ctx(cmd), o, [energyMsgs.cancel({ order: whole(order, 'order') })])
    })
  txOptions(e.command('reading').description("a meter's reading of an ended slot, signed by the meter's key")
    .argument('<slot>', 'the slot number').requiredOption('--exported <wh>', 'energy exported to the grid in the slot').option('--imported <wh>', 'energy imported in the slot', '0'))
    .action(async (slot: string, o: TxFlags & { exported: string; imported: string }, cmd: Command) => {
      await submit(ctx(cmd), o, [energyMsgs.reading({ slot: whole(slot, 'slot', true), exportedWh: whole(o.exported, '--exported', true), importedWh: whole(o.imported, '--imported', true) })])
    })

  const q = commandGroup(program, 'query')
  const eq = q.command('energy').description('the energy market: params, meters, orders, slots, readings, totals')
  const ask = (cmd: Command, name: string, params: Record<string, string | undefined>) => ctx(cmd).client().query<Json>(MODULE, name, params)
  const lines = (r: Json) => table(Object.entries(r).map(([k, v]) => [k, humanField(k, v)] as [string, string | undefined]))
  eq.command('params').description('slot length, reading window, escrow address').action(async (_o: unknown, cmd: Command) => {
    const r = await ask(cmd, 'params', {})
    ctx(cmd).print(lines(r), r)
  })
  eq.command('meter').description('one smart meter: its owner and status').argument('<meter>', 'a key name or an address').action(async (m: string, _o: unknown, cmd: Command) => {
    const r = await ask(cmd, 'meter', { meter: toHex(ctx(cmd).address(m)) })
    ctx(cmd).print(lines(r), r)
  })
  eq.command('meters').description("a prosumer's meters").argument('<owner>', 'a key name or an address').action(async (w: string, _o: unknown, cmd: Command) => {
    const r = await ask(cmd, 'meters', { owner: toHex(ctx(cmd).address(w)) })
    ctx(cmd).print(((r.meters as Json[]) ?? []).map((m) => `${text(m.meter)}  ${text(m.status)}`), r)
  })
  eq.command('order').description('one order: side, slot, price, energy, fill').argument('<id>', 'the order id').action(async (id: string, _o: unknown, cmd: Command) => {
    const r = await ask(cmd, 'order', { id: whole(id, 'id').toString() })
    ctx(cmd).print(lines(r), r)
  })
  eq.command('orders').description("a slot's orders (at most 1000)").argument('<slot>', 'slot number, next or +N').option('--side <side>', 'bid or offer')
    .action(async (slot: string, o: { side?: string }, cmd: Command) => {
      const c = ctx(cmd)
      const r = await ask(cmd, 'orders', { slot: (await slotOf(c, slot, false)).toString(), side: o.side })
      const list = (r.orders as Json[]) ?? []
      c.print(list.length ? list.map((x) => `#${text(x.id)} ${text(x.side)} ${text(x.energy_wh)} Wh at ${text(x.price)}  ${text(x.status)}${x.status === 'cleared' ? ` (matched ${text(x.matched_wh)} Wh)` : ''}`) : 'no orders', r)
    })
  eq.command('slot').description('a slot: status, clearing price, volume, delivery and settlement').argument('<slot>', 'slot number, next or +N')
    .action(async (slot: string, _o: unknown, cmd: Command) => {
      const c = ctx(cmd)
      const r = await ask(cmd, 'slot', { slot: (await slotOf(c, slot, false)).toString() })
      c.print(lines(r), r)
    })
  eq.command('reading').description("a meter's reading of a slot").argument('<slot>', 'the slot number').argument('<meter>', 'a key name or an address')
    .action(async (slot: string, m: string, _o: unknown, cmd: Command) => {
      const r = await ask(cmd, 'reading', { slot: whole(slot, 'slot', true).toString(), meter: toHex(ctx(cmd).address(m)) })
      ctx(cmd).print(lines(r), r)
    })
  eq.command('totals').description('tokens escrowed, paid and refunded; energy offered, matched and delivered').action(async (_o: unknown, cmd: Command) => {
    const r = await ask(cmd, 'totals', {})
    ctx(cmd).print(lines(r), r)
  })
}
