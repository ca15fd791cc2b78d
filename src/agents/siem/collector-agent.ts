/**
 * The collector agent on a running node: listeners (syslog UDP/TCP, JSON/OpenCanary over HTTP,
 * MQTT), normalisation with device identity, the RFC 9162 log persisted in an embedded store, and
 * a signed checkpoint anchored on chain (`siem/anchor`) at a cadence. On start it reloads the store
 * and checks it against the chain: a store that lost anchored events, or whose root differs from
 * an anchored one, is refused (the collector would otherwise sign a fork).
 */
import type { KeyPair } from '../../crypto/keys.js'
import { fromHex, toHex, bytesEqual } from '../../base/bytes.js'
import { PolisError } from '../../base/errors.js'
import type { PolisClient } from '../../sdk/polis-client.js'
import { Collector } from './collector.js'
import type { Origin } from '../../siem/origin.js'
import { EventStore } from '../../siem/event-store.js'
import { listenSyslogTcp, listenSyslogUdp, type Listener } from '../../siem/listeners.js'
import { startEmbeddedBroker, subscribeMqtt } from '../../siem/mqtt.js'
import type { InputFormat } from '../../siem/parsers.js'
import { ParsePool } from '../../siem/parse-pool.js'
import { startCollectorApi } from './collector-api.js'
import { DeviceDirectory } from './devices.js'

export type AgentLog = (msg: string, data?: Record<string, unknown>, level?: 'info' | 'warn' | 'error' | 'debug') => void

export interface CollectorAgentOptions {
  client: PolisClient
  key: KeyPair
  name: string
  dataDir: string
  host?: string
  apiPort?: number
  syslogUdpPort?: number // undefined: no UDP listener
  syslogTcpPort?: number
  /** embedded broker on a port, or an external broker by URL; undefined: no MQTT */
  mqtt?: { port: number } | { url: string }
  mqttTopics?: string[]
  mqttDeviceLevel?: number
  devices?: ReadonlyMap<string, string>
  anchorIntervalMs?: number
  flushIntervalMs?: number
  /** parse and normalise on this many worker threads (0: on the collector's thread) */
  workers?: number
  log?: AgentLog
}

const POOL_BATCH = 512
/** How often device registrations and the threat-intelligence blocklist are read again. */
const DEVICE_REFRESH_MS = 30_000

export interface CollectorEndpoints { api: string; syslog_udp?: number; syslog_tcp?: number; mqtt?: string }

export class CollectorAgent {
  collector!: Collector
  private store!: EventStore
  private readonly devices: DeviceDirectory
  private readonly listeners: Listener[] = []
  private timers: NodeJS.Timeout[] = []
  private anchoring: Promise<void> | undefined
  private stopped = false
  private pool: ParsePool | undefined
  private readonly batches = new Map<InputFormat, { records: Uint8Array[]; origins: Origin[] }>()
  private dispatchScheduled = false
  private applying: Promise<void> = Promise.resolve()
  private readonly log: AgentLog
  endpoints!: CollectorEndpoints

  constructor(private readonly o: CollectorAgentOptions) {
    this.devices = new DeviceDirectory(o.devices ?? new Map())
    this.log = o.log ?? (() => {})
  }

  async start(): Promise<CollectorEndpoints> {
    const { client, key } = this.o
    const chainId = await client.chainId()
    const address = toHex(key.publicKey)
    const reg = await client.query<{ size: string; root: string | null; forked_at: string | null }>('siem', 'collector', { address }).catch((e) => {
      if (e instanceof PolisError && e.errorName === 'not_found') throw new PolisError('unauthorized', `${address} is not a registered collector on ${chainId}: the authority registers it with \`polis siem register-collector\``)
      throw e
    })
    if (reg.forked_at !== null) throw new PolisError('frozen', `collector ${address} was frozen at height ${reg.forked_at} for a proven history rewrite`)
    this.store = await EventStore.open(this.o.dataDir)
    this.collector = new Collector(chainId, key, this.o.name, {
      enrich: (e, origin) => this.devices.enrich(e, origin),
      onAppend: (i, entry) => this.store.append(i, entry),
    })
    for await (const entry of this.store.entries()) this.collector.restore(entry)
    await this.syncAnchored(BigInt(reg.size), reg.root)
    const devs = await this.devices.refresh(client)
    if (this.devices.listed.devices.has(address)) throw new PolisError('unauthorized', `collector key ${address} is on the threat-intelligence blocklist: refusing to collect with it`)
    for (const d of devs.filter((x) => !x.registered)) this.log('device key is not a registered device; ignored', { address: d.address }, 'warn')
    for (const d of devs.filter((x) => x.listed)) this.log('device key is on the threat-intelligence blocklist; its events are flagged', { address: d.address }, 'warn')
    if (this.o.workers) {
      this.pool = new ParsePool(this.o.workers, { name: this.o.name, type: 'collector' })
      this.pool.setDevices(this.devices.table, this.devices.listed)
    }

    const host = this.o.host ?? '127.0.0.1'
    const sink = (format: InputFormat) => (frame: Uint8Array, remote: { address: string }) => this.ingest(frame, format, { address: remote.address })
    const api = await startCollectorApi({ collector: this.collector, ingest: (r, f, origin) => this.ingest(r, f, origin), flush: () => this.flush() }, { host, port: this.o.apiPort ?? 0 })
    this.listeners.push(api)
    const ep: CollectorEndpoints = { api: `http://${host}:${api.port}` }
    if (this.o.syslogUdpPort !== undefined) {
      const l = await listenSyslogUdp(sink('auto'), { host, port: this.o.syslogUdpPort })
      this.listeners.push(l)
      ep.syslog_udp = l.port
    }
    if (this.o.syslogTcpPort !== undefined) {
      const l = await listenSyslogTcp(sink('auto'), { host, port: this.o.syslogTcpPort })
      this.listeners.push(l)
      ep.syslog_tcp = l.port
    }
    if (this.o.mqtt) {
      let url: string
      if ('url' in this.o.mqtt) url = this.o.mqtt.url
      else {
        const broker = await startEmbeddedBroker({ host, port: this.o.mqtt.port })
        this.listeners.push(broker)
        url = broker.url
      }
      const sub = await subscribeMqtt(url, this.o.mqttTopics ?? ['siem/#'], (payload, m) => this.ingest(payload, 'auto', { device: m.device }), {
        deviceLevel: this.o.mqttDeviceLevel ?? 1, clientId: `polis-collector-${address.slice(0, 16)}`,
      })
      this.listeners.unshift(sub) // closed before the broker
      ep.mqtt = url
    }
    this.endpoints = ep
    this.timers.push(setInterval(() => void this.store.flush().catch((e) => this.log('store write failed', { error: (e as Error).message }, 'error')), this.o.flushIntervalMs ?? 50))
    this.timers.push(setInterval(() => void this.anchor(), this.o.anchorIntervalMs ?? 1000))
    this.timers.push(setInterval(() => void this.devices.refresh(client).then(() => this.pool?.setDevices(this.devices.table, this.devices.listed), (e) => this.log('device and blocklist refresh failed', { error: (e as Error).message }, 'warn')), DEVICE_REFRESH_MS))
    for (const t of this.timers) t.unref()
    return ep
  }

  ingest(record: Uint8Array, format: InputFormat, origin: Origin): void {
    if (this.stopped) return
    if (!this.pool) return void this.collector.ingest(record, format, undefined, origin)
    let b = this.batches.get(format)
    if (!b) this.batches.set(format, (b = { records: [], origins: [] }))
    b.records.push(record)
    b.origins.push(origin)
    if (b.records.length >= POOL_BATCH) this.dispatch(format)
    else if (!this.dispatchScheduled) {
      this.dispatchScheduled = true
      setImmediate(() => {
        this.dispatchScheduled = false
        for (const f of [...this.batches.keys()]) this.dispatch(f)
      })
    }
  }

  /** Sends a batch to the pool; results are appended in submission order. */
  private dispatch(format: InputFormat): void {
    const b = this.batches.get(format)
    if (!b || !this.pool) return
    this.batches.delete(format)
    const parsed = this.pool.parse(b.records, format, Date.now(), b.origins)
    this.applying = this.applying
      .then(() => parsed)
      .then((r) => this.collector.appendParsed(r), (e) => this.log('parse batch lost', { records: b.records.length, error: (e as Error).message }, 'error'))
  }

  /** Resolves once everything ingested so far is parsed, logged and stored. */
  async flush(): Promise<void> {
    for (const f of [...this.batches.keys()]) this.dispatch(f)
    await this.applying
    await this.store.flush()
  }

  /** Checks the reloaded log against the chain's last anchored checkpoint and adopts it. */
  private async syncAnchored(size: bigint, root: string | null): Promise<void> {
    if (size === 0n || root === null) return
    const local = this.collector.log.size
    if (BigInt(local) < size) throw new PolisError('invalid_state', `the chain has an anchored checkpoint of size ${size} but the store in ${this.o.dataDir} holds ${local} events: refusing to start on a store that lost anchored events`)
    if (!bytesEqual(this.collector.log.root(Number(size)), fromHex(root))) throw new PolisError('proof_invalid', `the store's root at size ${size} differs from the anchored one: refusing to sign a fork`)
    const cp = await this.o.client.query<{ sig: string }>('siem', 'checkpoint', { collector: toHex(this.o.key.publicKey), size: size.toString() })
    const signed = { collector: this.o.key.publicKey, size: Number(size), root: fromHex(root), sig: fromHex(cp.sig) }
    this.collector.markAnchored(signed)
    await this.store.saveAnchored(signed)
  }

  /** Anchors a checkpoint of the whole log if it grew; one at a time. */
  anchor(): Promise<void> {
    if (this.anchoring || this.stopped) return this.anchoring ?? Promise.resolve()
    this.anchoring = this.anchorOnce()
      .catch((e) => this.log('anchor failed', { error: (e as Error).message }, 'warn'))
      .finally(() => (this.anchoring = undefined))
    return this.anchoring
  }

  private async anchorOnce(): Promise<void> {
    const size = this.collector.log.size
    if (size === 0 || this.collector.lastAnchored?.size === size) return
    await this.store.flush() // never anchor what is not stored
    const { checkpoint, msg } = this.collector.checkpoint()
    const r = await this.o.client.signAndSubmit(this.o.key, [msg], { allowFailure: true, timeoutMs: 30_000 })
    if (r.ok) {
      this.collector.markAnchored(checkpoint)
      await this.store.saveAnchored(checkpoint)
      this.log('anchored', { size: checkpoint.size, root: toHex(checkpoint.root), height: r.height.toString() }, 'debug')
      return
    }
    this.log('checkpoint refused', { size: checkpoint.size, code: r.code, reason: r.log }, 'warn')
    const reg = await this.o.client.query<{ size: string; root: string | null }>('siem', 'collector', { address: toHex(this.o.key.publicKey) })
    await this.syncAnchored(BigInt(reg.size), reg.root)
  }

  async stop(): Promise<void> {
    this.stopped = true
    for (const t of this.timers) clearInterval(t)
    this.timers = []
    await this.anchoring
    for (const l of this.listeners) await l.close().catch(() => undefined)
    if (this.store) await this.flush().catch(() => undefined)
    await this.pool?.close()
    await this.store?.close()
  }
}
