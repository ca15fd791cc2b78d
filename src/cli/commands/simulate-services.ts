/** `polis simulate services`: a seeded month of a city's services on an in-process chain, and its report. */
import type { Command } from 'commander'
import type { CliContext } from '../context.js'
import { commandGroup, intArg } from '../args.js'
import { simulateServices, type SimReport } from '../../services/simulate.js'
import { progress } from '../progress.js'

function lines(r: SimReport): string[] {
  const b = r.bills
  const c = r.complaints
  const e = r.energy
  return [
    `A city of ${r.citizens} citizens, ${r.days} days (seed ${r.seed}): ${r.blocks} blocks, ${r.transactions} transactions (refused: ${Object.entries(r.refused).map(([k, n]) => `${n} ${k}`).join(', ') || 'none'}); app hash ${r.appHash}`,
    '',
    `Bills: ${b.issued} issued, ${b.paidInFull} paid in full (${b.paidLate} after the due date, ${b.partialPayments} in two payments), ${b.unpaid} unpaid, ${b.overdueMarked} marked overdue`,
    ...b.departments.map((d) => `  ${d.department.padEnd(12)} billed ${d.billed.padStart(9)}  collected ${d.collected.padStart(9)}  outstanding ${d.outstanding.padStart(9)}  treasury ${d.treasury.padStart(9)}  ${d.reconciled ? 'reconciled with the bank' : 'NOT RECONCILED'}`),
    '',
    `Complaints: ${c.filed} filed, ${c.resolved} resolved, ${c.rejected} rejected, ${c.reopened} reopened, ${c.open} open; ${c.slaBreaches} past their SLA`,
    ...c.services.map((s) => `  ${s.service_code.padEnd(14)} SLA ${String(s.sla_hours).padStart(3)} h  filed ${String(s.filed).padStart(4)}  closed ${String(s.closed).padStart(4)}  breaches ${String(s.breaches).padStart(3)}  median resolution ${s.median_resolution_hours ?? '-'} h`),
    '',
    `Vehicles: ${r.vehicles.registered} registered, ${r.vehicles.sold} sold`,
    `Energy: ${e.prosumers} prosumers; ${e.slotsCleared} slots traded, ${e.slotsSettled} settled; offered ${e.offeredWh} Wh, matched ${e.matchedWh} Wh, delivered ${e.deliveredWh} Wh`,
    `  escrowed ${e.escrowed}, paid to sellers ${e.paid}, refunded to buyers ${e.refunded}, left in escrow ${e.escrowLeft} (slots not yet settled)`,
    `Tokens: supply ${r.conservation.supply}, sum of balances ${r.conservation.sumOfBalances}: ${r.conservation.conserved ? 'conserved' : 'NOT CONSERVED'}`,
  ]
}

export function simulateServicesCommand(program: Command, ctx: (cmd: Command) => CliContext): void {
  const sim = commandGroup(program, 'simulate')
  sim.command('services')
    .description('a seeded month of a city on an in-process chain: bills and payments (some late), complaints with per-service resolution times and SLA breaches, vehicle sales, hourly energy slots; prints a report read from chain state')
    .option('--seed <n>', 'seed', intArg('--seed', 0, 2 ** 31), 1)
    .option('--citizens <n>', 'citizens', intArg('--citizens', 2, 5_000), 100)
    .option('--days <n>', 'simulated days (one block an hour)', intArg('--days', 1, 62), 30)
    .addHelpText('after', '\nExample:\n  polis simulate services --citizens 200 --days 30 --seed 7')
    .action(async (o: { seed: number; citizens: number; days: number }, cmd: Command) => {
      const c = ctx(cmd)
      const bar = progress(c.io, { label: 'simulate', total: o.days * 24, unit: 'hours', json: c.json })
      const r = await simulateServices({ seed: o.seed, citizens: o.citizens, days: o.days, onProgress: (h) => bar.update(h) }).finally(() => bar.end())
      c.print(() => lines(r), r)
    })
}
