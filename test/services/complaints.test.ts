import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { ErrorCodes } from '../../src/base/errors.js'
import { sha256 } from '../../src/crypto/hash.js'
import { toHex, utf8 } from '../../src/base/bytes.js'
import type { KeyPair } from '../../src/crypto/keys.js'
import { complaintsModule } from '../../src/modules/complaints/index.js'
import { DAY, serviceChain, type ServiceChain } from './helpers.js'

let c: ServiceChain
let alice: KeyPair, bob: KeyPair
const works = () => c.staff.works!
const crew = () => c.staff.crew!
const sweeper = () => c.staff.sweeper!
const HOUR = 3_600_000n

before(async () => {
  c = await serviceChain([complaintsModule()], { works: ['public-works'], crew: ['public-works'], sweeper: ['sanitation'] })
  ;[alice, bob] = c.city.citizens as [KeyPair, KeyPair]
  for (const s of [
    { service_code: 'pothole', service_name: 'Pothole', group: 'Streets', department: 'public-works', sla_ms: 3n * DAY, keywords: ['road'] },
    { service_code: 'graffiti', service_name: 'Graffiti removal', group: 'Cleaning', department: 'sanitation', sla_ms: 2n * DAY, keywords: ['wall'] },
  ]) assert.equal((await c.run(c.city.authority, { type: 'complaints/define-service', value: s })).code, 0)
})
after(async () => c.close())

const desc = (text: string) => sha256(utf8('salt-1'), utf8(text))
async function file(who: KeyPair, service = 'pothole'): Promise<bigint> {
  const r = await c.run(who, { type: 'complaints/file', value: { service_code: service, description_hash: desc('deep hole in front of my house'), lat: 48_856_613n, long: 2_352_222n } })
  assert.equal(r.code, 0, r.log)
  return BigInt(r.events.find((e) => e.type === 'complaints.filed')!.attributes.find((a) => a.key === 'request')!.value)
}
const req = (id: bigint) => c.q('complaints/request', { id: id.toString() })
const act = (key: KeyPair, type: string, value: Record<string, any>) => c.run(key, { type: 'complaints/' + type, value })

test('the service list follows Open311', () => {
  const s = c.q('complaints/services').services
  assert.deepEqual(s.map((x: any) => [x.service_code, x.service_name, x.group, x.type]), [['graffiti', 'Graffiti removal', 'Cleaning', 'realtime'], ['pothole', 'Pothole', 'Streets', 'realtime']])
})

test('file, acknowledge, assign, update, resolve, reopen: every transition a transaction, logged', async () => {
  const id = await file(alice)
  let r = req(id)
  assert.deepEqual([r.status, r.state, r.service_code, r.agency_responsible, r.description, r.lat], ['open', 'submitted', 'pothole', 'public-works', null, '48.856613'])
  assert.equal(r.description_hash, toHex(desc('deep hole in front of my house')))
  assert.equal((await act(works(), 'acknowledge', { request: id })).code, 0)
  assert.equal((await act(works(), 'assign', { request: id, assignee: crew().publicKey })).code, 0)
  assert.equal((await act(crew(), 'update', { request: id, note: 'crew on site' })).code, 0)
  assert.equal((await act(crew(), 'resolve', { request: id, note: 'filled' })).code, 0)
  r = req(id)
  assert.deepEqual([r.status, r.state, r.status_notes, r.assignee], ['closed', 'resolved', 'filled', toHex(crew().publicKey)])
  assert.equal((await act(alice, 'reopen', { request: id, note_hash: desc('still there') })).code, 0)
  r = req(id)
  assert.deepEqual([r.status, r.state, r.assignee], ['open', 'reopened', null])
  const h = c.q('complaints/history', { id: id.toString() }).transitions
  assert.deepEqual(h.map((t: any) => [t.action, t.from, t.to]), [
    ['file', null, 'submitted'], ['acknowledge', 'submitted', 'acknowledged'], ['assign', 'acknowledged', 'assigned'],
    ['update', 'assigned', 'in_progress'], ['resolve', 'in_progress', 'resolved'], ['reopen', 'resolved', 'reopened'],
  ])
  assert.equal(h[5].by, toHex(alice.publicKey))
  assert.equal(c.q('complaints/requests', { status: 'open' }).requests.length >= 1, true)
  assert.equal(c.q('complaints/requests', { citizen: toHex(alice.publicKey) }).requests[0].service_request_id, id.toString())
})

test('out of order, wrong department, wrong citizen and malformed input are refused and change nothing', async () => {
  const id = await file(bob)
  assert.equal((await act(works(), 'reject', { request: id, note: 'duplicate of an open request' })).code, 0)
  const before = { r: req(id), h: c.q('complaints/history', { id: id.toString() }) }
  const cases: Array<[KeyPair, string, Record<string, any>, number]> = [
    [works(), 'resolve', { request: id, note: 'x' }, ErrorCodes.invalid_state], // resolving a closed request
    [works(), 'update', { request: id, note: 'x' }, ErrorCodes.invalid_state],
    [works(), 'acknowledge', { request: id }, ErrorCodes.invalid_state],
    [works(), 'reopen', { request: id, note_hash: desc('x') }, ErrorCodes.unauthorized], // only the filing citizen
    [alice, 'reopen', { request: id, note_hash: desc('x') }, ErrorCodes.unauthorized],
    [bob, 'reopen', { request: id, note: 'plain text' }, ErrorCodes.invalid_message], // a citizen's note is a commitment
    [sweeper(), 'reject', { request: id, note: 'x' }, ErrorCodes.unauthorized], // sanitation does not handle potholes
    [works(), 'reject', { request: id }, ErrorCodes.invalid_message], // a note is required
    [works(), 'resolve', { request: 999n, note: 'x' }, ErrorCodes.not_found],
    [bob, 'file', { service_code: 'unicorns', description_hash: desc('x'), lat: 0n, long: 0n }, ErrorCodes.not_found],
    [bob, 'file', { service_code: 'pothole', description_hash: utf8('my neighbour Bob'), lat: 0n, long: 0n }, ErrorCodes.invalid_message],
    [bob, 'file', { service_code: 'pothole', description_hash: desc('x'), lat: 91_000_000n, long: 0n }, ErrorCodes.invalid_message],
    [bob, 'file', { service_code: 'pothole', description_hash: desc('x'), lat: 0n, long: 0n, name: 'Bob' }, ErrorCodes.invalid_message],
    [bob, 'define-service', { service_code: 'x', service_name: 'X', group: 'G', department: 'public-works', sla_ms: 1n }, ErrorCodes.unauthorized],
  ]
  for (const [key, type, value, code] of cases) {
    const r = await act(key, type, value)
    assert.equal(r.code, code, `${type}: ${r.log}`)
  }
  // assigning to someone outside the department
  const open = await file(bob)
  assert.equal((await act(works(), 'acknowledge', { request: open })).code, 0)
  assert.equal((await act(works(), 'assign', { request: open, assignee: sweeper().publicKey })).code, ErrorCodes.invalid_request)
  assert.equal((await act(works(), 'update', { request: open, note: 'x' })).code, ErrorCodes.invalid_state, 'update before assign')
  assert.deepEqual(req(id), before.r)
  assert.deepEqual(c.q('complaints/history', { id: id.toString() }), before.h)
})

test('SLA deadlines per service; overdue marked by block time; reopening starts a new period', async () => {
  const p = await file(alice, 'pothole') // 3 days
  const g = await file(alice, 'graffiti') // 2 days
  const t0 = c.time
  assert.equal(req(p).expected_datetime, new Date(Number(t0 - 1000n + 3n * DAY)).toISOString().replace('.000Z', 'Z'))
  await c.block([], t0 + 2n * DAY + HOUR)
  assert.deepEqual([req(p).overdue, req(g).overdue], [false, true])
  assert.equal((await act(sweeper(), 'acknowledge', { request: g })).code, 0)
  assert.equal((await act(sweeper(), 'resolve', { request: g, note: 'cleaned' })).code, 0)
  assert.equal(req(g).overdue, true, 'resolved late: the mark stays')
  assert.equal((await act(works(), 'acknowledge', { request: p })).code, 0)
  assert.equal((await act(works(), 'resolve', { request: p, note: 'done' })).code, 0)
  await c.block([], t0 + 10n * DAY)
  assert.equal(req(p).overdue, false, 'resolved in time, never marked')
  assert.equal((await act(alice, 'reopen', { request: g, note_hash: desc('came back') })).code, 0)
  assert.equal(req(g).overdue, false)
  await c.block([], c.time + DAY)
  assert.equal(req(g).overdue, false)
  await c.block([], c.time + 2n * DAY)
  assert.equal(req(g).overdue, true)
})

test('the service list can come from genesis; a bad one is refused', async () => {
  const services = [{ service_code: 'streetlight', service_name: 'Street light out', group: 'Streets', department: 'public-works', sla_ms: '172800000' }]
  const g = await serviceChain([complaintsModule()], {}, { appState: { complaints: { services } } })
  try {
    assert.deepEqual(g.q('complaints/services').services.map((x: any) => [x.service_code, x.sla_ms]), [['streetlight', '172800000']])
  } finally {
    await g.close()
  }
  for (const bad of [[{ ...services[0], sla_ms: '0' }], [{ ...services[0], service_code: 'Bad Code' }], [services[0], services[0]], [{ ...services[0], owner: 'x' }]]) {
    await assert.rejects(serviceChain([complaintsModule()], {}, { appState: { complaints: { services: bad } } }), /complaints/)
  }
})

test('Open311 service attributes: coded datatypes only; filings are checked against them', async () => {
  const base = { service_name: 'Abandoned bike', group: 'Streets', department: 'public-works', sla_ms: 5n * DAY }
  const colour = { code: 'colour', datatype: 'singlevaluelist', required: true, description: 'Frame colour', order: 1n, values: [{ key: 'red', name: 'Red' }, { key: 'blue', name: 'Blue' }] }
  const parts = { code: 'missing', datatype: 'multivaluelist', required: false, description: 'Missing parts', order: 2n, values: [{ key: 'wheel', name: 'A wheel' }, { key: 'seat', name: 'The seat' }] }
  const count = { code: 'count', datatype: 'number', required: false, description: 'How many bikes', order: 3n }
  // free text could carry personal data: refused; lists need values
  for (const bad of [{ ...colour, datatype: 'string', values: [] }, { ...colour, values: [] }, { ...count, values: [{ key: 'x', name: 'X' }] }, { ...colour, values: [{ key: 'red', name: 'Red' }, { key: 'red', name: 'Again' }] }]) {
    const r = await c.run(c.city.authority, { type: 'complaints/define-service', value: { service_code: 'bike', ...base, attributes: [bad] } })
    assert.equal(r.code, ErrorCodes.invalid_message, r.log)
  }
  const ok = await c.run(c.city.authority, { type: 'complaints/define-service', value: { service_code: 'bike', ...base, attributes: [colour, parts, count] } })
  assert.equal(ok.code, 0, ok.log)
  const s = c.q('complaints/service', { service_code: 'bike' })
  assert.equal(s.metadata, true)
  assert.deepEqual(s.attributes.map((a: any) => [a.code, a.datatype, a.required, a.order]), [['colour', 'singlevaluelist', true, 1], ['missing', 'multivaluelist', false, 2], ['count', 'number', false, 3]])
  const fileBike = (attributes: Record<string, unknown> | undefined) =>
    c.run(alice, { type: 'complaints/file', value: { service_code: 'bike', description_hash: desc('bike'), lat: 1n, long: 1n, ...(attributes ? { attributes } : {}) } } as any)
  for (const bad of [undefined, { colour: 'green' }, { colour: 'red', missing: ['wheel', 'wheel'] }, { colour: 'red', missing: [] }, { colour: 'red', count: 'many' }, { colour: 'red', owner: 'Alice Martin' }, { colour: 'red', note: 'free text' }]) {
    const r = await fileBike(bad)
    assert.equal(r.code, ErrorCodes.invalid_message, `${JSON.stringify(bad)}: ${r.log}`)
  }
  const r = await fileBike({ colour: 'blue', missing: ['seat', 'wheel'], count: 2n })
  assert.equal(r.code, 0, r.log)
  const id = r.events.find((e) => e.type === 'complaints.filed')!.attributes.find((a) => a.key === 'request')!.value
  assert.deepEqual(req(BigInt(id)).attributes, { colour: 'blue', missing: ['seat', 'wheel'], count: '2' })
})
