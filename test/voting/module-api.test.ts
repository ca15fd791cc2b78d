/**
 * The voting routes and events of a real node process, driven through the SDK over HTTP as the CLI
 * does: real responses validate against the OpenAPI document's schemas, the events arrive on the
 * WebSocket stream, a bad ballot is a typed problem.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Ajv } from 'ajv'
import { useNode } from '../helpers/use-node.js'
import { testCity, testKey } from '../../src/kit/genesis-builder.js'
import { toHex } from '../../src/base/bytes.js'
import { PolisClient } from '../../src/sdk/polis-client.js'
import { VotingReader, prepareBallot, prepareCheck, prepareDeal, prepareRegistration, type TrusteeSecrets } from '../../src/sdk/voting.js'
import { votingMsgs, VOTING_EVENT, MODULE } from '../../src/modules/voting/types.js'
import { seededRandom } from '../../src/voting/random.js'
import { http, subscribe, type Res } from '../api/client.js'

const trustees = [1, 2, 3].map((i) => testKey(`api-trustee-${i}`))
const city = testCity({ chainId: 'voting-api-city', citizens: 3, balance: 1000n, accounts: trustees.map((key) => ({ key, roles: ['citizen'] })) })
const node = useNode({ city, blockIntervalMs: 10 })
const rng = seededRandom(new Uint8Array([15]))

test('routes answer with documented shapes; events stream; a copied ballot is a typed refusal', async () => {
  const client = new PolisClient(node.url)
  const v = new VotingReader(client)
  const events = await subscribe(node.url, `kinds=tx&module=${MODULE}`)
  try {
    const now = BigInt(Date.now())
    const r = await client.signAndSubmit(city.authority, [votingMsgs.create({
      election: 'api', title: 'API election', questions: [{ title: 'Q', options: ['a', 'b', 'c'], minSelections: 1, maxSelections: 1 }],
      trustees: trustees.map((t) => t.publicKey), threshold: 2, voters: city.citizens.map((c) => c.publicKey),
      opensAt: now, closesAt: now + 3_600_000n, registerBy: now + 600_000n, dealBy: now + 1_200_000n, checkBy: now + 1_800_000n, tallyBy: now + 7_200_000n,
    })])
    assert.equal(r.code, 0, r.log)
    const secrets: TrusteeSecrets[] = []
    for (const [i, t] of trustees.entries()) {
      const p = prepareRegistration(await v.manifest('api'), t.publicKey, rng)
      secrets[i] = p.secrets
      assert.equal((await client.signAndSubmit(t, [p.msg])).code, 0)
    }
    for (const [i, t] of trustees.entries()) {
      const p = prepareDeal(await v.manifest('api'), await v.dkg('api'), secrets[i]!, rng)
      assert.equal((await client.signAndSubmit(t, [p.msg])).code, 0)
    }
    for (const [i, t] of trustees.entries()) {
      const p = prepareCheck(await v.manifest('api'), await v.dkg('api'), secrets[i]!, rng)
      assert.equal((await client.signAndSubmit(t, [p.msg])).code, 0)
    }
    const [alice, bob] = city.citizens
    const ballot = prepareBallot(await v.manifest('api'), await v.election('api'), alice!.publicKey, [[0, 1, 0]], rng)
    assert.equal((await client.signAndSubmit(alice!, [ballot.msg])).code, 0)
    // bob submits alice's ballot: the proofs bind alice's account
    const copied = await client.signAndSubmit(bob!, [votingMsgs.ballot({ election: 'api', ballot: ballot.ballot })], { allowFailure: true })
    assert.equal(copied.code, 22, copied.log) // proof_invalid
    // an ineligible account is refused at admission: nothing enters the mempool, no nonce is used
    await assert.rejects(client.signAndSubmit(trustees[0]!, [votingMsgs.ballot({ election: 'api', ballot: ballot.ballot })]), (e: Error & { errorName?: string }) => e.errorName === 'unauthorized' && /not eligible/.test(e.message))
    await events.next((m) => m.events?.some((e: { type: string }) => e.type === VOTING_EVENT.ballot))
    const types = new Set(events.messages.flatMap((m) => (m.events ?? []).map((e: { type: string }) => e.type)))
    for (const t of [VOTING_EVENT.created, VOTING_EVENT.registered, VOTING_EVENT.dealt, VOTING_EVENT.checked, VOTING_EVENT.keyReady, VOTING_EVENT.ballot]) assert.ok(types.has(t), `${t} streamed`)

    const doc = (await http(node.url, 'GET', '/openapi.json')).body
    const ajv = new Ajv({ strict: false, allErrors: true })
    ajv.addSchema(doc, 'openapi.json')
    const ptr = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1')
    const check = (template: string, res: Res) => {
      const key = doc.paths[template].get.responses[String(res.status)] ? String(res.status) : `${String(res.status)[0]}xx`
      const media = Object.keys(doc.paths[template].get.responses[key].content)[0]!
      const validate = ajv.getSchema(`openapi.json#/paths/${ptr(template)}/get/responses/${key}/content/${ptr(media)}/schema`)!
      assert.ok(validate(res.body), `${template} ${res.status}: ${ajv.errorsText(validate.errors)}`)
      return res
    }
    const list = check('/v1/voting/elections', await http(node.url, 'GET', '/v1/voting/elections'))
    assert.deepEqual(list.body.elections.map((e: { election: string; phase: string }) => [e.election, e.phase]), [['api', 'ready']])
    const one = check('/v1/voting/elections/{election}', await http(node.url, 'GET', '/v1/voting/elections/api'))
    assert.deepEqual([one.body.qualified, one.body.ballots_cast, one.body.counts], [[1, 2, 3], 1, null])
    check('/v1/voting/elections/{election}/manifest', await http(node.url, 'GET', '/v1/voting/elections/api/manifest'))
    const bs = check('/v1/voting/elections/{election}/ballots', await http(node.url, 'GET', '/v1/voting/elections/api/ballots'))
    assert.equal(bs.body.ballots[0].tracking_code, ballot.trackingCode)
    const rec = check('/v1/voting/elections/{election}/record', await http(node.url, 'GET', '/v1/voting/elections/api/record'))
    assert.equal(rec.body.ballots.length, 1)
    const head = check('/v1/voting/elections/{election}/record', await http(node.url, 'GET', '/v1/voting/elections/api/record?ballots=none'))
    assert.deepEqual(head.body.ballots, [])
    const page = check('/v1/voting/elections/{election}/record/ballots', await http(node.url, 'GET', '/v1/voting/elections/api/record/ballots?from=0&limit=10'))
    assert.deepEqual([page.body.ballots, page.body.next, page.body.ballots_cast], [rec.body.ballots, null, 1])
    const found = check('/v1/voting/ballots/{tracking_code}', await http(node.url, 'GET', `/v1/voting/ballots/${ballot.trackingCode}`))
    assert.deepEqual([found.body.voter, found.body.counted, found.body.ballot], [toHex(alice!.publicKey), true, toHex(ballot.ballot)])
    const missing = check('/v1/voting/elections/{election}', await http(node.url, 'GET', '/v1/voting/elections/nope'))
    assert.deepEqual([missing.status, missing.body.error], [404, 'not_found'])
    const badId = await http(node.url, 'GET', '/v1/voting/elections/NOT_AN_ID')
    assert.equal(badId.status, 400)
  } finally {
    events.close()
  }
})
