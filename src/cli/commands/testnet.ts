/** `polis testnet`: write and run a loopback city of N CometBFT validators (src/engine/cometbft). */
import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { Command } from 'commander'
import { PolisError } from '../../base/errors.js'
import { generate, runTestnet } from '../../network/cometbft-testnet-cli.js'
import type { CliContext } from '../context.js'
import { intArg } from '../args.js'


interface GenOpts { validators: number; out?: string; chainId?: string; basePort?: number; citizens?: number; hosts?: string; config?: string; installDir?: string; polisRoot?: string; cometbftBin?: string; cometConfig?: string[] }

/** `--comet-config section.key=value`: a boolean, an integer or a string. */
function cometSetting(kv: string): [string, string | number | boolean] {
  const m = /^([a-z0-9_]+\.)?([a-z0-9_-]+)=(.*)$/.exec(kv)
  if (!m) throw new PolisError('invalid_request', `--comet-config ${kv}: expected section.key=value (e.g. p2p.allow_duplicate_ip=true)`)
  const v = m[3]!
  return [`${m[1] ?? ''}${m[2]}`, v === 'true' ? true : v === 'false' ? false : /^[0-9]+$/.test(v) ? Number(v) : v]
}

export function testnetCommands(program: Command, ctx: (cmd: Command) => CliContext): void {
  const testnet = program.command('testnet')
    .description('a city of several CometBFT validators on this machine: `polis testnet --validators 4 --out DIR`, then `polis testnet start DIR`')
    .option('--validators <n>', 'number of validators', intArg('--validators', 1, 16), 4)
    .option('--out <dir>', 'directory to write the testnet to (keys, genesis, one CometBFT home and App database per validator)')
    .option('--chain-id <id>', 'chain id')
    .option('--base-port <port>', 'first port; each validator uses a block of ports from there', intArg('--base-port', 1024, 65000))
    .option('--citizens <n>', 'sample citizen accounts with balances', intArg('--citizens', 0, 1000))
    .option('--hosts <list>', 'a city across machines: one validator per host (comma-separated names or addresses); writes one self-contained directory per host (docs/DEPLOY.md)')
    .option('--config <file>', 'a city across machines described in a file (YAML): hosts with their names, ports and powers, chain id, … (docs/DEPLOY.md, "A config file"); flags given as well override the file')
    .option('--install-dir <dir>', 'with --hosts: where each host directory lives on its machine (systemd units)', '/srv/polis')
    .option('--polis-root <dir>', 'with --hosts: the Polis repository on the machines (default: this one)')
    .option('--cometbft-bin <path>', 'with --hosts: the cometbft binary on the machines (default: the one used here)')
    .option('--comet-config <setting...>', 'with --hosts: further config.toml settings, section.key=value (e.g. p2p.allow_duplicate_ip=true to try several hosts on one machine, whose connections all come from 127.0.0.1)')
    .action(async (o: GenOpts, cmd: Command) => {
      const c = ctx(cmd)
      if (!o.out) throw new PolisError('invalid_request', 'say where to write the testnet: --out DIR')
      if (o.hosts !== undefined && o.config !== undefined) throw new PolisError('invalid_request', '--hosts and --config both name the machines: give one')
      if (o.hosts !== undefined || o.config !== undefined) {
        const { writeBundle } = await import('../../network/deploy-bundle.js')
        const given = (flag: string) => cmd.getOptionValueSource(flag) === 'cli'
        let fromFile = {}
        if (o.config !== undefined) {
          const file = resolve(c.io.cwd, o.config)
          if (!existsSync(file)) throw new PolisError('not_found', `--config: no file ${file}`)
          const { parseBundleConfig } = await import('../../network/bundle-config.js')
          fromFile = parseBundleConfig(readFileSync(file, 'utf8'), o.config)
        }
        const flags = {
          ...(o.hosts !== undefined ? { hosts: o.hosts.split(',').map((h) => h.trim()).filter(Boolean) } : {}),
          ...(given('chainId') ? { chainId: o.chainId } : {}),
          ...(given('citizens') ? { citizens: o.citizens } : {}),
          ...(given('basePort') ? { basePort: o.basePort } : {}),
          ...(given('installDir') || o.config === undefined ? { installDir: o.installDir } : {}),
          ...(given('polisRoot') ? { polisRoot: o.polisRoot } : {}),
          ...(given('cometbftBin') ? { cometbftBin: o.cometbftBin } : {}),
        }
        const fileConfig = (fromFile as { cometConfig?: Record<string, string | number | boolean> }).cometConfig
        const b = writeBundle({
          hosts: [], ...fromFile, ...flags, out: resolve(c.io.cwd, o.out),
          cometConfig: { ...fileConfig, ...Object.fromEntries((o.cometConfig ?? []).map(cometSetting)) },
        })
        if (c.json) c.io.out(JSON.stringify({ out: b.out, chain_id: b.chainId, hosts: b.hosts.map((h) => ({ host: h.host, name: h.name, dir: h.dir, node_id: h.nodeId, validator: h.validatorPubKey, power: h.power, ports: h.ports })) }) + '\n')
        else c.io.out([`wrote a ${b.hosts.length}-machine city "${b.chainId}" to ${b.out}:`, ...b.hosts.map((h) => `  ${h.name === h.host ? h.host : `${h.name} (${h.host})`}: ${h.dir}  (node id ${h.nodeId}, power ${h.power})`), `copy each host directory to its machine and run ./start.sh there (or install the systemd units); see ${b.out}/README.txt and docs/DEPLOY.md`].join('\n') + '\n')
        return
      }
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
