/**
 * One city of a network, as a child process of the network supervisor (src/network/supervisor.ts):
 * `node --import tsx src/network/city-process.ts <city home> <api port>`, forked with an IPC
 * channel. Starts the node of that home (its polis.yaml, environment overrides, the port given),
 * tells the parent `{event: 'listening', url, height}`, and stops gracefully (the block in progress
 * is finished first) on SIGTERM/SIGINT, or when the parent goes away (the channel closes), so that
 * a killed supervisor leaves no orphan holding the city's port and database.
 */
import { loadConfig, loadNodeFiles } from '../node/config.js'
import { startNode } from '../node/node.js'

const [home, port] = process.argv.slice(2)
if (!home || !port || !process.send) {
  process.stderr.write('usage: forked by the network supervisor with <city home> <api port>\n')
  process.exit(2)
}
const send = (m: Record<string, unknown>) => process.connected && process.send!(m)
try {
  const cfg = loadConfig({ home, overrides: { apiPort: port } })
  const { genesis, validatorKey } = loadNodeFiles(cfg)
  const node = await startNode({
    dataDir: cfg.dataDir, genesis, validatorKey, host: cfg.api.host, port: cfg.api.port,
    blockIntervalMs: cfg.blockIntervalMs, emptyBlockIntervalMs: cfg.emptyBlockIntervalMs, logLevel: cfg.logLevel, bodyLimitBytes: cfg.api.bodyLimitBytes, pruning: cfg.pruning,
  })
  send({ event: 'listening', url: node.url.replace(/\/+$/, ''), chain_id: cfg.chainId, height: node.engine.height.toString() })
  let stopping = false
  const stop = (why: string) => {
    if (stopping) return
    stopping = true
    node.stop().then(() => {
      send({ event: 'stopped', why, height: node.engine.height.toString() })
      process.exit(0)
    }, (e: Error) => {
      process.stderr.write(`stop failed: ${e.message}\n`)
      process.exit(1)
    })
  }
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('SIGINT', () => stop('SIGINT'))
  process.on('disconnect', () => stop('parent gone'))
} catch (e) {
  send({ event: 'failed', error: (e as Error).message })
  process.stderr.write(`${(e as Error).message}\n`)
  process.exit(1)
}
