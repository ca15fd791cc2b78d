/** The `cidr` modifier: IPv4 and IPv6 networks (RFC 4632, RFC 4291 text forms). */
import { isIP } from 'node:net'
import { refuse } from './errors.js'

function v4(ip: string): bigint {
  return ip.split('.').reduce((a, o) => (a << 8n) | BigInt(Number(o)), 0n)
}
function v6(ip: string): bigint {
  let s = ip
  const tail4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s)
  if (tail4) {
    const n = v4(tail4[1]!)
    s = s.slice(0, -tail4[1]!.length) + (n >> 16n).toString(16) + ':' + (n & 0xffffn).toString(16)
  }
  const [head, tail] = s.split('::')
  const h = head ? head.split(':') : []
  const t = tail !== undefined ? (tail ? tail.split(':') : []) : []
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t]
  return groups.reduce((a, g) => (a << 16n) | BigInt(parseInt(g, 16)), 0n)
}

/** A test of whether an address (text) lies in the network; an invalid network is refused. */
export function cidrTest(c: string): (ip: string) => boolean {
  const [net, lenS, extra] = c.split('/')
  const len = Number(lenS)
  const kind = isIP(net ?? '')
  const bits = kind === 4 ? 32 : 128
  if (extra !== undefined || !kind || lenS === undefined || !/^\d+$/.test(lenS) || len > bits) return refuse(`cidr: invalid network ${JSON.stringify(c)}`, { construct: 'cidr' })
  const shift = BigInt(bits - len)
  const parse = kind === 4 ? v4 : v6
  const base = parse(net!) >> shift
  return (ip) => {
    const t = ip.trim()
    const k = isIP(t)
    if (k === 4 && kind === 4) return v4(t) >> shift === base
    if (k === 6 && kind === 6) return v6(t) >> shift === base
    return false
  }
}
