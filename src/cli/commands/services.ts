/**
 * `polis tx bills …`, `polis tx complaints …`, `polis tx vehicles …` and their queries: the city's public services.
 * Personal data never goes on chain: a complaint's description (and a reopening note) is sent as
 * the commitment sha256(salt ‖ utf8(text));  as is a vehicle's VIN; the CLI takes the clear text plus --salt (or makes
 * a salt and prints it: keep it with the text, it opens the commitment).
 */
import { commandGroup } from '../args.js'
import { randomBytes } from 'node:crypto'
import type { Command } from 'commander'
import { ErrorCodes, PolisError, type ErrorName } from '../../base/errors.js'
import type { Msg } from '../../app/tx.js'
import { sha256 } from '../../crypto/hash.js'
import { fromHex, toHex } from '../../base/bytes.js'
import { toAmount } from '../../sdk/msgs.js'
import type { CliContext } from '../context.js'
import { table } from '../format.js'
import { submit, txOptions, type TxFlags } from './tx.js'
import { simulateServicesCommand } from './simulate-services.js'
import { commitment } from '../../services/department-store.js'
import { energyCommands } from './energy.js'
import { departmentCommands } from './department.js'

/** A salt: --salt (64 hex), else 32 random bytes. */
export function saltOf(s: string | undefined): { salt: Uint8Array; generated: boolean } {
  if (s === undefined) return { salt: new Uint8Array(randomBytes(32)), generated: true }
  if (!/^[0-9a-fA-F]{64}$/.test(s)) throw new PolisError('invalid_request', '--salt must be 32 bytes (64 hex characters)')
  return { salt: fromHex(s.toLowerCase()), generated: false }
}

export { commitment }

function positive(v: string, what: string): string {
  if (!/^[1-9][0-9]{0,19}$/.test(v)) throw new PolisError('invalid_request', `${what} must be a positive integer (got "${v}")`)
  return v
}

/** A due date: milliseconds since the epoch, an ISO date, or +<n>d (n days from now). */
function dueAt(v: string): bigint {
  const rel = /^\+([0-9]{1,5})d$/.exec(v)
  if (rel) return BigInt(Date.now() + Number(rel[1]) * 86_400_000)
  if (/^[0-9]{1,16}$/.test(v)) return BigInt(v)
  const t = Date.parse(v)
  if (Number.isNaN(t)) throw new PolisError('invalid_request', `--due must be milliseconds since the epoch, an ISO date, or +<days>d (got "${v}")`)
  return BigInt(t)
}

/** Micro-degrees from decimal degrees ("45.4642"). */
function microDegrees(v: string, what: string): bigint {
  if (!/^-?[0-9]{1,3}(\.[0-9]{1,6})?$/.test(v)) throw new PolisError('invalid_request', `${what} must be decimal degrees with at most 6 decimals (got "${v}")`)
  return BigInt(Math.round(Number(v) * 1e6))
}

const text = (v: unknown) => (v === null || v === undefined ? undefined : String(v))
type Json = Record<string, unknown>
const heightOpt = (cmd: Command) => cmd.option('--height <h>', 'read the state as of this block (default: the latest)')
function heightOf(v: string | undefined): bigint | undefined {
  if (v === undefined) return undefined
  return BigInt(positive(v, '--height'))
}

/** `--attribute code=value`: an integer, a key, or comma-separated keys (a multivaluelist). */
function attributeValues(list: string[]): Record<string, bigint | string | string[]> {
  const out: Record<string, bigint | string | string[]> = {}
  for (const a of list) {
    const m = /^([^=]+)=(.+)$/.exec(a)
    if (!m) throw new PolisError('invalid_request', `--attribute must be code=value (got "${a}")`)
    const [, code, v] = m as unknown as [string, string, string]
    out[code] = /^-?[0-9]{1,18}$/.test(v) ? BigInt(v) : v.includes(',') ? v.split(',').map((x) => x.trim()) : v
  }
  return out
}

/** Signs a complaints/file and posts it as `{ tx }` to the node's Open311 `POST /requests.json`; an Open311 error becomes a typed error. */
async function fileViaOpen311(c: CliContext, flags: TxFlags, msg: Msg): Promise<{ service_request_id: string; service_notice: string; tx_hash: string }> {
  const tx = await c.client().sign(c.signer(flags.from), [msg], { memo: flags.memo })
  const res = await fetch(c.nodeUrl().replace(/\/+$/, '') + '/requests.json', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tx: tx.hex }) })
  const body = (await res.json()) as Array<{ service_request_id: string; service_notice: string; tx_hash: string; description?: string }>
  if (!res.ok) {
    const d = body[0]?.description ?? res.statusText
    const name = /^refused in block \d+: ([a-z_]+):/.exec(d)?.[1] ?? /^([a-z_]+):/.exec(d)?.[1]
    throw new PolisError(name && name in ErrorCodes ? (name as ErrorName) : 'invalid_request', `Open311 ${res.status}: ${d}`)
  }
  return body[0]!
}

export function servicesTxCommands(program: Command, ctx: (cmd: Command) => CliContext): void {
  const tx = commandGroup(program, 'tx')
  const bills = tx.command('bills').description('utility bills: a department (electricity, parking, tax, water) issues, a citizen pays into its treasury')
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
      const value: Msg['value'] = { department, citizen: c.address(citizen), amount: toAmount(amount), due_at: dueAt(o.due), service: o.service, reference: o.reference }
      if (o.details !== undefined) {
        if (!/^[0-9a-fA-F]{64}$/.test(o.details)) throw new PolisError('invalid_request', '--details must be a 32-byte commitment (64 hex)')
        value.details = fromHex(o.details.toLowerCase())
      }
      await submit(c, o, [{ type: 'bills/issue', value }])
    })
  txOptions(bills.command('pay')
    .description("pay a bill (in full, or --amount for part of it); the tokens go to the department's treasury")
    .argument('<bill>', 'the bill id')
    .argument('<department>', 'the department that issued it')
    .option('--amount <n>', 'pay only this much (default: what is outstanding)'))
    .addHelpText('after', '\nExample:\n  polis tx bills pay 1 water --from citizen-1')
    .action(async (bill: string, department: string, o: TxFlags & { amount?: string }, cmd: Command) => {
      const value: Msg['value'] = { bill: BigInt(positive(bill, 'bill')), department }
      if (o.amount !== undefined) value.amount = toAmount(o.amount)
      await submit(ctx(cmd), o, [{ type: 'bills/pay', value }])
    })
  txOptions(bills.command('cancel')
    .description('cancel a bill (what was paid is refunded to the payers)')
    .argument('<bill>', 'the bill id')
    .requiredOption('--reason <text>', 'why (kept on chain)'))
    .action(async (bill: string, o: TxFlags & { reason: string }, cmd: Command) => {
      await submit(ctx(cmd), o, [{ type: 'bills/cancel', value: { bill: BigInt(positive(bill, 'bill')), reason: o.reason } }])
    })
  txOptions(bills.command('correct')
    .description("correct a bill's amount and/or due date")
    .argument('<bill>', 'the bill id')
    .requiredOption('--reason <text>', 'why (kept on chain)')
    .option('--amount <n>', 'the new amount')
    .option('--due <when>', 'the new due date: ms since the epoch, an ISO date, or +<days>d'))
    .action(async (bill: string, o: TxFlags & { reason: string; amount?: string; due?: string }, cmd: Command) => {
      const value: Msg['value'] = { bill: BigInt(positive(bill, 'bill')), reason: o.reason }
      if (o.amount !== undefined) value.amount = toAmount(o.amount)
      if (o.due !== undefined) value.due_at = dueAt(o.due)
      if (o.amount === undefined && o.due === undefined) throw new PolisError('invalid_request', 'a correction changes --amount or --due')
      await submit(ctx(cmd), o, [{ type: 'bills/correct', value }])
    })
  txOptions(bills.command('withdraw')
    .description("move tokens out of a department's treasury")
    .argument('<department>', 'the department')
    .argument('<to>', 'recipient: a key name or an address')
    .argument('<amount>', 'whole number of the smallest unit')
    .requiredOption('--reason <text>', 'why (kept on chain)'))
    .action(async (department: string, to: string, amount: string, o: TxFlags & { reason: string }, cmd: Command) => {
      const c = ctx(cmd)
      await submit(c, o, [{ type: 'bills/withdraw', value: { department, to: c.address(to), amount: toAmount(amount), reason: o.reason } }])
    })

  const cp = tx.command('complaints').description('Open311-style service requests: a citizen files, the department acknowledges and resolves')
  txOptions(cp.command('define-service')
    .description('define (or update) a service citizens can file requests for (city authority only)')
    .argument('<code>', 'service code, e.g. pothole')
    .argument('<name>', 'service name, e.g. "Pothole"')
    .requiredOption('--department <role>', 'the role that handles it, e.g. public-works')
    .option('--group <group>', 'the service group', 'streets')
    .option('--sla-ms <ms>', 'how long the department has to resolve a request', String(7 * 86_400_000))
    .option('--keywords <list>', 'comma-separated keywords')
    .option('--inactive', 'define it as not accepting requests'), 'authority')
    .action(async (code: string, name: string, o: TxFlags & { department: string; group: string; slaMs: string; keywords?: string; inactive?: boolean }, cmd: Command) => {
      await submit(ctx(cmd), o, [{ type: 'complaints/define-service', value: {
        service_code: code, service_name: name, group: o.group, department: o.department, sla_ms: BigInt(positive(o.slaMs, '--sla-ms')),
        keywords: o.keywords ? o.keywords.split(',').map((k) => k.trim()).filter(Boolean) : [], active: !o.inactive,
      } }])
    })
  txOptions(cp.command('file')
    .description('file a service request; the description stays with you: the chain gets sha256(salt ‖ description)')
    .argument('<service>', 'the service code (see polis query complaints services)')
    .argument('<description>', 'what is wrong, in clear (not sent: only its commitment is)')
    .requiredOption('--lat <deg>', 'latitude in decimal degrees, e.g. 45.464200')
    .requiredOption('--long <deg>', 'longitude in decimal degrees, e.g. 9.190000')
    .option('--salt <hex>', 'the 32-byte salt of the commitment (default: a new one, printed)')
    .option('--media-hash <hex>', 'a 32-byte hash of a photo kept off chain (64 hex)')
    .option('--attribute <code=value>', "a service attribute (see GET /services/{code}.json): an integer, a key, or keys separated by commas; repeatable", (v: string, all: string[]) => [...all, v], [] as string[])
    .option('--open311', "post the signed transaction to the node's Open311 endpoint (POST /requests.json), as an Open311 client does"))
    .addHelpText('after', '\nExample:\n  polis tx complaints file pothole "deep pothole outside no. 12" --lat 45.4642 --long 9.19 --from citizen-1')
    .action(async (service: string, description: string, o: TxFlags & { lat: string; long: string; salt?: string; mediaHash?: string; open311?: boolean; attribute: string[] }, cmd: Command) => {
      const { salt, generated } = saltOf(o.salt)
      const hash = commitment(description, salt)
      const value: Msg['value'] = { service_code: service, description_hash: hash, lat: microDegrees(o.lat, '--lat'), long: microDegrees(o.long, '--long') }
      if (o.mediaHash !== undefined) {
        if (!/^[0-9a-fA-F]{64}$/.test(o.mediaHash)) throw new PolisError('invalid_request', '--media-hash must be 32 bytes (64 hex)')
        value.media_hash = fromHex(o.mediaHash.toLowerCase())
      }
      if (o.attribute.length > 0) value.attributes = attributeValues(o.attribute)
      const saltLines = [`description commitment ${toHex(hash)}`, `salt ${toHex(salt)}${generated ? ' (generated: keep it with the description, it opens the commitment)' : ''}`]
      if (o.open311) {
        const c = ctx(cmd)
        const r = await fileViaOpen311(c, o, { type: 'complaints/file', value })
        c.print([`Filed service request ${r.service_request_id} through Open311 (transaction ${r.tx_hash}): ${r.service_notice}`, ...saltLines], { ...r, salt: toHex(salt), description_hash: toHex(hash) })
        return
      }
      await submit(ctx(cmd), o, [{ type: 'complaints/file', value }], { salt: toHex(salt), description_hash: toHex(hash) }, saltLines)
    })
  for (const [action, noteRequired, what] of [
    ['acknowledge', false, 'acknowledge a request (department)'],
    ['update', true, 'post a public status note on a request (department)'],
    ['resolve', true, 'resolve a request (department)'],
    ['reject', true, 'reject a request (department)'],
  ] as const) {
    const sub = cp.command(action).description(what).argument('<request>', 'the request id')
    if (noteRequired) sub.requiredOption('--note <text>', 'a public status note (no personal data)')
    else sub.option('--note <text>', 'a public status note (no personal data)')
    txOptions(sub).action(async (request: string, o: TxFlags & { note?: string }, cmd: Command) => {
      const value: Msg['value'] = { request: BigInt(positive(request, 'request')) }
      if (o.note !== undefined) value.note = o.note
      await submit(ctx(cmd), o, [{ type: `complaints/${action}`, value }])
    })
  }
  txOptions(cp.command('assign')
    .description('assign a request to a crew member (department)')
    .argument('<request>', 'the request id')
    .argument('<assignee>', 'a key name or an address')
    .option('--note <text>', 'a public status note'))
    .action(async (request: string, assignee: string, o: TxFlags & { note?: string }, cmd: Command) => {
      const c = ctx(cmd)
      const value: Msg['value'] = { request: BigInt(positive(request, 'request')), assignee: c.address(assignee) }
      if (o.note !== undefined) value.note = o.note
      await submit(c, o, [{ type: 'complaints/assign', value }])
    })
  txOptions(cp.command('reopen')
    .description('reopen your resolved request; the note stays with you: the chain gets sha256(salt ‖ note)')
    .argument('<request>', 'the request id')
    .argument('<note>', 'why, in clear (not sent: only its commitment is)')
    .option('--salt <hex>', 'the 32-byte salt of the commitment (default: a new one, printed)'))
    .action(async (request: string, note: string, o: TxFlags & { salt?: string }, cmd: Command) => {
      const { salt, generated } = saltOf(o.salt)
      const hash = commitment(note, salt)
      await submit(ctx(cmd), o, [{ type: 'complaints/reopen', value: { request: BigInt(positive(request, 'request')), note_hash: hash } }], { salt: toHex(salt), note_hash: toHex(hash) },
        [`note commitment ${toHex(hash)}`, `salt ${toHex(salt)}${generated ? ' (generated: keep it with the note)' : ''}`])
    })
}

export function servicesQueryCommands(program: Command, ctx: (cmd: Command) => CliContext): void {
  const q = commandGroup(program, 'query')
  const bills = q.command('bills').description('bills, receipts, corrections and department totals')
  const ask = async (cmd: Command, module: string, name: string, params: Record<string, string | undefined>, height?: string): Promise<Json> =>
    ctx(cmd).client().query<Json>(module, name, params, { height: heightOf(height) })
  const billLines = (b: Json) => table(Object.entries(b).map(([k, v]) => [k, text(v)] as [string, string | undefined]))

  heightOpt(bills.command('bill').description('one bill: amount, paid, outstanding, due date, status').argument('<bill>', 'the bill id'))
    .action(async (bill: string, o: { height?: string }, cmd: Command) => {
      const r = await ask(cmd, 'bills', 'bill', { bill: positive(bill, 'bill') }, o.height)
      ctx(cmd).print(billLines(r), r)
    })
  heightOpt(bills.command('list').description("a citizen's bills, oldest first").argument('<citizen>', 'a key name or an address')
    .option('--limit <n>', 'at most this many').option('--after <bill>', 'start after this bill id'))
    .action(async (who: string, o: { height?: string; limit?: string; after?: string }, cmd: Command) => {
      const c = ctx(cmd)
      const r = await ask(cmd, 'bills', 'bills', { citizen: toHex(c.address(who)), limit: o.limit, after: o.after }, o.height)
      const list = (r.bills as Json[]) ?? []
      c.print(list.length ? list.map((b) => `bill ${text(b.id ?? b.bill)}  ${text(b.department)}  ${text(b.amount)} (paid ${text(b.paid)})  ${text(b.status)}  ${text(b.reference)}`) : 'no bills', r)
    })
  heightOpt(bills.command('receipts').description('the receipts of a bill').argument('<bill>', 'the bill id'))
    .action(async (bill: string, o: { height?: string }, cmd: Command) => {
      const r = await ask(cmd, 'bills', 'receipts', { bill: positive(bill, 'bill') }, o.height)
      const list = (r.receipts as Json[]) ?? []
      ctx(cmd).print(list.length ? list.map((x) => table(Object.entries(x).map(([k, v]) => [k, text(v)] as [string, string | undefined]), '  ').join('\n')) : 'no receipts', r)
    })
  heightOpt(bills.command('changes').description('the corrections and cancellation of a bill').argument('<bill>', 'the bill id'))
    .action(async (bill: string, o: { height?: string }, cmd: Command) => {
      const r = await ask(cmd, 'bills', 'changes', { bill: positive(bill, 'bill') }, o.height)
      const list = (r.changes as Json[]) ?? []
      ctx(cmd).print(list.length ? list.map((x) => `#${text(x.seq)} ${text(x.kind)}: amount ${text(x.old_amount)} -> ${text(x.new_amount)}, due ${text(x.old_due_at)} -> ${text(x.new_due_at)} (${text(x.reason)})`) : 'no changes', r)
    })
  heightOpt(bills.command('totals').description("a department's totals and its treasury balance").argument('<department>', 'electricity, parking, tax or water'))
    .action(async (department: string, o: { height?: string }, cmd: Command) => {
      const r = await ask(cmd, 'bills', 'totals', { department }, o.height)
      ctx(cmd).print(billLines(r), r)
    })
  bills.command('departments').description('the departments and their treasury addresses')
    .action(async (_o: unknown, cmd: Command) => {
      const r = await ask(cmd, 'bills', 'departments', {})
      ctx(cmd).print(((r.departments as Json[]) ?? []).map((d) => `${text(d.department)}  treasury ${text(d.treasury)}`), r)
    })

  const cp = q.command('complaints').description('service requests (Open311 shape), services and histories')
  cp.command('services').description('the services citizens can file requests for')
    .action(async (_o: unknown, cmd: Command) => {
      const r = await ask(cmd, 'complaints', 'services', {})
      const list = (r.services as Json[]) ?? []
      ctx(cmd).print(list.length ? list.map((s) => `${text(s.service_code)}  ${text(s.service_name)}  (${text(s.department)}, SLA ${text(s.sla_ms)} ms)`) : 'no services defined', r)
    })
  heightOpt(cp.command('request').description('one service request').argument('<id>', 'the request id'))
    .action(async (id: string, o: { height?: string }, cmd: Command) => {
      const r = await ask(cmd, 'complaints', 'request', { id: positive(id, 'id') }, o.height)
      ctx(cmd).print(table([['id', text(r.service_request_id)], ['service', text(r.service_code)], ['state', `${text(r.state)} (${text(r.status)})${r.overdue ? ', overdue' : ''}`],
        ['note', text(r.status_notes)], ['department', text(r.agency_responsible)], ['filed', text(r.requested_datetime)], ['updated', text(r.updated_datetime)], ['expected', text(r.expected_datetime)],
        ['location', `${text(r.lat)}, ${text(r.long)}`], ['description', `${text(r.description_hash)} (commitment)`], ['citizen', text(r.citizen)]]), r)
    })
  heightOpt(cp.command('requests').description('service requests: all, a service\'s, open/closed, or a citizen\'s')
    .option('--service <code>', 'only this service').option('--status <s>', 'open or closed').option('--citizen <who>', "a citizen's requests (key name or address)")
    .option('--limit <n>', 'at most this many').option('--after <id>', 'start after this request id'))
    .action(async (o: { height?: string; service?: string; status?: string; citizen?: string; limit?: string; after?: string }, cmd: Command) => {
      const c = ctx(cmd)
      const r = await ask(cmd, 'complaints', 'requests', { service_code: o.service, status: o.status, citizen: o.citizen ? toHex(c.address(o.citizen)) : undefined, limit: o.limit, after: o.after }, o.height)
      const list = (r.requests as Json[]) ?? []
      c.print(list.length ? list.map((x) => `#${text(x.service_request_id)}  ${text(x.service_code)}  ${text(x.state)}${x.overdue ? ' (overdue)' : ''}  ${text(x.status_notes) ?? ''}`.trimEnd()) : 'no requests', r)
    })
  heightOpt(cp.command('history').description('the transitions of a request').argument('<id>', 'the request id'))
    .action(async (id: string, o: { height?: string }, cmd: Command) => {
      const c = ctx(cmd)
      const r = await ask(cmd, 'complaints', 'history', { id: positive(id, 'id') }, o.height)
      c.print(((r.transitions as Json[]) ?? []).map((t) => `#${text(t.seq)} ${text(t.action)}: ${text(t.from)} -> ${text(t.to)} at block ${text(t.height)} by ${c.nameOf(String(t.by)) ?? text(t.by)}${t.note ? ` (${text(t.note)})` : ''}`), r)
    })
}

/** A vehicle id: 64 hex (the VIN commitment), or the plate (looked up on the node). */
export async function vehicleId(c: CliContext, v: string): Promise<Uint8Array> {
  if (/^[0-9a-fA-F]{64}$/.test(v)) return fromHex(v.toLowerCase())
  const r = await c.client().query<{ id: string }>('vehicles', 'vehicle', { plate: v })
  return fromHex(r.id)
}

export function vehiclesTxCommands(program: Command, ctx: (cmd: Command) => CliContext): void {
  const tx = commandGroup(program, 'tx')
  const v = tx.command('vehicles').description('the vehicle register: the transport department registers, owners transfer')
  txOptions(v.command('register')
    .description('register a vehicle (transport role); the chain gets the VIN commitment sha256(salt ‖ VIN), never the VIN')
    .argument('<vin>', 'the VIN in clear (not sent: only its commitment is)')
    .argument('<plate>', 'the plate, e.g. AB-123-CD')
    .argument('<owner>', 'the owner: a key name or an address')
    .argument('<device>', "the vehicle's device key: a key name or an address")
    .option('--salt <hex>', 'the 32-byte salt of the commitment (default: a new one, printed)'))
    .addHelpText('after', '\nExample:\n  polis keys add car-1 && polis tx vehicles register WVWZZZ1JZXW000001 AB-123-CD citizen-1 car-1 --from transport-dept')
    .action(async (vin: string, plate: string, owner: string, device: string, o: TxFlags & { salt?: string }, cmd: Command) => {
      const c = ctx(cmd)
      const { salt, generated } = saltOf(o.salt)
      const id = commitment(vin, salt)
      await submit(c, o, [{ type: 'vehicles/register', value: { vin_commitment: id, plate, owner: c.address(owner), device_key: c.address(device) } }],
        { salt: toHex(salt), vin_commitment: toHex(id) },
        [`vehicle id (VIN commitment) ${toHex(id)}`, `salt ${toHex(salt)}${generated ? ' (generated: keep it with the VIN, it opens the commitment)' : ''}`])
    })
  txOptions(v.command('offer')
    .description('offer your vehicle to a buyer (owner)')
    .argument('<vehicle>', 'the vehicle id (64 hex) or its plate')
    .argument('<buyer>', 'a key name or an address')
    .option('--price <n>', 'what the buyer pays on accepting', '0'))
    .action(async (vehicle: string, buyer: string, o: TxFlags & { price: string }, cmd: Command) => {
      const c = ctx(cmd)
      await submit(c, o, [{ type: 'vehicles/offer-transfer', value: { vehicle: await vehicleId(c, vehicle), buyer: c.address(buyer), price: toAmount(o.price, 'price', { positive: false }) } }])
    })
  txOptions(v.command('cancel-offer')
    .description('withdraw your pending offer (owner)')
    .argument('<vehicle>', 'the vehicle id (64 hex) or its plate'))
    .action(async (vehicle: string, o: TxFlags, cmd: Command) => {
      const c = ctx(cmd)
      await submit(c, o, [{ type: 'vehicles/cancel-offer', value: { vehicle: await vehicleId(c, vehicle) } }])
    })
  txOptions(v.command('accept')
    .description('accept an offer made to you and pay its price (buyer)')
    .argument('<vehicle>', 'the vehicle id (64 hex) or its plate')
    .option('--price <n>', 'the price you agree to (must match the offer)', '0'))
    .action(async (vehicle: string, o: TxFlags & { price: string }, cmd: Command) => {
      const c = ctx(cmd)
      await submit(c, o, [{ type: 'vehicles/accept-transfer', value: { vehicle: await vehicleId(c, vehicle), price: toAmount(o.price, 'price', { positive: false }) } }])
    })
  for (const [action, what] of [['suspend', 'suspend a vehicle (transport role)'], ['reinstate', 'reinstate a suspended vehicle (transport role)'], ['deregister', 'deregister a vehicle for good (transport role)']] as const) {
    txOptions(v.command(action).description(what)
      .argument('<vehicle>', 'the vehicle id (64 hex) or its plate')
      .requiredOption('--reason <text>', 'why (kept on chain)'))
      .action(async (vehicle: string, o: TxFlags & { reason: string }, cmd: Command) => {
        const c = ctx(cmd)
        await submit(c, o, [{ type: `vehicles/${action}`, value: { vehicle: await vehicleId(c, vehicle), reason: o.reason } }])
      })
  }
}

export function vehiclesQueryCommands(program: Command, ctx: (cmd: Command) => CliContext): void {
  const q = commandGroup(program, 'query')
  const v = q.command('vehicles').description('registered vehicles, by id, plate or owner, and their histories')
  const show = (c: CliContext, r: Json) => c.print(table([['id', text(r.id)], ['plate', text(r.plate)], ['status', text(r.status)],
    ['owner', `${text(r.owner)}${c.nameOf(String(r.owner)) ? ` (${c.nameOf(String(r.owner))})` : ''}`], ['device', text(r.device)], ['registered', `block ${text(r.registered_at)}`],
    ['offer', r.offer ? JSON.stringify(r.offer) : undefined], ['origin', text(r.origin)]]), r)
  heightOpt(v.command('vehicle').description('one vehicle, by id (64 hex) or plate').argument('<vehicle>', 'the vehicle id or its plate'))
    .action(async (vehicle: string, o: { height?: string }, cmd: Command) => {
      const c = ctx(cmd)
      const params = /^[0-9a-fA-F]{64}$/.test(vehicle) ? { id: vehicle.toLowerCase() } : { plate: vehicle }
      show(c, await c.client().query<Json>('vehicles', 'vehicle', params, { height: heightOf(o.height) }))
    })
  heightOpt(v.command('by-owner').description("an owner's vehicles").argument('<owner>', 'a key name or an address').option('--limit <n>', 'at most this many'))
    .action(async (owner: string, o: { height?: string; limit?: string }, cmd: Command) => {
      const c = ctx(cmd)
      const r = await c.client().query<Json>('vehicles', 'by-owner', { owner: toHex(c.address(owner)), limit: o.limit }, { height: heightOf(o.height) })
      const list = (r.vehicles as Json[]) ?? []
      c.print(list.length ? list.map((x) => `${text(x.plate)}  ${text(x.status)}  ${text(x.id)}`) : 'no vehicles', r)
    })
  heightOpt(v.command('history').description('the register events of a vehicle').argument('<vehicle>', 'the vehicle id (64 hex) or its plate'))
    .action(async (vehicle: string, o: { height?: string }, cmd: Command) => {
      const c = ctx(cmd)
      const r = await c.client().query<Json>('vehicles', 'history', { id: toHex(await vehicleId(c, vehicle)) }, { height: heightOf(o.height) })
      c.print(((r.history as Json[]) ?? []).map((e) => `#${text(e.seq)} ${text(e.event)} at block ${text(e.height)}${e.reason ? ` (${text(e.reason)})` : ''}${e.owner ? ` owner ${text(e.owner)}` : ''}${e.price ? ` price ${text(e.price)}` : ''}`), r)
    })
  v.command('device-active').description('whether a device key belongs to an active vehicle').argument('<device>', 'a key name or an address')
    .action(async (device: string, _o: unknown, cmd: Command) => {
      const c = ctx(cmd)
      const r = await c.client().query<Json>('vehicles', 'device-active', { device: toHex(c.address(device)) })
      c.print(r.active ? 'active' : 'not active', r)
    })
}

/** Registers the service groups under `tx` and `query` (call after txCommands and queryCommands). */
export function servicesCommands(program: Command, ctx: (cmd: Command) => CliContext): void {
  servicesTxCommands(program, ctx)
  vehiclesTxCommands(program, ctx)
  servicesQueryCommands(program, ctx)
  vehiclesQueryCommands(program, ctx)
  simulateServicesCommand(program, ctx)
  energyCommands(program, ctx)
  departmentCommands(program, ctx)
}
