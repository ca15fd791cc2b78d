/**
 * The network the console shows: every city from `/v1/network` of the node that served it, each
 * with an SDK client, its status (polled) and its block stream (WebSocket `/v1/events`, reconnected
 * with backoff when the city goes down and comes back). Updates are coalesced to one per animation
 * frame, so a city at 1,000 tx/s costs one redraw per frame, not one per block.
 */
import { PolisClient } from '../../src/sdk/polis-client.ts'
import { NodeUnreachableError } from '../../src/sdk/errors.ts'
import type { NodeStatus } from '../../src/sdk/types.ts'

export interface BlockSeen { height: bigint; time: number; numTxs: number; hash: string; txs: string[] }

const KEEP_BLOCKS = 600

/** A block time as unix ms: solo headers and the block stream say unix ms, CometBFT headers RFC 3339. */
export function timeMs(v: unknown): number {
  const s = String(v ?? '')
  return /^[0-9]+$/.test(s) ? Number(s) : Date.parse(s)
}
const POLL_MS = 2000

export class City {
  readonly client: PolisClient
  status?: NodeStatus
  up = false
  everUp = false
  error?: string
  /** reconnections of the block stream after the city was down */
  reconnects = 0
  blocks: BlockSeen[] = []
  private ws?: WebSocket
  private timer?: ReturnType<typeof setTimeout>
  private backoff = 500
  private stopped = false

  constructor(readonly name: string, readonly url: string, private readonly changed: () => void) {
    // window.fetch must be called unbound from the client object ("Illegal invocation" otherwise)
    this.client = new PolisClient(url, { timeoutMs: 5000, fetch: (input, init) => fetch(input, init) })
  }

  get chainId(): string {
    return this.status?.chain_id ?? this.name
  }

  get height(): bigint {
    return this.status ? BigInt(this.status.height) : 0n
  }

  start(): void {
    void this.poll()
    this.connect()
  }

  stop(): void {
    this.stopped = true
    clearTimeout(this.timer)
    this.ws?.close()
  }

  private async poll(): Promise<void> {
    if (this.stopped) return
    try {
      this.status = await this.client.status()
      if (!this.everUp) void this.backfill(BigInt(this.status.height))
      this.answered()
      if (!this.ws) this.connect()
    } catch (e) {
      this.up = false
      this.error = e instanceof NodeUnreachableError ? `unreachable (${this.url}): ${(e as Error).message}` : (e as Error).message
    }
    this.changed()
    this.timer = setTimeout(() => void this.poll(), POLL_MS)
  }

  /** The city answered (its status, or a block on its stream): up again, counted once as a reconnection if it was down. */
  private answered(): void {
    if (!this.up && this.everUp) this.reconnects++
    this.up = true
    this.everUp = true
    this.error = undefined
  }

  /** The last blocks before the stream connected, for block times and the tx/s chart from the first frame. */
  private async backfill(top: bigint): Promise<void> {
    const heights: bigint[] = []
    for (let x = top; x >= 1n && heights.length < 20; x--) heights.push(x)
    const got = await Promise.all(heights.map((x) => this.client.block(x).catch(() => undefined)))
    const known = new Set(this.blocks.map((b) => b.height))
    const old = got.filter((b) => b && !known.has(BigInt(b.height))).map((b) => ({ height: BigInt(b!.height), time: timeMs(b!.header.time), numTxs: b!.txs.length, hash: b!.hash, txs: b!.results.map((r) => r.hash) }))
    this.blocks = [...old, ...this.blocks].sort((a, b) => (a.height < b.height ? -1 : 1))
    this.changed()
  }

  private connect(): void {
    if (this.stopped || this.ws) return
    let ws: WebSocket
    try {
      ws = new WebSocket(this.url.replace(/^http/, 'ws') + '/v1/events?kinds=block')
    } catch {
      return
    }
    this.ws = ws
    ws.onopen = () => (this.backoff = 500)
    ws.onmessage = (ev) => {
      let m: { kind?: string; height?: string; time?: string; num_txs?: number; hash?: string; txs?: string[] }
      try {
        m = JSON.parse(String(ev.data)) as typeof m
      } catch {
        return
      }
      if (m.kind !== 'block' || !m.height) return
      const b: BlockSeen = { height: BigInt(m.height), time: timeMs(m.time), numTxs: m.num_txs ?? 0, hash: m.hash ?? '', txs: m.txs ?? [] }
      this.blocks.push(b)
      if (this.blocks.length > KEEP_BLOCKS) this.blocks.splice(0, this.blocks.length - KEEP_BLOCKS)
      if (this.status && b.height > BigInt(this.status.height)) this.status = { ...this.status, height: m.height, time: m.time ?? this.status.time }
      this.answered()
      this.changed()
    }
    ws.onclose = () => {
      this.ws = undefined
      if (this.stopped) return
      this.backoff = Math.min(this.backoff * 2, 8000)
      setTimeout(() => this.connect(), this.backoff)
    }
    ws.onerror = () => undefined // onclose follows; the status poll reports the city down
  }

  /** Transactions per second over the last `seconds` seconds of chain time, one value per second. */
  txPerSecond(seconds = 60, now = Date.now()): number[] {
    const out = new Array<number>(seconds).fill(0)
    const start = Math.floor(now / 1000) - seconds + 1
    for (const b of this.blocks) {
      const i = Math.floor(b.time / 1000) - start
      if (i >= 0 && i < seconds) out[i] = out[i]! + b.numTxs
    }
    return out
  }

  /** Mean interval between the blocks seen (ms), over the last 20. */
  blockInterval(): number | undefined {
    const b = this.blocks.slice(-21)
    if (b.length < 2) return undefined
    return (b.at(-1)!.time - b[0]!.time) / (b.length - 1)
  }
}

export class Network {
  cities: City[] = []
  private listeners = new Set<() => void>()
  private scheduled = false

  readonly notify = () => {
    if (this.scheduled) return
    this.scheduled = true
    requestAnimationFrame(() => {
      this.scheduled = false
      for (const l of [...this.listeners]) l()
    })
  }

  onChange(l: () => void): () => void {
    this.listeners.add(l)
    return () => this.listeners.delete(l)
  }

  city(name: string | undefined): City | undefined {
    return this.cities.find((c) => c.name === name) ?? this.cities[0]
  }

  static async load(): Promise<Network> {
    const net = new Network()
    const here = location.origin
    let list: Array<{ name: string; url: string }>
    try {
      const r = await fetch(`${here}/v1/network`, { headers: { accept: 'application/json' } })
      if (!r.ok) throw new Error(`HTTP ${r.status}`)
      list = ((await r.json()) as { cities: Array<{ name: string; url: string }> }).cities
    } catch {
      list = [{ name: 'this city', url: here }]
    }
    net.cities = list.map((c) => new City(c.name, c.url, net.notify))
    for (const c of net.cities) c.start()
    return net
  }
}
