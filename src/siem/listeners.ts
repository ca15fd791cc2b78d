/**
 * Network listeners of a collector: syslog over UDP (one message per datagram, RFC 5426) and
 * over TCP (RFC 6587: octet counting "LEN SP MSG" or newline-delimited frames). Every frame goes
 * to the sink as raw bytes; a broken frame or a client that sends garbage never stops the
 * listener, and a TCP frame over the size limit is cut and handed on (it becomes a raw event).
 */
import { createSocket, type Socket } from 'node:dgram'
import { createServer, type Server } from 'node:net'
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http'
import { MAX_INPUT_BYTES } from './parsers.js'

export type FrameSink = (frame: Uint8Array, remote: { address: string; port: number; transport: 'udp' | 'tcp' }) => void

export interface Listener { port: number; close(): Promise<void> }

export async function listenSyslogUdp(sink: FrameSink, opts: { host?: string; port?: number } = {}): Promise<Listener> {
  const sock: Socket = createSocket('udp4')
  sock.on('message', (msg, rinfo) => {
    try {
      sink(new Uint8Array(msg), { address: rinfo.address, port: rinfo.port, transport: 'udp' })
    } catch {
      // the sink never throws by contract; a bug there must not stop the listener
    }
  })
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject) // e.g. the port is taken
    sock.bind(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      sock.off('error', reject)
      resolve()
    })
  })
  sock.on('error', () => {})
  return { port: sock.address().port, close: () => new Promise((r) => sock.close(() => r())) }
}

/** Splits a TCP syslog stream into frames (RFC 6587 §3.4.1 octet counting, §3.4.2 LF framing). */
export class SyslogFramer {
  private buf: Buffer = Buffer.alloc(0)
  private skipping = false // inside an oversized LF frame that was already handed on, cut
  constructor(private readonly onFrame: (f: Uint8Array) => void, private readonly max = MAX_INPUT_BYTES) {}

  push(chunk: Uint8Array): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : Buffer.from(chunk)
    for (;;) {
      if (this.skipping) {
        const nl = this.buf.indexOf(0x0a)
        if (nl < 0) {
          this.buf = Buffer.alloc(0)
          return
        }
        this.buf = this.buf.subarray(nl + 1)
        this.skipping = false
      }
      if (this.buf.length === 0) return
      const m = /^(\d{1,7}) /.exec(this.buf.subarray(0, 8).toString('latin1'))
      if (m) {
        const len = Number(m[1])
        const start = m[0].length
        if (len > this.max) {
          // refuse to buffer an oversized frame: hand on what is there, cut, and skip the rest
          this.emit(this.buf.subarray(start, start + Math.min(len, this.max + 1)))
          this.buf = this.buf.length >= start + len ? this.buf.subarray(start + len) : Buffer.alloc(0)
          continue
        }
        if (this.buf.length < start + len) return
        this.emit(this.buf.subarray(start, start + len))
        this.buf = this.buf.subarray(start + len)
        continue
      }
      const nl = this.buf.indexOf(0x0a)
      if (nl < 0) {
        if (this.buf.length > this.max) {
          this.emit(this.buf.subarray(0, this.max + 1))
          this.buf = Buffer.alloc(0)
          this.skipping = true
        }
        return
      }
      const line = this.buf.subarray(0, nl)
      this.buf = this.buf.subarray(nl + 1)
      if (line.length > 0 && !(line.length === 1 && line[0] === 0x0d)) this.emit(line)
    }
  }

  /** The unterminated rest when the connection ends. */
  end(): void {
    if (this.buf.length && !this.skipping) this.emit(this.buf)
    this.skipping = false
    this.buf = Buffer.alloc(0)
  }

  private emit(b: Uint8Array): void {
    try {
      this.onFrame(new Uint8Array(b))
    } catch {
      // never let a sink error break the stream
    }
  }
}

export async function listenSyslogTcp(sink: FrameSink, opts: { host?: string; port?: number } = {}): Promise<Listener> {
  const server: Server = createServer((conn) => {
    const remote = { address: conn.remoteAddress ?? '', port: conn.remotePort ?? 0, transport: 'tcp' as const }
    const framer = new SyslogFramer((f) => sink(f, remote))
    conn.on('data', (c) => framer.push(c))
    conn.on('end', () => framer.end())
    conn.on('error', () => conn.destroy())
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  server.on('error', () => {})
  const addr = server.address()
  return { port: typeof addr === 'object' && addr ? addr.port : 0, close: () => new Promise((r) => server.close(() => r())) }
}

export const MAX_HTTP_BODY = 4 * 1024 * 1024

/**
 * The records of a `POST /v1/events` body: one JSON document, a JSON array of documents, or NDJSON
 * (a line that is not JSON is still a record, kept raw by the parser); 'too_large' over MAX_HTTP_BODY.
 */
export function readEventRecords(req: IncomingMessage): Promise<Uint8Array[] | 'too_large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (c: Buffer) => {
      size += c.length
      if (size <= MAX_HTTP_BODY) chunks.push(c)
    })
    req.on('error', reject)
    req.on('end', () => {
      if (size > MAX_HTTP_BODY) return resolve('too_large')
      const body = Buffer.concat(chunks)
      try {
        const v = JSON.parse(body.toString('utf8'))
        return resolve((Array.isArray(v) ? v : [v]).map((x) => new Uint8Array(Buffer.from(JSON.stringify(x)))))
      } catch {
        // NDJSON, or garbage: one record per line
      }
      const records: Uint8Array[] = []
      let start = 0
      for (let i = 0; i <= body.length; i++) {
        if (i === body.length || body[i] === 0x0a) {
          const line = body.subarray(start, i)
          start = i + 1
          if (line.length && !(line.length === 1 && line[0] === 0x0d)) records.push(new Uint8Array(line))
        }
      }
      resolve(records)
    })
  })
}

export function replyJson(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'content-type': 'application/json' })
  res.end(JSON.stringify(body))
}

/**
 * JSON over HTTP: `POST /v1/events` (see readEventRecords). Each record goes to the sink as bytes.
 * Answers 202 {received: n}; 413 over MAX_HTTP_BODY; 404/405 elsewhere. Never throws.
 */
export async function listenJsonHttp(sink: FrameSink, opts: { host?: string; port?: number } = {}): Promise<Listener> {
  const server = createHttpServer((req, res) => {
    if (req.url !== '/v1/events') return replyJson(res, 404, { error: 'not_found', message: 'POST /v1/events' })
    if (req.method !== 'POST') return replyJson(res, 405, { error: 'method_not_allowed', message: 'POST /v1/events' })
    readEventRecords(req).then((records) => {
      if (records === 'too_large') return replyJson(res, 413, { error: 'too_large', message: `body over ${MAX_HTTP_BODY} bytes` })
      const remote = { address: req.socket.remoteAddress ?? '', port: req.socket.remotePort ?? 0, transport: 'tcp' as const }
      for (const r of records) {
        try {
          sink(r, remote)
        } catch {
          // see listenSyslogUdp
        }
      }
      replyJson(res, 202, { received: records.length })
    }, () => res.destroy())
  })
  return listenHttp(server, opts)
}

export async function listenHttp(server: HttpServer, opts: { host?: string; port?: number }): Promise<Listener> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  server.on('error', () => {})
  const addr = server.address()
  return {
    port: typeof addr === 'object' && addr ? addr.port : 0,
    close: () => new Promise((r) => {
      server.closeAllConnections()
      server.close(() => r())
    }),
  }
}
