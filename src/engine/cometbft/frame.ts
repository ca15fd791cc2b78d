/**
 * ABCI socket framing (CometBFT 0.38, `protoio.NewDelimitedWriter`): every message is an unsigned
 * LEB128 varint of its byte length followed by that many bytes of protobuf.
 *
 * `FrameDecoder` accepts the stream in arbitrary chunks (a frame may be split anywhere, several
 * frames may share a chunk) and copies each payload at most once, so a large block that arrives in
 * many small TCP segments costs linear time. Anything that cannot be a frame (a varint longer than
 * 10 bytes, a length above the limit) throws `FrameError`; the connection must then be closed,
 * since the stream cannot be resynchronised.
 */

import { encodeUvarint, lengthDelimited } from '../../codec/uvarint.js'

/**
 * The largest request accepted from CometBFT. Blocks stay far below it (CometBFT caps a block at
 * 100 MiB), but InitChain carries the whole genesis app_state: ~190 MiB of JSON at a million
 * accounts (docs/BENCHMARKS.md, state sync), more when CometBFT's genesis.json is indented.
 */
export const DEFAULT_MAX_FRAME = 1024 * 1024 * 1024

export class FrameError extends Error {
  override readonly name = 'FrameError'
}

export { encodeUvarint }

/** The frame of one message: uvarint(length) || payload. */
export const encodeFrame = lengthDelimited

export class FrameDecoder {
  /** Bytes of the length prefix seen so far (value and shift), while no payload is being filled. */
  private lenValue = 0
  private lenShift = 0
  private lenBytes = 0
  /** The payload being filled, once its length is known. */
  private payload?: Uint8Array
  private filled = 0
  private broken?: FrameError

  constructor(readonly maxFrame = DEFAULT_MAX_FRAME) {}

  /** True when no partial frame is buffered. */
  get idle(): boolean {
    return this.payload === undefined && this.lenBytes === 0
  }

  /** Feeds a chunk; returns the frames it completed, in order. Throws FrameError on garbage. */
  push(chunk: Uint8Array): Uint8Array[] {
    if (this.broken) throw this.broken
    const out: Uint8Array[] = []
    let i = 0
    const n = chunk.length
    while (i < n) {
      if (this.payload === undefined) {
        // reading the length prefix, byte by byte
        const b = chunk[i++]!
        this.lenBytes++
        if (this.lenBytes > 10) return this.fail('frame length varint is longer than 10 bytes')
        // 2^53 bounds what a double holds exactly; maxFrame is far below anyway
        this.lenValue += (b & 0x7f) * 2 ** this.lenShift
        this.lenShift += 7
        if (this.lenValue > this.maxFrame) return this.fail(`frame of ${this.lenValue}+ bytes exceeds the limit of ${this.maxFrame}`)
        if (b & 0x80) continue
        const len = this.lenValue
        this.lenValue = 0
        this.lenShift = 0
        this.lenBytes = 0
        if (len === 0) {
          out.push(new Uint8Array(0))
          continue
        }
        // Zero copy when the whole payload is inside this chunk.
        if (n - i >= len) {
          out.push(chunk.subarray(i, i + len))
          i += len
          continue
        }
        this.payload = new Uint8Array(len)
        this.filled = 0
      }
      const take = Math.min(this.payload.length - this.filled, n - i)
      this.payload.set(chunk.subarray(i, i + take), this.filled)
      this.filled += take
      i += take
      if (this.filled === this.payload.length) {
        out.push(this.payload)
        this.payload = undefined
        this.filled = 0
      }
    }
    return out
  }

  private fail(msg: string): never {
    this.broken = new FrameError(msg)
    throw this.broken
  }
}
