/**
 * Sends raw records to a collector, as devices and gateways do: `udp://host:port` (syslog, one
 * datagram per record), `tcp://host:port` (syslog, RFC 6587 octet counting), `http://host:port`
 * (POST /v1/events, one record per request, waiting for the 202), `mqtt://host:port/topic`
 * (QoS 1 publish). Used by `polis simulate siem --send` to replay attacks against a live collector.
 */
import { createSocket } from 'node:dgram'
import { connect } from 'node:net'
import mqtt from 'mqtt'
import { PolisError } from '../base/errors.js'

export interface RecordSender { send(record: string): Promise<void>; close(): Promise<void> }

export async function openSender(target: string): Promise<RecordSender> {
  let u: URL
  try {
    u = new URL(target)
  } catch {
    throw new PolisError('invalid_request', `--send must be a URL like udp://127.0.0.1:5514, got ${target}`)
  }
  const host = u.hostname.replace(/^\[|\]$/g, '')
  const port = Number(u.port)
  if (u.protocol !== 'http:' && !(port > 0 && port < 65536)) throw new PolisError('invalid_request', `${target}: a port is required`)
  switch (u.protocol) {
    case 'udp:': {
      const sock = createSocket(host.includes(':') ? 'udp6' : 'udp4')
      return {
        send: (r) => new Promise((res, rej) => sock.send(Buffer.from(r), port, host, (e) => (e ? rej(e) : res()))),
        close: () => new Promise((res) => sock.close(() => res())),
      }
    }
    case 'tcp:': {
      const conn = connect(port, host)
      await new Promise<void>((res, rej) => conn.once('connect', res).once('error', rej))
      return {
        send: (r) => {
          const b = Buffer.from(r)
          return new Promise((res, rej) => conn.write(Buffer.concat([Buffer.from(`${b.length} `), b]), (e) => (e ? rej(e) : res())))
        },
        close: () => new Promise((res) => conn.end(() => res())),
      }
    }
    case 'http:': {
      const url = new URL('/v1/events', u).toString()
      return {
        send: async (r) => {
          const res = await fetch(url, { method: 'POST', body: r, headers: { 'content-type': 'application/x-ndjson' } })
          if (res.status !== 202) throw new PolisError('invalid_request', `${url} answered ${res.status}: ${await res.text()}`)
        },
        close: async () => {},
      }
    }
    case 'mqtt:': {
      const topic = decodeURIComponent(u.pathname.replace(/^\//, ''))
      if (!topic) throw new PolisError('invalid_request', `${target}: give the topic as the path, e.g. mqtt://127.0.0.1:1883/siem/cam-17/events`)
      const client = await mqtt.connectAsync(`mqtt://${u.host}`, { reconnectPeriod: 0, connectTimeout: 10_000 })
      return { send: async (r) => void (await client.publishAsync(topic, r, { qos: 1 })), close: () => client.endAsync() }
    }
    default:
      throw new PolisError('invalid_request', `--send: unsupported scheme ${u.protocol} (udp, tcp, http, mqtt)`)
  }
}
