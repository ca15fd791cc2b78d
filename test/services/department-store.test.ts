/**
 * The departments' off-chain store against a real node process: the clear text behind on-chain
 * commitments (a complaint's description, a bill's details) is stored by a clerk, revealed to the
 * citizen and to the department, refused to everyone else; forged, replayed, stale or mismatching
 * requests are refused, and a record altered on disk no longer opens its commitment, so it is not served.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { useNode } from '../helpers/use-node.js'
import { testCity, testKey } from '../../src/kit/genesis-builder.js'
import { tmpDir } from '../../src/kit/temp-dir.js'
import { Signer } from '../../src/kit/signer.js'
import { toHex } from '../../src/base/bytes.js'
import type { KeyPair } from '../../src/crypto/keys.js'
import { PolisClient } from '../../src/sdk/polis-client.js'
import { DepartmentStore, commitment, signStoreRequest, type SignedStoreRequest } from '../../src/services/department-store.js'
import { clientChainView, departmentStoreServer } from '../../src/services/department-store-http.js'
import { http } from '../api/client.js'
import { Keyring } from '../../src/sdk/keys.js'
import { cli } from '../helpers/cli.js'

const works = testKey('store-city/works')
const water = testKey('store-city/water')
const city = testCity({
  chainId: 'store-city', citizens: 2,
  accounts: [{ key: works, roles: ['public-works'] }, { key: water, roles: ['water'] }],
  appState: { complaints: { services: [{ service_code: 'pothole', service_name: 'Pothole', group: 'streets', department: 'public-works', sla_ms: '604800000' }] } },
})
const [alice, bob] = city.citizens as [KeyPair, KeyPair]
const signer = new Signer(city.chainId)
const dir = tmpDir('dept-store')
const description = 'Deep pothole outside 12 Rue de Rivoli; call Alice Martin on 0612345678'
const descSalt = new Uint8Array(randomBytes(32))
const billText = 'Alice Martin, 12 Rue de Rivoli, meter W-88812'
const billSalt = new Uint8Array(randomBytes(32))
let worksStore: { store: DepartmentStore; url: string; close(): Promise<void> }
let waterStore: { store: DepartmentStore; url: string; close(): Promise<void> }

async function openStore(department: string) {
  const store = new DepartmentStore(`store-city/${department}`, department, join(dir.path, department), clientChainView(new PolisClient(node.url)))
  const { app, url } = await departmentStoreServer(store)
  return { store, url, close: () => app.close() }
}

async function submit(key: KeyPair, msgs: Parameters<Signer['tx']>[1]) {
  const r = await http(node.url, 'POST', '/v1/txs?wait=true', { tx: toHex(signer.tx(key, msgs)) })
  assert.equal(r.body.code, 0, r.text)
}

const node = useNode({ city, blockIntervalMs: 10 }, {
  async setup() {
    await submit(alice, [{ type: 'complaints/file', value: { service_code: 'pothole', description_hash: commitment(description, descSalt), lat: 48_856_613n, long: 2_352_222n } }])
    await submit(water, [{ type: 'bills/issue', value: { department: 'water', citizen: alice.publicKey, amount: 900n, due_at: 10n ** 13n, service: 'water.supply', reference: 'W-1', details: commitment(billText, billSalt) } }])
    worksStore = await openStore('public-works')
    waterStore = await openStore('water')
  },
  async teardown() {
    await worksStore?.close()
    await waterStore?.close()
  },
  stopped: () => dir.remove(),
})

const post = (url: string, path: string, body: SignedStoreRequest) => http(url, 'POST', path, body)
const reveal = (url: string, key: KeyPair, kind: 'complaint' | 'bill', ref: string, store: string) => post(url, '/v1/reveal', signStoreRequest(key, { store, action: 'reveal', kind, ref }))
function refused(r: { status: number; body: any; text: string }, error: string) {
  assert.ok(r.status >= 400, r.text)
  assert.equal(r.body.error, error, r.text)
}

test('a clerk stores the text behind a commitment; only a matching text and only the department may store', async () => {
  const put = (key: KeyPair, text: string, salt = descSalt) =>
    post(worksStore.url, '/v1/records', signStoreRequest(key, { store: 'store-city/public-works', action: 'put', kind: 'complaint', ref: '1', text, salt: toHex(salt) }))
  refused(await put(alice, description), 'unauthorized') // the citizen is not the department
  refused(await put(water, description), 'unauthorized') // another department
  refused(await put(works, description + ' (edited)'), 'proof_invalid') // does not open the commitment on chain
  const ok = await put(works, description)
  assert.equal(ok.status, 200, ok.text)
  assert.equal(ok.body.commitment, toHex(commitment(description, descSalt)))
  const onDisk = readFileSync(join(dir.path, 'public-works', 'records.json'), 'utf8')
  assert.ok(onDisk.includes('Rivoli'))
  // a complaint is not the water department's
  const wrong = await post(waterStore.url, '/v1/records', signStoreRequest(water, { store: 'store-city/water', action: 'put', kind: 'complaint', ref: '1', text: description, salt: toHex(descSalt) }))
  refused(wrong, 'invalid_request')
  const bill = await post(waterStore.url, '/v1/records', signStoreRequest(water, { store: 'store-city/water', action: 'put', kind: 'bill', ref: '1', text: billText, salt: toHex(billSalt) }))
  assert.equal(bill.status, 200, bill.text)
})

test('revealed to the citizen and to the department, refused to others', async () => {
  const mine = await reveal(worksStore.url, alice, 'complaint', '1', 'store-city/public-works')
  assert.equal(mine.status, 200, mine.text)
  assert.equal(mine.body.text, description)
  assert.deepEqual(commitment(mine.body.text, Buffer.from(mine.body.salt, 'hex')), commitment(description, descSalt))
  const clerk = await reveal(worksStore.url, works, 'complaint', '1', 'store-city/public-works')
  assert.equal(clerk.body.text, description)
  refused(await reveal(worksStore.url, bob, 'complaint', '1', 'store-city/public-works'), 'unauthorized')
  refused(await reveal(worksStore.url, water, 'complaint', '1', 'store-city/public-works'), 'unauthorized')
  refused(await reveal(worksStore.url, testKey('stranger'), 'complaint', '1', 'store-city/public-works'), 'unauthorized') // not even an account
  const billMine = await reveal(waterStore.url, alice, 'bill', '1', 'store-city/water')
  assert.equal(billMine.body.text, billText)
  refused(await reveal(waterStore.url, bob, 'bill', '1', 'store-city/water'), 'unauthorized')
  refused(await reveal(waterStore.url, works, 'bill', '1', 'store-city/water'), 'unauthorized')
  refused(await reveal(worksStore.url, alice, 'complaint', '2', 'store-city/public-works'), 'not_found')
})

test('forged, replayed, stale and misaddressed requests are refused', async () => {
  const signed = signStoreRequest(alice, { store: 'store-city/public-works', action: 'reveal', kind: 'complaint', ref: '1' })
  // bob presents alice's signed request as his: the signature does not verify for his key
  refused(await post(worksStore.url, '/v1/reveal', { ...signed, request: { ...signed.request, requester: toHex(bob.publicKey) } }), 'bad_signature')
  assert.equal((await post(worksStore.url, '/v1/reveal', signed)).status, 200)
  refused(await post(worksStore.url, '/v1/reveal', signed), 'duplicate_tx') // replayed
  refused(await post(worksStore.url, '/v1/reveal', signStoreRequest(alice, { store: 'store-city/public-works', action: 'reveal', kind: 'complaint', ref: '1', time: Date.now() - 600_000 })), 'expired')
  refused(await post(worksStore.url, '/v1/reveal', signStoreRequest(alice, { store: 'store-city/water', action: 'reveal', kind: 'complaint', ref: '1' })), 'invalid_request')
  refused(await post(worksStore.url, '/v1/reveal', { request: { ...signed.request }, signature: 'zz' } as SignedStoreRequest), 'invalid_message')
})

test('a record altered on disk does not open its commitment any more and is not served', async () => {
  await worksStore.close()
  const file = join(dir.path, 'public-works', 'records.json')
  writeFileSync(file, readFileSync(file, 'utf8').replace('12 Rue de Rivoli', '14 Rue de Rivoli'))
  worksStore = await openStore('public-works') // reloads from disk
  refused(await reveal(worksStore.url, alice, 'complaint', '1', 'store-city/public-works'), 'proof_invalid')
})

test('polis department put|reveal from the CLI, keys from a keyring', async () => {
  const home = join(dir.path, 'cli-home')
  const ring = new Keyring(join(home, 'keys'))
  ring.add('alice', alice.seed)
  ring.add('bob', bob.seed)
  ring.add('water-clerk', water.seed)
  const polis = (...argv: string[]) => cli(['--home', home, ...argv], { env: { POLIS_NODE: node.url } })
  const mine = await polis('--json', 'department', 'reveal', 'bill', '1', '--from', 'alice', '--store', waterStore.url)
  assert.equal(mine.code, 0, mine.stderr)
  assert.equal(JSON.parse(mine.stdout).text, billText)
  const other = await polis('department', 'reveal', 'bill', '1', '--from', 'bob', '--store', waterStore.url)
  assert.equal(other.code, 1)
  assert.match(other.stderr, /unauthorized/)
  const bad = await polis('department', 'put', 'bill', '1', 'someone else', '--salt', toHex(billSalt), '--from', 'water-clerk', '--store', waterStore.url)
  assert.equal(bad.code, 1)
  assert.match(bad.stderr, /proof_invalid/)
})
