/**
 * `polis simulate transport`, `polis transport eval DIR`, `polis transport table`: the BITS traffic
 * simulator (VeReMi-format logs), the VeReMi-style evaluation of the RSU analyser, and the
 * evaluation table of docs/TRANSPORT.md (off-chain; no node needed). `polis transport replay DIR`
 * drives a simulated city's RSUs against a node; `polis transport verify-report` checks one signed
 * report against the window root on chain; `polis transport reputation|flagged|events` read the chain.
 */
import type { Command } from 'commander'
import { PolisError } from '../../base/errors.js'
import { evaluateDir, formatReport } from '../../transport/eval.js'
import { simulate } from '../../transport/sim.js'
import { ALL_ATTACKS, evaluationTable, formatTable } from '../../transport/table.js'
import { AttackerType, extensionCodes, type AttackClass } from '../../transport/veremi.js'
import type { CliContext } from '../context.js'
import { commandGroup, intArg } from '../args.js'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { fromHex, toHex } from '../../base/bytes.js'
import { leafHash, auditPath, verifyInclusion } from '../../transport/merkle.js'
import { openReport, simVehicleKey } from '../../transport/report.js'
import { readCityConfig, registerCity, replayCity, type ChainPort } from '../../transport/replay.js'
import { progress } from '../progress.js'
import { SilentFailure } from './tx.js'

/** The chain as the replay sees it, through the node's HTTP API. */
function httpPort(c: CliContext): ChainPort {
  const client = c.client()
  const query = <T>(path: string, params: Record<string, string> = {}) => {
    const [m, n] = path.split('/') as [string, string]
    return client.query<T>(m, n, params)
  }
  return {
    query,
    send: async (from, msgs) => {
      const r = await client.signAndSubmit(from, msgs, { allowFailure: true, timeoutMs: 60_000 })
      return { code: r.code, log: r.log, events: r.events }
    },
  }
}

const attackArg = (v: string): AttackClass => {
  if (!(v in AttackerType)) throw new PolisError('invalid_request', `unknown attack "${v}" (${Object.keys(AttackerType).join(', ')})`)
  return v as AttackClass
}
const shareArg = (v: string): number => {
  const n = Number(v)
  if (!(n >= 0 && n <= 100)) throw new PolisError('invalid_request', 'attacker share is a percentage, 0–100')
  return n / 100
}
const gridArg = (v: string) => {
  const m = /^(\d{1,3})x(\d{1,5})$/.exec(v)
  if (!m || Number(m[1]) < 1 || Number(m[2]) < 10) throw new PolisError('invalid_request', 'grid is BLOCKSxLENGTH, e.g. 4x200')
  return { blocks: Number(m[1]), blockLength: Number(m[2]) }
}

export function transportCommands(program: Command, ctx: (cmd: Command) => CliContext): void {
  const sim = commandGroup(program, 'simulate')
  sim.command('transport')
    .description('a road grid with vehicles, RSUs and one class of attackers; writes VeReMi-format logs (per-receiver JSON lines, ground truth)')
    .requiredOption('--out <dir>', 'output directory')
    .option('--seed <n>', 'seed', intArg('--seed', 0, 2 ** 31), 1)
    .option('--vehicles <n>', 'vehicles', intArg('--vehicles', 1, 100_000), 40)
    .option('--duration <s>', 'simulated seconds', intArg('--duration', 1, 86_400), 100)
    .option('--attack <class>', `attack class: ${ALL_ATTACKS.join(', ')}`, attackArg, 'constPos' as AttackClass)
    .option('--share <percent>', 'attackers, % of vehicles', shareArg, 0.2)
    .option('--rsus <n>', 'road-side units (RSUlog-<i>.json)', intArg('--rsus', 0, 10_000), 0)
    .option('--grid <BxL>', 'grid: blocks per side x block length (m)', gridArg, { blocks: 4, blockLength: 200 })
    .action((o: { out: string; seed: number; vehicles: number; duration: number; attack: AttackClass; share: number; rsus: number; grid: { blocks: number; blockLength: number } }, cmd: Command) => {
      const c = ctx(cmd)
      const r = simulate({ seed: o.seed, vehicles: o.vehicles, duration: o.duration, attack: o.attack, attackerShare: o.share, rsus: o.rsus, grid: o.grid }, resolve(c.io.cwd, o.out))
      const summary = { dir: o.out, receivers: r.files.length, rsus: r.rsuFiles.length, messages: r.messages, received: r.received, attackers: r.attackers }
      c.io.out(c.json ? JSON.stringify(summary) + '\n' : `${o.out}: ${r.files.length} vehicles (${r.attackers.length} attackers: ${o.attack}), ${r.rsuFiles.length} RSUs, ${r.messages} beacons sent, ${r.received} received\n`)
    })

  const t = program.command('transport').description('BITS transport: evaluate the RSU analyser on VeReMi-format logs (docs/TRANSPORT.md)')
  t.command('eval <dir>')
    .description("run the RSU analyser's plausibility checks on every receiver log of a VeReMi-format directory; TP/FP/TN/FN, precision, recall, F1 per attack class")
    .option('--grid <BxL>', 'the road grid, enabling the on-road check (Polis simulations only)', gridArg)
    .option('--sticky', 'once a sender fails a check, keep flagging it')
    .option('--extension-codes', "the ground truth uses the VeReMi extension's attacker numbers")
    .action((dir: string, o: { grid?: { blocks: number; blockLength: number }; sticky?: boolean; extensionCodes?: boolean }, cmd: Command) => {
      const c = ctx(cmd)
      let r
      try {
        r = evaluateDir(resolve(c.io.cwd, dir), { grid: o.grid, sticky: o.sticky, codeMap: o.extensionCodes ? extensionCodes : undefined })
      } catch (e) {
        throw new PolisError('invalid_request', (e as Error).message)
      }
      c.io.out(c.json ? JSON.stringify(r) + '\n' : formatReport(r) + '\n')
    })
  t.command('table')
    .description('the evaluation table: every attack class × attacker share, mean ± std over seeds (markdown)')
    .option('--seeds <n>', 'seeds per cell', intArg('--seeds', 1, 100), 3)
    .option('--vehicles <n>', 'vehicles per simulation', intArg('--vehicles', 2, 10_000), 40)
    .option('--duration <s>', 'simulated seconds', intArg('--duration', 1, 86_400), 100)
    .option('--sticky', 'once a sender fails a check, keep flagging it')
    .action((o: { seeds: number; vehicles: number; duration: number; sticky?: boolean }, cmd: Command) => {
      const c = ctx(cmd)
      const rows = evaluationTable({ seeds: Array.from({ length: o.seeds }, (_, i) => i + 1), sim: { vehicles: o.vehicles, duration: o.duration }, eval: { sticky: o.sticky } })
      c.io.out(c.json ? JSON.stringify(rows) + '\n' : formatTable(rows) + '\n')
    })

  t.command('replay <dir>')
    .description("drive a simulated city against the node: register its vehicles and RSUs (--from: a key of the transport department), then every RSU verifies, analyses and submits its windows")
    .requiredOption('--from <key>', 'a key with the transport role (it registers the vehicles and RSUs and owns the vehicles)')
    .option('--grid <BxL>', 'the road grid, enabling the on-road check and traffic per segment', gridArg, { blocks: 4, blockLength: 200 })
    .option('--window <s>', 'seconds of simulated time per chain window', intArg('--window', 1, 3600), 10)
    .action(async (dir: string, o: { from: string; grid: { blocks: number; blockLength: number }; window: number }, cmd: Command) => {
      const c = ctx(cmd)
      const port = httpPort(c)
      const at = resolve(c.io.cwd, dir)
      try {
        if (!(readCityConfig(at).rsus > 0)) throw new Error(`${dir} has no RSUs: simulate with --rsus N`)
      } catch (e) {
        throw new PolisError('invalid_request', (e as Error).message)
      }
      const city = readCityConfig(at) // read without error above
      let reg
      try {
        reg = await registerCity(at, port, c.signer(o.from))
      } catch (e) {
        if (e instanceof PolisError) throw e
        throw new PolisError('invalid_request', (e as Error).message)
      }
      const bar = progress(c.io, { label: 'replay', total: Math.ceil(city.duration / o.window), unit: 'windows', json: c.json })
      const s = await replayCity(at, port, { windowSeconds: o.window, analyser: { grid: o.grid, sticky: true }, writeWindows: true, onWindow: (k) => bar.update(k + 1) }).finally(() => bar.end())
      c.print([
        `registered ${reg.vehicles} vehicles and ${reg.rsus} RSUs`,
        `${s.windows} windows from chain window ${s.firstWindow}: ${s.submissions} RSU submissions, ${s.reports} signed reports`,
        `refused: ${Object.entries(s.refused).map(([k, n]) => `${n} ${k}`).join(', ')}`,
        `events confirmed: ${s.events}`,
        `flagged on chain: ${s.flaggedIds.length ? `vehicles ${s.flaggedIds.join(' ')}` : 'none'}`,
        `attackers:        ${s.attackerIds.length ? `vehicles ${s.attackerIds.join(' ')}` : 'none'}`,
        `window files (for verify-report): ${resolve(at, 'windows')}`,
      ], { ...s, firstWindow: s.firstWindow.toString(), registered: reg })
    })
  t.command('verify-report <file>')
    .description("check one signed report against the Merkle root an RSU put on chain: FILE is a window file written by replay (then --index) or a proof {rsu, window, index, size, report, path}")
    .option('--index <n>', 'the report in a window file', intArg('--index', 0, 2 ** 31), 0)
    .action(async (file: string, o: { index: number }, cmd: Command) => {
      const c = ctx(cmd)
      let doc: { rsu: string; window: string; reports?: string[]; index?: number; size?: number; report?: string; path?: string[] }
      try {
        doc = JSON.parse(readFileSync(resolve(c.io.cwd, file), 'utf8'))
      } catch (e) {
        throw new PolisError('invalid_request', `cannot read ${file}: ${(e as Error).message}`)
      }
      let index: number, size: number, report: Uint8Array, path: Uint8Array[]
      if (Array.isArray(doc.reports)) {
        if (o.index >= doc.reports.length) throw new PolisError('invalid_request', `the window holds ${doc.reports.length} reports`)
        const leaves = doc.reports.map((r) => leafHash(fromHex(r)))
        index = o.index, size = doc.reports.length, report = fromHex(doc.reports[o.index]!), path = auditPath(leaves, index)
      } else {
        if (typeof doc.report !== 'string' || !Array.isArray(doc.path) || !Number.isSafeInteger(doc.index) || !Number.isSafeInteger(doc.size)) {
          throw new PolisError('invalid_request', 'a proof needs report, path, index and size')
        }
        index = doc.index!, size = doc.size!, report = fromHex(doc.report), path = doc.path.map(fromHex)
      }
      const onChain = await c.client().query<{ root: string; size: string }>('transport', 'window', { rsu: doc.rsu, window: String(doc.window) })
      const opened = openReport(report)
      // the tree size on chain (when the RSU gave it) must be the proof's: a proof against another size is not one of this window
      const included = (onChain.size === '0' || onChain.size === String(size)) && verifyInclusion(report, index, size, path, fromHex(onChain.root))
      const r = opened.report
      const what = r.kind === 'cam'
        ? `status at (${r.x / 100}, ${r.y / 100}) m, ${r.speed / 100} m/s, heading ${r.heading / 10}°, t ${r.t / 1000} s`
        : `${r.event} at (${r.x / 100}, ${r.y / 100}) m, t ${r.t / 1000} s`
      c.print([
        `report ${index} of ${size} in RSU ${doc.rsu.slice(0, 16)}… window ${doc.window}`,
        `vehicle    ${c.nameOf(toHex(r.station)) ?? toHex(r.station)}`,
        `content    ${what}`,
        `signature  ${opened.valid ? 'ok' : 'INVALID'}`,
        `inclusion  ${included ? `ok (root ${onChain.root.slice(0, 16)}… on chain)` : 'NOT under the root on chain'}`,
      ], { index, size, vehicle: toHex(r.station), report: { ...r, station: toHex(r.station) }, signature_ok: opened.valid, included, root: onChain.root })
      if (!opened.valid || !included) throw new SilentFailure()
    })
  t.command('reputation <vehicle>')
    .description("a vehicle's reputation on chain: its device key (a key name or 64 hex), or with --sim DIR a simulated vehicle's id")
    .option('--sim <dir>', 'VEHICLE is the sender id of a vehicle of this simulated city')
    .action(async (vehicle: string, o: { sim?: string }, cmd: Command) => {
      const c = ctx(cmd)
      let key: Uint8Array
      if (o.sim) {
        if (!/^\d{1,9}$/.test(vehicle)) throw new PolisError('invalid_request', 'with --sim, VEHICLE is a sender id (a number)')
        key = simVehicleKey(readCityConfig(resolve(c.io.cwd, o.sim)).seed, Number(vehicle)).publicKey
      } else key = c.address(vehicle)
      const r = await c.client().query<{ vehicle: string; score_permille: string; flagged: boolean; alpha: string; beta: string; last_window: string }>('transport', 'reputation', { vehicle: toHex(key) })
      c.print([`vehicle  ${r.vehicle}`, `score    ${r.score_permille} ‰ (alpha ${r.alpha}, beta ${r.beta}, last window ${r.last_window})`, `flagged  ${r.flagged ? 'yes' : 'no'}`], r)
    })
  t.command('flagged')
    .description('vehicles flagged on chain, with the window that flagged them')
    .action(async (_o: unknown, cmd: Command) => {
      const c = ctx(cmd)
      const r = (await c.client().query<{ flagged: Array<{ vehicle: string; window: string }> }>('transport', 'flagged', {})).flagged
      c.print(r.length ? r.map((f) => `${f.vehicle}  flagged in window ${f.window}`) : ['none'], r)
    })
  t.command('events')
    .description('event reports (congestion, accident, hazard) confirmed on chain by independent reputable vehicles')
    .action(async (_o: unknown, cmd: Command) => {
      const c = ctx(cmd)
      const r = (await c.client().query<{ events: Array<{ event: string; window: string; x: string; y: string; reporters: string; rsus: number }> }>('transport', 'events', {})).events
      c.print(r.length ? r.map((e) => `${e.event} at (${e.x}, ${e.y}) m in window ${e.window}: ${e.reporters} reporters through ${e.rsus} RSUs`) : ['none'], r)
    })
}
