/**
 * `polis simulate transport`, `polis transport eval DIR`, `polis transport table`: the BITS traffic
 * simulator (VeReMi-format logs), the VeReMi-style evaluation of the RSU analyser, and the
 * evaluation table of docs/TRANSPORT.md. Off-chain tools; no node needed.
 */
import type { Command } from 'commander'
import { PolisError } from '../../app/errors.js'
import { evaluateDir, formatReport } from '../../transport/eval.js'
import { simulate } from '../../transport/sim.js'
import { ALL_ATTACKS, evaluationTable, formatTable } from '../../transport/table.js'
import { AttackerType, extensionCodes, type AttackClass } from '../../transport/veremi.js'
import type { CliContext } from '../context.js'
import { intArg } from '../args.js'

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
  const sim = program.commands.find((c) => c.name() === 'simulate') ?? program.command('simulate').description('off-chain simulators that write data sets')
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
      const r = simulate({ seed: o.seed, vehicles: o.vehicles, duration: o.duration, attack: o.attack, attackerShare: o.share, rsus: o.rsus, grid: o.grid }, o.out)
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
        r = evaluateDir(dir, { grid: o.grid, sticky: o.sticky, codeMap: o.extensionCodes ? extensionCodes : undefined })
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
}
