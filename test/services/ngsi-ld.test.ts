/**
 * The NGSI-LD view of service requests against a real node process: entities validate against the
 * Smart Data Models service_requests schema (keyValues), the normalized form carries the same
 * values, the state follows the complaint's transitions, no description leaves the chain, and
 * errors are NGSI-LD problem details.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import Ajv2020 from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import { useNode } from '../helpers/use-node.js'
import { testCity, testKey } from '../../src/kit/genesis-builder.js'
import { Signer } from '../../src/kit/signer.js'
import { sha256 } from '../../src/crypto/hash.js'
import { toHex, utf8 } from '../../src/base/bytes.js'
import type { KeyPair } from '../../src/crypto/keys.js'
import { http } from '../api/client.js'

const SDM = join(import.meta.dirname, '../fixtures/smart-data-models')
const works = testKey('ngsi-city/works')
const city = testCity({
  chainId: 'ngsi-city', citizens: 2, accounts: [{ key: works, roles: ['public-works'] }],
  appState: { complaints: { services: [{ service_code: 'pothole', service_name: 'Pothole', group: 'streets', department: 'public-works', sla_ms: '604800000' }] } },
})
const [alice, bob] = city.citizens as [KeyPair, KeyPair]
const signer = new Signer(city.chainId)
const node = useNode({ city, blockIntervalMs: 10 })

function validator() {
  const ajv = new (Ajv2020 as unknown as typeof Ajv2020.default)({ strict: false, allErrors: true })
  ;(addFormats as unknown as typeof addFormats.default)(ajv)
  ajv.addSchema(JSON.parse(readFileSync(join(SDM, 'shared-schemas/common-schema.json'), 'utf8')))
  return ajv.compile(JSON.parse(readFileSync(join(SDM, 'dataModel.IssueTracking/service_requests/schema.json'), 'utf8')))
}

async function submit(key: KeyPair, msgs: Parameters<Signer['tx']>[1]) {
  const r = await http(node.url, 'POST', '/v1/txs?wait=true', { tx: toHex(signer.tx(key, msgs)) })
  assert.equal(r.status, 200, r.text)
  assert.equal(r.body.code, 0, r.text)
}

test('service requests as Smart Data Models service_requests entities: schema-valid, normalized and keyValues agree, transitions show', async () => {
  const validate = validator()
  const example = JSON.parse(readFileSync(join(SDM, 'dataModel.IssueTracking/service_requests/examples/example.json'), 'utf8'))
  assert.ok(validate(example), JSON.stringify(validate.errors)) // the validator accepts the model's own example
  const secret = 'Deep pothole in front of 12 Rue de Rivoli, call Jane Doe 0612345678'
  await submit(alice, [{ type: 'complaints/file', value: { service_code: 'pothole', description_hash: sha256(utf8('salt-1'), utf8(secret)), lat: 48_856_613n, long: 2_352_222n } }])
  await submit(bob, [{ type: 'complaints/file', value: { service_code: 'pothole', description_hash: sha256(utf8('salt-2'), utf8('another')), lat: -33_868_800n, long: 151_209_300n } }])
  await submit(works, [{ type: 'complaints/acknowledge', value: { request: 1n } }])
  await submit(works, [{ type: 'complaints/resolve', value: { request: 1n, note: 'filled' } }])

  const kv = await http(node.url, 'GET', '/ngsi-ld/v1/entities?type=service_requests&options=keyValues')
  assert.equal(kv.status, 200, kv.text)
  assert.match(kv.headers.get('link') ?? '', /dataModel\.IssueTracking.*rel="http:\/\/www\.w3\.org\/ns\/json-ld#context"/)
  assert.equal(kv.body.length, 2)
  for (const e of kv.body) assert.ok(validate(e), `${JSON.stringify(e)}: ${JSON.stringify(validate.errors)}`)
  const [one, two] = kv.body
  assert.equal(one.id, 'urn:ngsi-ld:service_requests:ngsi-city:1')
  assert.deepEqual([one.type, one.service_request_id, one.jurisdiction_id, one.service_code, one.service_name, one.agency_responsible], ['service_requests', '1', 'ngsi-city', 'pothole', 'Pothole', 'public-works'])
  assert.deepEqual([one.status, one.status_notes, two.status], ['closed', 'filled', 'open'])
  assert.deepEqual(one.location, { type: 'Point', coordinates: [2.352222, 48.856613] })
  assert.deepEqual(two.location.coordinates, [151.2093, -33.8688])
  assert.equal(one.description, undefined)
  assert.ok(!kv.text.includes('Rivoli') && !kv.text.includes('Jane'), 'no personal data in the view')
  // a bad value is caught by the same validator (it is not vacuous)
  assert.equal(validate({ ...one, status: 'pending' }), false)

  const norm = await http(node.url, 'GET', '/ngsi-ld/v1/entities?type=service_requests')
  assert.equal(norm.status, 200, norm.text)
  const n1 = norm.body[0]
  assert.equal(n1.id, one.id)
  assert.deepEqual(n1.status, { type: 'Property', value: 'closed' })
  assert.deepEqual(n1.location, { type: 'GeoProperty', value: one.location })
  assert.deepEqual(n1.requested_datetime, { type: 'Property', value: { '@type': 'DateTime', '@value': one.requested_datetime } })
  // every normalized attribute unwraps to the keyValues value
  for (const [k, v] of Object.entries(n1 as Record<string, any>)) {
    if (k === 'id' || k === 'type') continue
    assert.deepEqual(v.value?.['@value'] ?? v.value, one[k], k)
  }
  assert.deepEqual(Object.keys(n1).sort(), Object.keys(one).sort())

  // q: equality terms joined by ;
  const q = (expr: string) => http(node.url, 'GET', `/ngsi-ld/v1/entities?type=service_requests&options=keyValues&q=${encodeURIComponent(expr)}`)
  assert.deepEqual((await q('status=="open"')).body.map((e: any) => e.service_request_id), ['2'])
  assert.deepEqual((await q('service_code=="pothole";status=="closed"')).body.map((e: any) => e.service_request_id), ['1'])
  assert.deepEqual((await q('agency_responsible==public-works')).body.length, 2)
  assert.deepEqual((await q('status=="pending"')).body, [])
  for (const bad of ['status!="open"', 'description=="x"', 'status=="open"|status=="closed"']) {
    const r = await q(bad)
    assert.equal(r.status, 400, `${bad}: ${r.text}`)
    assert.equal(r.body.type, 'https://uri.etsi.org/ngsi-ld/errors/BadRequestData')
  }

  const single = await http(node.url, 'GET', `/ngsi-ld/v1/entities/${encodeURIComponent(two.id)}?options=keyValues`)
  assert.equal(single.status, 200, single.text)
  assert.deepEqual(single.body, two)
})

test('NGSI-LD errors: type required, unknown types empty, unknown ids 404 as problem details', async () => {
  const noType = await http(node.url, 'GET', '/ngsi-ld/v1/entities')
  assert.equal(noType.status, 400, noType.text)
  assert.equal(noType.body.type, 'https://uri.etsi.org/ngsi-ld/errors/BadRequestData')
  const other = await http(node.url, 'GET', '/ngsi-ld/v1/entities?type=Vehicle')
  assert.equal(other.status, 200)
  assert.deepEqual(other.body, [])
  for (const id of ['urn:ngsi-ld:service_requests:ngsi-city:99', 'urn:ngsi-ld:service_requests:other-city:1', 'nope']) {
    const r = await http(node.url, 'GET', `/ngsi-ld/v1/entities/${encodeURIComponent(id)}`)
    assert.equal(r.status, 404, r.text)
    assert.equal(r.body.type, 'https://uri.etsi.org/ngsi-ld/errors/ResourceNotFound')
  }
})
