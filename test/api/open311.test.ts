/**
 * Open311 GeoReport v2 endpoints against a real node: the service list and definitions, filing a
 * request with a signed complaints/file transaction, listing/filtering/getting it in Open311 shape,
 * Open311 error arrays for an unknown id and for an unsigned (api_key) post.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { useNode } from '../helpers/use-node.js'
import { testCity } from '../../src/kit/genesis-builder.js'
import { Signer } from '../../src/kit/signer.js'
import { sha256 } from '../../src/crypto/hash.js'
import { toHex, utf8 } from '../../src/base/bytes.js'
import type { KeyPair } from '../../src/crypto/keys.js'
import { http, type Res } from './client.js'

const city = testCity({
  chainId: 'open311-city', citizens: 2,
  appState: {
    complaints: {
      services: [
        { service_code: 'pothole', service_name: 'Pothole', group: 'streets', department: 'public-works', sla_ms: '604800000', keywords: ['road', 'hole'] },
        { service_code: 'litter', service_name: 'Litter', group: 'cleaning', department: 'sanitation', sla_ms: '86400000' },
      ],
    },
  },
})
const [alice, bob] = city.citizens as [KeyPair, KeyPair]
const signer = new Signer(city.chainId)
const node = useNode({ city, blockIntervalMs: 10 })

const fileTx = (who: KeyPair, service: string, text: string) =>
  signer.tx(who, [{ type: 'complaints/file', value: { service_code: service, description_hash: sha256(utf8(text)), lat: 48_856_613n, long: 2_352_222n } }])

function assertOpen311Error(r: Res, status: number, re: RegExp): void {
  assert.equal(r.status, status, r.text)
  assert.match(r.headers.get('content-type') ?? '', /^application\/json/)
  assert.ok(Array.isArray(r.body) && r.body.length === 1, r.text)
  assert.equal(r.body[0].code, status)
  assert.match(r.body[0].description, re)
}

test('service list and service definition', async () => {
  const r = await http(node.url, 'GET', '/services.json')
  assert.equal(r.status, 200, r.text)
  assert.deepEqual(r.body.map((s: any) => s.service_code).sort(), ['litter', 'pothole'])
  const p = r.body.find((s: any) => s.service_code === 'pothole')
  assert.equal(p.service_name, 'Pothole')
  assert.equal(p.metadata, false)
  assert.equal(p.type, 'realtime')
  assert.equal(p.keywords, 'road,hole')
  assert.equal(p.group, 'streets')
  const d = await http(node.url, 'GET', '/services/pothole.json')
  assert.equal(d.status, 200, d.text)
  assert.deepEqual(d.body, { service_code: 'pothole', service_name: 'Pothole', attributes: [] })
  assertOpen311Error(await http(node.url, 'GET', '/services/nope.json'), 404, /nope/)
})

test('file via a signed transaction, then list, filter and get in Open311 shape', async () => {
  const f = await http(node.url, 'POST', '/requests.json', { tx: toHex(fileTx(alice, 'pothole', 'deep hole on rue X')) })
  assert.equal(f.status, 200, f.text)
  assert.equal(f.body.length, 1)
  const id = f.body[0].service_request_id
  assert.match(id, /^[1-9][0-9]*$/)
  assert.match(f.body[0].service_notice, /filed in block \d+/)
  const f2 = await http(node.url, 'POST', '/requests.json', { tx: toHex(fileTx(bob, 'litter', 'bins overflowing')) })
  assert.equal(f2.status, 200, f2.text)
  const id2 = f2.body[0].service_request_id

  const one = await http(node.url, 'GET', `/requests/${id}.json`)
  assert.equal(one.status, 200, one.text)
  assert.equal(one.body.length, 1)
  const r = one.body[0]
  assert.equal(r.service_request_id, id)
  assert.equal(r.status, 'open')
  assert.equal(r.service_code, 'pothole')
  assert.equal(r.service_name, 'Pothole')
  assert.equal(r.agency_responsible, 'public-works')
  assert.equal(r.description, null, 'the chain holds only the commitment')
  assert.equal(r.description_hash, toHex(sha256(utf8('deep hole on rue X'))))
  assert.equal(r.lat, '48.856613')
  assert.equal(r.long, '2.352222')
  for (const k of ['requested_datetime', 'updated_datetime', 'expected_datetime']) assert.ok(!Number.isNaN(Date.parse(r[k])), k)
  for (const k of ['status_notes', 'address', 'media_url']) assert.ok(k in r, k)

  const all = await http(node.url, 'GET', '/requests.json')
  assert.equal(all.status, 200, all.text)
  assert.deepEqual(all.body.map((x: any) => x.service_request_id), [id, id2])
  const byCode = await http(node.url, 'GET', '/requests.json?service_code=litter')
  assert.deepEqual(byCode.body.map((x: any) => x.service_request_id), [id2])
  const byId = await http(node.url, 'GET', `/requests.json?service_request_id=${id2},999`)
  assert.deepEqual(byId.body.map((x: any) => x.service_request_id), [id2])
  assert.equal((await http(node.url, 'GET', '/requests.json?status=closed')).body.length, 0)
  assert.equal((await http(node.url, 'GET', '/requests.json?status=open')).body.length, 2)
  const t = Date.parse(r.requested_datetime)
  assert.equal((await http(node.url, 'GET', `/requests.json?start_date=${new Date(t + 1000).toISOString()}`)).body.length, 0)
  assert.equal((await http(node.url, 'GET', `/requests.json?end_date=${new Date(t - 1000).toISOString()}`)).body.length, 0)
  assert.equal((await http(node.url, 'GET', `/requests.json?start_date=${new Date(t).toISOString()}&end_date=${new Date(t + 3600_000).toISOString()}`)).body.length >= 1, true)
  assertOpen311Error(await http(node.url, 'GET', '/requests.json?status=maybe'), 400, /status/)
  assertOpen311Error(await http(node.url, 'GET', '/requests.json?start_date=yesterday'), 400, /start_date/)
})

test('unknown request id: 404 in Open311 error shape', async () => {
  assertOpen311Error(await http(node.url, 'GET', '/requests/424242.json'), 404, /424242/)
  assertOpen311Error(await http(node.url, 'GET', '/requests/abc.json'), 404, /abc/)
})

test('unsigned Open311 posts are refused with an Open311 error saying requests must be signed', async () => {
  const form = 'api_key=xyz&service_code=pothole&lat=48.85&long=2.35&description=hole'
  assertOpen311Error(await http(node.url, 'POST', '/requests.json', form, { 'content-type': 'application/x-www-form-urlencoded' }), 400, /must be signed/)
  assertOpen311Error(await http(node.url, 'POST', '/requests.json', { api_key: 'xyz', service_code: 'pothole', lat: 48.85, long: 2.35 }), 400, /must be signed/)
  assertOpen311Error(await http(node.url, 'POST', '/requests.json', { tx: 'zz' }), 400, /./)
  // a signed transaction that is not complaints/file is not submitted
  assertOpen311Error(await http(node.url, 'POST', '/requests.json', { tx: toHex(signer.send(alice, bob, 1n)) }), 400, /complaints\/file/)
  // a refused filing (unknown service) answers the ledger refusal as an Open311 error
  const bad = await http(node.url, 'POST', '/requests.json', { tx: toHex(fileTx(alice, 'nosuch', 'x')) })
  assert.ok(bad.status >= 400 && bad.status < 500, bad.text)
  assert.equal(bad.body[0].code, bad.status)
})
