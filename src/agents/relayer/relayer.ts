/**
 * The bridge relayer (docs/BRIDGE.md, issue 5 item 4) for a pair of solo city nodes reached over
 * HTTP. Every pass re-derives the pending work from the chains' state: a packet is pending while
 * its commitment exists on the source; it is delivered when the destination has no receipt and it
 * has not expired there, acknowledged when the destination has a receipt and an ack, and timed out
 * when the destination's latest header is past its timeout and the receipt is absent at that
 * height. What the relayer keeps in memory (packets and acks read from events, the last scanned
 * height) is only a cache of immutable chain history: a restarted relayer rescans and loses or
 * duplicates nothing. Several relayers may run at once: a second delivery is a no-op on chain and
 * refused batches are retried message by message on the next pass, quietly.
 */
import type { Msg } from '../../app/tx.js'
import type { KeyPair } from '../../crypto/keys.js'
import { toHex } from '../../crypto/hash.js'
import { PolisClient } from '../../sdk/client.js'
import { acksFromEvents, bridge, bridgeKeys, packetsFromEvents, type BridgePacket } from '../../sdk/bridge.js'
import type { HeaderResponse } from '../../sdk/types.js'
import { ackCommitment, encodeAck } from '../../modules/bridge/packet.js'

/** The success ack: its commitment alone (in dst's state) tells it, without the recv event. */
const OK_ACK = encodeAck({ ok: true })
const OK_ACK_COMMITMENT = toHex(ackCommitment(OK_ACK))

export interface RelayerSide {
  /** node API base URL */
  url: string
  /** this chain's client of the other chain */
  clientId: string
  /** a key with role `relayer` on this chain */
  key: KeyPair
  /** the first height of this chain to scan for events (default: the relayer's startHeight) */
  startHeight?: bigint
}

export interface RelayerOptions {
  a: RelayerSide
  b: RelayerSide
  /** pause between passes (ms, default 200) */
  intervalMs?: number
  /** most packet messages in one transaction (default 100) */
  batchSize?: number
  /** the first height to scan for events (default 1) */
  startHeight?: bigint
  /**
   * A file keeping the heights below which this pair has nothing pending (written atomically after
   * each pass), so that a restart does not rescan from genesis. Only a hint: see `ScanState`.
   */
  statePath?: string
  /**
   * Refresh a light client that has seen no update for this share of its trusting period, even
   * with no packets to carry, so that it does not expire (default 1/3).
   */
  refreshFraction?: number
  log?: (msg: string, data?: Record<string, unknown>, level?: 'debug' | 'info' | 'warn') => void
}

interface Side extends RelayerSide {
  api: PolisClient
  /** cache of history: packets sent through clientId, by sequence */
  sent: Map<bigint, BridgePacket>
  /** cache of history: acks written for packets received through clientId, by sequence */
  acks: Map<bigint, Uint8Array>
  scanned: bigint
}

export interface PassStats { received: number; acknowledged: number; timedOut: number; updates: number; refused: number }

interface PacketJson { commitment: string | null; receipt: boolean; ack_commitment: string | null; next_sequence: string }

export class Relayer {
  private readonly a: Side
  private readonly b: Side
  private running = false
  private loop?: Promise<void>
  private readonly log: NonNullable<RelayerOptions['log']>

  constructor(private readonly opts: RelayerOptions) {
    const side = (s: RelayerSide): Side => ({ ...s, api: new PolisClient(s.url), sent: new Map(), acks: new Map(), scanned: (s.startHeight ?? opts.startHeight ?? 1n) - 1n })
    this.a = side(opts.a)
    this.b = side(opts.b)
    this.log = opts.log ?? (() => undefined)
  }

  /** Starts the loop (passes until stop). */
  start(): void {
    if (this.running) return
    this.running = true
    this.loop = (async () => {
      while (this.running) {
        try {
          await this.pass()
        } catch (e) {
          this.log('pass failed', { error: (e as Error).message }, 'warn')
        }
        if (this.running) await new Promise((r) => setTimeout(r, this.opts.intervalMs ?? 200))
      }
    })()
  }

  async stop(): Promise<void> {
    this.running = false
    await this.loop
  }

  /** One pass over both directions. */
  async pass(): Promise<PassStats> {
    const stats: PassStats = { received: 0, acknowledged: 0, timedOut: 0, updates: 0, refused: 0 }
    await Promise.all([this.scan(this.a), this.scan(this.b)])
    await this.direction(this.a, this.b, stats)
    await this.direction(this.b, this.a, stats)
    await this.refresh(this.a, this.b, stats)
    await this.refresh(this.b, this.a, stats)
    return stats
  }

  /** Reads new blocks' transaction events into the cache. */
  private async scan(s: Side): Promise<void> {
    const top = await s.api.height()
    for (let h = s.scanned + 1n; h <= top; h++) {
      const block = await s.api.block(h)
      for (const r of block.results) {
        if (r.code !== 0) continue
        const tx = await s.api.tx(r.hash)
        const events = tx.events ?? []
        for (const p of packetsFromEvents(events)) if (p.sourceClient === s.clientId) s.sent.set(p.sequence, p)
        for (const a of acksFromEvents(events)) if (a.destClient === s.clientId) s.acks.set(a.sequence, a.ack)
      }
      s.scanned = h
    }
  }

  private packetState(s: Side, seq: bigint): Promise<PacketJson> {
    return s.api.query<PacketJson>('bridge', 'packet', { client_id: s.clientId, sequence: seq.toString() })
  }

  /** Packets from src to dst: deliver, acknowledge, time out. */
  private async direction(src: Side, dst: Side, stats: PassStats): Promise<void> {
    const recv: BridgePacket[] = []
    const ack: BridgePacket[] = []
    const timeout: BridgePacket[] = []
    const dstHeader = await dst.api.header(await dst.api.height())
    const dstHeight = BigInt(dstHeader.height)
    const dstTime = BigInt(String(dstHeader.header.time))
    for (const [seq, p] of [...src.sent].sort((x, y) => (x[0] < y[0] ? -1 : 1))) {
      const onSrc = await this.packetState(src, seq)
      if (onSrc.commitment === null) {
        src.sent.delete(seq) // acknowledged or timed out for good
        dst.acks.delete(seq)
        continue
      }
      const onDst = await this.packetState(dst, seq)
      if (onDst.receipt) {
        // the ack's bytes: from the recv event, or (a success ack) from its commitment in the state
        if (!dst.acks.has(seq) && onDst.ack_commitment === OK_ACK_COMMITMENT) dst.acks.set(seq, OK_ACK)
        if (onDst.ack_commitment !== null && dst.acks.has(seq)) ack.push(p)
        continue
      }
      const past = (p.timeoutHeight > 0n && dstHeight >= p.timeoutHeight) || (p.timeoutTime > 0n && dstTime >= p.timeoutTime)
      if (past) timeout.push(p)
      else {
        // the receive runs in a later block of dst: leave a margin, else it may time out instead
        const soon = (p.timeoutHeight > 0n && dstHeight + 2n >= p.timeoutHeight) || (p.timeoutTime > 0n && dstTime + 2_000n >= p.timeoutTime)
        if (!soon) recv.push(p)
      }
    }
    if (recv.length) {
      const { h, update } = await this.proofHeight(dst, src)
      const msgs: Msg[] = []
      for (const p of recv) msgs.push(bridge.recvPacket(p, await src.api.store(bridgeKeys.commitment(p.sourceClient, p.sequence), { height: h, prove: true })))
      const n = await this.submit(dst, update, msgs, stats)
      stats.received += n
      if (n) this.log('packets received', { chain: dst.url, count: n }, 'info')
    }
    if (ack.length || timeout.length) {
      const { h, update, header } = await this.proofHeight(src, dst, dstHeader)
      const hTime = BigInt(String(header.header.time))
      const msgs: Msg[] = []
      for (const p of ack) msgs.push(bridge.acknowledge(p, dst.acks.get(p.sequence)!, await dst.api.store(bridgeKeys.ack(p.destClient, p.sequence), { height: h, prove: true })))
      let nTimeouts = 0
      for (const p of timeout) {
        if (!((p.timeoutHeight > 0n && h >= p.timeoutHeight) || (p.timeoutTime > 0n && hTime >= p.timeoutTime))) continue
        const absent = await dst.api.store(bridgeKeys.receipt(p.destClient, p.sequence), { height: h, prove: true })
        if (absent.value !== null) continue // received after all: acknowledged on a later pass
        msgs.push(bridge.timeout(p, absent))
        nTimeouts++
      }
      const done = await this.submit(src, update, msgs, stats)
      if (done) this.log('acks and timeouts relayed', { chain: src.url, count: done }, 'info')
      if (done === msgs.length) {
        stats.acknowledged += ack.length
        stats.timedOut += nTimeouts
      } else stats.acknowledged += done
    }
  }

  /** Updates `self`'s client of `other` if its latest verified header is getting old. */
  private async refresh(self: Side, other: Side, stats: PassStats): Promise<void> {
    const client = await self.api.query<{ latest_height: string; trusting_period: string; frozen_height: string | null }>('bridge', 'client', { client_id: self.clientId })
    if (client.frozen_height !== null) return
    const header = await other.api.header(await other.api.height())
    if (BigInt(header.height) <= BigInt(client.latest_height)) return
    // the time of the client's latest consensus state is that of the counterparty's header there
    // (the relayer reads the other chain's header; the consensus-state query takes `consensus_height`)
    const known = await other.api.header(BigInt(client.latest_height))
    const age = Number(BigInt(String(header.header.time)) - BigInt(String(known.header.time)))
    if (age < Number(client.trusting_period) * (this.opts.refreshFraction ?? 1 / 3)) return
    if (await this.send(self, [bridge.updateClient(self.clientId, header)])) {
      stats.updates++
      this.log('client refreshed', { chain: self.url, client: self.clientId, height: header.height }, 'info')
    }
  }

  /**
   * The height of `other` to prove at, and the update of `self`'s client of `other` it needs (if
   * any): `other`'s latest header, unless the client already verified a height at or above it.
   */
  private async proofHeight(self: Side, other: Side, latest?: HeaderResponse): Promise<{ h: bigint; update?: Msg; header: HeaderResponse }> {
    const client = await self.api.query<{ latest_height: string }>('bridge', 'client', { client_id: self.clientId })
    const known = BigInt(client.latest_height)
    const header = latest ?? (await other.api.header(await other.api.height()))
    const h = BigInt(header.height)
    if (known >= h) {
      const kh = known === h ? header : await other.api.header(known)
      return { h: known, header: kh }
    }
    return { h, update: bridge.updateClient(self.clientId, header), header }
  }

  /** Submits update + msgs in batches; a refused batch is retried message by message. Returns messages that succeeded. */
  private async submit(s: Side, update: Msg | undefined, msgs: Msg[], stats: PassStats): Promise<number> {
    const size = this.opts.batchSize ?? 100
    let done = 0
    let upd = update
    if (upd && msgs.length === 0) {
      if (await this.send(s, [upd])) stats.updates++
      return 0
    }
    for (let i = 0; i < msgs.length; i += size) {
      const batch = msgs.slice(i, i + size)
      const head = upd ? [upd] : []
      if (await this.send(s, [...head, ...batch])) {
        if (upd) stats.updates++
        upd = undefined
        done += batch.length
        continue
      }
      if (upd && (await this.send(s, [upd]))) stats.updates++
      upd = undefined
      for (const m of batch) {
        if (await this.send(s, [m])) done++
        else stats.refused++
      }
    }
    return done
  }

  private async send(s: Side, msgs: Msg[]): Promise<boolean> {
    try {
      const r = await s.api.signAndSubmit(s.key, msgs, { wait: true, allowFailure: true })
      if ('code' in r && r.code !== 0) {
        // another relayer got there first, or the state moved on: the next pass re-derives the work
        this.log('transaction refused', { chain: s.url, code: r.code, log: r.log, msgs: msgs.length }, 'debug')
        return false
      }
      return true
    } catch (e) {
      this.log('submit failed', { chain: s.url, error: (e as Error).message }, 'debug')
      return false
    }
  }
}

export const relayerAddress = (k: KeyPair) => toHex(k.publicKey)
