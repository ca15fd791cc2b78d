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
 *
 * Each pass asks a node for all of its proofs at once (`POST /v1/store/proofs`) and submits all of
 * its transactions in one request. Running between solo chains it is pipelined: a pass does not
 * wait for its transactions to commit; the next pass starts at the next block, leaving alone the
 * messages still in flight (`busy`), which are settled when the relayer reads the block that holds
 * their transaction (or found lost). A transaction that failed in its block sends its messages one
 * per transaction on the next pass that still finds them pending. A single `pass()` (not running)
 * waits for its transactions, as before.
 */
import { MAX_MSGS_PER_TX, type Msg } from '../../app/tx.js'
import type { AppEvent } from '../../app/types.js'
import type { KeyPair } from '../../crypto/keys.js'
import { toHex } from '../../base/bytes.js'
import { PolisClient } from '../../sdk/polis-client.js'
import { acksFromEvents, bridge, bridgeKeys, packetsFromEvents, storeProofs, type BridgePacket } from '../../sdk/bridge.js'
import type { SignedTx } from '../../sdk/polis-client.js'
import type { HeaderResponse, StoreResponse } from '../../sdk/types.js'
import { ackCommitment, encodeAck } from '../../modules/bridge/packet/codec.js'
import { BRIDGE_EVENT } from '../../modules/bridge/types.js'
import { EventFeed, type BlockTx } from './feed.js'
import { CometHeaderSource } from './cometbft-headers.js'
import { readScanState, writeScanState, type ScanMark } from './scan-state.js'

/** The success ack: its commitment alone (in dst's state) tells it, without the recv event. */
const OK_ACK = encodeAck({ ok: true })
const OK_ACK_COMMITMENT = toHex(ackCommitment(OK_ACK))
/** Room left under the chain's 64 KiB transaction limit for the envelope and the client update. */
const MAX_BATCH_BYTES = 48 * 1024
/** Requests in flight to one node at once while reading state and proofs. */
const CONCURRENCY = 16
/** Hex bytes of transactions in one `POST /v1/txs/batch` at most (the node takes 8 MiB bodies). */
const MAX_SUBMIT_HEX = 4 * 1024 * 1024
/** A transaction of a pipelined pass not seen in a block after this long is looked up (and released if the node lost it). */
const LOST_AFTER_MS = 20_000

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
  /** transactions submitted to this chain and not yet read in a block, by hash */
  pending: Map<string, Pending>
  /** messages in flight to this chain (msgKey) */
  busy: Set<string>
  /** messages whose batch failed: sent one per transaction next time */
  solo: Set<string>
  /** the height of the latest client update (of the other chain) in flight to this chain */
  pendingUpdate?: bigint
}

/** A submitted transaction awaiting its block. */
interface Pending { at: number; keys: string[]; updateHeight?: bigint; done: (code: number) => void }

/** What identifies a message to a chain across passes: its kind and the packet's sequence. */
type MsgKind = 'recv' | 'ack' | 'timeout'
const msgKey = (kind: MsgKind, seq: bigint) => `${kind}/${seq}`

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
  /** the slowest direction's time this pass to get its proofs, and to sign and submit (pipelined) */
  private timing = { proofs: 0, submit: 0 }
  private readonly log: NonNullable<RelayerOptions['log']>

  constructor(private readonly opts: RelayerOptions) {
    const side = (s: RelayerSide): Side => ({
      ...s, api: new PolisClient(s.url), sent: new Map(), acks: new Map(), closed: [], scanned: (s.startHeight ?? opts.startHeight ?? 1n) - 1n,
      comet: s.cometRpc ? new CometHeaderSource(s.cometRpc) : undefined, pending: new Map(), busy: new Set(), solo: new Set(),
    })
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
          await this.pass(!this.a.comet && !this.b.comet)
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
    // what a pipelined pass left in flight: its outcome is read from the chain by the next relayer
    for (const s of [this.a, this.b]) for (const hash of [...s.pending.keys()]) this.settle(s, hash, -1)
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

  /**
   * One pass over both directions. `pipelined`: submit without waiting for the transactions' blocks
   * (the running loop between solo chains); the stats then count what was submitted, and the
   * outcome is logged when read.
   */
  async pass(pipelined = false): Promise<PassStats> {
    await (this.loaded ??= this.loadState())
    const stats: PassStats = { received: 0, acknowledged: 0, timedOut: 0, updates: 0, refused: 0, blocksFetched: 0 }
    const t = [performance.now()]
    this.timing = { proofs: 0, submit: 0 }
    await Promise.all([this.scan(this.a, stats), this.scan(this.b, stats)])
    if (pipelined) await Promise.all([this.findLost(this.a), this.findLost(this.b)])
    const [headA, headB] = await Promise.all([this.header(this.a), this.header(this.b)])
    const ab = await this.classify(this.a, this.b, headB)
    const ba = await this.classify(this.b, this.a, headA)
    t.push(performance.now())
    // what goes to each chain is proved against the other chain's state at one height, behind one
    // client update; the two chains' transactions go out at once
    await Promise.all([this.deliver(this.b, this.a, headA, ab.recv, ba, stats, pipelined), this.deliver(this.a, this.b, headB, ba.recv, ab, stats, pipelined)])
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
    if (stats.received + stats.acknowledged + stats.timedOut > 0) this.log('pass', { ...stats, ms_read: ms[0], ms_relay: ms[1], ms_proofs: Math.round(this.timing.proofs), ms_submit: Math.round(this.timing.submit), ms_rest: ms[2] }, 'debug')
    return stats
  }

  // ------------------------------------------------------------------ headers

  /**
   * The counterparty's signed header at a height (latest if none): the one place the relayer
   * reads headers, for client updates and proof heights (a CometBFT header source plugs in here).
   */
  private async header(s: Side, height?: bigint): Promise<HeaderResponse> {
    if (s.comet) return s.comet.header(height)
    // latest: the last block the event stream delivered whole (committed), else ask the node
    const streamed = s.feed?.open && s.feed.to > 0n ? s.feed.to : undefined
    return s.api.header(height ?? streamed ?? (await s.api.height()))
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
      for (const { hash, code, events } of txs) {
        this.settle(s, hash, code)
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

  private async blockEvents(s: Side, h: bigint): Promise<BlockTx[]> {
    const block = await s.api.block(h)
    return mapLimit(block.results, CONCURRENCY, async (r) => ({ hash: r.hash, code: r.code, events: r.code === 0 ? ((await s.api.tx(r.hash)).events ?? []) : [] }))
  }

  // ------------------------------------------------------------------ transactions in flight

  /** The outcome of a submitted transaction (code -1: lost): its messages are no longer in flight. */
  private settle(s: Side, hash: string, code: number): void {
    const p = s.pending.get(hash)
    if (!p) return
    s.pending.delete(hash)
    for (const k of p.keys) {
      s.busy.delete(k)
      if (code !== 0) s.solo.add(k)
      else s.solo.delete(k)
    }
    // the later transactions that relied on this update fail too, and the next pass updates again
    if (code !== 0 && p.updateHeight !== undefined) s.pendingUpdate = undefined
    p.done(code)
  }

  /** Releases transactions of earlier passes that the node no longer knows (dropped from its mempool). */
  private async findLost(s: Side): Promise<void> {
    const old = [...s.pending].filter(([, p]) => performance.now() - p.at > LOST_AFTER_MS).map(([h]) => h)
    const states = await mapLimit(old, CONCURRENCY, (h) => s.api.tx(h).catch(() => undefined))
    old.forEach((h, i) => {
      if (states[i]?.status === 'unknown') this.settle(s, h, -1)
    })
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
      // a message about it is in flight: its block decides what comes next
      if (dst.busy.has(msgKey('recv', seq)) || src.busy.has(msgKey('ack', seq)) || src.busy.has(msgKey('timeout', seq))) continue
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
   * to→from). Puts the update of `to`'s client of `from` first when it needs one. All proofs come
   * in one request (`POST /v1/store/proofs`); every one is checked on `to` against the app hash
   * its client verified.
   */
  private async deliver(to: Side, from: Side, fromHeader: HeaderResponse, recv: BridgePacket[], back: Work, stats: PassStats, pipelined: boolean): Promise<void> {
    if (!recv.length && !back.ack.length && !back.timeout.length) return
    const { h, update, header } = await this.proofHeight(to, from, fromHeader, pipelined)
    const hTime = BigInt(String(header.header.time))
    const due = back.timeout.filter((p) => (p.timeoutHeight > 0n && h >= p.timeoutHeight) || (p.timeoutTime > 0n && hTime >= p.timeoutTime))
    const keys = [
      ...recv.map((p) => bridgeKeys.commitment(p.sourceClient, p.sequence)),
      ...back.ack.map(({ p }) => bridgeKeys.ack(p.destClient, p.sequence)),
      ...due.map((p) => bridgeKeys.receipt(p.destClient, p.sequence)),
    ]
    if (!keys.length) return
    const t0 = performance.now()
    const proofs = await storeProofs(from.api, keys, h)
    const t1 = performance.now()
    this.timing.proofs = Math.max(this.timing.proofs, t1 - t0)
    const commitments = proofs.slice(0, recv.length)
    const acks = proofs.slice(recv.length, recv.length + back.ack.length)
    const absences = proofs.slice(recv.length + back.ack.length)
    const msgs: Outgoing[] = []
    recv.forEach((p, i) => {
      // no commitment at h: acknowledged or timed out already (a rescan after a restart finds such
      // packets again); the next pass's state check forgets it
      if (commitments[i]!.value !== null) msgs.push({ msg: bridge.recvPacket(p, commitments[i]!), size: sizeOf(p, commitments[i]!), kind: 'recv', key: msgKey('recv', p.sequence) })
    })
    back.ack.forEach(({ p, ack }, i) => {
      if (acks[i]!.value !== null) msgs.push({ msg: bridge.acknowledge(p, ack, acks[i]!), size: sizeOf(p, acks[i]!) + ack.length, kind: 'ack', key: msgKey('ack', p.sequence) })
    })
    due.forEach((p, i) => {
      // received after all: acknowledged on a later pass
      if (absences[i]!.value === null) msgs.push({ msg: bridge.timeout(p, absences[i]!), size: sizeOf(p, absences[i]!), kind: 'timeout', key: msgKey('timeout', p.sequence) })
    })
    if (!msgs.length) return
    const report = (ok: boolean[], updated: boolean, into: PassStats) => {
      const count = (k: MsgKind) => msgs.filter((m, i) => m.kind === k && ok[i]).length
      const [r, a, t] = [count('recv'), count('ack'), count('timeout')]
      into.received += r
      into.acknowledged += a
      into.timedOut += t
      if (updated) into.updates++
      if (r) this.log('packets received', { chain: to.url, count: r }, 'info')
      if (a + t) this.log('acks and timeouts relayed', { chain: to.url, count: a + t }, 'info')
    }
    if (!pipelined) {
      const { ok, updated } = await this.submit(to, update, h, msgs, stats)
      report(ok, updated, stats)
      return
    }
    // pipelined: counted as submitted now; what committed is logged when its block is read
    const { outcome } = await this.dispatch(to, update, h, msgs)
    this.timing.submit = Math.max(this.timing.submit, performance.now() - t1)
    stats.received += msgs.filter((m) => m.kind === 'recv').length
    stats.acknowledged += msgs.filter((m) => m.kind !== 'recv').length
    if (update) stats.updates++
    void outcome.then(({ ok, updated }) => {
      const done: PassStats = { received: 0, acknowledged: 0, timedOut: 0, updates: 0, refused: 0, blocksFetched: 0 }
      report(ok, updated, done)
      const failed = ok.filter((x) => !x).length
      if (failed) this.log('messages in a failed transaction (sent one by one next time)', { chain: to.url, count: failed }, 'debug')
    })
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
   * any): `other`'s latest header, unless the client already verified a height at or above it (or,
   * `pipelined`, an update to that height is in flight: the transactions go in nonce order).
   */
  private async proofHeight(self: Side, other: Side, latest?: HeaderResponse, pipelined = false): Promise<{ h: bigint; update?: Msg; header: HeaderResponse }> {
    const client = await self.api.query<{ latest_height: string; trusting_period: string }>('bridge', 'client', { client_id: self.clientId })
    const committed = BigInt(client.latest_height)
    const header = latest ?? (await this.header(other))
    if (other.comet) {
      // a cometbft client proves the state after block h with header h+1 (docs/BRIDGE.md)
      const { msgs, proofHeight: h } = await other.comet.prepare(self.clientId, committed, BigInt(header.height), BigInt(client.trusting_period))
      for (const m of msgs.slice(0, -1)) await this.send(self, [m])
      return { h, update: msgs.at(-1), header: await this.header(other, h) }
    }
    const h = BigInt(header.height)
    const inFlight = pipelined && self.pendingUpdate !== undefined && self.pendingUpdate <= h ? self.pendingUpdate : 0n
    const known = committed > inFlight ? committed : inFlight
    if (known >= h) {
      const kh = known === h ? header : await this.header(other, known)
      return { h: known, header: kh }
    }
    return { h, update: bridge.updateClient(self.clientId, header), header }
  }

  /** Splits msgs into transactions: at most batchSize messages and MAX_BATCH_BYTES of proofs each; a message of a failed batch alone. */
  private batches(s: Side, msgs: Outgoing[]): number[][] {
    const size = Math.min(this.opts.batchSize ?? MAX_MSGS_PER_TX - 1, MAX_MSGS_PER_TX - 1)
    const out: number[][] = []
    let cur: number[] = []
    let bytes = 0
    msgs.forEach((m, i) => {
      if (s.solo.has(m.key)) {
        out.push([i])
        return
      }
      if (cur.length && (cur.length >= size || bytes + m.size > MAX_BATCH_BYTES)) {
        out.push(cur)
        cur = []
        bytes = 0
      }
      cur.push(i)
      bytes += m.size
    })
    if (cur.length) out.push(cur)
    return out
  }

  /**
   * Signs update + msgs in batches (consecutive nonces), submits them all in one request (or a few,
   * by size), marks their messages in flight, and returns at once; the promise it returns resolves
   * once every transaction has been settled (read in a block, refused, or lost): which messages
   * succeeded, and whether the update did.
   */
  private async dispatch(s: Side, update: Msg | undefined, h: bigint, msgs: Outgoing[]): Promise<{ outcome: Promise<{ ok: boolean[]; updated: boolean }> }> {
    const batches = this.batches(s, msgs)
    const txs = batches.map((b, i) => [...(i === 0 && update ? [update] : []), ...b.map((j) => msgs[j]!.msg)])
    const submitted = await this.submitAll(s, txs, (i) => ({ keys: batches[i]!.map((j) => msgs[j]!.key), updateHeight: i === 0 && update ? h : undefined }))
    return { outcome: Promise.all(submitted.map((x) => x.code)).then((c) => {
      const ok = msgs.map(() => false)
      batches.forEach((b, i) => {
        if (c[i] === 0) for (const j of b) ok[j] = true
      })
      return { ok, updated: update !== undefined && c[0] === 0 }
    }) }
  }

  /**
   * Signs every transaction in order (consecutive nonces) and submits them (one request per
   * MAX_SUBMIT_HEX of them); each admitted one is pending until settled. Returns, for each, its
   * hash if admitted and a promise of its code (-1: refused at admission or lost). A refusal resets
   * the nonces (the later transactions were refused for their nonce too).
   */
  private async submitAll(s: Side, txs: Msg[][], meta: (i: number) => { keys: string[]; updateHeight?: bigint }): Promise<Array<{ hash?: string; code: Promise<number> }>> {
    const out: Array<{ hash?: string; code: Promise<number> }> = []
    if (!txs.length) return out
    let signed: SignedTx[]
    try {
      signed = await s.api.signMany(s.key, txs)
    } catch (e) {
      this.log('submit failed', { chain: s.url, error: (e as Error).message, txs: txs.length }, 'debug')
      return txs.map(() => ({ code: Promise.resolve(-1) }))
    }
    let refused = false
    for (let i = 0; i < signed.length;) {
      const chunk: SignedTx[] = []
      let bytes = 0
      while (i < signed.length && (chunk.length === 0 || bytes + signed[i]!.hex.length <= MAX_SUBMIT_HEX)) {
        bytes += signed[i]!.hex.length
        chunk.push(signed[i++]!)
      }
      let results: Array<{ code: number; log: string }>
      try {
        results = refused ? chunk.map(() => ({ code: -1, log: 'not submitted after a refusal' })) : await s.api.submitBatch(chunk)
      } catch (e) {
        // unknown whether the node admitted them: their messages stay pending until found in a block or lost
        this.log('submit failed', { chain: s.url, error: (e as Error).message, txs: chunk.length }, 'debug')
        results = chunk.map(() => ({ code: 0, log: '' }))
      }
      chunk.forEach((tx, k) => {
        const m = meta(out.length)
        if (results[k]!.code !== 0) {
          refused = true
          if (results[k]!.code > 0) this.log('transaction refused', { chain: s.url, code: results[k]!.code, log: results[k]!.log, msgs: txs[out.length]!.length }, 'debug')
          for (const key of m.keys) s.solo.add(key)
          out.push({ code: Promise.resolve(-1) })
          return
        }
        for (const key of m.keys) s.busy.add(key)
        if (m.updateHeight !== undefined) s.pendingUpdate = m.updateHeight
        out.push({ hash: tx.hash, code: new Promise<number>((done) => s.pending.set(tx.hash, { at: performance.now(), keys: m.keys, updateHeight: m.updateHeight, done })) })
      })
    }
    if (refused) s.api.resetNonces(s.key)
    return out
  }

  /**
   * Submits update + msgs and waits for their blocks. A refused batch is retried message by
   * message (the update first, alone). Returns which messages succeeded and whether the update did.
   */
  private async submit(s: Side, update: Msg | undefined, h: bigint, msgs: Outgoing[], stats: PassStats): Promise<{ ok: boolean[]; updated: boolean }> {
    const batches = this.batches(s, msgs)
    const results = await this.sendAll(s, batches.map((b, i) => [...(i === 0 && update ? [update] : []), ...b.map((j) => msgs[j]!.msg)]), (i) => ({ keys: batches[i]!.map((j) => msgs[j]!.key), updateHeight: i === 0 && update ? h : undefined }))
    const ok = msgs.map(() => false)
    let updated = results[0] === true && update !== undefined
    for (let i = 0; i < batches.length; i++) {
      if (results[i]) {
        for (const j of batches[i]!) ok[j] = true
        continue
      }
      if (update && !updated && (await this.send(s, [update]))) updated = true
      for (const j of batches[i]!) {
        if (await this.send(s, [msgs[j]!.msg])) {
          ok[j] = true
          s.solo.delete(msgs[j]!.key)
        } else stats.refused++
      }
    }
    return { ok, updated }
  }

  /** Signs and submits every transaction in order (consecutive nonces), then waits for their blocks; true for each that succeeded. */
  private async sendAll(s: Side, txs: Msg[][], meta: (i: number) => { keys: string[]; updateHeight?: bigint } = () => ({ keys: [] })): Promise<boolean[]> {
    const submitted = await this.submitAll(s, txs, meta)
    const hashes = submitted.flatMap((x) => (x.hash ? [x.hash] : []))
    // not pipelined: ask the node for each outcome instead of reading blocks
    await Promise.all(hashes.map(async (hash) => {
      try {
        const r = await s.api.waitForTx(hash)
        if (r.code !== 0) this.log('transaction refused', { chain: s.url, code: r.code, log: r.log }, 'debug')
        this.settle(s, hash, r.code)
      } catch (e) {
        this.log('submit failed', { chain: s.url, error: (e as Error).message }, 'debug')
        this.settle(s, hash, -1)
      }
    }))
    return (await Promise.all(submitted.map((x) => x.code))).map((c) => c === 0)
  }

  private async send(s: Side, msgs: Msg[]): Promise<boolean> {
    return (await this.sendAll(s, [msgs]))[0]!
  }
}

/** A message for a chain, with what the relayer knows of it. */
interface Outgoing { msg: Msg; size: number; kind: MsgKind; key: string }

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
