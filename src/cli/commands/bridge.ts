/** `polis tx bridge transfer` and `polis query bridge …`: the cross-city bridge (docs/BRIDGE.md). */
import type { Command } from 'commander'
import { PolisError } from '../../app/errors.js'
import { toAmount } from '../../sdk/msgs.js'
import type { Msg } from '../../app/tx.js'
import type { CliContext } from '../context.js'
import { table } from '../format.js'
import { submit, txOptions, type TxFlags } from './tx.js'

type Json = Record<string, unknown>
const text = (v: unknown) => (v === null || v === undefined ? undefined : String(v))
const uint = (v: string, what: string) => {
  if (!/^[0-9]{1,20}$/.test(v)) throw new PolisError('invalid_request', `${what} must be a non-negative integer (got "${v}")`)
  return BigInt(v)
}

export function bridgeCommands(program: Command, ctx: (cmd: Command) => CliContext): void {
  const tx = program.commands.find((c) => c.name() === 'tx') ?? program.command('tx').description('sign and submit transactions')
  const bt = tx.command('bridge').description('send tokens to another city over the bridge (relayers carry the packets)')
  txOptions(bt.command('transfer')
    .description('escrow (or burn a voucher) and send a transfer packet to the counterparty chain of a client')
    .argument('<client>', 'the light client of the destination chain, e.g. 07-tendermint-0 (see polis query bridge clients)')
    .argument('<receiver>', 'the receiver on the destination chain: a key name or an address (64 hex)')
    .argument('<amount>', 'whole number of the smallest unit')
    .option('--denom <denom>', "denomination: native, or an ibc/<hash> voucher (default: the chain's native one)")
    .option('--timeout-height <h>', 'a destination height after which the packet expires (0: none)', '0')
    .option('--timeout-time <ms>', 'a destination block time (ms since the epoch) after which it expires (default: in 10 minutes)'))
    .addHelpText('after', '\nExample:\n  polis tx bridge transfer 07-tendermint-0 citizen-2 100 --from citizen-1')
    .action(async (client: string, receiver: string, amount: string, o: TxFlags & { denom?: string; timeoutHeight: string; timeoutTime?: string }, cmd: Command) => {
      const c = ctx(cmd)
      const value: Msg['value'] = {
        client_id: client, amount: toAmount(amount), receiver: c.address(receiver),
        timeout_height: uint(o.timeoutHeight, '--timeout-height'), timeout_time: o.timeoutTime === undefined ? BigInt(Date.now() + 600_000) : uint(o.timeoutTime, '--timeout-time'),
      }
      if (o.denom !== undefined) value.denom = o.denom
      await submit(c, o, [{ type: 'bridge/transfer', value }])
    })

  const q = program.commands.find((c) => c.name() === 'query') ?? program.command('query').description('read state from the node')
  const bq = q.command('bridge').description('bridge light clients, escrowed amounts, packets and voucher denominations')
  const ask = (c: CliContext, name: string, params: Record<string, string | undefined>) => c.client().query<Json>('bridge', name, params)
  bq.command('clients').description('the light clients of counterparty chains')
    .action(async (_o: unknown, cmd: Command) => {
      const c = ctx(cmd)
      const r = await ask(c, 'clients', {})
      const list = (r.clients as Json[]) ?? []
      c.print(list.length ? list.map((x) => `${text(x.client_id)}  chain ${text(x.chain_id)}  height ${text(x.latest_height)}${x.frozen_height ? `  FROZEN at ${text(x.frozen_height)}` : ''}`) : 'no clients', r)
    })
  bq.command('client').description('one light client: counterparty, validator, latest height').argument('<client>', 'the client id')
    .action(async (client: string, _o: unknown, cmd: Command) => {
      const c = ctx(cmd)
      const r = await ask(c, 'client', { client_id: client })
      c.print(table(Object.entries(r).map(([k, v]) => [k, text(v)] as [string, string | undefined])), r)
    })
  bq.command('escrow').description('what is escrowed for a client (tokens sent out over it)').argument('<client>', 'the client id')
    .option('--denom <denom>', "denomination (default: the chain's native one)")
    .action(async (client: string, o: { denom?: string }, cmd: Command) => {
      const c = ctx(cmd)
      const r = await ask(c, 'escrow', { client_id: client, denom: o.denom })
      c.print(`${text(r.amount)} ${text(r.denom)} escrowed for ${text(r.client_id)}`, r)
    })
  bq.command('packet').description('a sent packet: commitment, receipt, acknowledgement').argument('<client>', 'the client id').argument('<sequence>', 'the packet sequence')
    .action(async (client: string, sequence: string, _o: unknown, cmd: Command) => {
      const c = ctx(cmd)
      const r = await ask(c, 'packet', { client_id: client, sequence: uint(sequence, 'sequence').toString() })
      c.print(table(Object.entries(r).map(([k, v]) => [k, text(v) ?? '-'] as [string, string])), r)
    })
  bq.command('denom-trace').description('where a voucher denomination comes from').argument('<denom>', 'ibc/<hash> or the 64-hex hash')
    .action(async (denom: string, _o: unknown, cmd: Command) => {
      const c = ctx(cmd)
      const hash = denom.startsWith('ibc/') ? denom.slice(4) : denom
      if (!/^[0-9a-fA-F]{64}$/.test(hash)) throw new PolisError('invalid_request', 'denom must be ibc/<64 hex> or 64 hex')
      const r = await ask(c, 'denom-trace', { hash: hash.toLowerCase() })
      c.print(`${text(r.denom)} = ${typeof r.trace === 'string' ? r.trace : JSON.stringify(r.trace)}`, r)
    })
}
