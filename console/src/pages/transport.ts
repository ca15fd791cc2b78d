/**
 * Transport (BITS): an SVG map of the road grid with the traffic the RSUs reported for the last
 * settled window (coloured by mean speed), the RSUs with their coverage, confirmed events, flagged
 * vehicles, and the distribution of vehicle reputation.
 */
import { citySelect, describe, type Ctx } from '../app.ts'
import type { City } from '../cities.ts'
import { field, h, message, replace, s, short, table } from '../ui/dom.ts'
import { liveLoad } from '../live.ts'

interface Rsu { rsu: string; x: string; y: string; radius: string; last_window: string | null }
interface Traffic { x: string; y: string; flow: string; speed_cms: string }
interface Event { window: string; event: string; x: string; y: string; reporters: string; rsus: number | string[] }

/** The road grid's block length (m): the simulator's and replay's grid (src/transport/roads.ts). */
const BLOCK = 200

const speedClass = (cms: number) => (cms >= 1100 ? 'fast' : cms >= 600 ? 'mid' : 'slow')

export function transportPage(ctx: Ctx): () => void {
  const cs = citySelect(ctx, ctx.params[0])
  const city = cs.city()
  cs.el.addEventListener('change', () => ctx.go(`transport/${cs.el.value}`))
  const mapBox = h('section', { 'aria-labelledby': 'h-map' }, h('h2', { id: 'h-map' }, 'Road grid'), h('p', { class: 'muted' }, 'Loading…'))
  const listBox = h('div', { class: 'grid2' })
  replace(ctx.root, h('h1', {}, `Transport · ${city.name}`), field('City', cs.el), mapBox, listBox)
  return liveLoad(ctx, city, () => draw(city, mapBox, listBox), 3000)
}

async function draw(city: City, mapBox: HTMLElement, listBox: HTMLElement): Promise<void> {
  try {
    const q = city.client
    const [params, events, flagged, rsuMembers, devices] = await Promise.all([
      q.query<{ settled_window: string | null }>('transport', 'params'),
      q.query<{ events: Event[] }>('transport', 'events', { limit: '50' }),
      q.query<{ flagged: Array<{ vehicle: string; window: string }> }>('transport', 'flagged', { limit: '100' }),
      q.query<{ members: string[] }>('identity', 'role-members', { role: 'rsu', limit: '100' }),
      q.query<{ members: string[] }>('identity', 'role-members', { role: 'device', limit: '200' }).catch(() => ({ members: [] as string[] })),
    ])
    const rsus = (await Promise.all(rsuMembers.members.map((r) => q.query<Rsu>('transport', 'rsu', { rsu: r }).catch(() => undefined)))).filter((x): x is Rsu => !!x)
    const w = params.settled_window
    const submissions = w === null ? [] : (await Promise.all(rsus.map((r) => q.query<{ traffic: Traffic[]; verdicts: Array<{ vehicle: string }> }>('transport', 'window', { rsu: r.rsu, window: w }).catch(() => undefined)))).filter((x) => !!x)
    const traffic = submissions.flatMap((x) => x.traffic)
    // the vehicles with evidence: those the RSUs judged in the settled window, the flagged ones, and registered devices
    const vehicles = [...new Set([...submissions.flatMap((x) => x.verdicts.map((v) => v.vehicle)), ...flagged.flagged.map((f) => f.vehicle), ...devices.members])].sort().slice(0, 300)
    const reps = await Promise.all(vehicles.map((v) => q.query<{ score_permille: string; flagged: boolean; last_window: string; alpha: string }>('transport', 'reputation', { vehicle: v }).catch(() => undefined)))
    const scored = reps.filter((r) => r && (r.alpha !== '0' || r.flagged)) as Array<{ score_permille: string; flagged: boolean }>

    // the map: extent from what is known, roads every 200 m (the simulator's grid)
    const pts = [...rsus.map((r) => [Number(r.x), Number(r.y)]), ...traffic.map((t) => [Number(t.x), Number(t.y)]), ...events.events.map((e) => [Number(e.x), Number(e.y)])]
    const maxX = Math.max(800, ...pts.map((p) => p[0]!)) + 100
    const maxY = Math.max(800, ...pts.map((p) => p[1]!)) + 100
    const svg = s('svg', { viewBox: `-100 -100 ${maxX + 100} ${maxY + 100}`, class: 'map', role: 'img', 'aria-label': `Road grid of ${city.name}: ${rsus.length} RSUs, ${events.events.length} confirmed events, traffic of window ${w ?? 'none'}` })
    for (let x = 0; x <= maxX - 100; x += BLOCK) svg.append(s('line', { x1: x, y1: 0, x2: x, y2: maxY - 100, class: 'road' }))
    for (let y = 0; y <= maxY - 100; y += BLOCK) svg.append(s('line', { x1: 0, y1: y, x2: maxX - 100, y2: y, class: 'road' }))
    for (const r of rsus) {
      svg.append(s('circle', { cx: r.x, cy: r.y, r: r.radius, class: 'cov' }))
      svg.append(s('rect', { x: Number(r.x) - 12, y: Number(r.y) - 12, width: 24, height: 24, class: 'rsu' }, s('title', {}, `RSU ${short(r.rsu)} (coverage ${r.radius} m)`)))
    }
    // a report is one road segment, at its midpoint: on a grid line one way, half a block off the other
    const maxFlow = Math.max(1, ...traffic.map((t) => Number(t.flow)))
    for (const t of traffic) {
      const [x, y] = [Number(t.x), Number(t.y)]
      const title = s('title', {}, `segment at (${x}, ${y}): ${t.flow} vehicles, mean ${(Number(t.speed_cms) / 100).toFixed(1)} m/s`)
      const cls = `seg ${speedClass(Number(t.speed_cms))}`
      const width = 8 + (Number(t.flow) / maxFlow) * 16 // wider: more vehicles
      if (x % BLOCK === 0 && y % BLOCK === BLOCK / 2) svg.append(s('line', { x1: x, y1: y - BLOCK / 2, x2: x, y2: y + BLOCK / 2, class: cls, 'stroke-width': width }, title))
      else if (y % BLOCK === 0 && x % BLOCK === BLOCK / 2) svg.append(s('line', { x1: x - BLOCK / 2, y1: y, x2: x + BLOCK / 2, y2: y, class: cls, 'stroke-width': width }, title))
      else svg.append(s('circle', { cx: x, cy: y, r: 14, class: cls }, title))
    }
    for (const e of events.events) svg.append(s('path', { d: `M${e.x} ${Number(e.y) - 22} l20 36 h-40 z`, class: 'event' }, s('title', {}, `${e.event} in window ${e.window}: ${e.reporters} reporters`)))
    replace(mapBox, h('h2', { id: 'h-map' }, 'Road grid'), svg,
      h('ul', { class: 'legend' }, h('li', { class: 'k-rsu' }, 'RSU and its coverage'), h('li', { class: 'k-fast' }, 'segment: mean speed ≥ 11 m/s (wider: more vehicles)'), h('li', { class: 'k-mid' }, '6–11 m/s'), h('li', { class: 'k-slow' }, '< 6 m/s'), h('li', { class: 'k-event' }, 'confirmed event')),
      h('p', { class: 'muted' }, w === null ? 'No window settled yet: run `polis transport replay` against this city.' : `Traffic of settled window ${w}, as reported by the RSUs.`))

    const buckets = new Array<number>(10).fill(0)
    for (const r of scored) buckets[Math.min(9, Math.floor(Number(r.score_permille) / 100))]!++
    const max = Math.max(1, ...buckets)
    const hist = s('svg', { viewBox: '0 0 300 120', class: 'chart', role: 'img', 'aria-label': `reputation of ${scored.length} vehicles in tenths of the score` })
    buckets.forEach((n, i) => hist.append(s('rect', { x: i * 30 + 2, y: 110 - (n / max) * 100, width: 26, height: (n / max) * 100, class: i < 5 ? 'bar low' : 'bar' }, s('title', {}, `${i * 100}–${i * 100 + 99} ‰: ${n}`))))
    replace(listBox,
      h('section', {}, h('h2', {}, 'Confirmed events'), table(['window', 'event', 'at (m)', 'reporters'], events.events.map((e) => [e.window, e.event, `(${e.x}, ${e.y})`, e.reporters]))),
      h('section', {}, h('h2', {}, 'Flagged vehicles'), table(['vehicle', 'since window'], flagged.flagged.map((f) => [h('code', {}, short(f.vehicle)), f.window]))),
      h('section', {}, h('h2', {}, 'Reputation distribution'), hist, h('p', { class: 'muted' }, `${scored.length} vehicles with evidence; score 0–1000 ‰ left to right.`)))
  } catch (e) {
    replace(mapBox, h('h2', { id: 'h-map' }, 'Road grid'), message('error', describe(e)))
  }
}
