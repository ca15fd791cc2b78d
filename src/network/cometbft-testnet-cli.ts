/**
 * Script entry for loopback testnets (the `polis testnet` CLI wraps the same functions):
 *
 *   node --import tsx src/network/cometbft-testnet-cli.ts gen --validators 4 --out DIR
 *        [--chain-id polis-city] [--base-port 26600] [--citizens 0] [--app polis|kvstore]
 *   node --import tsx src/network/cometbft-testnet-cli.ts start DIR
 *   node --import tsx src/network/cometbft-testnet-cli.ts up [--validators 4] [--out DIR] [gen options]
 *        (generates DIR (default ./testnet) unless it already holds a testnet, then starts it: one command)
 *
 * `start` runs one App process and one cometbft process per validator, restarts a node whose
 * process dies, writes logs to DIR/nodeI/logs/, and stops everything on ^C / SIGTERM.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { Testnet, generateTestnet, type TestnetOptions } from './cometbft-testnet.js'

export interface GenerateArgs { validators: number; out: string; chainId?: string; basePort?: number; citizens?: number; app?: 'polis' | 'kvstore' }

export function generate(args: GenerateArgs): string {
  const m = generateTestnet({ ...args } satisfies TestnetOptions)
  const lines = [`wrote a ${m.nodes.length}-validator testnet "${m.chainId}" to ${args.out}`]
  for (const n of m.nodes) lines.push(`  ${n.name}: rpc http://${m.host}:${n.rpcPort}  p2p ${n.p2pPort}  abci ${n.abciPort}  id ${n.nodeId}`)
  lines.push(`authority key: ${args.out}/keys/authority.json`)
  return lines.join('\n')
}

/** Runs the testnet in `dir` until SIGINT/SIGTERM; resolves once everything is stopped. */
export async function runTestnet(dir: string, log: (m: string) => void = (m) => console.log(m)): Promise<void> {
  const tn = new Testnet(dir, { autoRestart: true, log })
  let stopping: Promise<void> | undefined
  const stop = () => (stopping ??= tn.stop())
  const done = new Promise<void>((resolve) => {
    const on = () => {
      log('stopping ...')
      void stop().then(resolve)
    }
    process.once('SIGINT', on)
    process.once('SIGTERM', on)
  })
  try {
    await tn.start()
  } catch (e) {
    await stop()
    throw e
  }
  for (let i = 0; i < tn.size; i++) log(`${tn.manifest.nodes[i]!.name} up: rpc ${tn.rpc(i).url}  logs ${tn.nodeDir(i)}/logs`)
  log('testnet running; ^C to stop')
  await done
  log('stopped')
}

const isMain = process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\/src\//, 'src/'))
if (isMain) {
  const [cmd, ...rest] = process.argv.slice(2)
  if (cmd === 'gen' || cmd === 'up') {
    const { values } = parseArgs({
      args: rest,
      options: {
        validators: { type: 'string', default: '4' }, out: { type: 'string' }, 'chain-id': { type: 'string' },
        'base-port': { type: 'string' }, citizens: { type: 'string' }, app: { type: 'string' },
      },
    })
    if (cmd === 'up') values.out ??= 'testnet'
    if (!values.out) throw new Error('--out DIR is required')
    if (cmd === 'up' && existsSync(join(values.out, 'testnet.json'))) {
      await runTestnet(values.out)
      process.exit(0)
    }
    console.log(generate({
      validators: Number(values.validators), out: values.out, chainId: values['chain-id'],
      basePort: values['base-port'] ? Number(values['base-port']) : undefined,
      citizens: values.citizens ? Number(values.citizens) : undefined,
      app: values.app as 'polis' | 'kvstore' | undefined,
    }))
    if (cmd === 'up') {
      await runTestnet(values.out)
      process.exit(0)
    }
  } else if (cmd === 'start' && rest[0]) {
    await runTestnet(rest[0])
    process.exit(0)
  } else {
    console.error('usage: cometbft-testnet-cli.ts up [--validators N] [--out DIR]   (generate if needed, then start)\n       cometbft-testnet-cli.ts gen --validators N --out DIR [--chain-id ID] [--base-port P] [--citizens N] [--app polis|kvstore]\n       cometbft-testnet-cli.ts start DIR')
    process.exit(2)
  }
}
