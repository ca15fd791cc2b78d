/**
 * MQTT ingestion: the collector subscribes (QoS 1) to topic filters on a broker, either the
 * embedded one (aedes on a TCP port of its own) or an external broker given by URL (Mosquitto,
 * …). Each message is one record; the device id is the topic level `deviceLevel` (0-based, e.g.
 * level 1 of `siem/cam-17/events` is `cam-17`), mapped to a device key by the collector.
 */
import { createServer, type Server } from 'node:net'
import { Aedes } from 'aedes'
import mqtt from 'mqtt'
import type { Listener } from './listeners.js'

export type MqttSink = (payload: Uint8Array, meta: { topic: string; device?: string }) => void

export interface EmbeddedBroker extends Listener { url: string }

/** An aedes broker listening on host:port (port 0: any free port). */
export async function startEmbeddedBroker(opts: { host?: string; port?: number } = {}): Promise<EmbeddedBroker> {
  const broker = await Aedes.createBroker()
  const server: Server = createServer(broker.handle as (s: import('node:net').Socket) => void)
  const host = opts.host ?? '127.0.0.1'
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) => {
      broker.close()
      reject(e)
    })
    server.listen(opts.port ?? 0, host, () => resolve())
  })
  server.removeAllListeners('error')
  server.on('error', () => {})
  const addr = server.address()
  const port = typeof addr === 'object' && addr ? addr.port : 0
  return {
    port,
    url: `mqtt://${host}:${port}`,
    close: async () => {
      await new Promise<void>((r) => broker.close(() => r()))
      await new Promise<void>((r) => server.close(() => r()))
    },
  }
}

export function deviceFromTopic(topic: string, level: number | undefined): string | undefined {
  if (level === undefined) return undefined
  const part = topic.split('/')[level]
  return part ? part : undefined
}

/**
 * Subscribes to `topics` on the broker at `url` and hands every message to the sink. Reconnects
 * on its own (mqtt.js); resolves once the first subscription is granted.
 */
export async function subscribeMqtt(url: string, topics: string[], sink: MqttSink, opts: { deviceLevel?: number; clientId?: string; connectTimeoutMs?: number } = {}): Promise<Listener> {
  const client = await mqtt.connectAsync(url, { clientId: opts.clientId, reconnectPeriod: 1000, connectTimeout: opts.connectTimeoutMs ?? 10_000 })
  client.on('message', (topic, payload) => {
    try {
      sink(new Uint8Array(payload), { topic, device: deviceFromTopic(topic, opts.deviceLevel) })
    } catch {
      // the sink never throws by contract; a bug there must not stop the subscription
    }
  })
  client.on('error', () => {})
  const granted = await client.subscribeAsync(topics, { qos: 1 })
  const refused = granted.filter((g) => g.qos === 128)
  if (refused.length) {
    await client.endAsync()
    throw new Error(`broker ${url} refused the subscription to ${refused.map((g) => g.topic).join(', ')}`)
  }
  const port = Number(new URL(url).port || 1883)
  return { port, close: () => client.endAsync() }
}
