/**
 * Bridge: per channel (each pair of cities, each direction), the supply invariant live (tokens
 * escrowed on one side = vouchers in circulation on the other), and the packets: in flight
 * (committed, not yet acknowledged), acknowledged, timed out.
 */
import { describe, type Ctx } from '../app.ts'
import { channelSupply, clientOf, packetState } from '../bridge-info.ts'
import { badge, h, message, replace, table } from '../ui/dom.ts'

export function bridgePage(ctx: Ctx): () => void {
  const supplyBox = h('section', { 'aria-labelledby': 'h-supply' }, h('h2', { id: 'h-supply' }, 'Supply per channel'), h('p', { class: 'muted' }, 'Loading…'))
  const packetsBox = h('section', { 'aria-labelledby': 'h-packets' }, h('h2', { id: 'h-packets' }, 'Packets'))
  replace(ctx.root, h('h1', {}, 'Bridge'), supplyBox, packetsBox)
  let busy = false
  let alive = true
  const load = async () => {
    if (busy || !alive) return
    busy = true
    try {
      const pairs = ctx.net.cities.flatMap((a) => ctx.net.cities.filter((b) => b !== a).map((b) => [a, b] as const))
      const rows = await Promise.all(pairs.map(async ([a, b]) => ({ a, b, s: await channelSupply(a, b).catch(() => undefined) })))
      replace(supplyBox, h('h2', { id: 'h-supply' }, 'Supply per channel (live)'),
        h('p', { class: 'muted' }, 'A token that crosses to another city is escrowed at home and minted there as a voucher; the two must always be equal.'),
        table(['from', 'to', 'denomination', 'escrowed at home', 'vouchers over there', 'invariant'], rows.filter((r) => r.s).map(({ a, b, s }) => [
          a.name, b.name, s!.denom, s!.escrow.toString(), s!.vouchers.toString(),
          s!.escrow === s!.vouchers ? badge('ok', 'escrow = vouchers') : s!.escrow > s!.vouchers ? badge('warn', `${s!.escrow - s!.vouchers} in flight`) : badge('error', 'VIOLATED: more vouchers than escrow'),
        ]), 'Escrow on the source chain and vouchers on the destination chain'))
      const packets = (await Promise.all(pairs.map(async ([a, b]) => {
        const client = await clientOf(a, b).catch(() => undefined)
        if (!client) return []
        const first = await packetState(a, client, 1n).catch(() => undefined)
        const next = first ? BigInt(first.next_sequence) : 1n
        const seqs: bigint[] = []
        for (let x = next - 1n; x >= 1n && seqs.length < 10; x--) seqs.push(x)
        return Promise.all(seqs.map(async (seq) => {
          const p = await packetState(a, client, seq)
          const counter = await clientOf(b, a).catch(() => undefined)
          const recv = counter ? await packetState(b, counter, seq).then((x) => x.receipt, () => false) : false
          const state = p.commitment === null ? (recv ? badge('ok', 'acknowledged') : badge('warn', 'timed out / refunded')) : recv ? badge('info', 'received, ack in flight') : badge('warn', 'in flight')
          return [`${a.name} → ${b.name}`, seq.toString(), state]
        }))
      }))).flat()
      replace(packetsBox, h('h2', { id: 'h-packets' }, 'Packets (latest 10 per channel)'), table(['channel', 'sequence', 'state'], packets, 'Packets sent and where they are'))
    } catch (e) {
      replace(supplyBox, h('h2', { id: 'h-supply' }, 'Supply per channel'), message('error', describe(e)))
    } finally {
      busy = false
    }
  }
  void load()
  const timer = setInterval(() => void load(), 2000)
  return () => {
    alive = false
    clearInterval(timer)
  }
}
