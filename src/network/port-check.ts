/**
 * The ports of a network on a machine shared with other processes (`polis network up`).
 *
 * Before any city starts, every port the network will listen on is bound and released once: a port
 * another process holds refuses the start, naming the city and the port, with nothing started.
 * A new CometBFT network with `--base-port 0` gets a block of ports found the same way (a random
 * base, bind-tested, retried), below the machine's ephemeral range: the OS hands ports of that
 * range to every outgoing connection on the machine, so a listening port chosen there can be taken
 * at any moment by a client of any other process. What is left is the moment between the test and
 * the real bind: a city whose port is taken then fails to start, and the supervisor stops the
 * others and says which city and port (supervisor.ts).
 */
import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { PolisError } from '../base/errors.js'

export interface NamedPort { port: number; host: string; what: string }

/** True if `port` can be bound on `host` right now (it is bound and released). */
export function canBind(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer()
    s.once('error', () => resolve(false))
    s.listen({ port, host, exclusive: true }, () => s.close(() => resolve(true)))
  })
}

/** The ports of `ports` that another process holds. */
export async function busyPorts(ports: NamedPort[]): Promise<NamedPort[]> {
  const busy: NamedPort[] = []
  for (const p of ports) if (!(await canBind(p.port, p.host))) busy.push(p)
  return busy
}

/** The lowest port of the OS's ephemeral range (Linux: /proc/sys/net/ipv4/ip_local_port_range; else IANA's 49152). */
export function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0])
    if (Number.isInteger(low) && low > 0) return low
  } catch {
    // not Linux
  }
  return 49152
}

/**
 * A base port (a multiple of 10 from 10000) such that every port of `layout(base)` is free on
 * `host` and below the ephemeral range; random bases, bind-tested, `attempts` tries.
 */
export async function freeLayoutBase(layout: (base: number) => number[], host = '127.0.0.1', attempts = 100): Promise<number> {
  const span = Math.max(...layout(0)) + 1
  const low = 10_000
  const high = Math.min(ephemeralLow(), 65536) - span
  if (high <= low) throw new PolisError('invalid_request', `no room for ${span} ports between ${low} and the ephemeral port range (from ${ephemeralLow()}): give --base-port`)
  for (let i = 0; i < attempts; i++) {
    const base = low + 10 * Math.floor((Math.random() * (high - low)) / 10)
    const ports = layout(base)
    if (!(await busyPorts(ports.map((port) => ({ port, host, what: '' })))).length) return base
  }
  throw new PolisError('invalid_request', `no free block of ${span} ports found on ${host} in ${attempts} tries: give --base-port`)
}
