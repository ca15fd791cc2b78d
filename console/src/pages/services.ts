/**
 * Citizen services: pay a bill, file and follow a complaint (the description stays here: the chain
 * gets sha256(salt ‖ text)), look up a vehicle, and the energy market (order book, clearing price per slot).
 */
import { act, citySelect, describe, keySelect, needKeyNote, type Ctx } from '../app.ts'
import type { City } from '../cities.ts'
import { billsMsgs } from '../../../src/modules/bills/types.ts'
import { complaintsMsgs } from '../../../src/modules/complaints/types.ts'
import { sha256 } from '../../../src/crypto/hash.ts'
import { toHex, utf8 } from '../../../src/base/bytes.ts'
import { lineChart } from '../ui/chart.ts'
import { badge, field, h, message, replace, short, table } from '../ui/dom.ts'
import { liveLoad } from '../live.ts'

interface Bill { id: string; department: string; amount: string; paid: string; outstanding: string; service: string; reference: string; status: string; overdue: boolean; due_at: string }
interface Request { service_request_id: string; service_name: string | null; status: string; state: string; status_notes: string | null; requested_datetime: string; lat: string; long: string }

export function servicesPage(ctx: Ctx): () => void {
  const cs = citySelect(ctx, ctx.params[0])
  const city = cs.city()
  cs.el.addEventListener('change', () => ctx.go(`services/${cs.el.value}`))
  const who = keySelect()
  const billsBox = h('section', { 'aria-labelledby': 'h-bills' })
  const complaintsBox = h('section', { 'aria-labelledby': 'h-complaints' })
  const vehicleBox = h('section', { 'aria-labelledby': 'h-vehicle' })
  const energyBox = h('section', { 'aria-labelledby': 'h-energy' }, h('h2', { id: 'h-energy' }, 'Energy market'), h('p', { class: 'muted' }, 'Loading…'))
  replace(ctx.root, h('h1', {}, `Citizen services · ${city.name}`), needKeyNote(), h('div', { class: 'row' }, field('City', cs.el), field('Citizen (unlocked key)', who.el)),
    billsBox, complaintsBox, h('div', { class: 'grid2' }, vehicleBox, energyBox))
  who.el.addEventListener('change', () => void drawBills())

  // ---- bills
  const payOut = h('div', { 'aria-live': 'polite' })
  const drawBills = async () => {
    const k = who.key()
    if (!k) return replace(billsBox, h('h2', { id: 'h-bills' }, 'My bills'), h('p', { class: 'muted' }, 'Unlock a citizen key to see and pay its bills.'))
    try {
      const [bills, bal] = await Promise.all([city.client.query<{ bills: Bill[] }>('bills', 'bills', { citizen: k.address }), city.client.balance(k.address)])
      replace(billsBox, h('h2', { id: 'h-bills' }, 'My bills'), h('p', {}, 'Balance: ', h('strong', { 'data-my-balance': '' }, bal.toString())),
        table(['bill', 'department', 'service', 'reference', 'amount', 'outstanding', 'state', ''], bills.bills.map((b) => {
          const pay = h('button', { type: 'button', 'aria-label': `Pay bill ${b.id}` }, 'Pay')
          pay.addEventListener('click', () => void act(pay, payOut, async () => {
            const r = await city.client.signAndSubmit(k, [billsMsgs.pay({ bill: BigInt(b.id), department: b.department })])
            await drawBills()
            return `Bill ${b.id} paid in block ${r.height}.`
          }))
          return [b.id, b.department, b.service, b.reference, b.amount, b.outstanding, b.status === 'open' ? badge(b.overdue ? 'error' : 'warn', b.overdue ? 'overdue' : 'open') : badge('ok', b.status), b.status === 'open' && b.outstanding !== '0' ? pay : '']
        }), 'Bills issued to this citizen'), payOut)
    } catch (e) {
      replace(billsBox, h('h2', { id: 'h-bills' }, 'My bills'), message('error', describe(e)))
    }
  }

  // ---- complaints
  const service = h('select', { required: true })
  const desc = h('textarea', { rows: 2, required: true, maxlength: 2000 })
  const lat = h('input', { type: 'text', inputmode: 'decimal', value: '45.4642', required: true })
  const long = h('input', { type: 'text', inputmode: 'decimal', value: '9.1900', required: true })
  const fileOut = h('div', { 'aria-live': 'polite' })
  const fileBtn = h('button', { type: 'submit' }, 'Sign and file')
  const mine = h('div', {})
  const micro = (v: string, what: string) => {
    if (!/^-?[0-9]{1,3}(\.[0-9]{1,6})?$/.test(v.trim())) throw new Error(`${what} is degrees with at most 6 decimals, e.g. 45.4642`)
    const [i, f = ''] = v.trim().replace('-', '').split('.')
    const m = BigInt(i!) * 1_000_000n + BigInt((f + '000000').slice(0, 6))
    return v.trim().startsWith('-') ? -m : m
  }
  const fileForm = h('form', { onsubmit: (e: Event) => {
    e.preventDefault()
    void act(fileBtn, fileOut, async () => {
      const k = who.key()
      if (!k) throw new Error('Unlock a citizen key first.')
      const salt = crypto.getRandomValues(new Uint8Array(16))
      const hash = sha256(salt, utf8(desc.value))
      const r = await city.client.signAndSubmit(k, [complaintsMsgs.file({ service: service.value, descriptionHash: hash, lat: micro(lat.value, 'Latitude'), long: micro(long.value, 'Longitude') })])
      const id = r.events.flatMap((x) => x.attributes).find((x) => x.key === 'id' || x.key === 'request')?.value
      void drawComplaints()
      return h('div', {}, h('p', { class: 'msg ok', role: 'status' }, `Filed${id ? ` request ${id}` : ''} in block ${r.height}. Only the commitment of your description is on the chain.`),
        h('p', {}, 'Keep this salt with your description; it opens the commitment: ', h('code', {}, toHex(salt))))
    })
  } }, field('Service', service), field('Description (stays in this browser)', desc), h('div', { class: 'row' }, field('Latitude', lat), field('Longitude', long)), fileBtn, fileOut)
  replace(complaintsBox, h('h2', { id: 'h-complaints' }, 'Complaints (Open311)'), h('div', { class: 'grid2' }, fileForm, mine))
  const drawComplaints = async () => {
    const k = who.key()
    try {
      const s = await city.client.query<{ services: Array<{ service_code: string; service_name: string }> }>('complaints', 'services')
      if (!service.options.length) replace(service, ...s.services.map((x) => h('option', { value: x.service_code }, x.service_name)))
      if (!k) return replace(mine, h('p', { class: 'muted' }, 'Unlock a citizen key to follow its requests.'))
      const r = await city.client.query<{ requests: Request[] }>('complaints', 'requests', { citizen: k.address })
      replace(mine, table(['request', 'service', 'filed', 'state', 'notes'], r.requests.map((x) => [x.service_request_id, x.service_name ?? '', x.requested_datetime, x.status === 'open' ? badge('warn', x.state) : badge('ok', x.state), x.status_notes ?? '']), 'My requests'))
    } catch (e) {
      replace(mine, message('error', describe(e)))
    }
  }

  // ---- vehicles
  const plate = h('input', { type: 'text', autocomplete: 'off', placeholder: 'plate, or vehicle id (64 hex)' })
  const vOut = h('div', { 'aria-live': 'polite' })
  const vBtn = h('button', { type: 'submit' }, 'Look up')
  replace(vehicleBox, h('h2', { id: 'h-vehicle' }, 'Vehicle lookup'), h('form', { onsubmit: (e: Event) => {
    e.preventDefault()
    void act(vBtn, vOut, async () => {
      const v = plate.value.trim()
      const r = await city.client.query<Record<string, unknown>>('vehicles', 'vehicle', /^[0-9a-fA-F]{64}$/.test(v) ? { id: v.toLowerCase() } : { plate: v })
      return h('dl', { class: 'kv' }, ...Object.entries(r).flatMap(([k2, x]) => [h('dt', {}, k2), h('dd', {}, typeof x === 'object' ? JSON.stringify(x) : String(x))]))
    })
  } }, field('Vehicle', plate), vBtn, vOut))

  void drawBills()
  void drawComplaints()
  const stopEnergy = liveLoad(ctx, city, () => drawEnergy(city, energyBox), 3000)
  return stopEnergy
}

async function drawEnergy(city: City, box: HTMLElement): Promise<void> {
  try {
    const p = await city.client.query<{ slot_ms: string }>('energy', 'params')
    const now = BigInt(city.status?.time ?? Date.now())
    const cur = now / BigInt(p.slot_ms)
    const slots = await Promise.all(Array.from({ length: 12 }, (_, i) => cur - 10n + BigInt(i)).filter((x) => x >= 0n).map((s) =>
      city.client.query<{ slot: string; status: string; price: string | null; volume_wh: string; bids: number; offers: number }>('energy', 'slot', { slot: s.toString() })))
    const next = cur + 1n
    const orders = await city.client.query<{ orders: Array<{ id: string; side: string; energy_wh: string; price: string; status: string; owner: string }> }>('energy', 'orders', { slot: next.toString() })
    const bids = orders.orders.filter((o) => o.side === 'bid').sort((a, b) => Number(BigInt(b.price) - BigInt(a.price)))
    const offers = orders.orders.filter((o) => o.side === 'offer').sort((a, b) => Number(BigInt(a.price) - BigInt(b.price)))
    replace(box, h('h2', { id: 'h-energy' }, 'Energy market'),
      h('p', { class: 'muted' }, `Slots of ${Number(p.slot_ms) / 60000} min; the current slot is ${cur}.`),
      lineChart([{ name: 'clearing price', values: slots.map((x) => Number(x.price ?? 0)), cls: 's2' }], { label: 'clearing price per slot, last slots', unit: 'ucity/kWh' }),
      table(['slot', 'state', 'bids', 'offers', 'price', 'volume (Wh)'], slots.slice(-6).map((x) => [x.slot, x.status, x.bids, x.offers, x.price ?? '–', x.volume_wh]), 'Recent slots'),
      h('h3', {}, `Order book of slot ${next}`),
      table(['side', 'price', 'energy (Wh)', 'owner'], [...bids, ...offers].map((o) => [o.side, o.price, o.energy_wh, short(o.owner)]), `Bids (best first) and offers (cheapest first) for slot ${next}`))
  } catch (e) {
    replace(box, h('h2', { id: 'h-energy' }, 'Energy market'), message('error', describe(e)))
  }
}
