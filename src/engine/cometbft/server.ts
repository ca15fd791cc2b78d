/**
 * The ABCI socket server of CometBFT 0.38. CometBFT opens four connections (consensus, mempool,
 * query, snapshot) and, on each, writes length-prefixed `Request`s and reads the `Response`s in the
 * same order; it sends `Flush` when it wants the answers so far.
 *
 * Per connection, requests are handled strictly one after another (an async handler is awaited
 * before the next request of that connection starts), and responses are written in request order.
 * Responses are gathered and written in one go when the queue empties or on `Flush`.
 * A handler that throws produces a `ResponseException` (CometBFT treats it as fatal, which is the
 * right outcome for a consensus-level failure); handlers must therefore turn bad transactions into
 * non-zero codes themselves. A frame or protobuf that cannot be decoded closes the connection.
 */
import net from 'node:net'
import { existsSync, unlinkSync } from 'node:fs'
import { Request, Response } from 'cosmjs-types/tendermint/abci/types'
import { FrameDecoder, encodeFrame } from './frame.js'

export type RequestKind = Extract<keyof Request, string>

export interface AbciConnection {
  readonly id: number
  readonly remote: string
  /** Kinds of request seen on this connection (tells consensus from mempool from query). */
  readonly seen: Set<RequestKind>
}

export interface AbciHandler {
  /** Answers one request (never Echo or Flush, which the server answers itself). */
  handle(req: Request, kind: RequestKind, conn: AbciConnection): Response | Promise<Response>
  /** Called once a connection is closed and its last request has settled. */
  onClose?(conn: AbciConnection): void | Promise<void>
  /**
   * A request was queued behind others: the handler may start work that decides nothing and does
   * not depend on order (verifying a CheckTx's signature), so queued requests overlap it.
   */
  queued?(req: Request, kind: RequestKind): void
}

export interface AbciServerOptions {
  maxFrame?: number
  log?: (msg: string) => void
}

export function requestKind(req: Request): RequestKind | undefined {
  for (const k of Object.keys(req)) if ((req as Record<string, unknown>)[k] !== undefined) return k as RequestKind
  return undefined
}

/** Parses `tcp://host:port`, `unix:///path` or `host:port` / bare port into listen options. */
export function parseAbciAddress(addr: string): { path: string } | { host: string; port: number } {
  if (addr.startsWith('unix://')) return { path: addr.slice('unix://'.length) }
  const rest = addr.startsWith('tcp://') ? addr.slice('tcp://'.length) : addr
  const i = rest.lastIndexOf(':')
  const host = i >= 0 ? rest.slice(0, i) || '127.0.0.1' : '127.0.0.1'
  const port = Number(i >= 0 ? rest.slice(i + 1) : rest)
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`bad ABCI address "${addr}"`)
  return { host: host.replace(/^\[|\]$/g, ''), port }
}

/** Time spent per request kind in this process (count, total ms), for diagnostics and benchmarks. */
export const timings = new Map<RequestKind, { n: number; ms: number }>()

function frameOf(res: Response): Uint8Array {
  return encodeFrame(Response.encode(res).finish())
}

class Connection implements AbciConnection {
  readonly seen = new Set<RequestKind>()
  private readonly decoder: FrameDecoder
  private readonly queue: Request[] = []
  private out: Uint8Array[] = []
  private running = false
  private closed = false
  private idle: Promise<void> = Promise.resolve()
  private settle?: () => void

  constructor(
    readonly id: number,
    readonly remote: string,
    private readonly socket: net.Socket,
    private readonly handler: AbciHandler,
    private readonly log: (msg: string) => void,
    maxFrame: number | undefined,
  ) {
    this.decoder = new FrameDecoder(maxFrame)
    socket.setNoDelay(true)
    socket.on('data', (chunk: Buffer) => this.onData(chunk))
    socket.on('error', (e) => this.log(`abci conn ${id}: ${e.message}`))
    socket.on('close', () => void this.onClosed())
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return
    let frames: Uint8Array[]
    try {
      frames = this.decoder.push(chunk)
    } catch (e) {
      return this.abort(`bad frame: ${(e as Error).message}`)
    }
    for (const f of frames) {
      let req: Request
      try {
        req = Request.decode(f)
      } catch (e) {
        return this.abort(`undecodable request: ${(e as Error).message}`)
      }
      this.queue.push(req)
      const kind = requestKind(req)
      if (kind && this.handler.queued) this.handler.queued(req, kind)
    }
    if (frames.length && !this.running) void this.run()
  }

  private abort(why: string): void {
    this.log(`abci conn ${this.id} (${this.remote}): ${why}; closing`)
    this.queue.length = 0
    this.socket.destroy()
  }

  private async run(): Promise<void> {
    this.running = true
    this.idle = new Promise((r) => (this.settle = r))
    try {
      while (this.queue.length && !this.closed) {
        const req = this.queue.shift()!
        const kind = requestKind(req)
        let res: Response
        if (kind === undefined) res = Response.fromPartial({ exception: { error: 'empty request' } })
        else if (kind === 'flush') res = Response.fromPartial({ flush: {} })
        else if (kind === 'echo') res = Response.fromPartial({ echo: { message: req.echo!.message } })
        else {
          this.seen.add(kind)
          const t0 = performance.now()
          try {
            const r = this.handler.handle(req, kind, this)
            res = r instanceof Promise ? await r : r
            const t = timings.get(kind) ?? { n: 0, ms: 0 }
            t.n++
            t.ms += performance.now() - t0
            timings.set(kind, t)
          } catch (e) {
            const msg = e instanceof Error ? e.message : String(e)
            this.log(`abci conn ${this.id}: ${kind} failed: ${msg}`)
            res = Response.fromPartial({ exception: { error: `${kind}: ${msg}` } })
          }
        }
        if (this.closed) break
        this.out.push(frameOf(res))
        if (kind === 'flush' || this.queue.length === 0) this.flushOut()
      }
      this.flushOut()
    } finally {
      this.running = false
      this.settle?.()
    }
  }

  private flushOut(): void {
    if (!this.out.length || this.closed) return
    const bufs = this.out
    this.out = []
    this.socket.write(bufs.length === 1 ? bufs[0]! : Buffer.concat(bufs))
  }

  private async onClosed(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.queue.length = 0
    await this.idle
    try {
      await this.handler.onClose?.(this)
    } catch (e) {
      this.log(`abci conn ${this.id}: onClose failed: ${(e as Error).message}`)
    }
  }

  /** Resolves when the request in progress (if any) has settled. */
  settled(): Promise<void> {
    return this.idle
  }

  destroy(): void {
    this.socket.destroy()
  }
}

export class AbciServer {
  private readonly server: net.Server
  private readonly conns = new Set<Connection>()
  private nextId = 1
  private readonly log: (msg: string) => void
  private unixPath?: string

  constructor(private readonly handler: AbciHandler, private readonly opts: AbciServerOptions = {}) {
    this.log = opts.log ?? ((m) => process.stderr.write(m + '\n'))
    this.server = net.createServer((socket) => {
      const remote = socket.remoteAddress ? `${socket.remoteAddress}:${socket.remotePort}` : 'unix'
      const c = new Connection(this.nextId++, remote, socket, this.handler, this.log, this.opts.maxFrame)
      this.conns.add(c)
      socket.on('close', () => this.conns.delete(c))
    })
  }

  /** Listens on `tcp://host:port` or `unix:///path`; resolves with the bound address. */
  listen(addr: string): Promise<string> {
    const a = parseAbciAddress(addr)
    if ('path' in a) {
      if (existsSync(a.path)) unlinkSync(a.path)
      this.unixPath = a.path
    }
    return new Promise((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen('path' in a ? a.path : { host: a.host, port: a.port }, () => {
        this.server.off('error', reject)
        const bound = this.server.address()
        if (typeof bound === 'string' || bound === null) resolve(`unix://${bound ?? ''}`)
        else resolve(`tcp://${bound.address.includes(':') ? `[${bound.address}]` : bound.address}:${bound.port}`)
      })
    })
  }

  get connections(): number {
    return this.conns.size
  }

  /** Stops accepting, closes every connection, and waits for the requests in progress to settle. */
  async close(): Promise<void> {
    const closing = new Promise<void>((r) => this.server.close(() => r()))
    const conns = [...this.conns]
    for (const c of conns) c.destroy()
    await Promise.all(conns.map((c) => c.settled()))
    await closing
    if (this.unixPath && existsSync(this.unixPath)) {
      try {
        unlinkSync(this.unixPath)
      } catch {
        // already gone
      }
    }
  }
}
