/**
 * Network: every city, its height, block times, live tx/s, validator; the bridge's light clients
 * (trusting period left, verified height against the counterparty's) and the relayer's progress.
 */
import type { Ctx } from '../app.ts'
import { timeMs, type City } from '../cities.ts'
import { lineChart } from '../ui/chart.ts'
import { age, badge, duration, h, replace, short, table } from '../ui/dom.ts'
import { directionProgress, type DirectionProgress } from '../relayer-progress.ts'

const blocks = (n: bigint) => `${n} block${n === 1n ? '' : 's'}`

interface ClientRow { city: string; id: string; chain: string; type: string; latest: string; status: 'active' | 'frozen' | 'expired' | '?'; left?: number }

async function clientsOf(c: City): Promise<ClientRow[]> {
  const r = await c.client.query<{ clients: Array<Record<string, string | null>> }>('bridge', 'clients')
  const now = Number(c.status?.time ?? Date.now())
  return Promise.all(r.clients.map(async (x) => {
    const row: ClientRow = { city: c.name, id: x.client_id!, chain: x.chain_id!, type: x.type!, latest: x.latest_height!, status: '?' }
    if (x.frozen_height) return { ...row, status: 'frozen' as const }
    try {
      const cs = await c.client.query<{ time: string }>('bridge', 'consensus-state', { client_id: x.client_id!, consensus_height: x.latest_height! })
      const left = Number(cs.time) + Number(x.trusting_period) - now
      return { ...row, left, status: left > 0 ? 'active' as const : 'expired' as const }
    } catch {
      return row
    }
  }))
}

interface ValidatorSet { validators: Array<{ address: string; pub_key: { value: string }; voting_power: string }> }
/** A CometBFT city's validator set at its latest height (/v1/validators/{h}): how many, their power, who. */
interface SetView { count: number; power: bigint; list: string }

async function validatorSet(c: City): Promise<SetView | undefined> {
  if (c.status?.engine !== 'cometbft' || !c.up) return undefined
  const r = await c.client.get<ValidatorSet>(`/v1/validators/${c.height}`)
  const power = r.validators.reduce((a, v) => a + BigInt(v.voting_power), 0n)
  return { count: r.validators.length, power, list: r.validators.map((v) => `${v.address} power ${v.voting_power}`).join('\n') }
}

export function networkPage(ctx: Ctx): () => void {
  const cityBox = h('section', { 'aria-labelledby': 'h-cities' })
  const chartBox = h('section', { 'aria-labelledby': 'h-tps' })
  const clientBox = h('section', { 'aria-labelledby': 'h-clients' }, h('h2', { id: 'h-clients' }, 'Bridge light clients'), h('p', { class: 'muted' }, 'Loading…'))
  const relayBox = h('section', { 'aria-labelledby': 'h-relay' }, h('h2', { id: 'h-relay' }, 'Relayer progress'), h('p', { class: 'muted' }, 'Loading…'))
  replace(ctx.root, h('h1', {}, 'Network'), cityBox, chartBox, clientBox, relayBox)

  const sets = new Map<string, SetView>()
  const draw = () => {
    const now = Date.now()
    replace(cityBox, h('h2', { id: 'h-cities' }, `Cities (${ctx.net.cities.length})`), table(
      ['city', 'state', 'height', 'last block', 'block interval', 'tx/s (10 s)', 'txs (60 s)', 'validators', 'mempool', 'API'],
      ctx.net.cities.map((c) => {
        const tps = c.txPerSecond(10, now).reduce((a, b) => a + b, 0) / 10
        const iv = c.blockInterval()
        return [
          h('a', { href: `#/explorer/${c.name}` }, c.name),
          c.up ? badge('ok', c.reconnects ? `up (reconnected ${c.reconnects}×)` : 'up') : badge('error', c.everUp ? 'down: reconnecting' : 'unreachable'),
          c.status?.height ?? '–',
          !c.up && c.error ? c.error : c.status ? age(timeMs(c.status.time), now) : '–',
          iv === undefined ? '–' : `${(iv / 1000).toFixed(2)} s`,
          tps.toFixed(1),
          h('span', { 'data-txs-60s': c.name }, c.txPerSecond(60, now).reduce((a, b) => a + b, 0)),
          sets.get(c.name) ? h('span', { title: sets.get(c.name)!.list, 'data-validators': c.name }, `${sets.get(c.name)!.count} (power ${sets.get(c.name)!.power})`)
            : c.status?.validator ? h('code', { title: String(c.status.validator) }, short(String(c.status.validator))) : '–',
          c.status ? String(c.status.mempool_size) : '–',
          h('code', {}, c.url),
        ]
      }), 'Cities of the network, live'))
    replace(chartBox, h('h2', { id: 'h-tps' }, 'Transactions per second (last 60 s)'),
      lineChart(ctx.net.cities.map((c, i) => ({ name: c.name, values: c.txPerSecond(60, now), cls: `s${i % 6}` })), { label: 'transactions per second per city, last 60 seconds', unit: 'tx/s' }),
      h('ul', { class: 'legend' }, ...ctx.net.cities.map((c, i) => h('li', { class: `s${i % 6}` }, c.name))))
  }
  draw()
  const off = ctx.net.onChange(draw)
  const tick = setInterval(draw, 1000)

  let alive = true
  const loadSets = async () => {
    await Promise.all(ctx.net.cities.map(async (c) => {
      const v = await validatorSet(c).catch(() => undefined)
      if (v) sets.set(c.name, v)
      else sets.delete(c.name)
    }))
    if (alive) draw()
  }
  const loadClients = async () => {
    const rows = (await Promise.all(ctx.net.cities.filter((c) => c.up || !c.everUp).map((c) => clientsOf(c).catch(() => [] as ClientRow[])))).flat()
    if (!alive) return
    const heightOf = (chain: string) => ctx.net.cities.find((c) => c.chainId === chain)?.status?.height
    replace(clientBox, h('h2', { id: 'h-clients' }, 'Bridge light clients'),
      h('p', { class: 'muted' }, 'Each city follows the others with a light client, which the relayer updates; a client is usable while its last verified header is younger than its trusting period.'),
      table(['on city', 'client', 'of chain', 'type', 'verified height', 'chain\'s height', 'behind', 'state', 'trusting period left'], rows.map((r) => {
        const top = heightOf(r.chain)
        return [
          r.city, r.id, r.chain, r.type, r.latest, top ?? '–', h('span', { 'data-client-behind': `${r.city}/${r.id}` }, top === undefined ? '–' : blocks(BigInt(top) - BigInt(r.latest))),
          r.status === 'active' ? badge('ok', 'active') : r.status === 'frozen' ? badge('error', 'frozen') : r.status === 'expired' ? badge('error', 'expired') : badge('warn', 'unknown'),
          r.left === undefined ? '–' : r.left > 0 ? duration(r.left) : 'none',
        ]
      }), 'Light clients of other cities'))
  }
  let relayBusy = false
  const loadRelay = async () => {
    if (relayBusy) return
    relayBusy = true
    // cities that are down are skipped: their requests would only queue behind the browser's per-host limit
    const up = ctx.net.cities.filter((c) => c.up || !c.everUp)
    const pairs = up.flatMap((a) => up.filter((b) => b !== a).map((b) => [a, b] as const))
    const rows = (await Promise.all(pairs.map(([a, b]) => directionProgress(a, b).catch(() => undefined)))).filter((x): x is DirectionProgress => !!x)
    relayBusy = false
    if (!alive) return
    replace(relayBox, h('h2', { id: 'h-relay' }, 'Relayer progress'),
      h('p', { class: 'muted' }, 'Per channel and direction, over every packet, from both chains\' state (the bridge/channel query): packets sent, how many the other city received, which acknowledgements came back, which timed out and which are still in flight.'),
      table(['channel', 'sent', 'received', 'acknowledged', 'awaiting ack', 'timed out', 'in flight'], rows.map((r) => [
        h('span', { 'data-channel': `${r.from.name}>${r.to.name}` }, `${r.from.name} (${r.srcClient}) → ${r.to.name} (${r.dstClient})`),
        r.sent.toString(), r.received.toString(), r.acknowledged.toString(), r.exact ? r.awaitingAck.toString() : `≥ ${r.awaitingAck}`, r.timedOut.toString(),
        r.inFlight ? badge('warn', `${r.inFlight} (oldest #${r.oldestInFlight})`) : badge('ok', '0'),
      ]), 'Packets relayed between the cities'))
  }
  void loadRelay()
  void loadClients()
  void loadSets()
  const clientsTimer = setInterval(() => {
    void loadSets()
    void loadClients()
    void loadRelay()
  }, 5000)
  return () => {
    alive = false
    off()
    clearInterval(tick)
    clearInterval(clientsTimer)
  }
}
