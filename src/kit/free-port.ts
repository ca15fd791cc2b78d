/**
 * The test kit's free loopback ports (for tests, benchmarks and simulations).
 *
 *   await freePort()                                  // one port the OS just handed out
 *   await freeBasePort((base) => [base, base + 1])    // a base under which a whole layout is free
 *
 * A port found free can still be taken by another process before it is bound; callers that start
 * several servers on a layout (a testnet, a network of cities) need the layout's ports together.
 */
import { createServer } from 'node:net'

const LOOPBACK = '127.0.0.1'

/** A port that was free on `host` a moment ago (the OS's choice for port 0). */
export function freePort(host = LOOPBACK): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, host, () => {
      const { port } = s.address() as { port: number }
      s.close(() => resolve(port))
    })
  })
}

/** True if every port can be bound on `host` right now (each is bound and released). */
export async function portsFree(ports: number[], host = LOOPBACK): Promise<boolean> {
  for (const port of ports) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = createServer()
      s.once('error', () => resolve(false))
      s.listen({ port, host, exclusive: true }, () => s.close(() => resolve(true)))
    })
    if (!ok) return false
  }
  return true
}

/**
 * A base port (a multiple of 10 in 20000..59990) under which every port of `layout(base)` is free,
 * e.g. `(b) => [b, b + 1, b + 2]` for three cities, or a testnet's `testnetPorts(b, n)`.
 */
export async function freeBasePort(layout: (base: number) => number[], host = LOOPBACK): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + 10 * Math.floor(Math.random() * 4000)
    if (await portsFree(layout(base), host)) return base
  }
  throw new Error(`no free port range found on ${host}`)
}

/** The layout of `n` consecutive ports from a base. */
export const consecutive = (n: number) => (base: number) => Array.from({ length: n }, (_, i) => base + i)
