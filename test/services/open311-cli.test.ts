/**
 * `polis tx complaints file --open311`: the CLI signs the complaints/file and posts it to the node's
 * Open311 endpoint as `{ tx }`, as an Open311 client would; the request is then served in Open311
 * shape, with its Open311 attributes (the starter services define some); an Open311 refusal comes
 * back as a typed error (exit 1).
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cli } from '../helpers/cli.js'
import { useNode } from '../helpers/use-node.js'
import { commitment } from '../../src/services/department-store.js'
import { http } from '../api/client.js'

const root = mkdtempSync(join(tmpdir(), 'polis-open311-cli-'))
const home = join(root, 'home')
const node = useNode(async () => {
  const init = await cli(['init', '--departments', '--home', home, '--chain-id', 'open311-cli-city', '--port', '0'])
  assert.equal(init.code, 0, init.stderr)
  return { home, blockIntervalMs: 10 }
}, { stopped: () => rmSync(root, { recursive: true, force: true }) })
const polis = (...argv: string[]) => cli(['--home', home, ...argv], { env: { POLIS_NODE: node.url } })

test('a complaint filed through the Open311 endpoint from the CLI', async () => {
  const salt = '11'.repeat(32)
  const r = await polis('--json', 'tx', 'complaints', 'file', 'streetlight', 'lamp out at the corner of 3rd and Elm', '--lat', '45.4642', '--long', '9.19', '--salt', salt, '--from', 'citizen-1', '--open311')
  assert.equal(r.code, 0, r.stderr + r.stdout)
  const out = JSON.parse(r.stdout)
  assert.equal(out.service_request_id, '1')
  assert.match(out.tx_hash, /^[0-9a-f]{64}$/)
  assert.equal(out.description_hash, Buffer.from(commitment('lamp out at the corner of 3rd and Elm', Buffer.from(salt, 'hex'))).toString('hex'))
  const got = await http(node.url, 'GET', '/requests/1.json')
  assert.equal(got.status, 200, got.text)
  assert.deepEqual([got.body[0].service_code, got.body[0].status, got.body[0].agency_responsible, got.body[0].description_hash], ['streetlight', 'open', 'public-works', out.description_hash])
  assert.ok(!got.text.includes('Elm'), 'the description itself never reaches the node')

  // the starter services of --departments carry Open311 attributes
  const def = await http(node.url, 'GET', '/services/pothole.json')
  assert.equal(def.status, 200, def.text)
  assert.deepEqual(def.body.attributes.map((a: any) => [a.variable, a.code, a.datatype, a.required, a.order, a.values.map((v: any) => v.key)]), [[true, 'size', 'singlevaluelist', false, 1, ['small', 'large']]])
  const list = await http(node.url, 'GET', '/services.json')
  assert.equal(list.body.find((x: any) => x.service_code === 'pothole').metadata, true)
  const withAttr = await polis('--json', 'tx', 'complaints', 'file', 'pothole', 'big hole', '--lat', '45.4', '--long', '9.1', '--attribute', 'size=large', '--from', 'citizen-2', '--open311')
  assert.equal(withAttr.code, 0, withAttr.stderr + withAttr.stdout)
  const two = await http(node.url, 'GET', `/requests/${JSON.parse(withAttr.stdout).service_request_id}.json`)
  assert.deepEqual(two.body[0].attributes, { size: 'large' })
  const badAttr = await polis('tx', 'complaints', 'file', 'pothole', 'hole', '--lat', '45.4', '--long', '9.1', '--attribute', 'size=huge', '--from', 'citizen-2', '--open311')
  assert.equal(badAttr.code, 1)
  assert.match(badAttr.stderr, /size.*small, large/)

  const bad = await polis('tx', 'complaints', 'file', 'no-such-service', 'x', '--lat', '1', '--long', '1', '--from', 'citizen-1', '--open311')
  assert.equal(bad.code, 1)
  assert.match(bad.stderr, /Open311 404: .*no-such-service.*\[not_found/)
})
