/** `polis relayer start --config FILE`: the bridge relayer between two city nodes (src/agents/relayer, docs/BRIDGE.md). */
import { resolve } from 'node:path'
import type { Command } from 'commander'
import { Relayer, loadRelayerConfig } from '../../agents/relayer/index.js'
import type { CliContext } from '../context.js'

export function relayerCommands(program: Command, ctx: (cmd: Command) => CliContext): void {
  const relayer = program.command('relayer').description('relay packets, acknowledgements and timeouts between two cities (nobody trusts the relayer: a lying one can only delay)')
  relayer.command('start')
    .description('run the relayer until Ctrl-C: updates light clients, delivers packets in batches, relays acks and timeouts; pending work is read from the chains, so restarts lose and duplicate nothing')
    .requiredOption('--config <file>', 'relayer config (JSON: each side\'s node URL, client id and relayer key file; see docs/BRIDGE.md)')
    .option('--verbose', 'also log refusals caused by another relayer getting there first')
    .action(async (o: { config: string; verbose?: boolean }, cmd: Command) => {
      const c = ctx(cmd)
      const opts = loadRelayerConfig(resolve(c.io.cwd, o.config))
      const log = (msg: string, data: Record<string, unknown> = {}, level = 'info') => {
        if (level === 'debug' && !o.verbose) return
        c.io.err(JSON.stringify({ time: new Date().toISOString(), level, msg, ...data }) + '\n')
      }
      const r = new Relayer({ ...opts, log })
      log('relayer starting', { a: opts.a.url, b: opts.b.url, a_client: opts.a.clientId, b_client: opts.b.clientId })
      r.start()
      const signal = await (c.io.waitForStop ? c.io.waitForStop() : new Promise<string>(() => undefined))
      await r.stop()
      log('relayer stopped', { signal })
    })
}
