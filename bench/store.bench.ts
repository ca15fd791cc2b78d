/**
 * Store benchmark: `node --import tsx bench/store.bench.ts [--accounts N]`
 *
 *   updates/s     batches of --batch (10,000) random updates per commit into a tree of --small
 *                 (100,000) keys; a round = sets + commit() + the batch write (sync: true)
 *   proofs/s      prove(version, key) (ICS-23 existence proof, protobuf-encoded) of random keys
 *   verify/s      @confio/ics23 verifyMembership(proof, iavlSpec, root, key, value)
 *   big tree      --accounts (1,000,000) keys inserted in commits of --batch: build time, RSS after
 *                 build; then, in a fresh process, open + first proof time and RSS after reopen
 *
 * Medians over --rounds rounds (reopen: 3 fresh processes). Writes bench/results/store.json.
 * Keys look like bank balances: 'b/' + 20-byte address; values 16 bytes.
 */
import { Rng } from '../src/util/rng.js'
import { ClassicLevel } from 'classic-level'
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { iavlSpec, ics23, verifyMembership } from '@confio/ics23'
import { DEFAULT_CACHE_SIZE, IavlStore } from '../src/store/index.js'
import { median, round, arg } from './stats.js'
import { ed25519Limit } from './ed25519-limit.js'

type Db = ClassicLevel<Uint8Array, Uint8Array>

const ACCOUNTS = arg('accounts', 1_000_000)
const SMALL = arg('small', 100_000)
const BATCH = arg('batch', 10_000)
const ROUNDS = arg('rounds', 5)
const PROOFS = arg('proofs', 5_000)
const CACHE = arg('cache', DEFAULT_CACHE_SIZE)
const REOPENS = arg('reopens', 3)

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void
const mib = (bytes: number) => round(bytes / 2 ** 20, 0)
const rss = () => {
  gc()
  return process.memoryUsage().rss
}
/** Linux: resident anonymous memory vs file-backed pages (LevelDB mmaps its table files). */
function rssSplitMiB(): { anon?: number; file?: number } {
  try {
    const st = readFileSync('/proc/self/status', 'utf8')
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(st)?.[1])
    return { anon: round(kb('RssAnon') / 1024, 0), file: round(kb('RssFile') / 1024, 0) }
  } catch {
    return {}
  }
}

/** Key i: 'b/' + the first 20 bytes of sha256(i): a fixed, uniformly spread set of accounts. */
function key(i: number): Uint8Array {
  const out = new Uint8Array(22)
  out[0] = 0x62
  out[1] = 0x2f
  out.set(createHash('sha256').update(`account-${i}`).digest().subarray(0, 20), 2)
  return out
}
function value(i: number, round: number): Uint8Array {
  const out = new Uint8Array(16)
  const dv = new DataView(out.buffer)
  dv.setFloat64(0, i)
  dv.setFloat64(8, round)
  return out
}

/** Deterministic uniform source in [0, 1). */
function rng(seed: number): () => number {
  const r = new Rng(seed)
  return () => r.next()
}

async function openDb(dir: string): Promise<Db> {
  const db = new ClassicLevel<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' })
  await db.open()
  return db
}

async function commit(db: Db, s: IavlStore, sync: boolean) {
  const c = s.commit()
  await db.batch(c.ops, { sync })
  return c
}

/** Inserts keys [0, n) in commits of BATCH; returns per-commit ms. */
async function build(db: Db, s: IavlStore, n: number, log = false): Promise<number[]> {
  const times: number[] = []
  for (let start = 0; start < n; start += BATCH) {
    const t0 = performance.now()
    for (let i = start; i < Math.min(n, start + BATCH); i++) s.set(key(i), value(i, 0))
    await commit(db, s, true)
    times.push(performance.now() - t0)
    if (log && (start / BATCH) % 10 === 9) {
      const split = rssSplitMiB()
      process.stderr.write(`  ${start + BATCH} keys, ${round(performance.now() - t0, 0)} ms/commit, rss ${mib(process.memoryUsage().rss)} MiB (anon ${split.anon}, file ${split.file})\n`)
    }
  }
  return times
}

// ---------------------------------------------------------------- child: reopen a built tree

async function reopenChild(dir: string, n: number) {
  const before = process.memoryUsage().rss
  const t0 = performance.now()
  const db = await openDb(dir)
  const tDb = performance.now()
  const s = IavlStore.open(db, { cacheSize: CACHE })
  const k = key(Math.floor(n / 2))
  const p = s.prove(s.version, k)
  const t1 = performance.now()
  const ok = verifyMembership(ics23.CommitmentProof.decode(p.proof), iavlSpec, s.rootHash(), k, p.value!)
  // Cold reads after reopen: random proofs straight from disk.
  const r = rng(7)
  const t2 = performance.now()
  for (let i = 0; i < 2000; i++) s.prove(s.version, key(Math.floor(r() * n)))
  const coldProofsPerSec = 2000 / ((performance.now() - t2) / 1000)
  const out = {
    openMs: t1 - t0,
    dbOpenMs: tDb - t0,
    storeOpenAndFirstProofMs: t1 - tDb,
    ok,
    rssBeforeMiB: mib(before),
    rssAfterReopenMiB: mib(rss()),
    rssAfterReopenSplitMiB: rssSplitMiB(),
    coldProofsPerSec,
    rssAfterColdProofsMiB: mib(rss()),
    version: s.version,
  }
  await db.close()
  process.stdout.write(JSON.stringify(out) + '\n')
}

// ---------------------------------------------------------------- main

/** Phase 1: updates, proofs and verification on a tree of SMALL keys. */
async function smallTree(dir: string) {
  process.stderr.write(`building ${SMALL} keys...\n`)
  const db = await openDb(dir)
  const s = IavlStore.open(db, { cacheSize: CACHE })
  await build(db, s, SMALL)
  const r = rng(1)
  const upd: Array<{ perSec: number; setMs: number; commitMs: number; writeMs: number; ops: number }> = []
  for (let round_ = 1; round_ <= ROUNDS; round_++) {
    const keys = Array.from({ length: BATCH }, () => key(Math.floor(r() * SMALL)))
    const t0 = performance.now()
    for (let i = 0; i < BATCH; i++) s.set(keys[i]!, value(i, round_))
    const t1 = performance.now()
    const c = s.commit()
    const t2 = performance.now()
    await db.batch(c.ops, { sync: true })
    const t3 = performance.now()
    upd.push({ perSec: BATCH / ((t3 - t0) / 1000), setMs: t1 - t0, commitMs: t2 - t1, writeMs: t3 - t2, ops: c.ops.length })
  }
  process.stderr.write('proofs...\n')
  const prove: number[] = []
  const verify: number[] = []
  const version = s.version
  const rootHash = s.rootHash()
  for (let round_ = 0; round_ < ROUNDS; round_++) {
    const keys = Array.from({ length: PROOFS }, () => key(Math.floor(r() * SMALL)))
    const t0 = performance.now()
    const proofs = keys.map((k) => s.prove(version, k))
    const t1 = performance.now()
    prove.push(PROOFS / ((t1 - t0) / 1000))
    const decoded = proofs.map((p) => ics23.CommitmentProof.decode(p.proof))
    const t2 = performance.now()
    for (let i = 0; i < PROOFS; i++) if (!verifyMembership(decoded[i]!, iavlSpec, rootHash, keys[i]!, proofs[i]!.value!)) throw new Error('proof failed')
    const t3 = performance.now()
    verify.push(PROOFS / ((t3 - t2) / 1000))
  }
  const proofBytes = s.prove(version, key(1)).proof.length
  const height = s.verify().height
  await db.close()
  return { upd, prove, verify, proofBytes, height }
}

/** Phase 2 (own process): ACCOUNTS keys in commits of BATCH. */
async function buildChild(dir: string) {
  const rssStart = rss()
  const db = await openDb(dir)
  const s = IavlStore.open(db, { cacheSize: CACHE })
  const t0 = performance.now()
  const commitTimes = await build(db, s, ACCOUNTS, true)
  const buildSec = (performance.now() - t0) / 1000
  const rssAfterBuild = rss()
  const out = {
    buildSec,
    medianCommitMs: median(commitTimes),
    lastCommitMs: commitTimes[commitTimes.length - 1]!,
    rssBeforeBuildMiB: mib(rssStart),
    rssAfterBuildMiB: mib(rssAfterBuild),
    rssAfterBuildSplitMiB: rssSplitMiB(),
    heapAfterBuildMiB: mib(process.memoryUsage().heapUsed),
    height: s.verify().height,
    version: s.version,
  }
  await db.close()
  process.stdout.write(JSON.stringify(out) + '\n')
}

function child<T>(args: string[]): T {
  const self = fileURLToPath(import.meta.url)
  const c = spawnSync(process.execPath, ['--import', 'tsx', self, ...args, '--accounts', String(ACCOUNTS), '--cache', String(CACHE), '--batch', String(BATCH)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  if (c.status !== 0) throw new Error(`child ${args[0]} failed with status ${c.status}`)
  return JSON.parse(c.stdout.trim().split('\n').pop()!) as T
}

async function main() {
  const root = mkdtempSync(join(tmpdir(), 'polis-store-bench-'))
  try {
    const { upd, prove, verify, proofBytes, height } = await smallTree(join(root, 'small'))
    rmSync(join(root, 'small'), { recursive: true, force: true })

    process.stderr.write(`building ${ACCOUNTS} keys in commits of ${BATCH} (fresh process)...\n`)
    const bigDir = join(root, 'big')
    const built = child<{ buildSec: number; medianCommitMs: number; lastCommitMs: number; rssBeforeBuildMiB: number; rssAfterBuildMiB: number; rssAfterBuildSplitMiB: { anon?: number; file?: number }; heapAfterBuildMiB: number; height: number; version: number }>(['--build-child', bigDir])

    process.stderr.write('reopening in fresh processes...\n')
    type Reopen = Record<string, number> & { rssAfterReopenSplitMiB?: { anon?: number; file?: number } }
    const reopens: Reopen[] = []
    for (let i = 0; i < REOPENS; i++) reopens.push(child<Reopen>(['--reopen-child', bigDir]))
    if (!reopens.every((x) => x.ok && x.version === built.version)) throw new Error('reopened store disagrees')

    const med = (xs: number[], d = 0) => round(median(xs), d)
    // The one-core Ed25519 limit of this run: the yardstick every benchmark reports its rate against.
    const ed25519 = median([ed25519Limit(), ed25519Limit(), ed25519Limit()])
    const result = {
      bench: 'store',
      date: new Date().toISOString(),
      machine: { cores: cpus().length, cpu: cpus()[0]?.model.trim(), node: process.version },
      params: { smallTreeKeys: SMALL, batch: BATCH, rounds: ROUNDS, proofsPerRound: PROOFS, bigTreeKeys: ACCOUNTS, cacheSize: CACHE },
      updates: {
        medianPerSec: med(upd.map((u) => u.perSec)),
        medianSetMs: med(upd.map((u) => u.setMs), 1),
        medianCommitMs: med(upd.map((u) => u.commitMs), 1),
        medianWriteMs: med(upd.map((u) => u.writeMs), 1),
        medianOpsPerCommit: med(upd.map((u) => u.ops)),
        rounds: upd.map((u) => round(u.perSec, 0)),
      },
      ed25519OneCorePerSec: ed25519,
      updatesPerEd25519: round(median(upd.map((u) => u.perSec)) / ed25519, 2),
      proofs: { medianPerSec: med(prove), rounds: prove.map((x) => round(x, 0)), proofBytes, treeHeight: height },
      verification: { medianPerSec: med(verify), rounds: verify.map((x) => round(x, 0)) },
      bigTree: {
        keys: ACCOUNTS,
        treeHeight: built.height,
        buildSec: round(built.buildSec, 1),
        keysPerSec: round(ACCOUNTS / built.buildSec, 0),
        medianCommitMs: round(built.medianCommitMs, 1),
        lastCommitMs: round(built.lastCommitMs, 1),
        rssBeforeBuildMiB: built.rssBeforeBuildMiB,
        rssAfterBuildMiB: built.rssAfterBuildMiB,
        rssAfterBuildSplitMiB: built.rssAfterBuildSplitMiB,
        heapAfterBuildMiB: built.heapAfterBuildMiB,
        reopen: {
          medianOpenAndFirstProofMs: med(reopens.map((x) => x.openMs!), 1),
          medianDbOpenMs: med(reopens.map((x) => x.dbOpenMs!), 1),
          medianStoreOpenAndFirstProofMs: med(reopens.map((x) => x.storeOpenAndFirstProofMs!), 1),
          medianRssAfterReopenMiB: med(reopens.map((x) => x.rssAfterReopenMiB!)),
          medianColdProofsPerSec: med(reopens.map((x) => x.coldProofsPerSec!)),
          medianRssAfterColdProofsMiB: med(reopens.map((x) => x.rssAfterColdProofsMiB!)),
          rssAfterReopenSplitMiB: reopens.map((x) => x.rssAfterReopenSplitMiB),
        },
      },
    }
    const table: Array<[string, string]> = [
      [`updates/s (batches of ${BATCH} into ${SMALL} keys, set+commit+write)`, String(result.updates.medianPerSec)],
      ['  per batch: set / commit() / write ms', `${result.updates.medianSetMs} / ${result.updates.medianCommitMs} / ${result.updates.medianWriteMs}`],
      ['Ed25519 verification/s, one core (node:crypto), this run', `${ed25519} (updates/s ÷ this = ${result.updatesPerEd25519})`],
      ['proof generation/s (encoded existence proofs)', String(result.proofs.medianPerSec)],
      ['ICS-23 verification/s (verifyMembership, iavlSpec)', String(result.verification.medianPerSec)],
      [`${ACCOUNTS} keys: build time (commits of ${BATCH})`, `${result.bigTree.buildSec} s (${result.bigTree.keysPerSec} keys/s)`],
      [`${ACCOUNTS} keys: RSS after build`, `${result.bigTree.rssAfterBuildMiB} MiB (anon ${built.rssAfterBuildSplitMiB.anon}, file-backed ${built.rssAfterBuildSplitMiB.file})`],
      [`${ACCOUNTS} keys: reopen (open + first proof)`, `${result.bigTree.reopen.medianOpenAndFirstProofMs} ms`],
      [`${ACCOUNTS} keys: RSS after reopen`, `${result.bigTree.reopen.medianRssAfterReopenMiB} MiB`],
      [`${ACCOUNTS} keys: cold proofs/s after reopen`, String(result.bigTree.reopen.medianColdProofsPerSec)],
    ]
    const w = Math.max(...table.map(([k]) => k.length))
    console.log(table.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n'))
    mkdirSync(new URL('./results/', import.meta.url), { recursive: true })
    writeFileSync(new URL('./results/store.json', import.meta.url), JSON.stringify(result, null, 2) + '\n')
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
}

const reopenAt = process.argv.indexOf('--reopen-child')
const buildAt = process.argv.indexOf('--build-child')
if (reopenAt > 0) await reopenChild(process.argv[reopenAt + 1]!, ACCOUNTS)
else if (buildAt > 0) await buildChild(process.argv[buildAt + 1]!)
else await main()
