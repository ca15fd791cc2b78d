/**
 * `polis department serve|put|reveal`: a department's off-chain store (src/services/department-store.ts).
 * The store keeps the clear text behind on-chain commitments and shows it only to the record's
 * citizen and the department's members; every request is signed with a keyring key.
 */
import { resolve } from 'node:path'
import type { Command } from 'commander'
import { PolisError, type ErrorName } from '../../base/errors.js'
import { DepartmentStore, RECORD_KINDS, signStoreRequest, type RecordKind, type SignedStoreRequest } from '../../services/department-store.js'
import { clientChainView, departmentStoreServer } from '../../services/department-store-http.js'
import type { CliContext } from '../context.js'
import { intArg } from '../args.js'
import { table } from '../format.js'

function kindOf(v: string): RecordKind {
  if (!(RECORD_KINDS as readonly string[]).includes(v)) throw new PolisError('invalid_request', `kind must be one of ${RECORD_KINDS.join(', ')} (got "${v}")`)
  return v as RecordKind
}

/** Sends a signed request to a store (its id read from GET /v1/store); a refusal becomes the store's typed error. */
async function send(url: string, path: string, make: (storeId: string) => SignedStoreRequest): Promise<Record<string, unknown>> {
  const base = url.replace(/\/+$/, '')
  const info = (await (await fetch(base + '/v1/store')).json()) as { store: string }
  const res = await fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(make(info.store)) })
  const body = (await res.json()) as Record<string, unknown>
  if (!res.ok) throw new PolisError((body.error as ErrorName) ?? 'internal', String(body.message ?? res.statusText))
  return body
}

export function departmentCommands(program: Command, ctx: (cmd: Command) => CliContext): void {
  const d = program.command('department').description("a department's off-chain store: the clear text behind on-chain commitments, for the citizen and the department only")
  d.command('serve')
    .description('run the store of a department (reads roles and commitments from the node; records in --dir, mode 0600)')
    .argument('<department>', 'the department role, e.g. public-works, water, transport')
    .requiredOption('--dir <dir>', 'where the records are kept')
    .option('--host <host>', 'listen address', '127.0.0.1')
    .option('--port <port>', 'listen port (0: any free port)', intArg('--port', 0, 65535), 26690)
    .action(async (department: string, o: { dir: string; host: string; port: number }, cmd: Command) => {
      const c = ctx(cmd)
      const client = c.client()
      const id = `${await client.chainId()}/${department}`
      const store = new DepartmentStore(id, department, resolve(c.io.cwd, o.dir), clientChainView(client))
      const { app, url } = await departmentStoreServer(store, { host: o.host, port: o.port })
      c.print([`Store ${id} listening on ${url}`], { event: 'listening', store: id, url })
      await (c.io.waitForStop ? c.io.waitForStop() : new Promise<string>(() => undefined))
      await app.close()
    })
  d.command('put')
    .description('store the text behind a commitment (a clerk of the department; refused unless sha256(salt ‖ text) is the commitment on chain)')
    .argument('<kind>', RECORD_KINDS.join(', ')).argument('<ref>', 'the request id, bill id or vehicle id').argument('<text>', 'the clear text')
    .requiredOption('--salt <hex>', 'the salt of the commitment (64 hex)').requiredOption('--from <key>', 'the clerk\'s key').requiredOption('--store <url>', "the department store's URL")
    .action(async (kind: string, ref: string, text: string, o: { salt: string; from: string; store: string }, cmd: Command) => {
      const c = ctx(cmd)
      const key = c.signer(o.from)
      const r = await send(o.store, '/v1/records', (store) => signStoreRequest(key, { store, action: 'put', kind: kindOf(kind), ref, text, salt: o.salt.toLowerCase() }))
      c.print([`Stored ${kind} ${ref} (commitment ${String(r.commitment)})`], r)
    })
  d.command('reveal')
    .description('read the text behind a commitment (the record\'s citizen or a member of the department)')
    .argument('<kind>', RECORD_KINDS.join(', ')).argument('<ref>', 'the request id, bill id or vehicle id')
    .requiredOption('--from <key>', 'your key').requiredOption('--store <url>', "the department store's URL")
    .action(async (kind: string, ref: string, o: { from: string; store: string }, cmd: Command) => {
      const c = ctx(cmd)
      const key = c.signer(o.from)
      const r = await send(o.store, '/v1/reveal', (store) => signStoreRequest(key, { store, action: 'reveal', kind: kindOf(kind), ref }))
      c.print(table([['text', String(r.text)], ['salt', String(r.salt)], ['commitment', `${String(r.commitment)} (checked against the chain)`]]), r)
    })
}
