/** `polis testnet`: write and run a loopback city of N CometBFT validators (src/engine/cometbft). */
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { Command } from 'commander'
import { PolisError } from '../../base/errors.js'
import { generate, runTestnet } from '../../network/cometbft-testnet-cli.js'
import type { CliContext } from '../context.js'
import { intArg } from '../args.js'


interface GenOpts { validators: number; out?: string; chainId?: string; basePort?: number; citizens?: number }

export function testnetCommands(program: Command, ctx: (cmd: Command) => CliContext): void {
  const testnet = program.command('testnet')
    .description('a city of several CometBFT validators on this machine: `polis testnet --validators 4 --out DIR`, then `polis testnet start DIR`')
    .option('--validators <n>', 'number of validators', intArg('--validators', 1, 16), 4)
    .option('--out <dir>', 'directory to write the testnet to (keys, genesis, one CometBFT home and App database per validator)')
    .option('--chain-id <id>', 'chain id')
    .option('--base-port <port>', 'first port; each validator uses a block of ports from there', intArg('--base-port', 1024, 65000))
    .option('--citizens <n>', 'sample citizen accounts with balances', intArg('--citizens', 0, 1000))
    .action((o: GenOpts, cmd: Command) => {
      const c = ctx(cmd)
      if (!o.out) throw new PolisError('invalid_request', 'say where to write the testnet: --out DIR')
      const out = resolve(c.io.cwd, o.out)
      if (existsSync(join(out, 'testnet.json'))) throw new PolisError('already_exists', `${out} already holds a testnet; run \`polis testnet start ${o.out}\``)
      const text = generate({ validators: o.validators, out, chainId: o.chainId, basePort: o.basePort, citizens: o.citizens })
      if (c.json) c.io.out(JSON.stringify({ out, validators: o.validators }) + '\n')
      else c.io.out(`${text}\nstart it with: polis testnet start ${o.out}\n`)
    })
  testnet.command('start <dir>')
    .description('run the testnet in DIR: one App and one cometbft process per validator, supervised; Ctrl-C stops it (needs `npm run setup:cometbft` once)')
    .action(async (dir: string, _o: unknown, cmd: Command) => {
      const c = ctx(cmd)
      const path = resolve(c.io.cwd, dir)
      if (!existsSync(join(path, 'testnet.json'))) throw new PolisError('not_found', `${path} holds no testnet; write one with \`polis testnet --validators 4 --out ${dir}\``)
      await runTestnet(path, (m) => c.io.out(m + '\n'))
    })
}
