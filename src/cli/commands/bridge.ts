/**
 * `polis tx bridge transfer|vehicle-transfer|share-indicators`, `polis tx threat-intel …`,
 * `polis query bridge …` and `polis query threat-intel …`: the cross-city bridge and its apps (docs/BRIDGE.md).
 */
import { commandGroup } from '../args.js'
import { readFileSync } from 'node:fs'
import type { Command } from 'commander'
import { PolisError } from '../../base/errors.js'
import { toAmount } from '../../sdk/msgs.js'
import { bridge, threatIntel } from '../../sdk/bridge.js'
import { fromHex, toHex, utf8 } from '../../base/bytes.js'
import { leafHash } from '../../crypto/merkle.js'
import { INDICATOR_KINDS, normalizeIndicator, type Indicator } from '../../modules/siem/indicators.js'
import type { CliContext } from '../context.js'
import { table, text, type Json } from '../format.js'
import { vehicleId } from './vehicles.js'
import { submit, txOptions, type TxFlags } from './tx.js'

const uint = (v: string, what: string) => {
  if (!/^[0-9]{1,20}$/.test(v)) throw new PolisError('invalid_request', `${what} must be a non-negative integer (got "${v}")`)
  return BigInt(v)
}

type TimeoutFlags = { timeoutHeight: string; timeoutTime?: string }
const timeoutOptions = (cmd: Command) => cmd
  .option('--timeout-height <h>', 'a destination height after which the packet expires (0: none)', '0')
  .option('--timeout-time <ms>', 'a destination block time (ms since the epoch) after which it expires (default: in 10 minutes)')
const timeoutsOf = (o: TimeoutFlags) => ({
  timeoutHeight: uint(o.timeoutHeight, '--timeout-height'), timeoutTimeMs: o.timeoutTime === undefined ? BigInt(Date.now() + 600_000) : uint(o.timeoutTime, '--timeout-time'),
})

/** "kind:value" (an IPv6 address keeps its colons: the kind ends at the first one). */
function indicatorArg(s: string): Indicator {
  const at = s.indexOf(':')
  const i = at < 0 ? undefined : normalizeIndicator(s.slice(0, at), s.slice(at + 1))
  if (!i) throw new PolisError('invalid_request', `indicator "${s}" must be kind:value with kind ${INDICATOR_KINDS.join(', ')} (e.g. ip:203.0.113.7)`)
  return i
}

/** The lines of the log files that are evidence of the alert (by RFC 9162 leaf hash): the entries the chain checks the indicators against. */
async function evidenceEntries(c: CliContext, alert: string, files: string[]): Promise<Uint8Array[]> {
  if (files.length === 0) return []
  const a = await c.client().query<{ evidence: Array<{ leaf_hash: string }> }>('siem', 'alert', { id: alert })
  const wanted = new Set(a.evidence.map((e) => e.leaf_hash))
  const out = new Map<string, Uint8Array>()
  for (const f of files) {
    for (const line of readFileSync(f, 'utf8').split('\n')) {
      const entry = utf8(line)
      const h = toHex(leafHash(entry))
      if (line.length > 0 && wanted.has(h)) out.set(h, entry)
    }
  }
  if (out.size === 0) throw new PolisError('invalid_request', `no line of ${files.join(', ')} is an evidence entry of alert ${alert}`)
  return [...out.values()]
}

export function bridgeCommands(program: Command, ctx: (cmd: Command) => CliContext): void {
  const tx = commandGroup(program, 'tx')
  const bt = tx.command('bridge').description('send tokens, vehicles and threat indicators to another city over the bridge (relayers carry the packets)')
  txOptions(timeoutOptions(bt.command('transfer')
    .description('escrow (or burn a voucher) and send a transfer packet to the counterparty chain of a client')
    .argument('<client>', 'the light client of the destination chain, e.g. 07-tendermint-0 (see polis query bridge clients)')
    .argument('<receiver>', 'the receiver on the destination chain: a key name or an address (64 hex)')
    .argument('<amount>', 'whole number of the smallest unit')
    .option('--denom <denom>', "denomination: native, or an ibc/<hash> voucher (default: the chain's native one)")))
    .addHelpText('after', '\nExample:\n  polis tx bridge transfer 07-tendermint-0 citizen-2 100 --from citizen-1')
    .action(async (client: string, receiver: string, amount: string, o: TxFlags & TimeoutFlags & { denom?: string }, cmd: Command) => {
      const c = ctx(cmd)
      await submit(c, o, [bridge.transfer({ clientId: client, amount: toAmount(amount), receiver: c.address(receiver), denom: o.denom, ...timeoutsOf(o) })])
    })
  txOptions(timeoutOptions(bt.command('vehicle-transfer')
    .description('send your vehicle to the city at the other end of a client (owner): exporting here until that city registers it (then exported) or refuses it or the packet times out (then active again)')
    .argument('<client>', 'the light client of the destination chain (see polis query bridge clients)')
    .argument('<vehicle>', 'the vehicle id (64 hex, its VIN commitment) or its plate')))
    .addHelpText('after', '\nExample:\n  polis tx bridge vehicle-transfer to-milan AB-123-CD --from citizen-1')
    .action(async (client: string, vehicle: string, o: TxFlags & TimeoutFlags, cmd: Command) => {
      const c = ctx(cmd)
      await submit(c, o, [bridge.transferVehicle({ clientId: client, vehicle: await vehicleId(c, vehicle), ...timeoutsOf(o) })])
    })
  txOptions(timeoutOptions(bt.command('share-indicators')
    .description("share indicators of one of this city's confirmed SIEM alerts with the city at the other end of a client (security role or authority); the chain checks each against the alert")
    .argument('<client>', 'the light client of the destination chain')
    .argument('<alert>', 'the confirmed alert id (64 hex; see polis query siem alert)')
    .argument('<indicators...>', 'kind:value, kind one of device (the alert subject), ip, file_hash (from evidence entries)')
    .option('--entries <files...>', "log files (one entry per line, as the collector logged them); the lines that are the alert's evidence are sent")
    .option('--ttl <blocks>', 'how many of its blocks the destination keeps them listed', '100000')))
    .addHelpText('after', '\nExample:\n  polis tx bridge share-indicators to-milan 5f3a…e1 device:9c0d…77 ip:203.0.113.7 --entries events.log --from security-1')
    .action(async (client: string, alert: string, indicators: string[], o: TxFlags & TimeoutFlags & { entries?: string[]; ttl: string }, cmd: Command) => {
      const c = ctx(cmd)
      if (!/^[0-9a-fA-F]{64}$/.test(alert)) throw new PolisError('invalid_request', 'alert must be 64 hex characters')
      const id = alert.toLowerCase()
      const entries = await evidenceEntries(c, id, o.entries ?? [])
      await submit(c, o, [bridge.shareIndicators({ clientId: client, alert: fromHex(id), indicators: indicators.map(indicatorArg), entries, ttl: uint(o.ttl, '--ttl'), ...timeoutsOf(o) })])
    })

  const ti = tx.command('threat-intel').description("this city's blocklist of indicators received from peer cities")
  txOptions(ti.command('accept-peer')
    .description('accept indicators arriving over a client (authority); --stop to stop accepting them')
    .argument('<client>', 'the light client of the peer city')
    .option('--stop', 'stop accepting'))
    .action(async (client: string, o: TxFlags & { stop?: boolean }, cmd: Command) => {
      await submit(ctx(cmd), o, [threatIntel.acceptPeer(client, !o.stop)])
    })
  txOptions(ti.command('delist')
    .description('take an indicator off the blocklist here (security role or authority); a later share of a new alert lists it again')
    .argument('<indicator>', 'kind:value')
    .requiredOption('--reason <text>', 'why (public)'))
    .action(async (indicator: string, o: TxFlags & { reason: string }, cmd: Command) => {
      const i = indicatorArg(indicator)
      await submit(ctx(cmd), o, [threatIntel.delist(i.kind, i.value, o.reason)])
    })

  const q = commandGroup(program, 'query')
  const tq = q.command('threat-intel').description('the blocklist of indicators received from peer cities, with provenance')
  const tiAsk = (c: CliContext, name: string, params: Record<string, string | undefined>) => c.client().query<Json>('threatintel', name, params)
  tq.command('blocklist').description('indicators listed now (--all: also expired and delisted ones)')
    .option('--kind <kind>', `only one kind: ${INDICATOR_KINDS.join(', ')}`)
    .option('--all', 'include expired and delisted entries')
    .option('--limit <n>', 'at most this many', '100')
    .action(async (o: { kind?: string; all?: boolean; limit: string }, cmd: Command) => {
      const c = ctx(cmd)
      const r = await tiAsk(c, 'blocklist', { kind: o.kind, all: o.all ? 'true' : undefined, limit: uint(o.limit, '--limit').toString() })
      const list = (r.entries as Json[]) ?? []
      c.print(list.length ? list.map((e) => `${text(e.kind)}:${text(e.value)}  ${e.active ? 'listed' : e.delisted_at ? 'delisted' : 'expired'}  until ${text(e.expires_at)}  sources ${text(e.sources)}`) : 'the blocklist is empty', r)
    })
  tq.command('indicator').description('one indicator: listed or not, and every alert that listed it').argument('<indicator>', 'kind:value')
    .action(async (indicator: string, _o: unknown, cmd: Command) => {
      const c = ctx(cmd)
      const i = indicatorArg(indicator)
      const r = await tiAsk(c, 'indicator', { kind: i.kind, value: i.value })
      const prov = ((r.provenance as Json[]) ?? []).map((p) => `  from ${text(p.source_chain)} (client ${text(p.client_id)}) alert ${text(p.alert)} rule ${text(p.rule)} confirmed at ${text(p.confirmed_at)} by ${(p.attesters as string[]).length} attesters, until ${text(p.expires_at)}`)
      c.print([`${i.kind}:${i.value} ${r.listed ? 'is listed' : 'is not listed'}`, ...prov], r)
    })
  tq.command('shared').description('what this city shared, newest first, and each peer\'s answer (pending, accepted, refused, timed_out)')
    .option('--client <client>', 'only over this client')
    .option('--limit <n>', 'at most this many', '20')
    .action(async (o: { client?: string; limit: string }, cmd: Command) => {
      const c = ctx(cmd)
      const r = await tiAsk(c, 'shared', { client_id: o.client, limit: uint(o.limit, '--limit').toString() })
      const list = (r.shares as Json[]) ?? []
      c.print(list.length ? list.map((x) => `${text(x.client_id)} #${text(x.sequence)}  alert ${text(x.alert)}  ${text(x.indicators)} indicators  ${text(x.outcome)}${x.error ? `: ${text(x.error)}` : ''}`) : 'nothing shared', r)
    })
  tq.command('peers').description('the clients whose indicators this city accepts')
    .action(async (_o: unknown, cmd: Command) => {
      const c = ctx(cmd)
      const r = await tiAsk(c, 'peers', {})
      const list = (r.accepted as string[]) ?? []
      c.print(list.length ? list : 'no accepted peers', r)
    })

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
