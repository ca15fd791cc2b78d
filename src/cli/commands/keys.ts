import type { Command } from 'commander'
import { PolisError } from '../../base/errors.js'
import { fromHex } from '../../base/bytes.js'
import type { CliContext } from '../context.js'
import { columns, table } from '../format.js'

export function keysCommands(program: Command, ctx: (cmd: Command) => CliContext): void {
  const keys = program.command('keys').description('manage the key files of the keyring (<home>/keys, files 0600)')

  keys.command('add')
    .description('create a new Ed25519 key and save it as <home>/keys/<name>.json (mode 0600)')
    .argument('<name>', 'key name: letters, digits, . _ - (e.g. sensor-7)')
    .option('--seed <hex>', 'derive the key from this 32-byte seed (64 hex) instead of a random one')
    .action((name: string, opts: { seed?: string }, cmd: Command) => {
      const c = ctx(cmd)
      let seed: Uint8Array | undefined
      if (opts.seed !== undefined) {
        if (!/^[0-9a-fA-F]{64}$/.test(opts.seed)) throw new PolisError('invalid_request', '--seed must be 64 hex characters (32 bytes)')
        seed = fromHex(opts.seed.toLowerCase())
      }
      const k = c.keyring().add(name, seed)
      c.print(
        [`Created key "${k.name}"`, ...table([['address', k.address], ['file', `${k.path} (mode 0600)`]], '  '), 'Keep the file secret: whoever reads it can sign as this account.'],
        { name: k.name, address: k.address, path: k.path },
      )
    })

  keys.command('list')
    .description('list the keys of the keyring (names and addresses)')
    .action((_opts: unknown, cmd: Command) => {
      const c = ctx(cmd)
      const ring = c.keyring()
      const list = ring.list()
      c.print(
        () => (list.length ? columns([['NAME', 'ADDRESS'], ...list.map((k) => [k.name, k.address])]) : [`no keys in ${ring.dir} (create one with: polis keys add <name>)`]),
        { dir: ring.dir, keys: list },
      )
    })

  keys.command('show')
    .description('show the address of a key (never its secret)')
    .argument('<name>', 'key name')
    .option('-a, --address', 'print the address only')
    .action((name: string, opts: { address?: boolean }, cmd: Command) => {
      const c = ctx(cmd)
      const k = c.keyring().get(name)
      c.print(opts.address ? k.address : table([['name', k.name], ['address', k.address], ['file', k.path]]), { name: k.name, address: k.address, path: k.path })
    })
}
