/**
 * `polis tx|query bills` and `polis tx|query complaints` against a real node: a bill issued by a
 * department key, paid by a citizen, the department's totals; a complaint filed (only the salted
 * commitment of its description goes on chain) and resolved; a vehicle registered by its VIN
 * commitment and sold; the bridge queries and a refused transfer.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { cli } from '../helpers/cli.js'
import { makeHome, type TestHome } from '../../src/kit/node-launcher.js'
import { useNode } from '../helpers/use-node.js'

let home: TestHome
const node = useNode(() => {
  home = makeHome({ chainId: 'services-city', name: 'polis-cli-services' })
  return { home: home.home, blockIntervalMs: 10 }
}, { setup, stopped: () => home.remove() })
const polis = (...argv: string[]) => cli(['--home', home.home, ...argv], { env: { POLIS_NODE: node.url } })
const ok = async (...argv: string[]) => {
  const r = await polis(...argv)
  assert.equal(r.code, 0, `polis ${argv.join(' ')}: ${r.stderr}${r.stdout}`)
  return r
}
type Ev = { type: string; attributes: Array<{ key: string; value: string }> }
const attr = (events: Ev[], type: string, key: string) => events.find((e) => e.type === type)?.attributes.find((a) => a.key === key)?.value

/** Once the node listens. */
async function setup() {
  // citizen-3 works for the water and public-works departments
  await ok('tx', 'identity', 'grant-role', 'citizen-3', 'water')
  await ok('tx', 'identity', 'grant-role', 'citizen-3', 'public-works')
  await ok('tx', 'identity', 'grant-role', 'citizen-3', 'transport')
}

test('bills: a department issues, a citizen pays, totals and receipts show it', async () => {
  const refused = await polis('--json', 'tx', 'bills', 'issue', 'water', 'citizen-1', '1200', '--service', 'water-supply', '--reference', 'W-0001', '--from', 'citizen-2')
  assert.equal(refused.code, 1)

  const issued = await ok('--json', 'tx', 'bills', 'issue', 'water', 'citizen-1', '1200', '--service', 'water-supply', '--reference', 'W-0001', '--from', 'citizen-3')
  const bill = attr(issued.json().events, 'bills.issued', 'bill')
  assert.match(bill!, /^[1-9][0-9]*$/)

  const b = await ok('--json', 'query', 'bills', 'bill', bill!)
  assert.equal(b.json().amount, '1200')
  assert.equal(b.json().outstanding, '1200')
  assert.match((await ok('query', 'bills', 'bill', bill!)).stdout, /amount\s+1200/)

  const paid = await ok('tx', 'bills', 'pay', bill!, 'water', '--from', 'citizen-1')
  assert.match(paid.stdout, /^Committed in block \d+/)
  assert.match(paid.stdout, /bills\.paid/)
  assert.match(paid.stdout, /=[0-9a-f]{64} \(treasury of water\)/, 'the treasury is named, not bare hex')
  assert.equal((await ok('--json', 'query', 'bills', 'bill', bill!)).json().outstanding, '0')

  const receipts = await ok('--json', 'query', 'bills', 'receipts', bill!)
  assert.equal(receipts.json().receipts.length, 1)
  const totals = await ok('--json', 'query', 'bills', 'totals', 'water')
  assert.equal(totals.json().collected, '1200')
  assert.equal(totals.json().treasury_balance, '1200')
  assert.match((await ok('query', 'bills', 'totals', 'water')).stdout, /collected\s+1200/)
  const list = await ok('query', 'bills', 'list', 'citizen-1')
  assert.match(list.stdout, new RegExp(`bill ${bill} {2}water {2}1200`))
  assert.match((await ok('query', 'bills', 'departments')).stdout, /^electricity {2}treasury [0-9a-f]{64}$/m)

  // correct then cancel a second bill
  const second = attr((await ok('--json', 'tx', 'bills', 'issue', 'water', 'citizen-2', '300', '--service', 'water-supply', '--reference', 'W-0002', '--due', '+10d', '--from', 'citizen-3')).json().events, 'bills.issued', 'bill')!
  await ok('tx', 'bills', 'correct', second, '--amount', '250', '--reason', 'meter misread', '--from', 'citizen-3')
  assert.equal((await ok('--json', 'query', 'bills', 'bill', second)).json().amount, '250')
  await ok('tx', 'bills', 'cancel', second, '--reason', 'duplicate', '--from', 'citizen-3')
  assert.equal((await ok('--json', 'query', 'bills', 'changes', second)).json().changes.length, 2)
})

test('complaints: a citizen files with a salted description, the department resolves', async () => {
  await ok('tx', 'complaints', 'define-service', 'pothole', 'Pothole', '--department', 'public-works')
  assert.match((await ok('query', 'complaints', 'services')).stdout, /^pothole {2}Pothole {2}\(public-works/m)

  const salt = '11'.repeat(32)
  const description = 'deep pothole outside no. 12'
  const filed = await ok('--json', 'tx', 'complaints', 'file', 'pothole', description, '--lat', '45.4642', '--long', '9.19', '--salt', salt, '--from', 'citizen-1')
  const j = filed.json()
  const expected = createHash('sha256').update(Buffer.from(salt, 'hex')).update(description).digest('hex')
  assert.equal(j.description_hash, expected)
  assert.equal(j.salt, salt)
  const id = attr(j.events, 'complaints.filed', 'request')!

  const human = await ok('tx', 'complaints', 'file', 'pothole', 'another one', '--lat', '45.1', '--long', '9.2', '--from', 'citizen-2')
  assert.match(human.stdout, /salt [0-9a-f]{64} \(generated/)

  const r = await ok('--json', 'query', 'complaints', 'request', id)
  assert.equal(r.json().description_hash, expected)
  assert.equal(r.json().state, 'submitted')
  assert.equal(r.json().lat_e6, '45464200')

  assert.equal((await polis('tx', 'complaints', 'acknowledge', id, '--from', 'citizen-2')).code, 1) // not the department
  await ok('tx', 'complaints', 'acknowledge', id, '--from', 'citizen-3')
  await ok('tx', 'complaints', 'resolve', id, '--note', 'filled', '--from', 'citizen-3')
  const done = await ok('query', 'complaints', 'request', id)
  assert.match(done.stdout, /state\s+resolved \(closed\)/)
  const hist = await ok('query', 'complaints', 'history', id)
  assert.match(hist.stdout, /file: submitted at block/) // a request's first transition has no state before it
  assert.doesNotMatch(hist.stdout, /undefined/)
  assert.match(hist.stdout, /acknowledge: submitted -> acknowledged/)
  assert.match(hist.stdout, /resolve: acknowledged -> resolved .*\(filled\)/)
  const reopened = await ok('--json', 'tx', 'complaints', 'reopen', id, 'still there', '--salt', salt, '--from', 'citizen-1')
  assert.equal(reopened.json().note_hash, createHash('sha256').update(Buffer.from(salt, 'hex')).update('still there').digest('hex'))
  assert.match((await ok('query', 'complaints', 'requests', '--citizen', 'citizen-1')).stdout, new RegExp(`^#${id} {2}pothole {2}reopened`, 'm'))
})

test('vehicles: registered by the VIN commitment, offered and accepted, suspended', async () => {
  await ok('keys', 'add', 'car-1')
  const salt = '22'.repeat(32)
  const vin = 'WVWZZZ1JZXW000001'
  const reg = await ok('--json', 'tx', 'vehicles', 'register', vin, 'AB-123-CD', 'citizen-1', 'car-1', '--salt', salt, '--from', 'citizen-3')
  const id = createHash('sha256').update(Buffer.from(salt, 'hex')).update(vin).digest('hex')
  assert.equal(reg.json().vin_commitment, id)
  assert.ok(!reg.stdout.includes(vin))
  const v = await ok('--json', 'query', 'vehicles', 'vehicle', 'AB-123-CD')
  assert.equal(v.json().id, id)
  assert.match((await ok('query', 'vehicles', 'vehicle', id)).stdout, /owner\s+[0-9a-f]{64} \(citizen-1\)/)
  assert.equal((await ok('--json', 'query', 'vehicles', 'device-active', 'car-1')).json().active, true)

  await ok('tx', 'vehicles', 'offer', 'AB-123-CD', 'citizen-2', '--price', '500', '--from', 'citizen-1')
  await ok('tx', 'vehicles', 'accept', id, '--price', '500', '--from', 'citizen-2')
  assert.match((await ok('query', 'vehicles', 'by-owner', 'citizen-2')).stdout, /^AB-123-CD {2}active {2}[0-9a-f]{64}$/m)
  assert.equal((await polis('tx', 'vehicles', 'suspend', 'AB-123-CD', '--reason', 'x', '--from', 'citizen-1')).code, 1) // not transport
  await ok('tx', 'vehicles', 'suspend', 'AB-123-CD', '--reason', 'unpaid insurance', '--from', 'citizen-3')
  assert.equal((await ok('--json', 'query', 'vehicles', 'vehicle', 'AB-123-CD')).json().status, 'suspended')
  const h = await ok('query', 'vehicles', 'history', 'AB-123-CD')
  assert.match(h.stdout, /unpaid insurance/)
})

test('bridge: queries on a chain without clients; a transfer over an unknown client is refused', async () => {
  assert.equal((await ok('query', 'bridge', 'clients')).stdout, 'no clients\n')
  assert.deepEqual((await ok('--json', 'query', 'bridge', 'clients')).json(), { clients: [] })
  const e = await ok('--json', 'query', 'bridge', 'escrow', 'milan')
  assert.equal(e.json().amount, '0')
  assert.equal(e.json().denom, 'ucity')
  assert.equal((await ok('query', 'bridge', 'escrow', 'milan')).stdout, '0 ucity escrowed for milan\n')
  const dt = await polis('--json', 'query', 'bridge', 'denom-trace', 'ibc/' + 'ab'.repeat(32))
  assert.equal(dt.code, 1)
  assert.equal(JSON.parse(dt.stderr).error, 'not_found')
  assert.equal((await polis('query', 'bridge', 'denom-trace', 'nonsense')).code, 1)
  assert.equal((await polis('query', 'bridge', 'client', 'milan')).code, 1)
  const t = await polis('tx', 'bridge', 'transfer', 'milan', 'citizen-2', '10', '--from', 'citizen-1')
  assert.equal(t.code, 1)
})
