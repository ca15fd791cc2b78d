/** `polis tx bank …` and `polis tx identity …`: sign with a keyring key, submit, wait for the block. */
import type { Command } from 'commander'
import { PolisError } from '../../base/errors.js'
import type { Msg } from '../../app/tx.js'
import { bank, identity, toAmount } from '../../sdk/msgs.js'
import type { CliContext } from '../context.js'
import { codeName, eventLines } from '../format.js'

export interface TxFlags { from?: string; memo?: string; wait?: boolean; timeoutMs?: string }

export function txOptions(cmd: Command, defaultFrom?: string): Command {
  return cmd
    .option('--from <key>', `signing key: a key name in the keyring, or a key file path${defaultFrom ? '' : ' (required)'}`, defaultFrom)
    .option('--memo <text>', 'a memo (at most 256 bytes)')
    .option('--no-wait', 'return once the node admitted the transaction, without waiting for the block')
    .option('--timeout-ms <ms>', 'how long to wait for the block', '30000')
}

/** Signs, submits and waits; prints the result (plus `extra` fields in --json). Exit 1 if the transaction failed. */
export async function submit(c: CliContext, flags: TxFlags, msgs: Msg[], extra: Record<string, unknown> = {}, extraLines: string[] = []): Promise<void> {
  const signer = c.signer(flags.from)
  const client = c.client()
  const timeoutMs = Number(flags.timeoutMs ?? 30000)
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1) throw new PolisError('invalid_request', '--timeout-ms must be a positive integer')
  if (flags.wait === false) {
    const s = await client.signAndSubmit(signer, msgs, { wait: false, memo: flags.memo })
    c.print([`Submitted transaction ${s.hash} (nonce ${s.nonce}); it is pending.`, `Follow it with: polis query tx ${s.hash}`, ...extraLines], { ...s, sender: signer.address, ...extra })
    return
  }
  const r = await client.signAndSubmit(signer, msgs, { memo: flags.memo, allowFailure: true, timeoutMs })
  if (r.ok) {
    c.print([`Committed in block ${r.height}: transaction ${r.hash}`, ...eventLines(r.events, (a) => c.nameOf(a)), ...extraLines], { ...r, status: 'committed', sender: signer.address, ...extra })
    return
  }
  c.print([`Transaction ${r.hash} was recorded in block ${r.height} but failed: ${codeName(r.code)}`, `  ${r.log}`], { ...r, status: 'committed', sender: signer.address, ...extra })
  throw new SilentFailure()
}

/** The command has already reported the failure; only the exit status is left to set. */
export class SilentFailure extends Error {
  constructor() {
    super('failed')
    this.name = 'SilentFailure'
  }
}

export function txCommands(program: Command, ctx: (cmd: Command) => CliContext): void {
  const tx = program.command('tx').description('sign and submit transactions (waits for the block unless --no-wait)')

  const bankCmd = tx.command('bank').description('token transfers and minting')
  txOptions(bankCmd.command('send')
    .description('send tokens from the --from account to another account')
    .argument('<to>', 'recipient: a key name in the keyring or an address (64 hex)')
    .argument('<amount>', 'whole number of the smallest unit, e.g. 250')
    .option('--denom <denom>', "denomination (default: the chain's native one)"))
    .addHelpText('after', '\nExample:\n  polis tx bank send citizen-2 250 --from citizen-1')
    .action(async (to: string, amount: string, o: TxFlags & { denom?: string }, cmd: Command) => {
      const c = ctx(cmd)
      await submit(c, o, [bank.send(c.address(to), toAmount(amount), o.denom)])
    })
  txOptions(bankCmd.command('mint')
    .description('create native tokens for an account (city authority only)')
    .argument('<to>', 'recipient: a key name or an address')
    .argument('<amount>', 'whole number of the smallest unit'), 'authority')
    .action(async (to: string, amount: string, o: TxFlags, cmd: Command) => {
      const c = ctx(cmd)
      await submit(c, o, [bank.mint(c.address(to), toAmount(amount))])
    })

  const id = tx.command('identity').description('accounts, devices and roles (city authority only)')
  txOptions(id.command('register')
    .description('register an account with roles, e.g. a department clerk (water, public-works, transport, …)')
    .argument('<pubkey>', "the account's public key: a key name in the keyring or 64 hex")
    .argument('<roles...>', 'one or more roles')
    .option('--meta <hex>', 'a 32-byte salted commitment to off-chain data about the account (64 hex)'), 'authority')
    .addHelpText('after', '\nExample:\n  polis keys add water-clerk && polis tx identity register water-clerk water')
    .action(async (pubkey: string, roles: string[], o: TxFlags & { meta?: string }, cmd: Command) => {
      const c = ctx(cmd)
      await submit(c, o, [identity.register(c.address(pubkey), roles, o.meta)])
    })
  txOptions(id.command('register-device')
    .description('register a device key (role "device") on the chain')
    .argument('<pubkey>', "the device's public key: a key name in the keyring or 64 hex")
    .option('--meta <hex>', 'a 32-byte salted commitment to off-chain data about the device (64 hex)'), 'authority')
    .addHelpText('after', '\nExample:\n  polis keys add sensor-1 && polis tx identity register-device sensor-1 --from authority')
    .action(async (pubkey: string, o: TxFlags & { meta?: string }, cmd: Command) => {
      const c = ctx(cmd)
      await submit(c, o, [identity.registerDevice(c.address(pubkey), o.meta)])
    })
  txOptions(id.command('revoke')
    .description('revoke an account: it is refused from the next block on')
    .argument('<address>', 'a key name or an address')
    .option('--reason <text>', 'why (kept on chain)'), 'authority')
    .action(async (address: string, o: TxFlags & { reason?: string }, cmd: Command) => {
      const c = ctx(cmd)
      await submit(c, o, [identity.revoke(c.address(address), o.reason)])
    })
  txOptions(id.command('grant-role')
    .description('grant a role (authority, validator, rsu, vehicle, device, citizen, operator, relayer, …) to an account')
    .argument('<address>', 'a key name or an address')
    .argument('<role>', 'the role'), 'authority')
    .action(async (address: string, role: string, o: TxFlags, cmd: Command) => {
      const c = ctx(cmd)
      await submit(c, o, [identity.grantRole(c.address(address), role)])
    })
}
