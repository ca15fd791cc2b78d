/** `polis network up`: several city chains on this machine, bridged, with relayers (what `npm start` runs). */
import { readFileSync } from 'node:fs'
import { relative, resolve } from 'node:path'
import { Option, type Command } from 'commander'
import { PolisError } from '../../base/errors.js'
import { DEFAULT_API_PORT, DEFAULT_BLOCK_INTERVAL_MS } from '../../node/config.js'
import { voucherDenom } from '../../modules/bridge/index.js'
import type { CliContext } from '../context.js'
import { intArg } from '../args.js'
import { columns } from '../format.js'
import type { RunningNetwork } from '../../network/supervisor.js'
import { homeFlag } from './node.js'

/** The lines to try first: a local transfer, a cross-city one, the voucher on the other side, and back. */
export function firstSteps(net: RunningNetwork, flags: string): string[] {
  const [a, b] = net.cities
  const denom = (JSON.parse(readFileSync(resolve(a!.home, 'genesis.json'), 'utf8')) as { app_state: { bank: { denom: string } } }).app_state.bank.denom
  const voucher = voucherDenom(`transfer/${a!.name}/${denom}`)
  return [
    `npx polis tx bank send citizen-2 250 --from citizen-1${flags}`,
    `npx polis tx bridge transfer ${b!.name} citizen-1 100 --from citizen-1${flags}`,
    `npx polis query balance citizen-1 --city ${b!.name} --denom ${voucher}${flags}`,
    `npx polis tx bridge transfer ${a!.name} citizen-1 100 --denom ${voucher} --from citizen-1 --city ${b!.name}${flags}`,
  ]
}

export function networkCommands(program: Command, ctx: (cmd: Command) => CliContext): void {
  const network = program.command('network').description('several city chains on this machine, connected by the bridge')
  network.command('up')
    .description('start the network in the home (creating it the first time): every city node, the bridge clients between them, and the relayers; stops cleanly on Ctrl-C / SIGTERM')
    .option('--cities <n>', 'number of cities for a new network (city-a, city-b, …)', intArg('--cities', 2, 8), 2)
    .option('--base-port <port>', 'API port of the first city of a new network; the others follow (0: any free ports: solo, the OS\'s, and the CLI then needs --node; cometbft, a free block found now and written into polis.yaml). Every port is checked free before anything starts', intArg('--base-port', 0, 65535), DEFAULT_API_PORT)
    .option('--block-interval-ms <ms>', 'block interval written to the cities of a new network', intArg('--block-interval-ms', 1, 60_000), DEFAULT_BLOCK_INTERVAL_MS)
    .addOption(new Option('--engine <engine>', 'consensus engine of the cities of a new network: solo (one validator each, in-process) or cometbft (N CometBFT validators each; needs `npm run setup:cometbft`)').choices(['solo', 'cometbft']).default('solo'))
    .option('--validators <n>', 'validators per city of a new network under --engine cometbft', intArg('--validators', 1, 16), 4)
    .option('--sample-accounts <n>', 'sample citizens (citizen-1 …, the same keys in every city) of a new network', intArg('--sample-accounts', 0, 1000), 3)
    .option('--relay-interval-ms <ms>', 'pause between relayer passes when no block arrives', intArg('--relay-interval-ms', 1, 60_000), 200)
    .option('--batch-size <n>', 'most packet messages per relayer transaction (at most 31)', intArg('--batch-size', 1, 31), 31)
    .addHelpText('after', '\nThe network home is --home, else $POLIS_HOME, else ./.polis: network.yaml, one directory per city\n(a node home), relayer/. Other commands pick a city with --city NAME (default: the first).\nExample:\n  polis network up --cities 3')
    .action(async (o: { engine: 'solo' | 'cometbft'; validators: number; cities: number; basePort: number; blockIntervalMs: number; sampleAccounts: number; relayIntervalMs: number; batchSize: number }, cmd: Command) => {
      const c = ctx(cmd)
      const home = c.networkHome
      const { checkCitiesOfExisting } = await import('../../network/init.js')
      checkCitiesOfExisting(home, cmd.getOptionValueSource('cities') === 'cli' ? o.cities : undefined)
      const short = (p: string) => {
        const rel = relative(c.io.cwd, p)
        return rel && !rel.startsWith('..') ? rel : p
      }
      const names = new Map<string, string>()
      const log = (msg: string, data: Record<string, unknown> = {}, level = 'info') => {
        // the relayers' work and cities restarted; the rest is in relayer/relayer.log
        if (!(level === 'info' && data.pair !== undefined) && !msg.startsWith('city ')) return
        const d = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, typeof v === 'string' ? names.get(v) ?? v : v]))
        if (c.json) c.io.out(JSON.stringify({ event: d.pair === undefined ? 'supervisor' : 'relayer', msg, ...d }) + '\n')
        else if (d.pair === undefined) c.io.out(`  ${String(d.city)}: ${msg}${d.code !== undefined ? ` (exit ${String(d.code)})` : ''}\n`)
        else c.io.out(`  relayer ${String(d.pair)}: ${msg}${d.chain ? ` on ${String(d.chain)}` : ''}${d.count ? ` (${String(d.count)})` : ''}\n`)
      }
      const { upNetwork } = await import('../../network/supervisor.js')
      const net = await upNetwork({
        home, env: c.io.env, log,
        init: { cities: o.cities, basePort: o.basePort, blockIntervalMs: o.blockIntervalMs, sampleAccounts: o.sampleAccounts, engine: o.engine, validators: o.validators },
        relayer: { intervalMs: o.relayIntervalMs, batchSize: o.batchSize },
      })
      for (const city of net.cities) names.set(city.url, city.name)
      const steps = firstSteps(net, homeFlag(c, home))
      const created = net.clients.filter((x) => x.created)
      if (c.json) {
        if (net.initialised) c.io.out(JSON.stringify({ event: 'initialised', home, cities: net.cities.map((x) => x.name) }) + '\n')
        c.io.out(JSON.stringify({ event: 'listening', home, cities: net.cities.map((x) => ({ name: x.name, url: x.url, chain_id: x.chainId, height: x.height, home: x.home, engine: x.engine, ...(x.comet ? { rpc: x.comet.rpc, validators: x.comet.tn.size } : {}) })), clients_created: created.length, console: `${net.cities[0]!.url}/console/`, try: steps }) + '\n')
      } else {
        c.io.out([
          ...(net.initialised ? [`Initialised a network of ${net.cities.length} cities in ${home} (the sample citizens hold the same key in every city; keys in <city>/keys, mode 0600)`] : []),
          `Polis network: ${net.cities.length} cities on this machine (${net.cities.some((x) => x.comet) ? 'CometBFT validators' : 'solo engines'}), home ${home}`,
          ...columns(net.cities.map((x) => [x.name, x.url, ...(x.comet ? [`${x.comet.tn.size} validators, rpc ${x.comet.rpc}`] : []), `height ${x.height}`, `log ${short(x.logFile)}`]), '  '),
          `Bridge: on each city a light client of every other, named after it${created.length ? ` (${created.length} created now)` : ''}; ` +
            `${net.relayers.length} relayer${net.relayers.length > 1 ? 's' : ''} (${net.relayers.map((r) => r.pair.join('~')).join(', ')}).`,
          `City console (every city, in the browser): ${net.cities[0]!.url}/console/`,
          `Try, in another terminal (commands use ${net.cities[0]!.name}; --city NAME picks another):`,
          ...steps.map((s) => `  ${s}`),
          `Stop with Ctrl-C.`,
        ].join('\n') + '\n')
      }
      const stopSignal = c.io.waitForStop ? c.io.waitForStop() : new Promise<string>(() => undefined)
      const why = await Promise.race([stopSignal, net.failed.then((m) => `failure: ${m}`)])
      if (!c.json) c.io.out(`\n${why}: stopping the relayers, then every city (the block in progress is finished first)…\n`)
      await net.stop()
      if (c.json) c.io.out(JSON.stringify({ event: 'stopped', signal: why }) + '\n')
      else c.io.out('Stopped.\n')
      if (why.startsWith('failure')) throw new PolisError('internal', why)
    })
}
