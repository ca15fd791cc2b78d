/**
 * Voting benchmark (issue 15): one question, five options (choose one), 3 trustees (2 of 3).
 *
 *  1. library: ballot checks per second, one at a time (checkBallot), batched (checkBallots, the
 *     record verifier's and a worker's path), and from a verdict found at admission (verify once);
 *  2. on chain: ballots verified and accepted per second through the real App and the voting
 *     module (solo engine): every transaction through checkTx (admission, which starts the ballot's
 *     verification on a worker thread), then the block (finalizeBlock + commit), the next block's
 *     admission overlapping this block's execution as on a node; with one ballot
 *     worker (the default) and with none (POLIS_BALLOT_VERIFY_THREADS=0: every ballot verified inline);
 *  3. tally and decryption of an aggregate of 100,000 ballots (2 partial decryptions with proofs
 *     verified, combined, bounded discrete log up to 100,000);
 *  4. the record verifier on the chain's record, per ballot and extrapolated to 100,000 ballots.
 *
 *  5. with --record N, only this: a real N-ballot election record built on chain, its tally, and
 *     `polis voting verify` on it (bench/voting-record.ts; JSON in bench/results/voting-record.json).
 *
 *   npm run bench:voting -- [--voters 400] [--block 100] [--rounds 3]
 *   npm run bench:voting -- --record 100000 [--block 200]
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { checkBallot, checkBallots, encodeBallot, encryptBallot } from '../src/voting/ballot.js'
import { closeBallotVerifyPool, preverificationSettled, preverifyBallot, startBallotVerifyPool } from '../src/voting/ballot-verify-pool.js'
import { electionContext } from '../src/voting/context.js'
import { encrypt } from '../src/voting/elgamal.js'
import { randomScalar } from '../src/voting/random.js'
import { verifyElectionRecord } from '../src/voting/record.js'
import { combinePartialDecryptions, partialDecrypt, verifyPartialDecryption, type Aggregate } from '../src/voting/tally.js'
import { forgetVerdicts } from '../src/voting/verdicts.js'
import { account, makeManifest, rngFor, runDkg } from '../test/voting/fixture.js'
import { Election, QUESTION, createMsg, ok, timeline, votingChain } from '../test/voting/module-harness.js'
import { arg, machine, median, round } from './stats.js'
import { largeRecord } from './voting-record.js'

const VOTERS = arg('voters', 400)
const BLOCK = arg('block', 100)
const ROUNDS = arg('rounds', 3)
const LIB = 256
const pick = (i: number) => [QUESTION.options.map((_, o) => (o === i % 5 ? 1 : 0))]
const cpuMs = () => {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1000
}
const log = (...a: unknown[]) => console.error(...a)

// ---------------------------------------------------------------- 1. library
async function library() {
  const rng = rngFor('bench-voting')
  const manifest = makeManifest({ voters: LIB })
  const ctx = electionContext(manifest, runDkg(manifest, rng).jointKey)
  const items = Array.from({ length: LIB }, (_, i) => ({ account: account(i + 1), bytes: encodeBallot(encryptBallot(ctx, account(i + 1), pick(i), rng).ballot) }))
  const rate = (f: () => void) => {
    const t = performance.now()
    f()
    return LIB / ((performance.now() - t) / 1000)
  }
  const single: number[] = []
  const batch: number[] = []
  const verdict: number[] = []
  for (let r = 0; r < ROUNDS; r++) {
    forgetVerdicts()
    single.push(rate(() => items.forEach((it) => checkBallot(ctx, it.account, it.bytes))))
    batch.push(rate(() => checkBallots(ctx, items)))
    items.forEach((it) => preverifyBallot(ctx, it.account, it.bytes))
    await preverificationSettled()
    verdict.push(rate(() => items.forEach((it) => checkBallot(ctx, it.account, it.bytes))))
  }
  forgetVerdicts()
  return { ballots: LIB, one_at_a_time_per_s: round(median(single)), batched_per_s: round(median(batch)), from_verdict_per_s: round(median(verdict)) }
}

// ---------------------------------------------------------------- 2. on chain
async function onChain() {
  const c = await votingChain(3, 2 * VOTERS)
  const t = timeline(c.time)
  ok(await c.run(c.city.authority, createMsg(c, 'bench', t)))
  const e = new Election(c, 'bench')
  await e.keyGeneration()
  c.time = t.opensAt + 1000n
  log(`encrypting ${2 * VOTERS} ballots…`)
  const txs = c.voters.map((v, i) => c.signer.tx(v, [e.ballot(v, pick(i), 'bench').msg]))
  const modes: Record<string, unknown> = {}
  for (const [mode, threads, part] of [['verify-once (1 ballot worker)', '1', txs.slice(0, VOTERS)], ['inline (no ballot worker)', '0', txs.slice(VOTERS)]] as const) {
    await closeBallotVerifyPool()
    process.env.POLIS_BALLOT_VERIFY_THREADS = threads
    forgetVerdicts()
    await startBallotVerifyPool()
    let accepted = 0
    const t0 = performance.now()
    const c0 = cpuMs()
    const blockMs: number[] = []
    // Pipelined as on a node: the next block's ballots are admitted (and verified on the worker)
    // while this block executes.
    const admit = async (chunk: Uint8Array[]) => {
      const checks = await Promise.all(chunk.map((b) => c.engine.app.checkTx(b)))
      const refused = checks.find((r) => r.code !== 0)
      if (refused) throw new Error(`admission refused a ballot: ${refused.log}`)
    }
    const chunks: Uint8Array[][] = []
    for (let off = 0; off < part.length; off += BLOCK) chunks.push(part.slice(off, off + BLOCK))
    await admit(chunks[0]!)
    for (let k = 0; k < chunks.length; k++) {
      if (k + 1 < chunks.length) await admit(chunks[k + 1]!)
      const b0 = performance.now()
      const { results } = await c.block(chunks[k]!)
      blockMs.push(performance.now() - b0)
      for (const r of results) {
        if (r.code !== 0) throw new Error(`a ballot failed in its block: ${r.log}`)
        accepted++
      }
      await preverificationSettled()
    }
    const wall = (performance.now() - t0) / 1000
    modes[mode] = { ballots: accepted, blocks: blockMs.length, per_s: round(accepted / wall), block_ms_median: round(median(blockMs)), process_cpu_ms_per_ballot: round((cpuMs() - c0) / accepted, 2) }
    log(mode, modes[mode])
  }
  await closeBallotVerifyPool()
  delete process.env.POLIS_BALLOT_VERIFY_THREADS
  const record = e.record()
  await c.close()
  return { modes, record }
}

// ---------------------------------------------------------------- 3. tally of 100,000
function tally() {
  const rng = rngFor('bench-tally')
  const manifest = makeManifest({ voters: 3 })
  const dkg = runDkg(manifest, rng)
  const ctx = electionContext(manifest, dkg.jointKey)
  const counts = [40_000, 25_000, 15_000, 12_000, 8_000] // 100,000 ballots, one choice each
  // The aggregate of 100,000 ballots is an encryption of these counts (what the chain's sum holds).
  const agg: Aggregate = [counts.map((n) => encrypt(ctx.publicKey, BigInt(n), randomScalar(rng)))]
  const times: number[] = []
  let result: number[][] = []
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = performance.now()
    const partials = [1, 3].map((j) => partialDecrypt(ctx, j, dkg.secretShares[j - 1]!, agg, rng))
    for (const p of partials) if (verifyPartialDecryption(ctx, p, dkg.verificationShares.get(p.trustee)!, agg).length) throw new Error('partial decryption refused')
    result = combinePartialDecryptions(ctx, agg, partials, 100_000)
    times.push(performance.now() - t0)
  }
  if (JSON.stringify(result) !== JSON.stringify([counts])) throw new Error(`wrong tally ${JSON.stringify(result)}`)
  return { ballots: 100_000, tally_and_decrypt_ms: round(median(times)) }
}

// ---------------------------------------------------------------- 4. record verifier
function verifier(record: unknown) {
  const times: number[] = []
  let ballots = 0
  for (let r = 0; r < ROUNDS; r++) {
    forgetVerdicts()
    const t0 = performance.now()
    const rep = verifyElectionRecord(record)
    times.push(performance.now() - t0)
    if (!rep.ok) throw new Error(`record verification failed: ${JSON.stringify(rep).slice(0, 300)}`)
    ballots = rep.ballotsCast
  }
  const ms = median(times)
  return { ballots, verify_ms: round(ms), per_ballot_ms: round(ms / ballots, 3), extrapolated_100k_s: round((ms / ballots) * 100_000 / 1000) }
}

const RECORD = arg('record', 0)
if (RECORD > 0) {
  const l0 = loadavg()
  const large = await largeRecord(RECORD, arg('block', 200))
  const out = { bench: 'voting-record', date: new Date().toISOString(), machine: machine(), load_average: [l0.map((x) => round(x, 2)), loadavg().map((x) => round(x, 2))], shape: 'one question, five options, choose one; 3 trustees, 2 of 3', ...large }
  mkdirSync('bench/results', { recursive: true })
  writeFileSync('bench/results/voting-record.json', JSON.stringify(out, null, 2) + '\n')
  console.log(JSON.stringify(out, null, 2))
  process.exit(0)
}
const load0 = loadavg()[0]!
const lib = await library()
log('library', lib)
const chain = await onChain()
const tallied = tally()
log('tally', tallied)
const ver = verifier(chain.record)
log('record verifier', ver)
const out = {
  bench: 'voting', date: new Date().toISOString(), machine: machine(), load_average: [round(load0, 2), round(loadavg()[0]!, 2)],
  shape: 'one question, five options, choose one; 3 trustees, 2 of 3',
  library: lib, on_chain: chain.modes, tally: tallied, record_verifier: ver,
}
mkdirSync('bench/results', { recursive: true })
writeFileSync('bench/results/voting.json', JSON.stringify(out, null, 2) + '\n')
console.log(JSON.stringify(out, null, 2))
