/**
 * Security (Block SIEM): live alerts with their k-of-n attestations (redrawn as the city's blocks
 * arrive on its WebSocket stream), each alert's evidence verified in this browser (siem-evidence.ts)
 * with each event's content read from its collector and shown once it hashes to its proven leaf,
 * quarantined devices, collectors and their anchored checkpoints over time, threat indicators with
 * provenance, and triage (acknowledge, close with a reason) signed in this browser by a `soc` key.
 */
import { act, citySelect, describe, keySelect, type Ctx } from '../app.ts'
import type { City } from '../cities.ts'
import { siemMsgs } from '../../../src/modules/siem/types.ts'
import { fromHex } from '../../../src/base/bytes.ts'
import { lineChart } from '../ui/chart.ts'
import { badge, field, h, message, replace, short, table } from '../ui/dom.ts'
import { liveLoad } from '../live.ts'
import { verifyAlertEvidence } from '../siem-evidence.ts'
import { verdictView } from '../ui/verdict.ts'

interface Alert { id: string; rule: string; version: string; subject: string | null; attestations: string; first_at: string; confirmed_at: string | null; quarantined: boolean; status: string; status_reason: string | null }
interface Collector { address: string; name?: string; size: string; anchors: string }
interface Checkpoint { size: string; height: string; time: string }
interface Indicator { kind: string; value: string; active: boolean; first_at: string; expires_at: string; sources: string }
interface Provenance { source_chain: string; client_id: string; sequence: string; alert: string; rule: string; rule_version: string; confirmed_at: string; attesters: string[]; received_at: string; expires_at: string }
interface Share { client_id: string; sequence: string; alert: string; indicators: string; sent_at: string; outcome: string; error: string | null; settled_at: string | null }

export function securityPage(ctx: Ctx): () => void {
  const cs = citySelect(ctx, ctx.params[0])
  const city = cs.city()
  cs.el.addEventListener('change', () => ctx.go(`security/${cs.el.value}`))
  const alertsBox = h('section', { 'aria-labelledby': 'h-alerts' }, h('h2', { id: 'h-alerts' }, 'Alerts'), h('p', { class: 'muted' }, 'Loading…'))
  const quarantineBox = h('section', { 'aria-labelledby': 'h-q' })
  const collectorsBox = h('section', { 'aria-labelledby': 'h-coll' })
  const intelBox = h('section', { 'aria-labelledby': 'h-intel' })
  const evidenceOut = h('div', { 'aria-live': 'polite' }, h('p', { class: 'muted' }, 'Choose "Verify" on an alert: its record, its collectors\' anchored checkpoints and the inclusion of each evidence event are checked here, against the genesis pinned in this browser.'))
  const evidenceBox = h('section', { 'aria-labelledby': 'h-evidence' }, h('h2', { id: 'h-evidence' }, 'Evidence verified in this browser'), evidenceOut)
  let verifying = false
  const verifyAlert = (a: Alert) => {
    if (verifying) return
    verifying = true
    replace(evidenceOut, message('info', `Verifying the evidence of alert ${short(a.id)}…`))
    evidenceBox.scrollIntoView({ block: 'nearest' })
    void verifyAlertEvidence(city, a)
      .then((v) => replace(evidenceOut, h('p', {}, `Alert ${short(a.id)} (${a.rule})`), verdictView(v),
        v.note ? h('p', { class: 'muted', 'data-content-note': '' }, v.note) : undefined,
        v.contents.length ? h('section', { 'aria-labelledby': 'h-contents' }, h('h3', { id: 'h-contents' }, 'Evidence events (content hashed to its proven leaf in this browser)'),
          ...v.contents.map((c) => h('div', { class: 'event-content', 'data-event-index': String(c.index) }, h('p', {}, `Event #${c.index} of collector ${short(c.collector)}`), h('pre', {}, c.entry)))) : undefined), (e) => replace(evidenceOut, message('error', describe(e))))
      .finally(() => (verifying = false))
  }

  // triage, signed here by a soc key
  const key = keySelect()
  const alertId = h('input', { type: 'text', autocomplete: 'off', pattern: '[0-9a-fA-F]{64}', placeholder: 'alert id (64 hex)', required: true })
  const action = h('select', {}, h('option', { value: 'ack' }, 'Acknowledge'), h('option', { value: 'close' }, 'Close'))
  const reason = h('input', { type: 'text', autocomplete: 'off', required: true })
  const out = h('div', { 'aria-live': 'polite' })
  const btn = h('button', { type: 'submit' }, 'Sign and submit')
  const triage = h('form', { 'aria-labelledby': 'h-triage', onsubmit: (e: Event) => {
    e.preventDefault()
    void act(btn, out, async () => {
      const k = key.key()
      if (!k) throw new Error('Unlock a key holding the soc role on the Keys page first.')
      const p = { id: fromHex(alertId.value.trim().toLowerCase()), reason: reason.value.trim() }
      const r = await city.client.signAndSubmit(k, [action.value === 'ack' ? siemMsgs.ackAlert(p) : siemMsgs.closeAlert(p)])
      return `Alert ${short(alertId.value.trim())} ${action.value === 'ack' ? 'acknowledged' : 'closed'} in block ${r.height}.`
    })
  } }, h('h2', { id: 'h-triage' }, 'Triage'), field('Signed by (a soc key)', key.el), field('Alert', alertId), field('Action', action), field('Reason', reason), btn, out)

  replace(ctx.root, h('h1', {}, `Security · ${city.name}`), field('City', cs.el), alertsBox, evidenceBox, h('div', { class: 'grid2' }, quarantineBox, h('section', {}, triage)), collectorsBox, intelBox)

  const load = async () => {
    try {
      const [k, alerts, collectors, intel] = await Promise.all([
        city.client.query<{ k: string }>('siem', 'params'),
        city.client.query<{ alerts: Alert[] }>('siem', 'alerts', { limit: '50' }),
        city.client.query<{ collectors: Collector[] }>('siem', 'collectors'),
        threatIntel(ctx, city).catch((e) => [h('h2', { id: 'h-intel' }, 'Threat indicators'), message('error', describe(e))]),
      ])
      replace(alertsBox, h('h2', { id: 'h-alerts' }, `Alerts (${alerts.alerts.length}, live)`), table(['alert', 'rule', 'attestations', 'state', 'subject', 'triage', 'evidence'], alerts.alerts.map((a) => [
        h('span', {}, h('code', { title: a.id }, short(a.id)), ' ', h('button', { type: 'button', class: 'secondary', 'aria-label': `Triage alert ${a.id}`, onclick: () => { alertId.value = a.id; reason.focus() } }, 'Triage')),
        `${a.rule} v${a.version}`,
        `${a.attestations} of ${k.k} needed`,
        a.confirmed_at ? badge('error', `CONFIRMED at ${a.confirmed_at}${a.quarantined ? ', device quarantined' : ''}`) : badge('warn', 'pending'),
        a.subject ? h('a', { href: `#/explorer/${city.name}/account/${a.subject}` }, h('code', {}, short(a.subject))) : '–',
        a.status === 'open' ? badge('info', 'open') : badge('ok', `${a.status}${a.status_reason ? `: ${a.status_reason}` : ''}`),
        h('button', { type: 'button', class: 'secondary', 'aria-label': `Verify the evidence of alert ${a.id}`, 'data-verify-alert': a.id, onclick: () => verifyAlert(a) }, 'Verify'),
      ]), `Alerts on ${city.name}: k-of-n correlator attestations (k = ${k.k})`))
      const q = alerts.alerts.filter((a) => a.quarantined && a.subject)
      replace(quarantineBox, h('h2', { id: 'h-q' }, 'Quarantined devices'), table(['device', 'by alert'], q.map((a) => [h('a', { href: `#/explorer/${city.name}/account/${a.subject}` }, h('code', {}, short(a.subject!))), short(a.id)]), 'Devices whose keys a confirmed alert revoked'))
      const series = await Promise.all(collectors.collectors.slice(0, 6).map(async (c, i) => {
        const cps = await city.client.query<{ checkpoints: Checkpoint[] }>('siem', 'checkpoints', { collector: c.address, limit: '100' }).catch(() => ({ checkpoints: [] as Checkpoint[] }))
        return { name: c.name ?? short(c.address), values: cps.checkpoints.map((x) => Number(x.size)).sort((a, b) => a - b), cls: `s${i}` }
      }))
      replace(collectorsBox, h('h2', { id: 'h-coll' }, 'Collectors and anchored checkpoints'),
        table(['collector', 'log size anchored', 'checkpoints'], collectors.collectors.map((c) => [c.name ? `${c.name} (${short(c.address)})` : short(c.address), c.size, c.anchors]), 'Registered log collectors'),
        series.some((x) => x.values.length) ? lineChart(series, { label: 'anchored log size per checkpoint, per collector', unit: 'events' }) : h('p', { class: 'muted' }, 'No checkpoint anchored yet.'))
      replace(intelBox, ...intel)
    } catch (e) {
      replace(alertsBox, h('h2', { id: 'h-alerts' }, 'Alerts'), message('error', describe(e)))
    }
  }
  return liveLoad(ctx, city, load)
}

const outcomeBadge = (x: Share) => x.outcome === 'accepted' ? badge('ok', 'accepted') : x.outcome === 'pending' ? badge('warn', 'pending (packet in flight)') : badge('error', `${x.outcome.replace('_', ' ')}${x.error ? `: ${x.error}` : ''}`)

/**
 * Threat indicators: those this city lists, received from other cities over the bridge, each with
 * its provenance (the sending city, the packet, the alert confirmed there with its rule and its
 * attesters), and what this city shared with the others with each one's answer.
 */
async function threatIntel(ctx: Ctx, city: City): Promise<Node[]> {
  const q = city.client
  const [list, shared, peers, clients] = await Promise.all([
    q.query<{ entries: Indicator[] }>('threatintel', 'blocklist', { limit: '20' }),
    q.query<{ shares: Share[] }>('threatintel', 'shared', { limit: '20' }),
    q.query<{ accepted: string[] }>('threatintel', 'peers'),
    q.query<{ clients: Array<{ client_id: string; chain_id: string }> }>('bridge', 'clients'),
  ])
  const cityOfChain = (chain: string) => ctx.net.cities.find((c) => c.chainId === chain)?.name ?? chain
  const cityOfClient = (client: string) => {
    const c = clients.clients.find((x) => x.client_id === client)
    return c ? `${cityOfChain(c.chain_id)} (client ${client})` : client
  }
  const received = (await Promise.all(list.entries.map(async (e) => {
    const r = await q.query<{ provenance: Provenance[] }>('threatintel', 'indicator', { kind: e.kind, value: e.value })
    return r.provenance.map((p) => [
      h('code', { title: `${e.kind}:${e.value}` }, `${e.kind}:${e.value.length > 20 ? short(e.value) : e.value}`),
      `${cityOfChain(p.source_chain)} (packet #${p.sequence} over client ${p.client_id}, at block ${p.received_at})`,
      h('span', {}, h('code', { title: p.alert }, short(p.alert)), ` ${p.rule} v${p.rule_version}, confirmed there at ${p.confirmed_at} by ${p.attesters.length} correlator${p.attesters.length === 1 ? '' : 's'}`),
      e.active ? badge('error', `listed until block ${e.expires_at}`) : badge('info', 'expired or delisted'),
    ])
  }))).flat()
  return [
    h('h2', { id: 'h-intel' }, 'Threat indicators'),
    h('p', { class: 'muted' }, `Indicators of alerts confirmed in other cities, shared over the bridge; this city accepts them from ${peers.accepted.length ? peers.accepted.map(cityOfClient).join(', ') : 'no city yet (an authority accepts a peer: polis tx threat-intel accept-peer)'}.`),
    table(['indicator', 'received from', 'alert there (provenance)', 'here'], received, 'Indicators received from other cities, with their provenance'),
    table(['shared with', 'packet', 'alert', 'indicators', 'sent at block', 'answer'], shared.shares.map((x) => [
      cityOfClient(x.client_id), `#${x.sequence}`, h('code', { title: x.alert }, short(x.alert)), x.indicators, x.sent_at, h('span', { 'data-share-outcome': x.outcome }, outcomeBadge(x)),
    ]), 'Indicators this city shared with other cities, and their answers'),
  ]
}
