/**
 * `polis tx complaints …` and `polis query complaints …`: Open311-style service requests. A
 * request's description (and a reopening note) never goes on chain: the CLI sends the commitment
 * sha256(salt ‖ utf8(text)), taking the clear text plus --salt (or making a salt and printing it:
 * keep it with the text, it opens the commitment).
 */
import { humanDuration } from '../../base/human-time.js'
import type { Command } from 'commander'
import { ErrorCodes, PolisError, type ErrorName } from '../../base/errors.js'
import type { Msg } from '../../app/tx.js'
import { toHex } from '../../base/bytes.js'
import { MODULE, complaintsMsgs, type AttributeValues, type NoteAction } from '../../modules/complaints/types.js'
import { commitment } from '../../services/department-store.js'
import { commandGroup } from '../args.js'
import type { CliContext } from '../context.js'
import { table, text, type Json } from '../format.js'
import { heightOf, heightOpt, hex32, positive, saltOf } from './service-args.js'
import { submit, txOptions, type TxFlags } from './tx.js'

/** Micro-degrees from decimal degrees ("45.4642"). */
function microDegrees(v: string, what: string): bigint {
  if (!/^-?[0-9]{1,3}(\.[0-9]{1,6})?$/.test(v)) throw new PolisError('invalid_request', `${what} must be decimal degrees with at most 6 decimals (got "${v}")`)
  return BigInt(Math.round(Number(v) * 1e6))
}

/** `--attribute code=value`: an integer, a key, or comma-separated keys (a multivaluelist). */
function attributeValues(list: string[]): AttributeValues {
  const out: AttributeValues = {}
  for (const a of list) {
    const m = /^([^=]+)=(.+)$/.exec(a)
    if (!m) throw new PolisError('invalid_request', `--attribute must be code=value (got "${a}")`)
    const [, code, v] = m as unknown as [string, string, string]
    out[code] = /^-?[0-9]{1,18}$/.test(v) ? BigInt(v) : v.includes(',') ? v.split(',').map((x) => x.trim()) : v
  }
  return out
}

/** Signs a complaints file message and posts it as `{ tx }` to the node's Open311 `POST /requests.json`; an Open311 error becomes a typed error. */
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

const requestOf = (v: string) => BigInt(positive(v, 'request'))

export function complaintsCommands(program: Command, ctx: (cmd: Command) => CliContext): void {
  const cp = commandGroup(program, 'tx').command('complaints').description('Open311-style service requests: a citizen files, the department acknowledges and resolves')
  txOptions(cp.command('define-service')
    .description('define (or update) a service citizens can file requests for (city authority only)')
    .argument('<code>', 'service code, e.g. pothole')
    .argument('<name>', 'service name, e.g. "Pothole"')
    .requiredOption('--department <role>', 'the role that handles it, e.g. public-works')
    .option('--group <group>', 'the service group', 'streets')
    .option('--sla-ms <ms>', 'how long the department has to resolve a request, in ms (default 7 days)', String(7 * 86_400_000))
    .option('--keywords <list>', 'comma-separated keywords')
    .option('--inactive', 'define it as not accepting requests'), 'authority')
    .action(async (code: string, name: string, o: TxFlags & { department: string; group: string; slaMs: string; keywords?: string; inactive?: boolean }, cmd: Command) => {
      await submit(ctx(cmd), o, [complaintsMsgs.defineService({
        code, name, group: o.group, department: o.department, slaMs: BigInt(positive(o.slaMs, '--sla-ms')),
        keywords: o.keywords ? o.keywords.split(',').map((k) => k.trim()).filter(Boolean) : [], active: !o.inactive,
      })])
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
      const msg = complaintsMsgs.file({
        service, descriptionHash: hash, lat: microDegrees(o.lat, '--lat'), long: microDegrees(o.long, '--long'),
        mediaHash: o.mediaHash === undefined ? undefined : hex32(o.mediaHash, '--media-hash must be 32 bytes (64 hex)'),
        attributes: o.attribute.length > 0 ? attributeValues(o.attribute) : undefined,
      })
      const saltLines = [`description commitment ${toHex(hash)}`, `salt ${toHex(salt)}${generated ? ' (generated: keep it with the description, it opens the commitment)' : ''}`]
      if (o.open311) {
        const c = ctx(cmd)
        const r = await fileViaOpen311(c, o, msg)
        c.print([`Filed service request ${r.service_request_id} through Open311 (transaction ${r.tx_hash}): ${r.service_notice}`, ...saltLines], { ...r, salt: toHex(salt), description_hash: toHex(hash) })
        return
      }
      await submit(ctx(cmd), o, [msg], { salt: toHex(salt), description_hash: toHex(hash) }, saltLines)
    })
  for (const [action, noteRequired, what] of [
    ['acknowledge', false, 'acknowledge a request (department)'],
    ['update', true, 'post a public status note on a request (department)'],
    ['resolve', true, 'resolve a request (department)'],
    ['reject', true, 'reject a request (department)'],
  ] as Array<[NoteAction, boolean, string]>) {
    const sub = cp.command(action).description(what).argument('<request>', 'the request id')
    if (noteRequired) sub.requiredOption('--note <text>', 'a public status note (no personal data)')
    else sub.option('--note <text>', 'a public status note (no personal data)')
    txOptions(sub).action(async (request: string, o: TxFlags & { note?: string }, cmd: Command) => {
      await submit(ctx(cmd), o, [complaintsMsgs.note(action, { request: requestOf(request), note: o.note })])
    })
  }
  txOptions(cp.command('assign')
    .description('assign a request to a crew member (department)')
    .argument('<request>', 'the request id')
    .argument('<assignee>', 'a key name or an address')
    .option('--note <text>', 'a public status note'))
    .action(async (request: string, assignee: string, o: TxFlags & { note?: string }, cmd: Command) => {
      const c = ctx(cmd)
      await submit(c, o, [complaintsMsgs.assign({ request: requestOf(request), assignee: c.address(assignee), note: o.note })])
    })
  txOptions(cp.command('reopen')
    .description('reopen your resolved request; the note stays with you: the chain gets sha256(salt ‖ note)')
    .argument('<request>', 'the request id')
    .argument('<note>', 'why, in clear (not sent: only its commitment is)')
    .option('--salt <hex>', 'the 32-byte salt of the commitment (default: a new one, printed)'))
    .action(async (request: string, note: string, o: TxFlags & { salt?: string }, cmd: Command) => {
      const { salt, generated } = saltOf(o.salt)
      const hash = commitment(note, salt)
      await submit(ctx(cmd), o, [complaintsMsgs.reopen({ request: requestOf(request), noteHash: hash })], { salt: toHex(salt), note_hash: toHex(hash) },
        [`note commitment ${toHex(hash)}`, `salt ${toHex(salt)}${generated ? ' (generated: keep it with the note)' : ''}`])
    })

  const q = commandGroup(program, 'query').command('complaints').description('service requests (Open311 shape), services and histories')
  const ask = async (cmd: Command, name: string, params: Record<string, string | undefined>, height?: string): Promise<Json> =>
    ctx(cmd).client().query<Json>(MODULE, name, params, { height: heightOf(height) })
  q.command('services').description('the services citizens can file requests for')
    .action(async (_o: unknown, cmd: Command) => {
      const r = await ask(cmd, 'services', {})
      const list = (r.services as Json[]) ?? []
      ctx(cmd).print(list.length ? list.map((s) => `${text(s.service_code)}  ${text(s.service_name)}  (${text(s.department)}, SLA ${humanDuration(String(s.sla_ms))})`) : 'no services defined', r)
    })
  heightOpt(q.command('request').description('one service request').argument('<id>', 'the request id'))
    .action(async (id: string, o: { height?: string }, cmd: Command) => {
      const r = await ask(cmd, 'request', { id: positive(id, 'id') }, o.height)
      ctx(cmd).print(table([['id', text(r.service_request_id)], ['service', text(r.service_code)], ['state', `${text(r.state)} (${text(r.status)})${r.overdue ? ', overdue' : ''}`],
        ['note', text(r.status_notes)], ['department', text(r.agency_responsible)], ['filed', text(r.requested_datetime)], ['updated', text(r.updated_datetime)], ['expected', text(r.expected_datetime)],
        ['location', `${text(r.lat)}, ${text(r.long)}`], ['description', `${text(r.description_hash)} (commitment)`], ['citizen', text(r.citizen)]]), r)
    })
  heightOpt(q.command('requests').description('service requests: all, a service\'s, open/closed, or a citizen\'s')
    .option('--service <code>', 'only this service').option('--status <s>', 'open or closed').option('--citizen <who>', "a citizen's requests (key name or address)")
    .option('--limit <n>', 'at most this many').option('--after <id>', 'start after this request id'))
    .action(async (o: { height?: string; service?: string; status?: string; citizen?: string; limit?: string; after?: string }, cmd: Command) => {
      const c = ctx(cmd)
      const r = await ask(cmd, 'requests', { service_code: o.service, status: o.status, citizen: o.citizen ? toHex(c.address(o.citizen)) : undefined, limit: o.limit, after: o.after }, o.height)
      const list = (r.requests as Json[]) ?? []
      c.print(list.length ? list.map((x) => `#${text(x.service_request_id)}  ${text(x.service_code)}  ${text(x.state)}${x.overdue ? ' (overdue)' : ''}  ${text(x.status_notes) ?? ''}`.trimEnd()) : 'no requests', r)
    })
  heightOpt(q.command('history').description('the transitions of a request').argument('<id>', 'the request id'))
    .action(async (id: string, o: { height?: string }, cmd: Command) => {
      const c = ctx(cmd)
      const r = await ask(cmd, 'history', { id: positive(id, 'id') }, o.height)
      c.print(((r.transitions as Json[]) ?? []).map((t) => `#${text(t.seq)} ${text(t.action)}: ${t.from === undefined || t.from === null ? '' : `${text(t.from)} -> `}${text(t.to)} at block ${text(t.height)} by ${c.nameOf(String(t.by)) ?? text(t.by)}${t.note ? ` (${text(t.note)})` : ''}`), r)
    })
}
