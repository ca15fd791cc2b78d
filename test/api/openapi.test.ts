/**
 * The OpenAPI document against the real routes: the node serves exactly the document generated from
 * the routes it registered; every route is documented and every documented route exists; real
 * responses (successes and problems) validate against the declared schemas; docs/API.md lists the same routes.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { Ajv } from 'ajv'
import { useNode } from '../helpers/use-node.js'
import { testCity } from '../../src/kit/genesis-builder.js'
import { tmpDir } from '../../src/kit/temp-dir.js'
import { Signer } from '../../src/kit/signer.js'
import { toHex, utf8 } from '../../src/base/bytes.js'
import { SoloEngine } from '../../src/engine/solo/engine.js'
import { buildServer } from '../../src/api/server.js'
import { SoloBackend } from '../../src/engine/solo/backend.js'
import { openApiPath } from '../../src/api/openapi.js'
import type { KeyPair } from '../../src/crypto/keys.js'
import { http, type Res } from './client.js'

const city = testCity({ chainId: 'openapi-city', citizens: 2, balance: 1000n })
const [alice, bob] = city.citizens as [KeyPair, KeyPair]
const node = useNode({ city, blockIntervalMs: 10 }, { setup })
let doc: any
let txHash: string
let ajv: Ajv

/** Once the node listens. */
async function setup() {
  doc = (await http(node.url, 'GET', '/openapi.json')).body
  const r = await http(node.url, 'POST', '/v1/txs?wait=true', { tx: toHex(new Signer(city.chainId).send(alice, bob, 1n)) })
  txHash = r.body.hash
  ajv = new Ajv({ strict: false, allErrors: true })
  ajv.addSchema(doc, 'openapi.json')
}

const ops = () => Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([path, m]) => Object.entries(m).map(([method, op]) => ({ path, method, op })))
const ptr = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1')

/** Validates a real response against the schema the document declares for its status (exact or class). */
function checkResponse(path: string, method: string, r: Res): void {
  const responses = doc.paths[path]?.[method]?.responses
  assert.ok(responses, `${method} ${path} is documented`)
  const key = responses[String(r.status)] ? String(r.status) : `${String(r.status)[0]}xx`
  const resp = responses[key]
  assert.ok(resp, `${method} ${path}: status ${r.status} is documented (${Object.keys(responses)})`)
  const [mediaType, content] = Object.entries(resp.content as Record<string, any>)[0]!
  assert.ok((r.headers.get('content-type') ?? '').startsWith(mediaType.split(';')[0]!), `${method} ${path} ${r.status}: content-type ${r.headers.get('content-type')} is ${mediaType}`)
  const validate = ajv.getSchema(`openapi.json#/paths/${ptr(path)}/${method}/responses/${key}/content/${ptr(mediaType)}/schema`)!
  assert.ok(validate(r.body), `${method} ${path} ${r.status}: ${ajv.errorsText(validate.errors)}\n${r.text.slice(0, 300)}`)
}

test('the document is OpenAPI 3.1 with schemas that compile', () => {
  assert.equal(doc.openapi, '3.1.0')
  assert.equal(typeof doc.info.title, 'string')
  assert.ok(Object.keys(doc.components.schemas).includes('Problem'))
  for (const { path, method, op } of ops()) {
    assert.ok(op.summary, `${method} ${path} has a summary`)
    assert.ok(op.operationId, `${method} ${path} has an operationId`)
    assert.ok(Object.keys(op.responses).some((k) => /^[12]/.test(k)), `${method} ${path} documents a success`)
    assert.ok(op.responses['4xx'], `${method} ${path} documents its problems`)
    for (const p of op.parameters ?? []) if (p.in === 'path') assert.ok(path.includes(`{${p.name}}`), `${path} has {${p.name}}`)
    for (const m of path.matchAll(/\{(\w+)\}/g)) assert.ok((op.parameters ?? []).some((p: any) => p.in === 'path' && p.name === m[1]), `${path}: {${m[1]}} is a parameter`)
  }
  const ids = ops().map((o) => o.op.operationId)
  assert.equal(new Set(ids).size, ids.length, 'operationIds are unique')
})

test('every registered route is documented and every documented route is registered (same generator, same routes)', async () => {
  const dir = tmpDir('openapi-routes')
  const engine = await SoloEngine.open({ dataDir: dir.path, genesis: city.genesis, validatorKey: city.validator, verifyThreads: 0 })
  try {
    const server = await buildServer({ backend: new SoloBackend(engine) })
    const registered = server.routes.map((r) => `${r.method} ${openApiPath(r.url)}`).sort()
    const documented = ops().map((o) => `${o.method} ${o.path}`).sort()
    assert.deepEqual(documented, registered)
    assert.ok(registered.length >= 17, registered.join('\n'))
    // the real node serves the document of the routes it registered
    assert.deepEqual(doc, JSON.parse(JSON.stringify(server.openapi())))
    await server.app.close()
  } finally {
    await engine.stop()
    dir.remove()
  }
})

test('docs/API.md lists exactly the documented routes', () => {
  const md = readFileSync(new URL('../../docs/API.md', import.meta.url), 'utf8')
  const listed = new Set<string>()
  for (const line of md.split('\n')) {
    const m = /^\|\s*(GET|POST|PUT|DELETE|WS)\s*\|([^|]+)\|/.exec(line)
    if (!m) continue
    const method = m[1] === 'WS' ? 'get' : m[1]!.toLowerCase()
    for (const p of m[2]!.matchAll(/`([^`]+)`/g)) listed.add(`${method} ${p[1]!.split('?')[0]}`)
  }
  const documented = new Set(ops().map((o) => `${o.method} ${o.path}`))
  assert.deepEqual([...listed].sort(), [...documented].sort())
})

test('every documented route exists on the node, and its real responses validate against the declared schemas', async () => {
  const sample: Record<string, string> = { height: '1', hash: txHash, address: toHex(alice.publicKey), key: toHex(utf8('bank/p')), module: 'bank', name: 'supply', service_code: 'pothole', id: '1', election: 'none-yet', tracking_code: '00'.repeat(32) }
  for (const { path, method, op } of ops()) {
    const url = path.replace(/\{(\w+)\}/g, (_, k: string) => sample[k]!)
    let r: Res
    if (method === 'get') r = await http(node.url, 'GET', url)
    else if (path === '/v1/txs') r = await http(node.url, 'POST', url, { tx: toHex(new Signer(city.chainId).send(bob, alice, 1n)) })
    else if (path === '/v1/txs/batch') r = await http(node.url, 'POST', url, { txs: ['00'] })
    else if (path === '/v1/store/proofs') r = await http(node.url, 'POST', url, { keys: [toHex(utf8('bank/p')), toHex(utf8('zzz'))] })
    else if (path === '/requests.json') r = await http(node.url, 'POST', url, { api_key: 'x', service_code: 'pothole' })
    else throw new Error(`no sample call for ${method} ${path}`)
    assert.notEqual(r.body?.type, 'urn:polis:problem:no-such-route', `${method} ${path} exists`)
    if (op['x-websocket']) {
      assert.equal(r.status, 426)
      continue
    }
    assert.ok(r.status < 500, `${method} ${path}: ${r.status} ${r.text.slice(0, 200)}`)
    if (path === '/metrics') {
      assert.match(r.text, /^# HELP /m)
      continue
    }
    checkResponse(path, method, r)
  }
})

test('a sample of other real responses validates too: wait, batch, status kinds, problems of each family', async () => {
  const s = new Signer(city.chainId)
  const calls: Array<[string, string, () => Promise<Res>]> = [
    ['/v1/txs', 'post', () => http(node.url, 'POST', '/v1/txs?wait=true', { tx: toHex(s.tx(alice, [{ type: 'bank/send', value: { to: bob.publicKey, amount: 1n } }], { nonce: 1n })) })],
    ['/v1/txs', 'post', () => http(node.url, 'POST', '/v1/txs', { tx: 'zz' })],
    ['/v1/txs', 'post', () => http(node.url, 'POST', '/v1/txs', { tx: '00' })],
    ['/v1/txs', 'post', () => http(node.url, 'POST', '/v1/txs', { tx: toHex(s.tx(alice, [{ type: 'bank/mint', value: { to: alice.publicKey, amount: 1n } }], { nonce: 2n })) })],
    ['/v1/txs', 'post', () => http(node.url, 'POST', '/v1/txs', '{oops')],
    ['/v1/txs', 'post', () => http(node.url, 'POST', '/v1/txs', { tx: toHex(s.tx(bob, [{ type: 'bank/send', value: { to: alice.publicKey, amount: 1n } }], { nonce: 1n })) })],
    ['/v1/txs/batch', 'post', () => http(node.url, 'POST', '/v1/txs/batch', { txs: [toHex(s.tx(bob, [{ type: 'bank/send', value: { to: alice.publicKey, amount: 1n } }], { nonce: 2n })), '0102'] })],
    ['/v1/txs/{hash}', 'get', () => http(node.url, 'GET', `/v1/txs/${'00'.repeat(32)}`)],
    ['/v1/blocks/{height}', 'get', () => http(node.url, 'GET', '/v1/blocks/99999')],
    ['/v1/store/{key}', 'get', () => http(node.url, 'GET', `/v1/store/${toHex(utf8('bank/p'))}?prove=true`)],
    ['/v1/store/{key}', 'get', () => http(node.url, 'GET', `/v1/store/${toHex(utf8('zzz'))}?prove=true`)],
    ['/v1/query/{module}/{name}', 'get', () => http(node.url, 'GET', `/v1/query/bank/balance?address=${toHex(bob.publicKey)}`)],
    ['/v1/query/{module}/{name}', 'get', () => http(node.url, 'GET', '/v1/query/bank/balance?address=1')],
    ['/v1/accounts/{address}', 'get', () => http(node.url, 'GET', `/v1/accounts/${'11'.repeat(32)}`)],
  ]
  const statuses = new Set<number>()
  for (const [path, method, call] of calls) {
    const r = await call()
    statuses.add(r.status)
    checkResponse(path, method, r)
  }
  for (const s of [200, 202, 400, 403, 404]) assert.ok(statuses.has(s), `sampled a ${s}`)
})
