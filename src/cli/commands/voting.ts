/**
 * `polis voting …`: elections for the authority (create), the trustees (register, deal, check,
 * decrypt — their secrets stay in <home>/voting/, files 0600, never on chain or printed), the voters
 * (vote, with a Benaloh audit; find a ballot by its tracking code), and anyone (show, record, and
 * verify, which needs no node).
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import type { Command } from 'commander'
import { PolisError } from '../../base/errors.js'
import { votingMsgs, type QuestionSpec } from '../../modules/voting/types.js'
import {
  VotingReader, auditPreparedBallot, checkedManifest, prepareBallot, prepareCheck, prepareDeal, preparePartialDecryption, prepareRegistration, selectionsFrom,
  type TrusteeSecrets,
} from '../../sdk/voting.js'
import type { VerificationReport } from '../../voting/record.js'
import { verifyElectionRecordOnWorkers } from '../../voting/record-verify-pool.js'
import { writeElectionRecord } from '../../sdk/voting-record.js'
import { systemRandom } from '../../voting/random.js'
import type { CliContext } from '../context.js'
import { isoTime, table, text, type Json } from '../format.js'
import { intArg } from '../args.js'
import { progress, type Progress } from '../progress.js'
import { SilentFailure, submit, txOptions, type TxFlags } from './tx.js'

const MINUTE = 60_000
/** `polis voting verify` checks the ballots on this many worker threads by default. */
const VERIFY_WORKERS = 2

/** A time: ms since the epoch, an ISO date, or +<n>s / +<n>m / +<n>h / +<n>d from now. */
export function timeArg(v: string, what: string, now = Date.now()): bigint {
  const rel = /^\+([0-9]{1,6})([smhd])$/.exec(v)
  if (rel) return BigInt(now + Number(rel[1]) * { s: 1000, m: MINUTE, h: 60 * MINUTE, d: 1440 * MINUTE }[rel[2] as 's' | 'm' | 'h' | 'd'])
  if (/^[0-9]{1,16}$/.test(v)) return BigInt(v)
  const t = Date.parse(v)
  if (Number.isNaN(t)) throw new PolisError('invalid_request', `${what} must be ms since the epoch, an ISO date, or +<n>s|m|h|d (got "${v}")`)
  return BigInt(t)
}

/** "TITLE:opt1,opt2,opt3" or "TITLE:opt1,opt2,opt3:MIN-MAX" (default 1-1). */
export function questionArg(spec: string): QuestionSpec {
  const m = /^([^:]+):([^:]+)(?::([0-9]{1,2})-([0-9]{1,2}))?$/.exec(spec)
  if (!m) throw new PolisError('invalid_request', `--question must be "TITLE:opt1,opt2,…" or "TITLE:opt1,opt2,…:MIN-MAX" (got "${spec}")`)
  const options = m[2]!.split(',').map((s) => s.trim()).filter(Boolean)
  return { title: m[1]!.trim(), options, minSelections: m[3] === undefined ? 1 : Number(m[3]), maxSelections: m[4] === undefined ? 1 : Number(m[4]) }
}

const collect = (v: string, prev: string[] = []) => [...prev, v]

/** Where a trustee keeps its secrets for an election: in the CLI home, never elsewhere. */
function secretsPath(c: CliContext, election: string, address: string): string {
  return join(c.home, 'voting', election, `trustee-${address}.json`)
}

function loadSecrets(c: CliContext, election: string, address: string): TrusteeSecrets {
  const p = secretsPath(c, election, address)
  if (!existsSync(p)) throw new PolisError('invalid_request', `no trustee secrets for election "${election}" at ${p}: run \`polis voting trustee register ${election}\` with this key first`)
  return JSON.parse(readFileSync(p, 'utf8')) as TrusteeSecrets
}

function saveSecrets(c: CliContext, s: TrusteeSecrets): string {
  const p = secretsPath(c, s.election, s.account)
  mkdirSync(dirname(p), { recursive: true, mode: 0o700 })
  writeFileSync(p, JSON.stringify(s, null, 2) + '\n', { mode: 0o600 })
  chmodSync(p, 0o600)
  return p
}

const phaseLine = (e: Json) => {
  const counts = e.counts as number[][] | null
  return `${text(e.election)}  ${text(e.phase)}  "${text(e.title)}"  ballots ${text(e.ballots_counted)} counted / ${text(e.ballots_cast)} cast${counts ? `  result ${JSON.stringify(counts)}` : ''}`
}

function electionLines(e: Json): string[] {
  const qs = e.questions as Array<{ title: string; options: string[]; min_selections: number; max_selections: number }>
  const counts = e.counts as number[][] | null
  const lines = table([
    ['election', text(e.election)], ['title', text(e.title)], ['phase', text(e.phase) + (e.failure ? ` (${text(e.failure)})` : '')],
    ['hash', text(e.election_hash)], ['trustees', `${text(e.trustees)} (threshold ${text(e.threshold)}); registered [${text(e.registered)}], dealt [${text(e.dealt)}], checked [${text(e.checked)}], qualified [${text(e.qualified)}]`],
    ['joint key', text(e.joint_key) ?? '(not yet)'], ['eligible', text(e.eligible)],
    ['opens', isoTime(e.opens_at as string)], ['closes', isoTime(e.closes_at as string)], ['tally by', isoTime(e.tally_by as string)],
    ['ballots', `${text(e.ballots_counted)} counted, ${text(e.ballots_cast)} cast`], ['decrypted by', `[${text(e.decrypted_by)}]`],
  ])
  qs.forEach((q, qi) => {
    lines.push(`question ${qi}: ${q.title} (choose ${q.min_selections}–${q.max_selections})`)
    q.options.forEach((o, oi) => lines.push(`  ${oi}: ${o}${counts ? `  ${counts[qi]![oi]}` : ''}`))
  })
  return lines
}

async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms))
}

export function votingCommands(program: Command, ctx: (cmd: Command) => CliContext): void {
  const voting = program.command('voting').description('verifiable secret-ballot elections: create, trustees (k of n), vote, tally, record, verify')
  const reader = (c: CliContext) => new VotingReader(c.client())

  txOptions(voting.command('create')
    .description('create an election (authority, or an account with the "elections" role)')
    .argument('<election>', 'its id: lowercase letters, digits, . _ -')
    .requiredOption('--title <text>', 'the title')
    .requiredOption('--question <spec>', 'a question "TITLE:opt1,opt2,…[:MIN-MAX]" (default choose 1); repeat for more', collect)
    .requiredOption('--trustees <keys>', 'the trustees: key names or addresses, comma-separated')
    .requiredOption('--threshold <k>', 'how many trustees decrypt the result', intArg('--threshold', 1, 32))
    .option('--voters <keys>', 'the eligible voters: key names or addresses, comma-separated')
    .option('--voter-role <role>', 'or: everyone holding this role now (the snapshot)')
    .option('--opens <when>', 'the window opens: ms, ISO date or +<n>s|m|h|d', '+0s')
    .requiredOption('--closes <when>', 'the window closes: ms, ISO date or +<n>s|m|h|d')
    .option('--setup <when>', 'the key generation must end by then (split in three phases)', '+10m')
    .option('--tally-by <when>', 'partial decryptions are taken until then (after the close)', '+1d'), 'authority')
    .addHelpText('after', '\nExample:\n  polis voting create budget --title "Budget 2027" --question "First project:park,tram,library" \\\n    --trustees trustee-1,trustee-2,trustee-3 --threshold 2 --voter-role citizen --closes +2m')
    .action(async (election: string, o: TxFlags & { title: string; question: string[]; trustees: string; threshold: number; voters?: string; voterRole?: string; opens: string; closes: string; setup: string; tallyBy: string }, cmd: Command) => {
      const c = ctx(cmd)
      if ((o.voters === undefined) === (o.voterRole === undefined)) throw new PolisError('invalid_request', 'say who may vote: --voters KEYS or --voter-role ROLE')
      const now = Date.now()
      const opensAt = timeArg(o.opens, '--opens', now)
      const closesAt = timeArg(o.closes, '--closes', now)
      const setupEnd = timeArg(o.setup, '--setup', now)
      const checkBy = setupEnd < closesAt ? setupEnd : closesAt
      const step = (checkBy - BigInt(now)) / 3n
      if (step < 1000n) throw new PolisError('invalid_request', 'the key generation needs at least 3 s before --setup and --closes')
      const tallyBy = o.tallyBy.startsWith('+') ? closesAt + timeArg(o.tallyBy, '--tally-by', 0) : timeArg(o.tallyBy, '--tally-by', now)
      const list = (s: string) => s.split(',').map((x) => x.trim()).filter(Boolean).map((x) => c.address(x))
      const msg = votingMsgs.create({
        election, title: o.title, questions: o.question.map(questionArg), trustees: list(o.trustees), threshold: o.threshold,
        ...(o.voters !== undefined ? { voters: list(o.voters) } : { voterRole: o.voterRole! }),
        opensAt, closesAt, registerBy: BigInt(now) + step, dealBy: BigInt(now) + 2n * step, checkBy, tallyBy,
      })
      await submit(c, o, [msg], { election }, [`Election ${election} created; the trustees now run: polis voting trustee register ${election} --from KEY`])
    })

  voting.command('list').description('the elections')
    .action(async (_o: unknown, cmd: Command) => {
      const c = ctx(cmd)
      const r = await reader(c).elections()
      c.print(r.elections.length ? r.elections.map(phaseLine) : 'no elections', r)
    })

  voting.command('show').description('an election: questions, trustees, phase, joint key, ballots, result').argument('<election>', 'the election id')
    .action(async (election: string, _o: unknown, cmd: Command) => {
      const c = ctx(cmd)
      const e = (await reader(c).election(election)) as Json
      c.print(() => electionLines(e), e)
    })

  // ---------------------------------------------------------------- trustees
  const trustee = voting.command('trustee').description("a trustee's steps: register, deal, check, decrypt (secrets stay in <home>/voting/, 0600)")
  txOptions(trustee.command('register').description('publish this trustee\'s encryption key (with a proof of knowledge); keeps the secret in the home')
    .argument('<election>', 'the election id'))
    .action(async (election: string, o: TxFlags, cmd: Command) => {
      const c = ctx(cmd)
      const key = c.signer(o.from)
      if (existsSync(secretsPath(c, election, key.address))) throw new PolisError('already_exists', `trustee secrets for "${election}" already exist at ${secretsPath(c, election, key.address)}`)
      const p = prepareRegistration(await reader(c).manifest(election), key.publicKey, systemRandom)
      const path = saveSecrets(c, p.secrets)
      await submit(c, o, [p.msg], { election, trustee: p.secrets.trustee, secrets: path }, [`trustee ${p.secrets.trustee}: secrets kept in ${path}`])
    })
  /** A key-generation step: the chain's manifest and DKG state and the trustee's secrets in; a message and the updated secrets out. */
  const dkgStep = async (election: string, o: TxFlags, cmd: Command, step: typeof prepareDeal | typeof prepareCheck) => {
    const c = ctx(cmd)
    const key = c.signer(o.from)
    const r = reader(c)
    const p = step(await r.manifest(election), await r.dkg(election), loadSecrets(c, election, key.address), systemRandom)
    saveSecrets(c, p.secrets)
    const complaints = 'complaints' in p ? (p.complaints as number[]) : undefined
    const lines = complaints === undefined ? [] : [complaints.length ? `complaints against trustees ${complaints.join(', ')}` : 'every share checked out']
    await submit(c, o, [p.msg], { election, trustee: p.secrets.trustee, ...(complaints ? { complaints } : {}) }, lines)
  }
  txOptions(trustee.command('deal').description('deal: commitments to a random polynomial and a share encrypted to each other trustee')
    .argument('<election>', 'the election id'))
    .action((election: string, o: TxFlags, cmd: Command) => dkgStep(election, o, cmd, prepareDeal))
  txOptions(trustee.command('check').description('open the shares dealt to this trustee; a complaint (decided by the chain) for each bad one')
    .argument('<election>', 'the election id'))
    .action((election: string, o: TxFlags, cmd: Command) => dkgStep(election, o, cmd, prepareCheck))
  txOptions(trustee.command('decrypt').description("post this trustee's partial decryption of the tally (after the window closes)")
    .argument('<election>', 'the election id')
    .option('--wait', 'if the window is still open, wait for it to close (at most 15 minutes)'))
    .action(async (election: string, o: TxFlags & { wait?: boolean }, cmd: Command) => {
      const c = ctx(cmd)
      const key = c.signer(o.from)
      const r = reader(c)
      let e = await r.election(election)
      const left = Number(BigInt(e.closes_at) - BigInt(Date.now()))
      if (left > 0 && o.wait) {
        if (left > 15 * MINUTE) throw new PolisError('invalid_request', `election "${election}" closes in ${Math.ceil(left / MINUTE)} minutes: come back then`)
        c.note(`waiting ${Math.ceil(left / 1000)} s for the window to close…`)
        await sleep(left + 1000)
        e = await r.election(election)
      }
      const msg = preparePartialDecryption(await r.manifest(election), e, await r.aggregate(election), loadSecrets(c, election, key.address), systemRandom)
      await submit(c, o, [msg], { election })
    })

  // ---------------------------------------------------------------- voters
  txOptions(voting.command('vote').description('encrypt a ballot on this machine and cast it (or, with --audit, open it and check it, never cast)')
    .argument('<election>', 'the election id')
    .requiredOption('--choice <choice>', 'an option: its label or number, "Q:option" for question Q; repeat for several', collect)
    .option('--audit', 'Benaloh audit: show and check the opened ballot, do not cast it'))
    .addHelpText('after', '\nExample:\n  polis voting vote budget --choice tram --from citizen-1')
    .action(async (election: string, o: TxFlags & { choice: string[]; audit?: boolean }, cmd: Command) => {
      const c = ctx(cmd)
      const key = c.signer(o.from)
      const r = reader(c)
      const m = await r.manifest(election)
      const e = await r.election(election)
      const selections = selectionsFrom(checkedManifest(m), o.choice)
      const p = prepareBallot(m, e, key.publicKey, selections, systemRandom)
      if (o.audit) {
        const opened = auditPreparedBallot(m, e, key.publicKey, p)
        const data = { election, tracking_code: p.trackingCode, audited: true, cast: false, selections: opened, randomness: p.opening.randomness.map((row) => row.map((x) => x.toString(16).padStart(64, '0'))) }
        c.print([`audited ballot ${p.trackingCode}: it encrypts ${JSON.stringify(opened)} and its proofs verify.`, 'It was NOT cast (an opened ballot never is): vote again to cast a fresh one.'], data)
        return
      }
      await submit(c, o, [p.msg], { election, tracking_code: p.trackingCode }, [`tracking code ${p.trackingCode} (find it with: polis voting ballot ${p.trackingCode})`])
    })

  voting.command('ballot').description('find a ballot on chain by its tracking code').argument('<tracking-code>', '64 hex')
    .action(async (code: string, _o: unknown, cmd: Command) => {
      const c = ctx(cmd)
      const b = (await reader(c).ballot(code.toLowerCase())) as Json
      c.print(table([['election', text(b.election)], ['voter', text(b.voter)], ['height', text(b.height)], ['counted', b.counted ? 'yes' : 'no (replaced by a later ballot)'], ['tracking', text(b.tracking_code)]]), b)
    })

  // ---------------------------------------------------------------- anyone
  voting.command('record').description('export the public election record (docs/VOTING.md §9), read in pages at one height').argument('<election>', 'the election id')
    .option('--out <file>', 'write it to this file (default: print it)')
    .action(async (election: string, o: { out?: string }, cmd: Command) => {
      const c = ctx(cmd)
      const r = reader(c)
      if (!o.out) return void (await writeElectionRecord(r, election, (t) => c.io.out(t)))
      const path = resolve(c.io.cwd, o.out)
      // Written beside the target and renamed at the end: a failed export leaves no partial record.
      const partial = `${path}.partial`
      const fd = openSync(partial, 'w')
      let bar: Progress | undefined
      try {
        await writeElectionRecord(r, election, (t) => void writeSync(fd, t), {
          onProgress: (done, total) => {
            bar ??= progress(c.io, { label: 'record', total, unit: 'ballots', json: c.json })
            bar.update(done)
          },
        })
        closeSync(fd)
      } catch (e) {
        closeSync(fd)
        rmSync(partial, { force: true })
        throw e
      } finally {
        bar?.end()
      }
      renameSync(partial, path)
      c.print(`record of ${election} written to ${path}`, { election, file: path })
    })

  voting.command('verify').description('verify an election from its record alone (no node): every proof, the tally, the result').argument('<record>', 'RECORD.json')
    .option('--workers <n>', 'worker threads checking the ballots', intArg('--workers', 1, 64), VERIFY_WORKERS)
    .action(async (file: string, o: { workers: number }, cmd: Command) => {
      const c = ctx(cmd)
      const path = resolve(c.io.cwd, file)
      let json: unknown
      try {
        json = JSON.parse(readFileSync(path, 'utf8'))
      } catch (e) {
        throw new PolisError('invalid_request', `${path} is not a JSON file: ${(e as Error).message}`)
      }
      const t0 = performance.now()
      let bar: Progress | undefined
      let r: VerificationReport
      try {
        r = await verifyElectionRecordOnWorkers(json, {
          threads: o.workers,
          onProgress: (done, total) => {
            bar ??= progress(c.io, { label: 'verify', total, unit: 'ballots', json: c.json })
            bar.update(done)
          },
        })
      } finally {
        bar?.end()
      }
      const ms = Math.round(performance.now() - t0)
      const timing = `  checked in ${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s (ballots on ${o.workers} worker${o.workers === 1 ? '' : 's'})`
      const summary = r.ok
        ? [`verified: election ${r.electionHash}`, `  ${r.ballotsCast} ballots cast, ${r.ballotsCounted} counted; qualified trustees [${r.qualifiedTrustees.join(', ')}]`,
            r.counts ? `  result ${JSON.stringify(r.counts)} decrypted by trustees [${r.decryptedBy.join(', ')}]` : `  sealed: ${r.decryptedBy.length} partial decryptions, fewer than the threshold`, timing]
        : ['verification FAILED:', ...r.failures.map((f) => `  ${f}`), timing]
      c.print(summary, { ...r, elapsedMs: ms, workers: o.workers })
      if (!r.ok) throw new SilentFailure()
    })
}
