/**
 * A large record's two paths: the export joined from pages (src/sdk/voting-record.ts, `polis
 * voting record`) is the same document as the whole record; and the verifier on worker threads
 * (record-verify-pool.ts, `polis voting verify`) gives the single-thread verifier's report, failure
 * for failure, on honest and tampered records — chunks cross re-votes, and workers answer out of order.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cli } from '../helpers/cli.js'
import { useNode } from '../helpers/use-node.js'
import { testCity, testKey } from '../../src/kit/genesis-builder.js'
import { PolisClient } from '../../src/sdk/polis-client.js'
import { VotingReader, prepareBallot, prepareCheck, prepareDeal, prepareRegistration, type TrusteeSecrets } from '../../src/sdk/voting.js'
import { writeElectionRecord } from '../../src/sdk/voting-record.js'
import { votingMsgs } from '../../src/modules/voting/types.js'
import { seededRandom } from '../../src/voting/random.js'
import { verifyElectionRecord } from '../../src/voting/record.js'
import { RecordVerifyPool } from '../../src/voting/record-verify-pool.js'
import { makeManifest, runElection } from './fixture.js'

// ---------------------------------------------------------------- the pool verifier
const one = (i: number) => [[0, 1, 2, 3, 4].map((o) => (o === i ? 1 : 0))]
// 13 ballots; voters 2, 5 and 7 re-vote, across chunk boundaries (chunks of 3)
const votes: Array<[number, number[][]]> = [[1, one(0)], [2, one(1)], [3, one(2)], [4, one(3)], [2, one(4)], [5, one(0)], [6, one(1)], [7, one(2)], [5, one(3)], [8, one(4)], [7, one(0)], [9, one(1)], [2, one(2)]]
const election = runElection(makeManifest({ trustees: 3, threshold: 2, voters: 10 }), votes, [1, 3], 'pool')
const text = JSON.stringify(election.record)

function tampered(f: (rec: any) => void): unknown {
  const rec = JSON.parse(text)
  f(rec)
  return rec
}
const flip = (hex: string, at = Math.floor(hex.length / 2)) => hex.slice(0, at) + (hex[at] === '0' ? '1' : '0') + hex.slice(at + 1)

test('the pool verifier reports exactly what the single-thread verifier reports, on honest and tampered records', async () => {
  const cases: Array<[string, unknown]> = [
    ['honest', JSON.parse(text)],
    ['a proof byte of ballot 1', tampered((r) => (r.ballots[1].ballot = flip(r.ballots[1].ballot)))],
    ['a ciphertext byte of the last ballot (a re-vote: the earlier one counts)', tampered((r) => (r.ballots[12].ballot = flip(r.ballots[12].ballot, 10)))],
    ['ballots 4 and 12 swapped (which re-vote counts)', tampered((r) => ([r.ballots[4], r.ballots[12]] = [r.ballots[12], r.ballots[4]]))],
    ['a tracking code changed, an account changed, and ballot 3 (a voter’s only one) removed', tampered((r) => {
      r.ballots[7].trackingCode = flip(r.ballots[7].trackingCode)
      r.ballots[9].account = flip(r.ballots[9].account)
      r.ballots.splice(3, 1)
    })],
  ]
  let failing = 0
  const pool = new RecordVerifyPool(2)
  try {
    for (const [what, rec] of cases) {
      const single = verifyElectionRecord(structuredClone(rec))
      const seen: number[] = []
      const pooled = await pool.verify(structuredClone(rec), { batch: 3, onProgress: (done) => seen.push(done) })
      assert.deepEqual(pooled, single, what)
      if (!single.ok) failing++
      if (single.ballotsCast) assert.equal(seen.at(-1), single.ballotsCast, `${what}: progress reaches every ballot`)
    }
  } finally {
    await pool.close()
  }
  assert.equal(failing, cases.length - 1)
  assert.deepEqual(verifyElectionRecord(JSON.parse(text)).counts, election.counts)
})

// ---------------------------------------------------------------- the paged export
const trustees = [1, 2, 3].map((i) => testKey(`export-trustee-${i}`))
const city = testCity({ chainId: 'voting-export-city', citizens: 3, balance: 1000n, accounts: trustees.map((key) => ({ key, roles: ['citizen'] })) })
const node = useNode({ city, blockIntervalMs: 10 })
const rng = seededRandom(new Uint8Array([16]))

test('the record joined from pages is the whole record, at every page size and with no ballot; the CLI streams it and verifies it', async () => {
  const client = new PolisClient(node.url)
  const v = new VotingReader(client)
  const root = mkdtempSync(join(tmpdir(), 'polis-voting-export-'))
  try {
    const now = BigInt(Date.now())
    const created = await client.signAndSubmit(city.authority, [votingMsgs.create({
      election: 'export', title: 'Export', questions: [{ title: 'Q', options: ['a', 'b', 'c'], minSelections: 1, maxSelections: 1 }],
      trustees: trustees.map((t) => t.publicKey), threshold: 2, voters: city.citizens.map((c) => c.publicKey),
      opensAt: now, closesAt: now + 3_600_000n, registerBy: now + 600_000n, dealBy: now + 1_200_000n, checkBy: now + 1_800_000n, tallyBy: now + 7_200_000n,
    })])
    assert.equal(created.code, 0, created.log)
    const secrets: TrusteeSecrets[] = []
    for (const [i, t] of trustees.entries()) {
      const p = prepareRegistration(await v.manifest('export'), t.publicKey, rng)
      secrets[i] = p.secrets
      assert.equal((await client.signAndSubmit(t, [p.msg])).code, 0)
    }
    for (const step of [prepareDeal, prepareCheck]) {
      for (const [i, t] of trustees.entries()) {
        const p = step(await v.manifest('export'), await v.dkg('export'), secrets[i]!, rng)
        secrets[i] = p.secrets
        assert.equal((await client.signAndSubmit(t, [p.msg])).code, 0)
      }
    }
    const exported = async (pageSize?: number) => {
      let out = ''
      const progress: Array<[number, number]> = []
      const r = await writeElectionRecord(v, 'export', (t) => void (out += t), { pageSize, onProgress: (d, n) => progress.push([d, n]) })
      return { doc: JSON.parse(out), r, progress }
    }
    // no ballot yet: an empty list
    const empty = await exported(1)
    assert.deepEqual(empty.doc.ballots, [])
    assert.deepEqual(empty.doc, await v.record('export'))

    // five ballots, one re-vote
    const [a, b, c] = city.citizens
    for (const [voter, choice] of [[a, 0], [b, 1], [c, 2], [a, 2], [b, 2]] as const) {
      const sel = [[0, 1, 2].map((o) => (o === choice ? 1 : 0))]
      const p = prepareBallot(await v.manifest('export'), await v.election('export'), voter!.publicKey, sel, rng)
      assert.equal((await client.signAndSubmit(voter!, [p.msg])).code, 0)
    }
    const whole = await v.record('export')
    assert.equal((whole.ballots as unknown[]).length, 5)
    for (const size of [1, 2, 5, undefined]) {
      const e = await exported(size)
      assert.deepEqual(e.doc, whole, `page size ${size}`)
      assert.equal(e.r.ballots, 5)
      assert.deepEqual(e.progress.at(-1), [5, 5])
      if (size !== undefined) assert.equal(e.progress.length, Math.ceil(5 / size))
    }

    // the CLI: to a file (renamed into place, nothing partial left) and to stdout, the same document
    const env = { POLIS_NODE: node.url }
    const file = join(root, 'export.json')
    const written = await cli(['--json', 'voting', 'record', 'export', '--out', file], { env, cwd: root })
    assert.equal(written.code, 0, written.stderr)
    assert.deepEqual(written.json(), { election: 'export', file })
    assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), whole)
    const printed = await cli(['voting', 'record', 'export'], { env, cwd: root })
    assert.equal(printed.code, 0, printed.stderr)
    assert.deepEqual(JSON.parse(printed.stdout), whole)
    const missing = await cli(['voting', 'record', 'nope', '--out', join(root, 'nope.json')], { env, cwd: root })
    assert.notEqual(missing.code, 0)
    assert.deepEqual(readdirSync(root).sort(), ['export.json'])

    const ok = await cli(['voting', 'verify', file], { cwd: root })
    assert.equal(ok.code, 0, ok.stderr + ok.stdout)
    assert.match(ok.stdout, /^verified: election [0-9a-f]{64}\n {2}5 ballots cast, 3 counted; qualified trustees \[1, 2, 3\]\n {2}sealed: 0 partial decryptions, fewer than the threshold\n {2}checked in \d+\.\d+ s \(ballots on 2 workers\)\n$/)
    const json = (await cli(['--json', 'voting', 'verify', file, '--workers', '1'], { cwd: root })).json()
    assert.equal(json.ok, true)
    assert.equal(json.workers, 1)
    assert.equal(typeof json.elapsedMs, 'number')
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
})

