/** `polis query …`: reads from the node; `query proof --verify` and `query header --verify` check what it says. */
import type { Command } from 'commander'
import { PolisError } from '../../base/errors.js'
import { fromHex, toHex } from '../../base/bytes.js'
import { verifyHeader, verifyStoreProof } from '../../sdk/proof.js'
import { decodeStateValue, parseStateKey } from '../../sdk/state.js'
import type { CliContext } from '../context.js'
import { codeName, eventLines, isoTime, table } from '../format.js'
import { SilentFailure } from './tx.js'

function height(v: string | undefined, what = '--height'): bigint | undefined {
  if (v === undefined) return undefined
  if (!/^[1-9][0-9]{0,18}$/.test(v)) throw new PolisError('invalid_request', `${what} must be a positive integer (got "${v}")`)
  return BigInt(v)
}

const heightOption = (cmd: Command) => cmd.option('--height <h>', 'read the state as of this block (default: the latest)')

export function queryCommands(program: Command, ctx: (cmd: Command) => CliContext): void {
  const q = program.command('query').description('read accounts, balances, transactions, blocks, headers and proven state')

  heightOption(q.command('account')
    .description('an identity account: roles, nonce, revocation, balances')
    .argument('<address>', 'a key name in the keyring or an address (64 hex)'))
    .action(async (who: string, o: { height?: string }, cmd: Command) => {
      const c = ctx(cmd)
      const address = toHex(c.address(who))
      const client = c.client()
      const h = height(o.height)
      const a = await client.account(address, { height: h })
      if (!a) throw new PolisError('not_found', `account ${address} is not registered`)
      const balances = await client.balances(address, { height: h })
      const name = c.nameOf(address)
      c.print([
        ...table([
          ['address', address + (name ? ` (${name})` : '')],
          ['roles', a.roles.join(', ') || '-'],
          ['nonce', a.nonce],
          ['created at', `block ${a.created_at}`],
          ['status', a.revoked_at ? `revoked at block ${a.revoked_at}${a.revoke_reason ? ` (${a.revoke_reason})` : ''}` : 'active'],
          ['meta', a.meta],
          ['balances', balances.length ? balances.map((b) => `${b.amount} ${b.denom}`).join(', ') : '0'],
        ]),
      ], { ...a, balances: balances.map((b) => ({ denom: b.denom, amount: b.amount.toString() })) })
    })

  heightOption(q.command('balance')
    .description('the balance of an account')
    .argument('<address>', 'a key name in the keyring or an address (64 hex)')
    .option('--denom <denom>', "denomination (default: the chain's native one)"))
    .action(async (who: string, o: { denom?: string; height?: string }, cmd: Command) => {
      const c = ctx(cmd)
      const address = toHex(c.address(who))
      const r = await c.client().query<{ address: string; denom: string; amount: string }>('bank', 'balance', { address, denom: o.denom }, { height: height(o.height) })
      c.print(`${r.amount} ${r.denom}`, r)
    })

  q.command('tx')
    .description('the status and result of a transaction')
    .argument('<hash>', 'transaction hash (64 hex)')
    .action(async (hash: string, _o: unknown, cmd: Command) => {
      const c = ctx(cmd)
      const s = await c.client().tx(hash)
      c.print(() => {
        if (s.status !== 'committed') return [`transaction ${s.hash}: ${s.status}`]
        return [
          ...table([['hash', s.hash], ['status', 'committed'], ['block', s.height], ['index', s.index], ['result', codeName(s.code ?? 0)], ['log', s.log || undefined]]),
          ...(s.events?.length ? ['events', ...eventLines(s.events, (a) => c.nameOf(a))] : []),
        ]
      }, s)
      if (s.status === 'unknown') throw new SilentFailure()
    })

  q.command('block')
    .description('a block: signed header, transactions and results')
    .argument('[height]', 'block height (default: the latest)')
    .action(async (h: string | undefined, _o: unknown, cmd: Command) => {
      const c = ctx(cmd)
      const b = await c.client().block(h === undefined || h === 'latest' ? 'latest' : height(h, 'height')!)
      const hd = b.header as Record<string, string>
      c.print([
        ...table([['height', b.height], ['hash', b.hash], ['time', isoTime(hd.time)], ['app hash', hd.app_hash], ['prev hash', hd.prev_hash], ['proposer', hd.proposer], ['txs', b.txs.length]]),
        ...b.results.map((r, i) => `  #${i} ${r.hash} ${codeName(r.code)}${r.log ? ` ${r.log}` : ''}`),
      ], b)
    })

  q.command('header')
    .description('a signed block header (what a light client checks)')
    .argument('<height>', 'block height')
    .option('--verify', 'check the hash and the validator signature against the trusted genesis')
    .option('--genesis <file>', 'the trusted genesis (default: the genesis file of the home)')
    .action(async (hs: string, o: { verify?: boolean; genesis?: string }, cmd: Command) => {
      const c = ctx(cmd)
      const h = height(hs, 'height')!
      const resp = await c.client().header(h)
      let verified: { genesis: string } | undefined
      if (o.verify) {
        const { trust, path } = c.trustedGenesis(o.genesis)
        verifyHeader(resp, trust, h)
        verified = { genesis: path }
      }
      const hd = resp.header as Record<string, string>
      c.print([
        ...table([['height', resp.height], ['hash', resp.hash], ['chain', hd.chain_id], ['time', isoTime(hd.time)], ['app hash', hd.app_hash], ['prev hash', hd.prev_hash],
          ['txs hash', hd.txs_hash], ['results hash', hd.results_hash], ['validators', hd.validators_hash], ['proposer', hd.proposer], ['hash alg', hd.hash_alg], ['signature', resp.signature]]),
        ...(verified ? [`verified: header hash and validator signature check out against ${verified.genesis}`] : []),
      ], { ...resp, ...(verified ? { verified: true, trusted_genesis: verified.genesis } : {}) })
    })

  q.command('proof')
    .description('a raw state key with its ICS-23 proof; --verify checks it against a verified header')
    .argument('<key>', 'the state key: hex, or balance:<address|key name>[:<denom>], or account:<address|key name>')
    .option('--height <h>', 'the block height to prove at (default: the latest)')
    .option('--verify', "verify: the header's signature against the trusted genesis' validator, then the proof against its app hash")
    .option('--genesis <file>', 'the trusted genesis (default: the genesis file of the home)')
    .addHelpText('after', '\nExamples:\n  polis query proof balance:citizen-2 --verify\n  polis query proof account:authority --height 3 --verify\n  polis query proof 62616e6b2f62… --height 3')
    .action(async (spec: string, o: { height?: string; verify?: boolean; genesis?: string }, cmd: Command) => {
      const c = ctx(cmd)
      const trusted = o.verify ? c.trustedGenesis(o.genesis) : undefined
      const client = c.client()
      let nativeDenom = trusted?.trust.nativeDenom
      if (!nativeDenom && spec.startsWith('balance:') && spec.split(':').length === 2) {
        nativeDenom = (await client.query<{ denom: string }>('bank', 'params')).denom
      }
      const key = parseStateKey(spec, { nativeDenom, resolveAddress: (s) => c.address(s) })
      const h = height(o.height) ?? (await client.height())
      if (h === 0n) throw new PolisError('not_found', 'the chain has no block yet: state can be proven from block 1 on (submit a transaction first)')
      const [store, header] = await Promise.all([client.store(key.key, { height: h, prove: true }), o.verify ? client.header(h) : undefined])
      let verification: { header_hash: string; app_hash: string; genesis: string; result: string } | undefined
      if (trusted && header) {
        const signed = verifyHeader(header, trusted.trust, h)
        if (String(store.height) !== h.toString()) throw new PolisError('proof_invalid', `asked for height ${h}, the node answered for ${store.height}`)
        const v = verifyStoreProof(store, signed.header.appHash, key.key)
        verification = {
          header_hash: toHex(signed.hash),
          app_hash: toHex(signed.header.appHash),
          genesis: trusted.path,
          result: v.exists ? 'membership' : 'non-membership',
        }
      }
      const value = store.value === null ? undefined : fromHex(store.value)
      const meaning = decodeStateValue(key, value)
      const name = key.address ? c.nameOf(key.address) : undefined
      c.print(() => {
        const lines = table([
          ['key', `${toHex(key.key)}${key.kind !== 'raw' ? `  (${key.kind} of ${key.address}${name ? ` (${name})` : ''}${key.denom ? `, ${key.denom}` : ''})` : ''}`],
          ['height', store.height],
          ['value', store.value === null ? '(absent)' : store.value],
          ...('amount' in meaning ? [['amount', `${meaning.amount} ${key.denom}`] as [string, string]] : []),
          ...('account' in meaning && meaning.account ? [['account', `roles ${meaning.account.roles.join(',') || '-'}, nonce ${meaning.account.nonce}${meaning.account.revoked_at ? `, revoked at ${meaning.account.revoked_at}` : ''}`] as [string, string]] : []),
          ['proof', store.proof ? `${store.proof.length / 2} bytes (ICS-23 CommitmentProof, iavlSpec)` : '(none)'],
        ])
        if (verification) {
          lines.push(...table([['header', `${verification.header_hash} (signature by the trusted validator: ok)`], ['app hash', verification.app_hash]]))
          lines.push(`verified: ${verification.result === 'membership' ? 'the value is' : 'the absence of the key is'} proven at height ${h} against ${verification.genesis}`)
        } else {
          lines.push('not verified (add --verify to check the proof against a signed header)')
        }
        return lines
      }, { key: toHex(key.key), kind: key.kind, address: key.address, denom: key.denom, height: store.height, value: store.value, ...meaning, proof: store.proof ?? null, verified: verification !== undefined, ...(verification ? { verification } : {}) })
    })
}
