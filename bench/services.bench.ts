/**
 * Citizen services (`npm run bench:services`). Writes bench/results/services.json.
 *
 * 1. Bill payments/s and complaint transitions/s end to end on the in-process solo engine: signed
 *    transactions (signed before the clock starts) admitted through the mempool (checkTx with
 *    signature verification), cut into blocks by the engine (50 ms interval), executed and
 *    committed to disk; rate = transactions / (last commit − first submit). One message per
 *    transaction. Median over --rounds.
 * 2. Energy: the time to clear one slot. (a) The auction alone (clearAuction: sort + match) on
 *    1k/10k/100k orders, half bids, half offers, seeded random prices — to show the O(n log n);
 *    (b) on the chain: finalizeBlock of the (otherwise empty) block that clears a slot holding
 *    --orders orders (load the book from state, auction, write the orders that traded, refund
 *    escrows through the bank, hash the state tree), plus its commit; median over --rounds slots.
 *
 * The one-core Ed25519 verification limit (bench/ed25519-limit.ts) is measured after each round of
 * (1), and the bill payment rate reported against it (median ratio).
 *
 * Options: --citizens N --rounds N --orders N
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { availableParallelism, cpus, loadavg } from 'node:os'
import { SoloEngine } from '../src/engine/solo/engine.js'
import { sha256 } from '../src/crypto/hash.js'
import { toHex, utf8 } from '../src/base/bytes.js'
import type { KeyPair } from '../src/crypto/keys.js'
import { energyModule } from '../src/modules/energy/index.js'
import { clearAuction, type BookOrder } from '../src/modules/energy/auction.js'
import { testCity, testKey } from '../src/kit/genesis-builder.js'
import { tmpDir } from '../src/kit/temp-dir.js'
import { Signer } from '../src/kit/signer.js'
import { arg, machine, median, round } from './stats.js'
import { ed25519Limit } from './ed25519-limit.js'

const CITIZENS = arg('citizens', 3000)
const ROUNDS = arg('rounds', 3)
const ORDERS = arg('orders', 10_000)
const DEPTS = ['water', 'electricity', 'parking', 'tax'] as const
const STAFF = 8

/**
 * Submits every lane's transactions in order (one lane per sender: the mempool admits a sender's
 * nonces in sequence), lanes concurrently; waits until all are committed; tx/s over first submit →
 * last commit.
 */
async function throughput(engine: SoloEngine, lanes: Uint8Array[][]): Promise<{ perSec: number; failed: number }> {
  const t0 = performance.now()
  const waits: Array<Promise<{ code: number; log: string }>> = []
  await Promise.all(lanes.map(async (lane) => {
    for (const tx of lane) {
      const r = await engine.submit(tx)
      if (r.code !== 0) throw new Error(`refused at admission: ${r.log}`)
      const w = engine.waitForTx(r.hash, 300_000)
      w.catch(() => undefined) // reported by Promise.all below; not an unhandled rejection if we stop early
      waits.push(w)
    }
  }))
  const results = await Promise.all(waits)
  const s = (performance.now() - t0) / 1000
  return { perSec: round(waits.length / s), failed: results.filter((r) => r.code !== 0).length }
}

/** One lane per key: `txs[i]` signed by `keyOf(i)`. */
function lanesBy(txs: Uint8Array[], keyOf: (i: number) => number): Uint8Array[][] {
  const m = new Map<number, Uint8Array[]>()
  txs.forEach((tx, i) => {
    const k = keyOf(i)
    m.set(k, [...(m.get(k) ?? []), tx])
  })
  return [...m.values()]
}

async function citizenServices() {
  const clerks = DEPTS.map((d) => testKey('bench/clerk/' + d))
  const staff = Array.from({ length: STAFF }, (_, i) => testKey('bench/works/' + i))
  const city = testCity({
    chainId: 'bench-services', citizens: CITIZENS, balance: 1_000_000_000n, extra: { consensus: { block: { max_txs: 5_000 } } },
    accounts: [...DEPTS.map((d, i) => ({ key: clerks[i]!, roles: [d] })), ...staff.map((s) => ({ key: s, roles: ['public-works'] }))],
    appState: { complaints: { services: [{ service_code: 'pothole', service_name: 'Pothole', group: 'Streets', department: 'public-works', sla_ms: '259200000' }] } },
  })
  const dir = tmpDir('bench-services')
  const engine = await SoloEngine.open({ dataDir: dir.path, genesis: city.genesis, validatorKey: city.validator, blockIntervalMs: 50 })
  engine.start()
  const s = new Signer(city.chainId)
  const out = { payments: [] as number[], file: [] as number[], acknowledge: [] as number[], resolve: [] as number[], ed25519: [] as number[], ratio: [] as number[] }
  try {
    let billId = 0n
    let requestId = 0n
    for (let r = 0; r < ROUNDS; r++) {
        // setup (not timed): one bill per citizen, 32 issues a transaction, four clerks in parallel
        const issues: Uint8Array[] = []
        for (let i = 0; i < CITIZENS; i += 32) {
          const d = (i / 32) % DEPTS.length
          const msgs = city.citizens.slice(i, i + 32).map((c, j) => ({
            type: 'bills/issue', value: { department: DEPTS[d]!, citizen: c.publicKey, amount: 1000n + BigInt(j), due_at: 10n ** 13n, service: DEPTS[d]! + '.monthly', reference: `B-${r}-${i + j}` },
          }))
          issues.push(s.tx(clerks[d]!, msgs))
        }
        const issued = await throughput(engine, lanesBy(issues, (i) => i % DEPTS.length))
        if (issued.failed) throw new Error('bill issue failed')
        const firstBill = billId + 1n
        billId += BigInt(CITIZENS)
        // bills are numbered in block order: find each citizen's bill by its reference
        const billOf = new Map<string, bigint>()
        for (let id = firstBill; id <= billId; id++) {
          const b = JSON.parse(Buffer.from(engine.app.query({ path: 'bills/bill', data: utf8(JSON.stringify({ bill: id.toString() })) }).value!).toString())
          billOf.set(b.citizen, id)
        }
        const pays = city.citizens.map((c, i) => s.tx(c, [{ type: 'bills/pay', value: { bill: billOf.get(toHex(c.publicKey))!, department: DEPTS[Math.floor(i / 32) % DEPTS.length]! } }]))
        const p = await throughput(engine, pays.map((tx) => [tx]))
        if (p.failed) throw new Error(`${p.failed} payments failed`)
        out.payments.push(p.perSec)

        const files = city.citizens.map((c, i) => s.tx(c, [{ type: 'complaints/file', value: { service_code: 'pothole', description_hash: sha256(utf8(`salt-${r}-${i}`)), lat: 48_856_000n + BigInt(i), long: 2_352_000n } }]))
        const f = await throughput(engine, files.map((tx) => [tx]))
        if (f.failed) throw new Error(`${f.failed} filings failed`)
        out.file.push(f.perSec)
        const ids = Array.from({ length: CITIZENS }, (_, i) => requestId + 1n + BigInt(i))
        requestId += BigInt(CITIZENS)
        const ack = await throughput(engine, lanesBy(ids.map((id, i) => s.tx(staff[i % STAFF]!, [{ type: 'complaints/acknowledge', value: { request: id } }])), (i) => i % STAFF))
        if (ack.failed) throw new Error(`${ack.failed} acknowledgements failed`)
        out.acknowledge.push(ack.perSec)
        const res = await throughput(engine, lanesBy(ids.map((id, i) => s.tx(staff[i % STAFF]!, [{ type: 'complaints/resolve', value: { request: id, note: 'fixed' } }])), (i) => i % STAFF))
        if (res.failed) throw new Error(`${res.failed} resolutions failed`)
        out.resolve.push(res.perSec)
        const limit = ed25519Limit()
        out.ed25519.push(limit)
        out.ratio.push(round(p.perSec / limit, 3))
        console.log(`  round ${r + 1}: ${p.perSec} payments/s (Ed25519 one core ${limit}/s, ratio ${out.ratio.at(-1)}); complaints: file ${f.perSec}/s, acknowledge ${ack.perSec}/s, resolve ${res.perSec}/s`)
    }
  } finally {
    await engine.stop()
    dir.remove()
  }
  return out
}

/** xorshift32, seeded: reproducible order books. */
function rng(seed: number) {
  let x = seed >>> 0 || 1
  return () => {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    return (x >>> 0) / 4294967296
  }
}

function book(n: number, seed: number) {
  const r = rng(seed)
  const bids: BookOrder[] = []
  const offers: BookOrder[] = []
  for (let i = 0; i < n; i++) {
    const o = { id: BigInt(i + 1), price: BigInt(50 + Math.floor(r() * 100)), energyWh: BigInt(100 + Math.floor(r() * 5000)) }
    ;(i % 2 ? offers : bids).push(o)
  }
  return { bids, offers }
}

function auctionAlone() {
  const out: Record<string, number> = {}
  for (const n of [1_000, 10_000, 100_000]) {
    const { bids, offers } = book(n, n)
    const ms: number[] = []
    for (let r = 0; r < 12; r++) {
      const t0 = performance.now()
      clearAuction(bids, offers)
      if (r > 0) ms.push(performance.now() - t0) // run 0 warms up
    }
    out[n] = round(median(ms), 2)
    console.log(`  auction alone, ${n} orders: median ${out[n]} ms`)
  }
  return out
}

/** A slot of ORDERS orders on a chain (driven block by block with explicit times); the clearing block timed. */
async function slotOnChain() {
  const prosumers = 100
  const clerk = testKey('bench/energy-clerk')
  const city = testCity({
    chainId: 'bench-energy', citizens: prosumers * 2, balance: 1_000_000_000n,
    accounts: [{ key: clerk, roles: ['energy'] }], appState: { energy: { slot_ms: '900000', settle_ms: '900000' } },
  })
  const dir = tmpDir('bench-energy')
  const engine = await SoloEngine.open({ dataDir: dir.path, genesis: city.genesis, validatorKey: city.validator, modules: [energyModule()], verifyThreads: 0, now: () => 1767225600000n })
  const s = new Signer(city.chainId)
  let time = 1767225600000n
  const block = async (txs: Uint8Array[], t: bigint) => {
    time = t
    const fin = await engine.app.finalizeBlock({ height: engine.app.info().lastHeight + 1n, time, txs, proposer: city.validator.publicKey })
    for (const r of fin.results) if (r.code !== 0) throw new Error(r.log)
    await engine.app.commit()
  }
  try {
    const sellers = city.citizens.slice(0, prosumers) as KeyPair[]
    const buyers = city.citizens.slice(prosumers) as KeyPair[]
    const meters = sellers.map((_, i) => testKey('bench/meter/' + i))
    const reg: Uint8Array[] = []
    for (let i = 0; i < prosumers; i += 32) {
      reg.push(s.tx(clerk, meters.slice(i, i + 32).map((m, j) => ({ type: 'energy/register-meter', value: { meter: m.publicKey, owner: sellers[i + j]!.publicKey } }))))
    }
    await block(reg, time + 1000n)
    const rounds: Array<{ endBlockMs: number; commitMs: number; price?: string; volumeWh?: string }> = []
    for (let r = 0; r < ROUNDS; r++) {
      const slot = time / 900_000n + 2n
      const { bids, offers } = book(ORDERS, 42 + r)
      const txs: Uint8Array[] = []
      const perTx = 32
      for (let i = 0; i < offers.length; i += perTx) {
        const k = (i / perTx) % prosumers
        txs.push(s.tx(sellers[k]!, offers.slice(i, i + perTx).map((o) => ({ type: 'energy/offer', value: { slot, energy_wh: o.energyWh, price: o.price, meter: meters[k]!.publicKey } }))))
      }
      for (let i = 0; i < bids.length; i += perTx) {
        const k = (i / perTx) % prosumers
        txs.push(s.tx(buyers[k]!, bids.slice(i, i + perTx).map((o) => ({ type: 'energy/bid', value: { slot, energy_wh: o.energyWh, price: o.price } }))))
      }
      for (let i = 0; i < txs.length; i += 500) await block(txs.slice(i, i + 500), time + 1000n)
      const t0 = performance.now()
      const fin = await engine.app.finalizeBlock({ height: engine.app.info().lastHeight + 1n, time: slot * 900_000n, txs: [], proposer: city.validator.publicKey })
      const t1 = performance.now()
      await engine.app.commit()
      const t2 = performance.now()
      const cleared = fin.events.find((e) => e.type === 'energy.cleared')
      const attr = (k: string) => cleared?.attributes.find((a) => a.key === k)?.value
      time = slot * 900_000n
      const res = { endBlockMs: round(t1 - t0, 1), commitMs: round(t2 - t1, 1), price: attr('price'), volumeWh: attr('volume_wh') }
      console.log(`  on chain, a slot of ${ORDERS} orders: clearing block ${res.endBlockMs} ms (+ commit ${res.commitMs} ms); price ${res.price}, ${res.volumeWh} Wh matched`)
      rounds.push(res)
      await block([], time + 2n * 900_000n) // settles this slot (no readings), outside the timed block
    }
    return { orders: ORDERS, endBlockMs: median(rounds.map((r) => r.endBlockMs)), commitMs: median(rounds.map((r) => r.commitMs)), rounds }
  } finally {
    await engine.stop()
    dir.remove()
  }
}

async function main() {
  console.log(`services bench: ${CITIZENS} citizens x ${ROUNDS} rounds; ${availableParallelism()} cores (${cpus()[0]?.model})`)
  const services = await citizenServices()
  const auction = auctionAlone()
  const chain = await slotOnChain()
  const summary = {
    billPaymentsPerSec: median(services.payments),
    billPaymentsGoalPerSec: 5000,
    ed25519OneCorePerSec: median(services.ed25519),
    ratioBillPaymentsToEd25519: median(services.ratio),
    complaintTransitionsPerSec: { file: median(services.file), acknowledge: median(services.acknowledge), resolve: median(services.resolve) },
    energyAuctionMs: auction,
    energySlotOnChain: chain,
  }
  console.log(JSON.stringify(summary, null, 2))
  mkdirSync('bench/results', { recursive: true })
  writeFileSync('bench/results/services.json', JSON.stringify({ date: new Date().toISOString(), machine: { ...machine(), loadavg: loadavg().map((x) => round(x, 2)) }, options: { citizens: CITIZENS, rounds: ROUNDS, orders: ORDERS }, rounds: services, ...summary }, null, 2) + '\n')
}

await main()
