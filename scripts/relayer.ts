// The bridge relayer for two solo city nodes: `node --import tsx scripts/relayer.ts --config FILE [--verbose]`
// (config: src/agents/relayer/config.ts). Runs until SIGINT/SIGTERM; logs JSON lines on stderr
// (refusals caused by another relayer getting there first only with --verbose).
import { Relayer, loadRelayerConfig } from '../src/agents/relayer/index.js'

const args = process.argv.slice(2)
const i = args.indexOf('--config')
const file = i >= 0 ? args[i + 1] : undefined
if (!file) {
  process.stderr.write('usage: node --import tsx scripts/relayer.ts --config FILE\n')
  process.exit(2)
}
const verbose = args.includes('--verbose')
const log = (msg: string, data: Record<string, unknown> = {}, level = 'info') => (level === 'debug' && !verbose) || process.stderr.write(JSON.stringify({ time: new Date().toISOString(), level, msg, ...data }) + '\n')
let relayer: Relayer
try {
  const opts = loadRelayerConfig(file)
  relayer = new Relayer({ ...opts, log })
  log('relayer starting', { a: opts.a.url, b: opts.b.url, a_client: opts.a.clientId, b_client: opts.b.clientId })
} catch (e) {
  log('relayer config refused', { error: (e as Error).message })
  process.exit(1)
}
relayer.start()
let stopping = false
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (stopping) process.exit(130)
    stopping = true
    void relayer.stop().then(() => {
      log('relayer stopped')
      process.exit(0)
    })
  })
}
