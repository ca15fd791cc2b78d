/**
 * `polis tx|query energy` against a real node initialised with `polis init --departments` (slots of
 * 2 s, readings taken for 6 s after a slot): the energy clerk registers a meter, a prosumer offers
 * and a consumer bids for a coming slot (escrow taken), the slot clears at one price, the meter
 * reports, the slot settles; a bid without funds and a reading from a key that is not a meter are refused.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cli } from '../helpers/cli.js'
import { useNode } from '../helpers/use-node.js'

const SLOT_MS = 2000
const SETTLE_MS = 6000 // the reading window: generous, the reading must land in it on a loaded machine
const root = mkdtempSync(join(tmpdir(), 'polis-energy-cli-'))
const home = join(root, 'home')
const node = useNode(async () => {
  const init = await cli(['init', '--departments', '--home', home, '--chain-id', 'energy-city', '--port', '0', '--balance', '100000'])
  assert.equal(init.code, 0, init.stderr)
  const g = JSON.parse(readFileSync(join(home, 'genesis.json'), 'utf8'))
  g.app_state.energy = { slot_ms: String(SLOT_MS), settle_ms: String(SETTLE_MS) }
  writeFileSync(join(home, 'genesis.json'), JSON.stringify(g, null, 2))
  return { home, blockIntervalMs: 10 }
}, { stopped: () => rmSync(root, { recursive: true, force: true }) })
const polis = (...argv: string[]) => cli(['--home', home, ...argv], { env: { POLIS_NODE: node.url } })
const ok = async (...argv: string[]) => {
  const r = await polis(...argv)
  assert.equal(r.code, 0, `polis ${argv.join(' ')}: ${r.stderr}${r.stdout}`)
  return r
}
const json = async (...argv: string[]) => JSON.parse((await ok('--json', ...argv)).stdout)


/** Blocks are cut when transactions arrive: a small transfer moves block time on until `until()` holds. */
async function tickUntil(until: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 60_000
  while (!(await until())) {
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 300))
    await ok('tx', 'bank', 'send', 'citizen-3', '1', '--from', 'citizen-2')
  }
}

test('energy from the CLI: meter, offer, escrowed bid, clearing, reading, settlement; refusals', async () => {
  await ok('keys', 'add', 'meter-1')
  await ok('tx', 'energy', 'register-meter', 'meter-1', 'citizen-1', '--from', 'energy-clerk')
  const refused = await polis('tx', 'energy', 'register-meter', 'meter-1', 'citizen-2', '--from', 'citizen-1')
  assert.equal(refused.code, 1)
  assert.match(refused.stderr + refused.stdout, /unauthorized/)
  // a slot a few seconds ahead, so that both orders are in before it closes
  const slot = BigInt(Date.now()) / BigInt(SLOT_MS) + 4n
  await ok('tx', 'energy', 'offer', slot.toString(), '3000', '100', '--meter', 'meter-1', '--from', 'citizen-1')
  const bid = await json('tx', 'energy', 'bid', slot.toString(), '2000', '140', '--from', 'citizen-2')
  assert.equal(bid.events.find((e: any) => e.type === 'energy.bid').attributes.find((a: any) => a.key === 'escrow').value, '280')
  const poor = await polis('tx', 'energy', 'bid', slot.toString(), '1000000000', '1000000', '--from', 'citizen-3')
  assert.equal(poor.code, 1)
  assert.match(poor.stderr + poor.stdout, /insufficient_funds/)
  const orders = await json('query', 'energy', 'orders', slot.toString())
  assert.deepEqual(orders.orders.map((o: any) => o.side), ['offer', 'bid'])

  await tickUntil(async () => (await json('query', 'energy', 'slot', slot.toString())).status === 'cleared', 'the slot to clear')
  const cleared = await json('query', 'energy', 'slot', slot.toString())
  assert.deepEqual([cleared.price, cleared.volume_wh, cleared.pot], ['120', '2000', '240'])
  // not a meter: refused by role
  const notMeter = await polis('tx', 'energy', 'reading', slot.toString(), '--exported', '2000', '--from', 'citizen-1')
  assert.equal(notMeter.code, 1)
  // the meter reports once the slot is over
  await tickUntil(async () => BigInt(Date.now()) >= (slot + 1n) * BigInt(SLOT_MS) + 200n, 'the slot to end')
  await ok('tx', 'energy', 'reading', slot.toString(), '--exported', '1500', '--from', 'meter-1')
  await tickUntil(async () => (await json('query', 'energy', 'slot', slot.toString())).status === 'settled', 'the slot to settle')
  const settled = await json('query', 'energy', 'slot', slot.toString())
  // 1500 of 2000 Wh delivered at 120/kWh: 180 to the seller, 60 back to the buyer
  assert.deepEqual([settled.delivered_wh, settled.paid], ['1500', '180'])
  const totals = await json('query', 'energy', 'totals')
  assert.equal(totals.escrow_balance, '0')
  assert.equal(totals.held, '0')
  const reading = await json('query', 'energy', 'reading', slot.toString(), 'meter-1')
  assert.equal(reading.exported_wh, '1500')
})
