/** `polis tx bills …` and `polis query bills …`: a department issues bills, a citizen pays them into its treasury. */
import { isoMs } from '../../base/human-time.js'
import type { Command } from 'commander'
import { PolisError } from '../../base/errors.js'
import { toHex } from '../../base/bytes.js'
import { MODULE, billsMsgs } from '../../modules/bills/types.js'
import { toAmount } from '../../sdk/msgs.js'
import { commandGroup } from '../args.js'
import type { CliContext } from '../context.js'
import { table, text, type Json } from '../format.js'
import { heightOf, heightOpt, hex32, positive } from './service-args.js'
import { submit, txOptions, type TxFlags } from './tx.js'

/** A due date: milliseconds since the epoch, an ISO date, or +<n>d (n days from now). */
function dueAt(v: string): bigint {
  const rel = /^\+([0-9]{1,5})d$/.exec(v)
  if (rel) return BigInt(Date.now() + Number(rel[1]) * 86_400_000)
  if (/^[0-9]{1,16}$/.test(v)) return BigInt(v)
  const t = Date.parse(v)
  if (Number.isNaN(t)) throw new PolisError('invalid_request', `--due must be milliseconds since the epoch, an ISO date, or +<days>d (got "${v}")`)
  return BigInt(t)
}

const billOf = (v: string) => BigInt(positive(v, 'bill'))

export function billsCommands(program: Command, ctx: (cmd: Command) => CliContext): void {
  const bills = commandGroup(program, 'tx').command('bills').description('utility bills: a department (electricity, parking, tax, water) issues, a citizen pays into its treasury')
  txOptions(bills.command('issue')
    .description('issue a bill to a citizen (signed by a key with the department role)')
    .argument('<department>', 'electricity, parking, tax or water')
    .argument('<citizen>', 'who owes it: a key name or an address')
    .argument('<amount>', 'whole number of the smallest unit')
    .requiredOption('--service <code>', 'the billed service, e.g. water-supply')
    .requiredOption('--reference <ref>', "the department's reference, e.g. W-2026-0001")
    .option('--due <when>', 'due date: ms since the epoch, an ISO date, or +<days>d', '+30d')
    .option('--details <hex>', 'a 32-byte salted commitment to the off-chain bill record (64 hex)'))
    .addHelpText('after', '\nExample:\n  polis tx bills issue water citizen-1 1200 --service water-supply --reference W-0001 --from water-dept')
    .action(async (department: string, citizen: string, amount: string, o: TxFlags & { service: string; reference: string; due: string; details?: string }, cmd: Command) => {
      const c = ctx(cmd)
      await submit(c, o, [billsMsgs.issue({
        department, citizen: c.address(citizen), amount: toAmount(amount), dueAt: dueAt(o.due), service: o.service, reference: o.reference,
        details: o.details === undefined ? undefined : hex32(o.details, '--details must be a 32-byte commitment (64 hex)'),
      })])
    })
  txOptions(bills.command('pay')
    .description("pay a bill (in full, or --amount for part of it); the tokens go to the department's treasury")
    .argument('<bill>', 'the bill id')
    .argument('<department>', 'the department that issued it')
    .option('--amount <n>', 'pay only this much (default: what is outstanding)'))
    .addHelpText('after', '\nExample:\n  polis tx bills pay 1 water --from citizen-1')
    .action(async (bill: string, department: string, o: TxFlags & { amount?: string }, cmd: Command) => {
      await submit(ctx(cmd), o, [billsMsgs.pay({ bill: billOf(bill), department, amount: o.amount === undefined ? undefined : toAmount(o.amount) })])
    })
  txOptions(bills.command('cancel')
    .description('cancel a bill (what was paid is refunded to the payers)')
    .argument('<bill>', 'the bill id')
    .requiredOption('--reason <text>', 'why (kept on chain)'))
    .action(async (bill: string, o: TxFlags & { reason: string }, cmd: Command) => {
      await submit(ctx(cmd), o, [billsMsgs.cancel({ bill: billOf(bill), reason: o.reason })])
    })
  txOptions(bills.command('correct')
    .description("correct a bill's amount and/or due date")
    .argument('<bill>', 'the bill id')
    .requiredOption('--reason <text>', 'why (kept on chain)')
    .option('--amount <n>', 'the new amount')
    .option('--due <when>', 'the new due date: ms since the epoch, an ISO date, or +<days>d'))
    .action(async (bill: string, o: TxFlags & { reason: string; amount?: string; due?: string }, cmd: Command) => {
      const msg = billsMsgs.correct({
        bill: billOf(bill), reason: o.reason, amount: o.amount === undefined ? undefined : toAmount(o.amount), dueAt: o.due === undefined ? undefined : dueAt(o.due),
      })
      if (o.amount === undefined && o.due === undefined) throw new PolisError('invalid_request', 'a correction changes --amount or --due')
      await submit(ctx(cmd), o, [msg])
    })
  txOptions(bills.command('withdraw')
    .description("move tokens out of a department's treasury")
    .argument('<department>', 'the department')
    .argument('<to>', 'recipient: a key name or an address')
    .argument('<amount>', 'whole number of the smallest unit')
    .requiredOption('--reason <text>', 'why (kept on chain)'))
    .action(async (department: string, to: string, amount: string, o: TxFlags & { reason: string }, cmd: Command) => {
      const c = ctx(cmd)
      await submit(c, o, [billsMsgs.withdraw({ department, to: c.address(to), amount: toAmount(amount), reason: o.reason })])
    })

  const q = commandGroup(program, 'query').command('bills').description('bills, receipts, corrections and department totals')
  const ask = async (cmd: Command, name: string, params: Record<string, string | undefined>, height?: string): Promise<Json> =>
    ctx(cmd).client().query<Json>(MODULE, name, params, { height: heightOf(height) })
  // instants (…_at) for people: ISO 8601 (the --json form keeps ms since the epoch)
  const when = (k: string, v: unknown) => (/_at$/.test(k) && typeof v === 'string' && /^[0-9]+$/.test(v) ? isoMs(v) : text(v))
  const billLines = (b: Json) => table(Object.entries(b).map(([k, v]) => [k, when(k, v)] as [string, string | undefined]))

  heightOpt(q.command('bill').description('one bill: amount, paid, outstanding, due date, status').argument('<bill>', 'the bill id'))
    .action(async (bill: string, o: { height?: string }, cmd: Command) => {
      const r = await ask(cmd, 'bill', { bill: positive(bill, 'bill') }, o.height)
      ctx(cmd).print(billLines(r), r)
    })
  heightOpt(q.command('list').description("a citizen's bills, oldest first").argument('<citizen>', 'a key name or an address')
    .option('--limit <n>', 'at most this many').option('--after <bill>', 'start after this bill id'))
    .action(async (who: string, o: { height?: string; limit?: string; after?: string }, cmd: Command) => {
      const c = ctx(cmd)
      const r = await ask(cmd, 'bills', { citizen: toHex(c.address(who)), limit: o.limit, after: o.after }, o.height)
      const list = (r.bills as Json[]) ?? []
      c.print(list.length ? list.map((b) => `bill ${text(b.id ?? b.bill)}  ${text(b.department)}  ${text(b.amount)} (paid ${text(b.paid)})  ${text(b.status)}  ${text(b.reference)}`) : 'no bills', r)
    })
  heightOpt(q.command('receipts').description('the receipts of a bill').argument('<bill>', 'the bill id'))
    .action(async (bill: string, o: { height?: string }, cmd: Command) => {
      const r = await ask(cmd, 'receipts', { bill: positive(bill, 'bill') }, o.height)
      const list = (r.receipts as Json[]) ?? []
      ctx(cmd).print(list.length ? list.map((x) => table(Object.entries(x).map(([k, v]) => [k, when(k, v)] as [string, string | undefined]), '  ').join('\n')) : 'no receipts', r)
    })
  heightOpt(q.command('changes').description('the corrections and cancellation of a bill').argument('<bill>', 'the bill id'))
    .action(async (bill: string, o: { height?: string }, cmd: Command) => {
      const r = await ask(cmd, 'changes', { bill: positive(bill, 'bill') }, o.height)
      const list = (r.changes as Json[]) ?? []
      ctx(cmd).print(list.length ? list.map((x) => `#${text(x.seq)} ${text(x.kind)}: amount ${text(x.old_amount)} -> ${text(x.new_amount)}, due ${when('old_due_at', x.old_due_at)} -> ${when('new_due_at', x.new_due_at)} (${text(x.reason)})`) : 'no changes', r)
    })
  heightOpt(q.command('totals').description("a department's totals and its treasury balance").argument('<department>', 'electricity, parking, tax or water'))
    .action(async (department: string, o: { height?: string }, cmd: Command) => {
      const r = await ask(cmd, 'totals', { department }, o.height)
      ctx(cmd).print(billLines(r), r)
    })
  q.command('departments').description('the departments and their treasury addresses')
    .action(async (_o: unknown, cmd: Command) => {
      const r = await ask(cmd, 'departments', {})
      ctx(cmd).print(((r.departments as Json[]) ?? []).map((d) => `${text(d.department)}  treasury ${text(d.treasury)}`), r)
    })
}
