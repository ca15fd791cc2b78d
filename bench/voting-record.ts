/**
 * A large election record built through the real chain (issue 15's "tally and decrypt 100,000
 * ballots, and `polis voting verify` on that record"), for `npm run bench:voting -- --record N`:
 *
 *  1. a solo engine with the voting module and N·0.95 citizens; the authority creates an election
 *     for the role "citizen" (one question, five options, 3 trustees, 2 of 3), the trustees run the
 *     key generation with the SDK's client steps;
 *  2. N ballots (each citizen votes, the first 5 % vote again: a re-vote replaces), encrypted by
 *     the library as a voter's client does (timed apart: a voter's work, not the chain's), signed,
 *     admitted by checkTx (which starts their verification on the ballot workers) and executed in
 *     blocks of `--block`, as the on-chain measure does;
 *  3. the window closes; trustees 1 and 3 compute their partial decryptions (SDK) and post them;
 *     the chain verifies them, combines and recovers the counts: "tally and decrypt";
 *  4. the record exported page by page (writeElectionRecord, as `polis voting record` does, over the
 *     module's own queries instead of HTTP) to a file;
 *  5. `bin/polis voting verify FILE --json` as its own process: the wall time of the command, and
 *     the time it reports (parse excluded).
 */
import { spawnSync } from 'node:child_process'
import { closeSync, openSync, rmSync, statSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fromHex, toHex } from '../src/base/bytes.js'
import { votingMsgs } from '../src/modules/voting/types.js'
import type { PolisClient } from '../src/sdk/polis-client.js'
import { VotingReader, checkedManifest } from '../src/sdk/voting.js'
import { writeElectionRecord } from '../src/sdk/voting-record.js'
import { pointBytes } from '../src/voting/group.js'
import type { ElectionContext } from '../src/voting/context.js'
import { startTsWorker } from '../src/util/ts-worker.js'
import type { EncryptJob } from './voting-encrypt-worker.js'
import { closeBallotVerifyPool, preverificationSettled, startBallotVerifyPool } from '../src/voting/ballot-verify-pool.js'
import { electionContext } from '../src/voting/context.js'
import { Election, QUESTION, ok, timeline, votingChain } from '../test/voting/module-harness.js'
import { round } from './stats.js'

const log = (...a: unknown[]) => console.error(...a)
const cpuMs = () => {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1000
}

export async function largeRecord(ballots: number, block: number) {
  const revotes = Math.floor(ballots / 20)
  const voters = ballots - revotes
  const t0 = performance.now()
  const c = await votingChain(3, voters)
  const t = timeline(c.time)
  ok(await c.run(c.city.authority, votingMsgs.create({
    election: 'large', title: 'Large election', questions: [QUESTION], trustees: c.trustees.map((k) => k.publicKey), threshold: 2, voterRole: 'citizen', ...t,
  })))
  const e = new Election(c, 'large')
  await e.keyGeneration()
  const setup_s = (performance.now() - t0) / 1000
  log(`large record: chain with ${voters} citizens and the key ready in ${round(setup_s)} s`)
  const view = e.view()
  const ctx = electionContext(checkedManifest(e.manifest()), fromHex(view.joint_key!))
  c.time = t.opensAt + 1000n
  const who = (i: number) => c.voters[i < voters ? i : i - voters]!
  const choice = (i: number) => [QUESTION.options.map((_, o) => (o === (i * 7) % 5 ? 1 : 0))]
  const expected = [[0, 0, 0, 0, 0]]
  for (let i = 0; i < voters; i++) expected[0]![(i < revotes ? i + voters : i) * 7 % 5]!++

  // The voters' work first, on 2 worker threads, so that it is not in the chain's figures.
  const e0 = performance.now()
  const encrypted = await encryptAll(ctx, ballots, block, (i) => who(i).publicKey, choice)
  const encryptMs = performance.now() - e0
  log(`large record: ${ballots} ballots encrypted in ${round(encryptMs / 1000)} s (2 worker threads)`)
  const chunkTxs = (from: number) =>
    encrypted.slice(from, Math.min(ballots, from + block)).map((bytes, j) =>
      c.signer.tx(who(from + j), [votingMsgs.ballot({ election: 'large', ballot: bytes })], { nonce: from + j < voters ? 0n : 1n }))

  await startBallotVerifyPool()
  let chainMs = 0
  const chainCpu0 = cpuMs()
  const admit = async (txs: Uint8Array[]) => {
    const checks = await Promise.all(txs.map((b) => c.engine.app.checkTx(b)))
    const refused = checks.find((r) => r.code !== 0)
    if (refused) throw new Error(`admission refused a ballot: ${refused.log}`)
  }
  // A voter's second ballot goes in a later block than the first (one ballot per voter per block).
  let next = chunkTxs(0)
  let s0 = performance.now()
  await admit(next)
  chainMs += performance.now() - s0
  let lastLog = performance.now()
  for (let from = 0; from < ballots; from += block) {
    const txs = next
    next = from + block < ballots ? chunkTxs(from + block) : []
    s0 = performance.now()
    if (next.length) await admit(next)
    const { results } = await c.block(txs)
    for (const r of results) if (r.code !== 0) throw new Error(`a ballot failed in its block: ${r.log}`)
    await preverificationSettled()
    chainMs += performance.now() - s0
    if (performance.now() - lastLog > 10_000) {
      lastLog = performance.now()
      log(`  ${from + txs.length} ballots on chain; ${round((from + txs.length) / (chainMs / 1000))}/s`)
    }
  }
  await closeBallotVerifyPool()
  const chainCpu = cpuMs() - chainCpu0
  const counted = Number(e.view().ballots_counted)
  log(`large record: ${ballots} ballots on chain in ${round(chainMs / 1000)} s (${round(ballots / (chainMs / 1000))}/s), ${counted} counted`)

  // the tally: the window closes, two trustees decrypt, the chain verifies and combines
  c.time = t.closesAt + 1000n
  const d0 = performance.now()
  const trusteeMs: number[] = []
  const chainTallyMs: number[] = []
  for (const i of [1, 3]) {
    const p0 = performance.now()
    const msg = e.partial(i)
    trusteeMs.push(performance.now() - p0)
    const q0 = performance.now()
    ok(await c.run(c.trustees[i - 1]!, msg, c.time + 1000n))
    chainTallyMs.push(performance.now() - q0)
  }
  const tallyMs = performance.now() - d0
  const result = e.view()
  if (JSON.stringify(result.counts) !== JSON.stringify(expected)) throw new Error(`wrong tally ${JSON.stringify(result.counts)}, expected ${JSON.stringify(expected)}`)
  log(`large record: tallied ${JSON.stringify(result.counts)} in ${round(tallyMs)} ms`)

  // the record, exported page by page over the module's queries
  const file = join(tmpdir(), `polis-voting-record-${ballots}.json`)
  const client = { query: async (module: string, name: string, params: Record<string, string | undefined>) => c.q(`${module}/${name}`, Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined))) }
  const x0 = performance.now()
  const fd = openSync(file, 'w')
  const exported = await writeElectionRecord(new VotingReader(client as unknown as PolisClient), 'large', (s) => void writeSync(fd, s))
  closeSync(fd)
  const exportMs = performance.now() - x0
  const bytes = statSync(file).size
  log(`large record: ${exported.ballots} ballots exported to ${file} (${round(bytes / 1e6)} MB) in ${round(exportMs / 1000)} s`)
  await c.close()

  // `polis voting verify` on that file, as its own process
  const v0 = performance.now()
  const run = spawnSync(join(import.meta.dirname, '../bin/polis'), ['--json', 'voting', 'verify', file], { encoding: 'utf8', maxBuffer: 64 << 20 })
  const verifyWallMs = performance.now() - v0
  if (run.status !== 0) throw new Error(`polis voting verify failed (${run.status}): ${run.stderr}${run.stdout.slice(0, 2000)}`)
  const rep = JSON.parse(run.stdout) as { ok: boolean; ballotsCast: number; ballotsCounted: number; counts: number[][]; elapsedMs: number; workers: number }
  if (!rep.ok || rep.ballotsCast !== ballots || JSON.stringify(rep.counts) !== JSON.stringify(expected)) throw new Error(`verify: ${run.stdout.slice(0, 2000)}`)
  log(`large record: polis voting verify in ${round(verifyWallMs / 1000)} s (its own measure ${round(rep.elapsedMs / 1000)} s, ${rep.workers} workers)`)
  rmSync(file, { force: true })
  return {
    ballots, voters, revotes, counted, block, counts: result.counts, setup_s: round(setup_s),
    voter_encryption_s: round(encryptMs / 1000),
    on_chain_s: round(chainMs / 1000), on_chain_per_s: round(ballots / (chainMs / 1000)), on_chain_process_cpu_ms_per_ballot: round(chainCpu / ballots, 2),
    tally_ms: round(tallyMs), tally_trustee_partial_ms: trusteeMs.map((x) => round(x)), tally_chain_tx_ms: chainTallyMs.map((x) => round(x)),
    record_mb: round(bytes / 1e6), export_s: round(exportMs / 1000),
    verify_command_s: round(verifyWallMs / 1000), verify_reported_s: round(rep.elapsedMs / 1000), verify_workers: rep.workers,
    election_hash: toHex(ctx.electionHash),
  }
}

/** Every ballot's bytes, encrypted on 2 worker threads in chunks of `block`. */
async function encryptAll(ctx: ElectionContext, n: number, block: number, voter: (i: number) => Uint8Array, selections: (i: number) => number[][]): Promise<Uint8Array[]> {
  const workers = [0, 1].map(() => startTsWorker(new URL('./voting-encrypt-worker.ts', import.meta.url)))
  const manifest = { ...ctx.manifest, eligibility: { ...ctx.manifest.eligibility, accounts: [] } }
  const out: Uint8Array[] = new Array(n)
  try {
    const chunks = Math.ceil(n / block)
    let sent = 0
    let done = 0
    await new Promise<void>((resolve, reject) => {
      const send = (w: (typeof workers)[number]) => {
        if (sent >= chunks) return
        const id = sent++
        const items = []
        for (let i = id * block; i < Math.min(n, (id + 1) * block); i++) items.push({ voter: voter(i), selections: selections(i) })
        w.postMessage({ id, manifest, electionHash: ctx.electionHash, publicKey: pointBytes(ctx.publicKey), items } satisfies EncryptJob)
      }
      for (const w of workers) {
        w.on('error', reject)
        w.on('message', (m: { id: number; ballots: Uint8Array[] }) => {
          m.ballots.forEach((b, j) => (out[m.id * block + j] = b))
          if (++done === chunks) resolve()
          else send(w)
        })
        send(w)
        send(w)
      }
    })
  } finally {
    await Promise.all(workers.map((w) => w.terminate()))
  }
  return out
}
