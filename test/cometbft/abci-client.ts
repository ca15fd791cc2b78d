// A minimal ABCI socket client for the tests: pipelined requests, responses matched in order.
import net from 'node:net'
import { Request, Response } from 'cosmjs-types/tendermint/abci/types'
import { FrameDecoder, encodeFrame } from '../../src/engine/cometbft/frame.js'

export class AbciClient {
  private readonly decoder = new FrameDecoder()
  private readonly waiting: Array<{ resolve: (r: Response) => void; reject: (e: Error) => void }> = []
  readonly closed: Promise<void>
  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk) => {
      for (const f of this.decoder.push(chunk)) this.waiting.shift()?.resolve(Response.decode(f))
    })
    this.closed = new Promise((r) => socket.on('close', () => {
      for (const w of this.waiting.splice(0)) w.reject(new Error('connection closed'))
      r()
    }))
    socket.on('error', () => undefined)
  }

  static connect(address: string): Promise<AbciClient> {
    const m = /^tcp:\/\/(.+):(\d+)$/.exec(address)
    if (!m) throw new Error(`bad address ${address}`)
    return new Promise((resolve, reject) => {
      const s = net.connect({ host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]) }, () => resolve(new AbciClient(s)))
      s.once('error', reject)
    })
  }

  /** Writes the request and returns the promise of its response (does not wait for it). */
  send(req: { [K in keyof Request]?: object }): Promise<Response> {
    const p = new Promise<Response>((resolve, reject) => this.waiting.push({ resolve, reject }))
    this.socket.write(encodeFrame(Request.encode(Request.fromPartial(req as any)).finish()))
    return p
  }

  /** Sends raw bytes (partial frames, garbage). */
  raw(b: Uint8Array): void {
    this.socket.write(b)
  }

  expect(): Promise<Response> {
    return new Promise<Response>((resolve, reject) => this.waiting.push({ resolve, reject }))
  }

  close(): void {
    this.socket.destroy()
  }
}
