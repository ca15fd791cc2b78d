/**
 * A node's API port on this machine: a new home takes the default port when it is free and any
 * free port otherwise (written to its polis.yaml, where the CLI finds it), and a node refuses to
 * start on a port that is taken before it writes anything.
 */
import { createServer } from 'node:net'
import { PolisError } from '../base/errors.js'
import { DEFAULT_API_PORT } from './config.js'

/** True if `port` can be bound on `host` right now (it is bound and released at once). */
export function portFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer()
    s.once('error', () => resolve(false))
    s.listen({ port, host, exclusive: true }, () => s.close(() => resolve(true)))
  })
}

/** A port the OS hands out on `host`. */
function anyFreePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen({ port: 0, host, exclusive: true }, () => {
      const { port } = s.address() as { port: number }
      s.close(() => resolve(port))
    })
  })
}

/**
 * The API port of a new home: `wanted` if given (0 stays 0: any free port at each start), else the
 * default port if it is free, else a free port; `taken` names the default port when it was in use.
 */
export async function portForNewHome(host: string, wanted?: number): Promise<{ port: number; taken?: number }> {
  if (wanted !== undefined) return { port: wanted }
  if (await portFree(DEFAULT_API_PORT, host)) return { port: DEFAULT_API_PORT }
  return { port: await anyFreePort(host), taken: DEFAULT_API_PORT }
}

/** Refuses (invalid_state, naming the port, the home and the ways out) if the home's port is taken. */
export async function assertPortFree(host: string, port: number, home: string): Promise<void> {
  if (port === 0 || (await portFree(port, host))) return
  throw new PolisError('invalid_state', `port ${port} on ${host} is already in use (another node, or \`npm start\`?): ${home} was not started; ` +
    `stop the other process, or give this home another port: \`--port N\` (or api.port in ${home}/polis.yaml)`)
}
