/**
 * A node's committed blocks with their transactions (hash, code, events), pushed over the
 * WebSocket event stream (`GET /v1/events?frames=block`, src/api/event-stream.ts): for each block the
 * node sends one frame, the JSON array of the block message (with `num_txs`) and one message per
 * transaction, in commit order, so a block is complete once `num_txs` transaction messages of its
 * height have arrived (single-message frames are read the same way).
 *
 * The feed covers every block from the first one it saw after (re)connecting (`from`) to the
 * last complete one (`to`); the relayer reads older blocks over HTTP. A dropped connection (the
 * node restarting, or closing a client that fell behind) is retried every second; until then the
 * relayer simply polls. Nothing here is trusted more than the HTTP answers it replaces.
 */
import WebSocket from 'ws'
import type { AppEvent } from '../../app/types.js'

interface BlockMsg { kind: 'block'; height: string; num_txs: number }
interface TxMsg { kind: 'tx'; height: string; hash: string; code: number; events: AppEvent[] }
/** A transaction of a block as the relayer reads it: its hash and code, and its events (empty when it failed). */
export interface BlockTx { hash: string; code: number; events: AppEvent[] }

/** Complete blocks kept for the relayer at most (a relayer that falls further behind reads over HTTP). */
const MAX_READY = 20_000

export class EventFeed {
  private ws?: WebSocket
  private stopped = false
  private current?: { height: bigint; need: number; got: number; txs: BlockTx[] }
  private readonly ready = new Map<bigint, BlockTx[]>()
  private waiters: Array<() => void> = []
  private retry?: NodeJS.Timeout
  /** connected to the node's stream */
  open = false
  /** the first block of the current connection, and the last complete one (0n: none yet) */
  from = 0n
  to = 0n

  constructor(private readonly url: string, private readonly log: (msg: string, data: Record<string, unknown>) => void = () => undefined) {}

  start(): void {
    this.stopped = false
    this.connect()
  }

  stop(): void {
    this.stopped = true
    clearTimeout(this.retry)
    this.ws?.terminate()
    this.wake()
  }

  /** Resolves at the next complete block, or after `ms`. */
  next(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms)
      function done() {
        clearTimeout(t)
        resolve()
      }
      this.waiters.push(done)
    })
  }

  /** True when every block after `height` up to `to` is here (the feed saw height + 1 on its connection). */
  covers(height: bigint): boolean {
    return this.from > 0n && this.from <= height + 1n && this.to >= height
  }

  /** The transactions of a complete block (removed from the feed). */
  take(height: bigint): BlockTx[] | undefined {
    const b = this.ready.get(height)
    this.ready.delete(height)
    return b
  }

  /** Forgets blocks at or below `height` (already read another way). */
  prune(height: bigint): void {
    for (const h of this.ready.keys()) if (h <= height) this.ready.delete(h)
  }

  private wake(): void {
    const w = this.waiters
    this.waiters = []
    for (const f of w) f()
  }

  private connect(): void {
    if (this.stopped) return
    // one frame per block (a JSON array of its block and tx messages): one parse per block
    const ws = new WebSocket(this.url.replace(/^http/, 'ws') + '/v1/events?kinds=block,tx&frames=block')
    this.ws = ws
    ws.on('open', () => {
      this.open = true
      this.log('event stream connected', { url: this.url })
    })
    ws.on('message', (data) => this.onMessage(data.toString()))
    ws.on('error', () => undefined) // 'close' follows
    ws.on('close', () => {
      if (this.ws !== ws) return
      this.open = false
      this.from = 0n
      this.to = 0n
      this.current = undefined
      this.ready.clear()
      if (!this.stopped) this.retry = setTimeout(() => this.connect(), 1000)
    })
  }

  private onMessage(text: string): void {
    let parsed: BlockMsg | TxMsg | Array<BlockMsg | TxMsg>
    try {
      parsed = JSON.parse(text) as BlockMsg | TxMsg | Array<BlockMsg | TxMsg>
    } catch {
      return
    }
    if (!Array.isArray(parsed)) return this.onEvent(parsed)
    for (const m of parsed) {
      if (this.ws?.readyState !== WebSocket.OPEN) break // terminated (the relayer fell behind)
      this.onEvent(m)
    }
  }

  private onEvent(m: BlockMsg | TxMsg): void {
    if (typeof m !== 'object' || m === null) return
    const height = BigInt(m.height)
    if (m.kind === 'block') {
      this.current = { height, need: m.num_txs, got: 0, txs: [] }
      if (this.from === 0n) this.from = height
    } else if (m.kind === 'tx' && this.current?.height === height) {
      this.current.got++
      this.current.txs.push({ hash: m.hash, code: m.code, events: m.code === 0 ? m.events : [] })
    } else return
    const c = this.current
    if (c && c.got === c.need) {
      this.ready.set(c.height, c.txs)
      this.to = c.height
      this.current = undefined
      if (this.ready.size > MAX_READY) {
        // the relayer is far behind: drop the feed's coverage; it reads over HTTP and reconnects fresh
        this.ws?.terminate()
        return
      }
      this.wake()
    }
  }
}
