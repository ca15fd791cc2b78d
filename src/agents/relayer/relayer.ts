/**
 * The bridge relayer (docs/BRIDGE.md, issue 5 item 4) for a pair of solo city nodes reached over
 * HTTP. Every pass re-derives the pending work from the chains' state: a packet is pending while
 * its commitment exists on the source; it is delivered when the destination has no receipt and it
 * has not expired there, acknowledged when the destination has a receipt and an ack, and timed out
 * when the destination's latest header is past its timeout and the receipt is absent at that
 * height. What the relayer keeps in memory (packets and acks read from events, the last scanned
 * height) is only a cache of immutable chain history: a restarted relayer rescans (from the
 * heights in its state file, if any: scan-state.ts) and loses or duplicates nothing. Several
 * relayers may run at once: a second delivery is a no-op on chain and refused batches are retried
 * message by message, quietly.
 *
 * Running (`start`), it passes whenever either node reports a new block over its WebSocket event
 * stream (feed.ts), whose messages also carry the events it would otherwise fetch block by block
 * and transaction by transaction; without the stream it polls every `intervalMs`.
 */
import { MAX_MSGS_PER_TX, type Msg } from '../../app/tx.js'
import type { AppEvent } from '../../app/types.js'
import type { KeyPair } from '../../crypto/keys.js'
import { toHex } from '../../base/bytes.js'
import { PolisClient } from '../../sdk/polis-client.js'
import { acksFromEvents, bridge, bridgeKeys, packetsFromEvents, type BridgePacket } from '../../sdk/bridge.js'
import type { HeaderResponse, StoreResponse } from '../../sdk/types.js'
import { ackCommitment, encodeAck } from '../../modules/bridge/packet/codec.js'
import { BRIDGE_EVENT } from '../../modules/bridge/types.js'
import { EventFeed } from './feed.js'
import { CometHeaderSource } from './cometbft-headers.js'
import { readScanState, writeScanState, type ScanMark } from './scan-state.js'

/** The success ack: its commitment alone (in dst's state) tells it, without the recv event. */
const OK_ACK = encodeAck({ ok: true })
const OK_ACK_COMMITMENT = toHex(ackCommitment(OK_ACK))
/** Room left under the chain's 64 KiB transaction limit for the envelope and the client update. */
const MAX_BATCH_BYTES = 48 * 1024
/** Requests in flight to one node at once while reading state and proofs. */
const CONCURRENCY = 16

export interface RelayerSide {
  /** node API base URL */
  url: string
  /** this chain's client of the other chain */
  clientId: string
  /** a key with role `relayer` on this chain */
  key: KeyPair
  /** the first height of this chain to scan for events (default: the relayer's startHeight) */
  startHeight?: bigint
  /** CometBFT RPC URL when this chain runs under CometBFT: its headers and light blocks come from there (cometbft-headers.ts) */
  cometRpc?: string
}

export interface RelayerOptions {
  a: RelayerSide
  b: RelayerSide
  /** pause between passes when no new block is reported (ms, default 200; 5× that, at least 1 s, while the event streams are up) */
  intervalMs?: number
  /** most packet messages in one transaction (default and at most 31: a transaction holds 32 messages, one may be the client update; fewer if their proofs would not fit) */
  batchSize?: number
  /** the first height to scan for events (default 1) */
  startHeight?: bigint
  /**
   * A file keeping the heights below which this pair has nothing pending (written atomically after
   * each pass), so that a restart does not rescan from genesis. Only a hint: see scan-state.ts.
   */
  statePath?: string
  /** use the nodes' WebSocket event streams while running (default true) */
  events?: boolean
  /**
   * Refresh a light client that has seen no update for this share of its trusting period, even
   * with no packets to carry, so that it does not expire (default 1/3).
   */
  refreshFraction?: number
  log?: (msg: string, data?: Record<string, unknown>, level?: 'debug' | 'info' | 'warn') => void
}

interface Side extends RelayerSide {
  api: PolisClient
  /** cache of history: packets sent through clientId, by sequence (`fresh`: not yet looked up in the state) */
  sent: Map<bigint, { packet: BridgePacket; height: bigint; fresh: boolean }>
  /** cache of history: acks written for packets received through clientId, by sequence (`fresh`: not yet relayed back) */
  acks: Map<bigint, { ack: Uint8Array; height: bigint; fresh: boolean }>
  /** every block up to this height has been read */
  scanned: bigint
  /** packets sent here whose ack or timeout was read since the last pass (their acks on the other side can go) */
  closed: bigint[]
  /** the safe height last written to the state file */
  saved?: bigint
  feed?: EventFeed
  comet?: CometHeaderSource
}

export interface PassStats {
  received: number; acknowledged: number; timedOut: number; updates: number; refused: number
  /** blocks read over HTTP (not from the event stream) this pass */
  blocksFetched: number
}

interface PacketJson { commitment: string | null; receipt: boolean; ack_commitment: string | null; next_sequence: string }

/** Packets from one chain to the other: to deliver there, to acknowledge or time out back here. */
interface Work { recv: BridgePacket[]; ack: Array<{ p: BridgePacket; ack: Uint8Array }>; timeout: BridgePacket[] }

/** Runs `f` over `items` with at most `limit` at once, keeping the order of results. */
async function mapLimit<T, R>(items: T[], limit: number, f: (x: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      out[i] = await f(items[i]!)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return out
}

export class Relayer {
  private readonly a: Side
  private readonly b: Side
  private running = false
  private loop?: Promise<void>
  private loaded?: Promise<void>
  private choresAt = 0
  private readonly log: NonNullable<RelayerOptions['log']>

  constructor(private readonly opts: RelayerOptions) {
    const side = (s: RelayerSide): Side => ({ ...s, api: new PolisClient(s.url), sent: new Map(), acks: new Map(), closed: [], scanned: (s.startHeight ?? opts.startHeight ?? 1n) - 1n, comet: s.cometRpc ? new CometHeaderSource(s.cometRpc) : undefined })
    this.a = side(opts.a)
    this.b = side(opts.b)
    this.log = opts.log ?? (() => undefined)
  }

  /** Starts the loop (passes until stop). */
  start(): void {
    if (this.running) return
    this.running = true
    if (this.opts.events !== false) {
      for (const s of [this.a, this.b]) {
        s.feed = new EventFeed(s.url, (msg, data) => this.log(msg, data, 'debug'))
        s.feed.start()
      }
    }
    this.loop = (async () => {
      while (this.running) {
        try {
          await this.pass()
        } catch (e) {
          this.log('pass failed', { error: (e as Error).message }, 'warn')
        }
        if (!this.running) break
        const interval = this.opts.intervalMs ?? 200
        const feeds = [this.a.feed, this.b.feed].filter((f): f is EventFeed => f !== undefined && f.open)
        // blocks that completed during the pass (often the relayer's own transactions) are work now
        if (feeds.length === 2 && (this.a.feed!.to > this.a.scanned || this.b.feed!.to > this.b.scanned)) continue
        if (feeds.length === 2) await Promise.race(feeds.map((f) => f.next(Math.max(1000, interval * 5))))
        else await new Promise((r) => setTimeout(r, interval))
      }
    })()
  }

  async stop(): Promise<void> {
    const wasRunning = this.running
    this.running = false
    for (const s of [this.a, this.b]) s.feed?.stop()
    await this.loop
    for (const s of [this.a, this.b]) s.feed = undefined
    if (wasRunning) await this.saveState().catch((e: Error) => this.log('scan state not saved', { error: e.message }, 'warn'))
  }

  /** Blocks read since construction: from the event streams, and over HTTP. */
  readonly totals = { blocksFromStream: 0, blocksFetched: 0 }

  /** True while both nodes' event streams are connected (passes then follow new blocks). */
  streaming(): boolean {
    return this.a.feed?.open === true && this.b.feed?.open === true
  }

  /** The heights up to which each chain has been read (after the state file, if any, was applied). */
  scanHeights(): { a: bigint; b: bigint } {
    return { a: this.a.scanned, b: this.b.scanned }
  }

  /** One pass over both directions. */
  async pass(): Promise<PassStats> {
    await (this.loaded ??= this.loadState())
    const stats: PassStats = { received: 0, acknowledged: 0, timedOut: 0, updates: 0, refused: 0, blocksFetched: 0 }
    const t = [performance.now()]
    await Promise.all([this.scan(this.a, stats), this.scan(this.b, stats)])
    const [headA, headB] = await Promise.all([this.header(this.a), this.header(this.b)])
    const ab = await this.classify(this.a, this.b, headB)
    const ba = await this.classify(this.b, this.a, headA)
    t.push(performance.now())
    // what goes to each chain is proved against the other chain's state at one height, behind one
    // client update; the two chains' transactions go out at once
    await Promise.all([this.deliver(this.b, this.a, headA, ab.recv, ba, stats), this.deliver(this.a, this.b, headB, ba.recv, ab, stats)])
    t.push(performance.now())
    // chores (client refresh, the state file) at most once a second while running: passes follow blocks
    if (!this.running || t[0]! - this.choresAt >= 1000) {
      this.choresAt = t[0]!
      await this.refresh(this.a, this.b, stats)
      await this.refresh(this.b, this.a, stats)
      await this.saveState()
    }
    t.push(performance.now())
    const ms = t.slice(1).map((x, i) => Math.round(x - t[i]!))
    if (stats.received + stats.acknowledged + stats.timedOut > 0) this.log('pass', { ...stats, ms_read: ms[0], ms_relay: ms[1], ms_rest: ms[2] }, 'debug')
    return stats
  }

  // ------------------------------------------------------------------ headers

  /**
   * The counterparty's signed header at a height (latest if none): the one place the relayer
   * reads headers, for client updates and proof heights (a CometBFT header source plugs in here).
   */
  private async header(s: Side, height?: bigint): Promise<HeaderResponse> {
    if (s.comet) return s.comet.header(height)
    return s.api.header(height ?? (await s.api.height()))
  }

  // ------------------------------------------------------------------ history

  /** Reads new blocks' transaction events into the cache: from the event stream where it covers them, else over HTTP. */
  private async scan(s: Side, stats: PassStats): Promise<void> {
    const feed = s.feed
    const top = feed?.covers(s.scanned) ? feed.to : await s.api.height()
    for (let h = s.scanned + 1n; h <= top; h++) {
      let txs = feed?.take(h)
      if (txs) this.totals.blocksFromStream++
      else {
        txs = await this.blockEvents(s, h)
        stats.blocksFetched++
        this.totals.blocksFetched++
      }
      for (const events of txs) {
        for (const p of packetsFromEvents(events)) if (p.sourceClient === s.clientId && !s.sent.has(p.sequence)) s.sent.set(p.sequence, { packet: p, height: h, fresh: true })
        for (const a of acksFromEvents(events)) if (a.destClient === s.clientId) s.acks.set(a.sequence, { ack: a.ack, height: h, fresh: true })
        // acknowledged or timed out here: done for good (the ack read from the other chain too)
        for (const seq of closedFromEvents(events, s.clientId)) {
          s.sent.delete(seq)
          s.closed.push(seq)
        }
      }
      s.scanned = h
    }
    feed?.prune(s.scanned)
  }

  private async blockEvents(s: Side, h: bigint): Promise<AppEvent[][]> {
    const block = await s.api.block(h)
    const ok = block.results.filter((r) => r.code === 0)
    return mapLimit(ok, CONCURRENCY, async (r) => (await s.api.tx(r.hash)).events ?? [])
  }

  // ------------------------------------------------------------------ scan state

  private async loadState(): Promise<void> {
    if (!this.opts.statePath) return
    const state = readScanState(this.opts.statePath)
    for (const [s, m] of [[this.a, state.a], [this.b, state.b]] as const) {
      if (!m || m.height <= s.scanned) continue
      let ok = false
      try {
        ok = m.chainId === (await s.api.chainId()) && m.client === s.clientId && m.height <= (await s.api.height()) && (await this.header(s, m.height)).hash === m.hash
      } catch {
        ok = false
      }
      if (!ok) {
        this.log('scan state ignored (another chain, another client, or a height this chain does not have)', { chain: s.url, file: this.opts.statePath }, 'warn')
        continue
      }
      s.scanned = m.height
      s.saved = m.height
      this.log('scan state loaded', { chain: s.url, height: m.height.toString() }, 'debug')
    }
  }

  /** The highest height at or below which nothing read from `s` is still pending. */
  private safeHeight(s: Side): bigint {
    let h = s.scanned
    for (const x of s.sent.values()) if (x.height - 1n < h) h = x.height - 1n
    for (const x of s.acks.values()) if (x.height - 1n < h) h = x.height - 1n
    return h
  }

  private async saveState(): Promise<void> {
    const path = this.opts.statePath
    if (!path) return
    const marks: Array<ScanMark | undefined> = []
    let changed = false
    for (const s of [this.a, this.b]) {
      const h = this.safeHeight(s)
      if (h !== s.saved) changed = true
      marks.push(h > 0n ? { chainId: await s.api.chainId(), client: s.clientId, height: h, hash: (await this.header(s, h)).hash } : undefined)
    }
    if (!changed) return
    writeScanState(path, { a: marks[0], b: marks[1] })
    this.a.saved = marks[0]?.height ?? 0n
    this.b.saved = marks[1]?.height ?? 0n
  }

  // ------------------------------------------------------------------ relaying

  private packetState(s: Side, seq: bigint): Promise<PacketJson> {
    return s.api.query<PacketJson>('bridge', 'packet', { client_id: s.clientId, sequence: seq.toString() })
  }

  /**
   * The work for packets from src to dst: deliver on dst, acknowledge or time out on src. Packets
   * and acks just read from events go straight to their message (a second delivery is a no-op on
   * chain, an ack is checked against the commitment); everything else is decided by the state.
   */
  private async classify(src: Side, dst: Side, dstHeader: HeaderResponse): Promise<Work> {
    const w: Work = { recv: [], ack: [], timeout: [] }
    for (const seq of src.closed) dst.acks.delete(seq)
    src.closed = []
    const dstHeight = BigInt(dstHeader.height)
    const dstTime = BigInt(String(dstHeader.header.time))
    const past = (p: BridgePacket) => (p.timeoutHeight > 0n && dstHeight >= p.timeoutHeight) || (p.timeoutTime > 0n && dstTime >= p.timeoutTime)
    // the receive runs in a later block of dst: leave a margin, else it may time out instead
    const soon = (p: BridgePacket) => (p.timeoutHeight > 0n && dstHeight + 2n >= p.timeoutHeight) || (p.timeoutTime > 0n && dstTime + 2_000n >= p.timeoutTime)
    const known: Array<[bigint, BridgePacket]> = []
    for (const [seq, x] of [...src.sent].sort((p, q) => (p[0] < q[0] ? -1 : 1))) {
      const acked = dst.acks.get(seq)
      if (acked?.fresh) {
        acked.fresh = false
        x.fresh = false
        w.ack.push({ p: x.packet, ack: acked.ack })
      } else if (x.fresh && !past(x.packet)) {
        x.fresh = false
        if (!soon(x.packet)) w.recv.push(x.packet)
      } else {
        x.fresh = false
        known.push([seq, x.packet])
      }
    }
    const states = await mapLimit(known, CONCURRENCY, async ([seq]) => {
      const onSrc = await this.packetState(src, seq)
      return { onSrc, onDst: onSrc.commitment === null ? undefined : await this.packetState(dst, seq) }
    })
    known.forEach(([seq, p], i) => {
      const { onSrc, onDst } = states[i]!
      if (onSrc.commitment === null || !onDst) {
        src.sent.delete(seq) // acknowledged or timed out for good
        dst.acks.delete(seq)
        return
      }
      if (onDst.receipt) {
        // the ack's bytes: from the recv event, or (a success ack) from its commitment in the state
        const bytes = dst.acks.get(seq)?.ack ?? (onDst.ack_commitment === OK_ACK_COMMITMENT ? OK_ACK : undefined)
        if (onDst.ack_commitment !== null && bytes) w.ack.push({ p, ack: bytes })
        return
      }
      if (past(p)) w.timeout.push(p)
      else if (!soon(p)) w.recv.push(p)
    })
    await this.forgetCarriedAcks(src, dst)
    return w
  }

  /**
   * Everything that goes to chain `to`, proved against `from`'s state at one height: deliveries of
   * packets from→to, acks and timeouts of packets to→from (`back`, from the classification of
   * to→from). Puts the update of `to`'s client of `from` first when it needs one.
   */
  private async deliver(to: Side, from: Side, fromHeader: HeaderResponse, recv: BridgePacket[], back: Work, stats: PassStats): Promise<void> {
    if (!recv.length && !back.ack.length && !back.timeout.length) return
    const { h, update, header } = await this.proofHeight(to, from, fromHeader)
    const hTime = BigInt(String(header.header.time))
    const prove = (key: Uint8Array) => from.api.store(key, { height: h, prove: true })
    const due = back.timeout.filter((p) => (p.timeoutHeight > 0n && h >= p.timeoutHeight) || (p.timeoutTime > 0n && hTime >= p.timeoutTime))
    const [commitments, acks, absences] = await Promise.all([
      mapLimit(recv, CONCURRENCY, (p) => prove(bridgeKeys.commitment(p.sourceClient, p.sequence))),
      mapLimit(back.ack, CONCURRENCY, ({ p }) => prove(bridgeKeys.ack(p.destClient, p.sequence))),
      mapLimit(due, CONCURRENCY, (p) => prove(bridgeKeys.receipt(p.destClient, p.sequence))),
    ])
    const msgs: Array<{ msg: Msg; size: number; kind: 'recv' | 'ack' | 'timeout' }> = []
    recv.forEach((p, i) => {
      // no commitment at h: acknowledged or timed out already (a rescan after a restart finds such
      // packets again); the next pass's state check forgets it
      if (commitments[i]!.value !== null) msgs.push({ msg: bridge.recvPacket(p, commitments[i]!), size: sizeOf(p, commitments[i]!), kind: 'recv' })
    })
    back.ack.forEach(({ p, ack }, i) => {
      if (acks[i]!.value !== null) msgs.push({ msg: bridge.acknowledge(p, ack, acks[i]!), size: sizeOf(p, acks[i]!) + ack.length, kind: 'ack' })
    })
    due.forEach((p, i) => {
      // received after all: acknowledged on a later pass
      if (absences[i]!.value === null) msgs.push({ msg: bridge.timeout(p, absences[i]!), size: sizeOf(p, absences[i]!), kind: 'timeout' })
    })
    if (!msgs.length) return
    const ok = await this.submit(to, update, msgs, stats)
    const count = (k: string) => msgs.filter((m, i) => m.kind === k && ok[i]).length
    const [r, a, t] = [count('recv'), count('ack'), count('timeout')]
    stats.received += r
    stats.acknowledged += a
    stats.timedOut += t
    if (r) this.log('packets received', { chain: to.url, count: r }, 'info')
    if (a + t) this.log('acks and timeouts relayed', { chain: to.url, count: a + t }, 'info')
  }

  /**
   * Acks read from dst's events for packets this relayer never saw sent (it read src from a later
   * height): once src has no commitment for them they are done, and must not hold back the scan state.
   */
  private async forgetCarriedAcks(src: Side, dst: Side): Promise<void> {
    const orphans = [...dst.acks.keys()].filter((seq) => !src.sent.has(seq))
    const states = await mapLimit(orphans, CONCURRENCY, (seq) => this.packetState(src, seq))
    orphans.forEach((seq, i) => {
      if (states[i]!.commitment === null) dst.acks.delete(seq)
    })
  }

  /** Updates `self`'s client of `other` if its latest verified header is getting old. */
  private async refresh(self: Side, other: Side, stats: PassStats): Promise<void> {
    const client = await self.api.query<{ latest_height: string; trusting_period: string; frozen_height: string | null }>('bridge', 'client', { client_id: self.clientId })
    if (client.frozen_height !== null) return
    const header = await this.header(other)
    if (BigInt(header.height) <= BigInt(client.latest_height)) return
    // the time of the client's latest consensus state is that of the counterparty's header there
    const known = await this.header(other, BigInt(client.latest_height))
    const age = Number(BigInt(String(header.header.time)) - BigInt(String(known.header.time)))
    if (age < Number(client.trusting_period) * (this.opts.refreshFraction ?? 1 / 3)) return
    const update = other.comet ? (await other.comet.prepare(self.clientId, BigInt(client.latest_height), BigInt(header.height), BigInt(client.trusting_period))).msgs : [bridge.updateClient(self.clientId, header)]
    if (await this.send(self, update)) {
      stats.updates++
      this.log('client refreshed', { chain: self.url, client: self.clientId, height: header.height }, 'info')
    }
  }

  /**
   * The height of `other` to prove at, and the update of `self`'s client of `other` it needs (if
   * any): `other`'s latest header, unless the client already verified a height at or above it.
   */
  private async proofHeight(self: Side, other: Side, latest?: HeaderResponse): Promise<{ h: bigint; update?: Msg; header: HeaderResponse }> {
    const client = await self.api.query<{ latest_height: string; trusting_period: string }>('bridge', 'client', { client_id: self.clientId })
    const known = BigInt(client.latest_height)
    const header = latest ?? (await this.header(other))
    if (other.comet) {
      // a cometbft client proves the state after block h with header h+1 (docs/BRIDGE.md)
      const { msgs, proofHeight: h } = await other.comet.prepare(self.clientId, known, BigInt(header.height), BigInt(client.trusting_period))
      for (const m of msgs.slice(0, -1)) await this.send(self, [m])
      return { h, update: msgs.at(-1), header: await this.header(other, h) }
    }
    const h = BigInt(header.height)
    if (known >= h) {
      const kh = known === h ? header : await this.header(other, known)
      return { h: known, header: kh }
    }
    return { h, update: bridge.updateClient(self.clientId, header), header }
  }

  /**
   * Submits update + msgs in batches (at most batchSize messages and MAX_BATCH_BYTES of proofs
   * each), all batches signed and admitted first and then awaited together, so they share blocks.
   * A refused batch is retried message by message. Returns which messages succeeded.
   */
  private async submit(s: Side, update: Msg | undefined, msgs: Array<{ msg: Msg; size: number }>, stats: PassStats): Promise<boolean[]> {
    const size = Math.min(this.opts.batchSize ?? MAX_MSGS_PER_TX - 1, MAX_MSGS_PER_TX - 1)
    const batches: number[][] = [] // indexes into msgs
    let cur: number[] = []
    let bytes = 0
    msgs.forEach((m, i) => {
      if (cur.length && (cur.length >= size || bytes + m.size > MAX_BATCH_BYTES)) {
        batches.push(cur)
        cur = []
        bytes = 0
      }
      cur.push(i)
      bytes += m.size
    })
    if (cur.length) batches.push(cur)
    const results = await this.sendAll(s, batches.map((b, i) => [...(i === 0 && update ? [update] : []), ...b.map((j) => msgs[j]!.msg)]))
    const ok = msgs.map(() => false)
    let updated = results[0] === true && update !== undefined
    for (let i = 0; i < batches.length; i++) {
      if (results[i]) {
        for (const j of batches[i]!) ok[j] = true
        continue
      }
      if (update && !updated && (await this.send(s, [update]))) updated = true
      for (const j of batches[i]!) {
        if (await this.send(s, [msgs[j]!.msg])) ok[j] = true
        else stats.refused++
      }
    }
    if (updated) stats.updates++
    return ok
  }

  /** Signs and admits every transaction in order (consecutive nonces), then waits for all; true for each that succeeded. */
  private async sendAll(s: Side, txs: Msg[][]): Promise<boolean[]> {
    const hashes: Array<string | undefined> = []
    for (const msgs of txs) {
      try {
        hashes.push((await s.api.signAndSubmit(s.key, msgs, { wait: false })).hash)
      } catch (e) {
        this.log('submit failed', { chain: s.url, error: (e as Error).message, msgs: msgs.length }, 'debug')
        hashes.push(undefined)
      }
    }
    return Promise.all(hashes.map(async (hash, i) => {
      if (!hash) return false
      try {
        const r = await s.api.waitForTx(hash)
        if (r.code !== 0) this.log('transaction refused', { chain: s.url, code: r.code, log: r.log, msgs: txs[i]!.length }, 'debug')
        return r.code === 0
      } catch (e) {
        this.log('submit failed', { chain: s.url, error: (e as Error).message }, 'debug')
        return false
      }
    }))
  }

  private async send(s: Side, msgs: Msg[]): Promise<boolean> {
    return (await this.sendAll(s, [msgs]))[0]!
  }
}

/** The sequences of packets sent through `client` that a transaction acknowledged or timed out. */
function closedFromEvents(events: readonly AppEvent[], client: string): bigint[] {
  return events
    .filter((e) => (e.type === BRIDGE_EVENT.acknowledgePacket || e.type === BRIDGE_EVENT.timeoutPacket) && e.attributes.some((x) => x.key === 'source_client' && x.value === client))
    .map((e) => BigInt(e.attributes.find((x) => x.key === 'sequence')!.value))
}

/** A message's size in a transaction, roughly: its proof and its packet. */
function sizeOf(p: BridgePacket, proof: StoreResponse): number {
  return (proof.proof?.length ?? 0) / 2 + p.payload.length + 128
}

export const relayerAddress = (k: KeyPair) => toHex(k.publicKey)
