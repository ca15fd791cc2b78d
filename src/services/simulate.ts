/**
 * `polis simulate services`: a seeded month of a city's public services on an in-process chain.
 *
 * One block per simulated hour. Day 1, the departments bill every citizen (water and electricity,
 * parking and tax for some), due on day 21; citizens pay on time, late, in two parts, or not at
 * all. Citizens file complaints at a steady rate; each service's department acknowledges within
 * hours and resolves after a service-specific, skewed resolution time (some past the SLA, some
 * rejected, some reopened by the citizen). Some citizens own vehicles; a few are sold. A fifth of
 * the citizens are prosumers with a smart meter: every hour they offer solar surplus (daytime)
 * for the next slot, other citizens bid, meters report their export after each slot, some short.
 *
 * The workload generator is seeded (its randomness is off chain); the chain itself only sees
 * signed transactions and block times, so the same seed gives the same app hash. The report is
 * read from chain state (bills totals against the bank, complaints, energy totals).
 */
import { Rng } from '../util/rng.js'
import type { KeyPair } from '../crypto/keys.js'
import { sha256 } from '../crypto/hash.js'
import { toHex, utf8 } from '../base/bytes.js'
import type { Msg } from '../app/tx.js'
import { cityGenesis, testKey } from '../kit/genesis-builder.js'
import { balanceOf, nativeDenom, supplyOf } from '../modules/bank/keeper.js'
import { DEPARTMENTS, getBill, receiptsOf, totalsOf as billTotals, treasuryAddress, treasuryBalance, type Department } from '../modules/bills/keeper.js'
import { getRequest, getService, isOpen, transitionsOf } from '../modules/complaints/keeper.js'
import { ESCROW_ADDRESS, escrowBalance, totalsOf as energyTotals } from '../modules/energy/keeper.js'
import { BILLS_EVENT, billsMsgs } from '../modules/bills/types.js'
import { COMPLAINTS_EVENT, complaintsMsgs } from '../modules/complaints/types.js'
import { ENERGY_EVENT, energyMsgs } from '../modules/energy/types.js'
import { VEHICLES_EVENT, vehiclesMsgs } from '../modules/vehicles/types.js'
import { SimChain, attr } from './sim-chain.js'
import { STARTER_SERVICES } from '../node/departments.js'
import { errorNameOf } from '../base/errors.js'

export const HOUR = 3_600_000n
export const DAY = 24n * HOUR
/** 2026-01-01T00:00:00Z: hour-aligned, so energy slots of an hour start on block times. */
export const SIM_T0 = 1767225600000n

export interface SimOptions {
  seed: number; citizens: number; days: number
  /** called after each simulated hour with (hours done, hours); for a progress display, no effect on the simulation */
  onProgress?: (done: number, total: number) => void
}

/** How each starter service's department performs: resolution hours ~ median · e^(σ·N(0,1)); weight = share of filings. */
const PERFORMANCE: Record<string, { medianHours: number; sigma: number; weight: number }> = {
  pothole: { medianHours: 50, sigma: 0.5, weight: 4 },
  streetlight: { medianHours: 30, sigma: 0.6, weight: 3 },
  'missed-pickup': { medianHours: 14, sigma: 0.5, weight: 3 },
  graffiti: { medianHours: 70, sigma: 0.7, weight: 2 },
}
export const SIM_SERVICES = STARTER_SERVICES.services.map((s) => ({ ...s, ...PERFORMANCE[s.service_code]! }))

export interface SimReport {
  seed: number; citizens: number; days: number; blocks: number; transactions: number
  /** Refused transactions by error name (e.g. a bid or a vehicle purchase without funds). */
  refused: Record<string, number>
  appHash: string
  bills: {
    issued: number; paidInFull: number; paidLate: number; partialPayments: number; unpaid: number; overdueMarked: number
    departments: Array<{ department: string; billed: string; collected: string; outstanding: string; treasury: string; reconciled: boolean }>
  }
  complaints: {
    filed: number; resolved: number; rejected: number; reopened: number; open: number; slaBreaches: number
    services: Array<{ service_code: string; sla_hours: number; filed: number; closed: number; breaches: number; median_resolution_hours: number | null }>
  }
  vehicles: { registered: number; sold: number }
  energy: { prosumers: number; slotsCleared: number; slotsSettled: number; offeredWh: string; matchedWh: string; deliveredWh: string; escrowed: string; paid: string; refunded: string; escrowLeft: string }
  conservation: { supply: string; sumOfBalances: string; conserved: boolean }
}

/** The workload's seeded randomness (never the chain's). */
function rng(seed: number) {
  const source = new Rng(seed)
  const next = () => source.next()
  const normal = () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next())
  return { next, int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)), chance: (p: number) => next() < p, normal }
}

function keyOf(seed: number, label: string): KeyPair {
  return testKey(`polis/simulate-services/${seed}/${label}`)
}

type Plan = Map<number, Array<() => void>>

export async function simulateServices(o: SimOptions): Promise<SimReport> {
  const r = rng(o.seed)
  const hours = o.days * 24
  const chainId = `sim-city-${o.seed}`
  const authority = keyOf(o.seed, 'authority')
  const validator = keyOf(o.seed, 'validator')
  const citizens = Array.from({ length: o.citizens }, (_, i) => keyOf(o.seed, 'citizen/' + i))
  const staffRoles: Record<string, string> = { water: 'water', electricity: 'electricity', parking: 'parking', tax: 'tax', transport: 'transport', 'public-works': 'public-works', sanitation: 'sanitation', energy: 'energy' }
  const staff = Object.fromEntries(Object.keys(staffRoles).map((k) => [k, keyOf(o.seed, 'staff/' + k)])) as Record<string, KeyPair>
  const genesis = cityGenesis({
    chainId, genesisTime: SIM_T0, authority, validator, citizens, balance: 60_000n,
    accounts: Object.entries(staffRoles).map(([k, role]) => ({ key: staff[k]!, roles: [role] })),
    appState: { complaints: STARTER_SERVICES, energy: { slot_ms: HOUR.toString(), settle_ms: HOUR.toString() } },
  })
  const chain = await SimChain.open(genesis, validator, SIM_T0)
  const plan: Plan = new Map()
  const at = (hour: number, f: () => void) => {
    if (hour >= hours) return
    const l = plan.get(hour) ?? []
    l.push(f)
    plan.set(hour, l)
  }
  let transactions = 0
  const refused: Record<string, number> = {}
  const add = (key: KeyPair, msgs: Msg | Msg[]) => {
    transactions++
    return chain.add(key, msgs)
  }
  // what the workload learns from the chain's events
  const billOf = new Map<string, { id: bigint; department: Department; citizen: number; amount: bigint }>()
  const filed: Array<{ id?: bigint; service: (typeof SIM_SERVICES)[number]; citizen: number; filedHour: number; closedHour?: number }> = []
  const pendingFilings = new Map<number, number>() // tx index in the block -> filed[] index
  let sold = 0
  let slotsCleared = 0
  let slotsSettled = 0
  const prosumers = citizens.slice(0, Math.max(1, Math.floor(o.citizens / 5)))
  const consumers = citizens.slice(prosumers.length)
  const meters = prosumers.map((_, i) => keyOf(o.seed, 'meter/' + i))
  const production = new Map<string, bigint>() // slot|meter -> Wh the meter will measure
  const vehicles: Array<{ id: Uint8Array; owner: number }> = []

  try {
    // ---- hour 0: the departments' set-up
    for (let i = 0; i < prosumers.length; i += 32) {
      add(staff.energy!, meters.slice(i, i + 32).map((m, j) => energyMsgs.registerMeter({ meter: m.publicKey, owner: prosumers[i + j]!.publicKey })))
    }
    const owners = citizens.map((_, i) => i).filter(() => r.chance(0.3))
    for (let i = 0; i < owners.length; i += 32) {
      add(staff.transport!, owners.slice(i, i + 32).map((c) => {
        const id = sha256(utf8('vin-salt/' + o.seed + '/' + c), utf8('VIN' + String(100000 + c)))
        vehicles.push({ id, owner: c })
        return vehiclesMsgs.register({ vinCommitment: id, plate: `SIM-${c}`, owner: citizens[c]!.publicKey, device: keyOf(o.seed, 'vehicle-device/' + c).publicKey })
      }))
    }
    // ---- day 1: the monthly bills, due on day 21
    const due = SIM_T0 + 21n * DAY
    at(1, () => {
      for (const dept of DEPARTMENTS) {
        const billed = citizens.map((_, i) => i).filter(() => dept === 'water' || dept === 'electricity' || r.chance(dept === 'parking' ? 0.3 : 0.2))
        for (let i = 0; i < billed.length; i += 32) {
          add(staff[dept]!, billed.slice(i, i + 32).map((c) => billsMsgs.issue({
            department: dept, citizen: citizens[c]!.publicKey, amount: BigInt(r.int(20, 150) * 100), dueAt: due, service: dept + '.monthly', reference: `${dept.slice(0, 3).toUpperCase()}-2026-01-${c}`,
          })))
        }
      }
    })
    const schedulePayments = () => {
      for (const b of billOf.values()) {
        const kind = r.next()
        if (kind < 0.1) continue // never pays this month
        const late = kind >= 0.72
        const day = late ? r.int(22, Math.max(22, o.days - 1)) : r.int(2, 19)
        const hour = day * 24 + r.int(8, 21)
        const payer = citizens[b.citizen]!
        if (r.chance(0.2)) {
          at(hour - 48, () => void add(payer, billsMsgs.pay({ bill: b.id, department: b.department, amount: b.amount / 2n })))
        }
        at(hour, () => void add(payer, billsMsgs.pay({ bill: b.id, department: b.department })))
      }
    }
    // ---- complaints: about 0.3 a citizen a month
    const rate = (o.citizens * 0.3) / (30 * 24)
    const weights = SIM_SERVICES.reduce((s, x) => s + x.weight, 0)
    const pickService = () => {
      let w = r.next() * weights
      for (const s of SIM_SERVICES) if ((w -= s.weight) < 0) return s
      return SIM_SERVICES[0]!
    }
    const department = (s: (typeof SIM_SERVICES)[number]) => staff[s.department]!
    const scheduleHandling = (k: number, from: number) => {
      const f = filed[k]!
      const ack = from + r.int(1, 6)
      const send = (hour: number, msg: (request: bigint) => Msg) => at(hour, () => void add(department(f.service), msg(f.id!)))
      send(ack, (request) => complaintsMsgs.note('acknowledge', { request }))
      if (r.chance(0.05)) {
        send(ack + 1, (request) => complaintsMsgs.note('reject', { request, note: 'not a city matter' }))
        f.closedHour = ack + 1
        return
      }
      const resolveAfter = Math.max(ack - from + 2, Math.round(f.service.medianHours * Math.exp(f.service.sigma * r.normal())))
      send(ack + 1, (request) => complaintsMsgs.assign({ request, assignee: department(f.service).publicKey }))
      send(from + Math.floor(resolveAfter / 2), (request) => complaintsMsgs.note('update', { request, note: 'crew on site' }))
      send(from + resolveAfter, (request) => complaintsMsgs.note('resolve', { request, note: 'done' }))
      f.closedHour = from + resolveAfter
      if (r.chance(0.04)) {
        const reopen = from + resolveAfter + 24
        at(reopen, () => void add(citizens[f.citizen]!, complaintsMsgs.reopen({ request: f.id!, noteHash: sha256(utf8('reopen/' + k)) })))
        scheduleHandling(k, reopen + 1)
      }
    }
    // ---- vehicle sales: a few a month
    const sales = Math.max(1, Math.round(vehicles.length * 0.1))
    for (let s = 0; s < sales && vehicles.length > 0; s++) {
      const hour = r.int(24, hours - 2)
      const v = vehicles[r.int(0, vehicles.length - 1)]!
      const buyer = r.int(0, o.citizens - 1)
      const price = BigInt(r.int(50, 400) * 100)
      at(hour, () => {
        if (buyer === v.owner) return
        add(citizens[v.owner]!, vehiclesMsgs.offerTransfer({ vehicle: v.id, buyer: citizens[buyer]!.publicKey, price }))
        at(hour + 1, () => {
          add(citizens[buyer]!, vehiclesMsgs.acceptTransfer({ vehicle: v.id, price }))
          v.owner = buyer // if the sale fails (the buyer short of funds), later offers by the "owner" are refused
        })
      })
    }

    let blocks = 0
    for (let h = 0; h < hours; h++) {
      const time = SIM_T0 + BigInt(h) * HOUR
      for (const f of plan.get(h) ?? []) f()
      plan.delete(h)
      // complaints filed this hour
      let n = 0
      for (let x = rate; x > 0; x--) if (r.chance(Math.min(1, x))) n++
      for (let i = 0; i < n; i++) {
        const c = r.int(0, o.citizens - 1)
        const service = pickService()
        const k = filed.push({ service, citizen: c, filedHour: h }) - 1
        const idx = add(citizens[c]!, complaintsMsgs.file({
          service: service.service_code, descriptionHash: sha256(utf8(`salt/${o.seed}/${k}`), utf8(`${service.service_name} reported by citizen ${c}`)), lat: BigInt(48_850_000 + r.int(0, 20_000)), long: BigInt(2_340_000 + r.int(0, 20_000)),
        }))
        pendingFilings.set(idx, k)
      }
      // energy: offers and bids for the next slot, readings of the slot that just ended
      const slot = BigInt(time / HOUR) + 1n
      const hourOfDay = Number((slot * HOUR) % DAY / HOUR)
      const sun = hourOfDay >= 7 && hourOfDay <= 18 ? Math.sin(((hourOfDay - 6) / 13) * Math.PI) : 0
      prosumers.forEach((p, i) => {
        if (sun <= 0.05) return
        const wh = BigInt(Math.round(r.int(500, 3000) * sun))
        add(p, energyMsgs.offer({ slot, energyWh: wh, price: BigInt(r.int(80, 140)), meter: meters[i]!.publicKey }))
        production.set(`${slot}|${i}`, (wh * BigInt(r.int(80, 105))) / 100n)
      })
      for (const c of consumers) if (r.chance(0.3)) add(c, energyMsgs.bid({ slot, energyWh: BigInt(r.int(300, 2000)), price: BigInt(r.int(90, 180)) }))
      if (h > 0) {
        meters.forEach((m, i) => {
          const ended = slot - 2n
          add(m, energyMsgs.reading({ slot: ended, exportedWh: production.get(`${ended}|${i}`) ?? 0n, importedWh: BigInt(r.int(0, 800)) }))
          production.delete(`${ended}|${i}`)
        })
      }

      const { results, events } = await chain.block(time)
      blocks++
      for (const e of events) {
        if (e.type === ENERGY_EVENT.cleared && attr(e, 'volume_wh') !== '0') slotsCleared++
        if (e.type === ENERGY_EVENT.settled) slotsSettled++
      }
      results.forEach((res, i) => {
        if (res.code !== 0) {
          const name = errorNameOf(res.code)
          refused[name] = (refused[name] ?? 0) + 1
        }
        for (const e of res.events) {
          if (e.type === VEHICLES_EVENT.transferred) sold++
          if (e.type === BILLS_EVENT.issued) {
            const citizen = citizens.findIndex((c) => toHex(c.publicKey) === attr(e, 'citizen'))
            billOf.set(attr(e, 'bill')!, { id: BigInt(attr(e, 'bill')!), department: attr(e, 'department') as Department, citizen, amount: BigInt(attr(e, 'amount')!) })
          }
          if (e.type === COMPLAINTS_EVENT.filed && pendingFilings.has(i)) {
            const k = pendingFilings.get(i)!
            filed[k]!.id = BigInt(attr(e, 'request')!)
            scheduleHandling(k, h)
          }
        }
      })
      pendingFilings.clear()
      if (h === 1) schedulePayments()
      o.onProgress?.(h + 1, hours)
    }
    return report(chain, o, blocks, transactions, refused, { billOf, filed, vehicles: vehicles.length, sold, slotsCleared, slotsSettled, prosumers: prosumers.length, citizens, staff: Object.values(staff), authority })
  } finally {
    await chain.close()
  }
}

function report(
  chain: SimChain, o: SimOptions, blocks: number, transactions: number, refused: Record<string, number>,
  w: { billOf: Map<string, { id: bigint }>; slotsCleared: number; slotsSettled: number; filed: Array<{ id?: bigint; filedHour: number }>; vehicles: number; sold: number; prosumers: number; citizens: KeyPair[]; staff: KeyPair[]; authority: KeyPair },
): SimReport {
  const kv = chain.state
  const denom = nativeDenom(kv)
  const depts = DEPARTMENTS.map((d) => {
    const t = billTotals(kv, d)
    const treasury = treasuryBalance(kv, d)
    return { department: d, billed: t.billed.toString(), collected: t.collected.toString(), outstanding: t.outstanding.toString(), treasury: treasury.toString(), reconciled: treasury === t.collected - t.refunded - t.withdrawn, t }
  })
  const sum = (f: (t: (typeof depts)[number]['t']) => bigint) => Number(depts.reduce((s, d) => s + f(d.t), 0n))
  // complaints, from state
  const services = new Map<string, { filed: number; closed: number; breaches: number; hours: number[] }>()
  let resolved = 0, rejected = 0, reopened = 0, open = 0, breaches = 0
  for (const f of w.filed) {
    if (f.id === undefined) continue
    const q = getRequest(kv, f.id)!
    const s = services.get(q.service) ?? { filed: 0, closed: 0, breaches: 0, hours: [] }
    services.set(q.service, s)
    s.filed++
    if (q.overdue || (!isOpen(q.status) && q.updatedAt > q.deadline)) {
      s.breaches++
      breaches++
    }
    if (q.status === 'resolved') resolved++
    else if (q.status === 'rejected') rejected++
    else open++
    if (!isOpen(q.status)) {
      s.closed++
      s.hours.push(Number(q.updatedAt - q.filedAt) / Number(HOUR))
    }
    if (transitionsOf(kv, f.id).some((t) => t.action === 'reopen')) reopened++
  }
  // bills: paid after the due date, paid in more than one payment
  let paidLate = 0, partialPayments = 0
  for (const { id } of w.billOf.values()) {
    const b = getBill(kv, id)!
    const pays = receiptsOf(kv, id).filter((x) => x.kind === 'payment')
    if (pays.length > 1) partialPayments++
    if (b.status === 'paid' && pays[pays.length - 1]!.time > b.dueAt) paidLate++
  }
  const e = energyTotals(kv)
  const supply = supplyOf(kv, denom)
  const holders = [...w.citizens, ...w.staff, w.authority].map((k) => k.publicKey).concat(DEPARTMENTS.map((d) => treasuryAddress(d)), [ESCROW_ADDRESS])
  const total = holders.reduce((s, a) => s + balanceOf(kv, a, denom), 0n)
  return {
    seed: o.seed, citizens: o.citizens, days: o.days, blocks, transactions, refused, appHash: chain.appHash(),
    bills: {
      issued: sum((t) => t.bills), paidInFull: sum((t) => t.paid), paidLate, partialPayments, unpaid: sum((t) => t.open), overdueMarked: sum((t) => t.overdue),
      departments: depts.map(({ t: _t, ...d }) => d),
    },
    complaints: {
      filed: w.filed.filter((f) => f.id !== undefined).length, resolved, rejected, reopened, open, slaBreaches: breaches,
      services: [...services.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([code, s]) => ({
        service_code: code, sla_hours: Number(getService(kv, code)!.slaMs / HOUR), filed: s.filed, closed: s.closed, breaches: s.breaches,
        median_resolution_hours: s.hours.length ? Math.round(s.hours.sort((a, b) => a - b)[Math.floor(s.hours.length / 2)]! * 10) / 10 : null,
      })),
    },
    vehicles: { registered: w.vehicles, sold: w.sold },
    energy: {
      prosumers: w.prosumers, slotsCleared: w.slotsCleared, slotsSettled: w.slotsSettled, offeredWh: e.offeredWh.toString(), matchedWh: e.matchedWh.toString(), deliveredWh: e.deliveredWh.toString(),
      escrowed: e.escrowed.toString(), paid: e.paid.toString(), refunded: e.refunded.toString(), escrowLeft: escrowBalance(kv).toString(),
    },
    conservation: { supply: supply.toString(), sumOfBalances: total.toString(), conserved: supply === total },
  }
}
