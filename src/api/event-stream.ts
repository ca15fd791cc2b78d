/**
 * Live events over WebSocket: `GET /v1/events?kinds=&module=&type=&account=` (upgrade).
 *
 * Messages (JSON text frames), in commit order:
 *   { kind: "block", height, hash, time, app_hash, num_txs, txs: [tx hash…], events: [end-block events] }
 *   { kind: "tx", height, index, hash, code, log, events }
 * Filters (all optional, combined with AND; they select tx messages, block messages always pass):
 *   kinds    comma list of "block", "tx" (default both)
 *   module   a tx touching the module: a message of it ("bank/send") or an event of it ("bank.transfer")
 *   type     a message type ("bank/send") or an event type ("bank.transfer") the tx holds
 *   account  hex public key: the tx's sender, or any event attribute equal to it (recipient, account…)
 * Framing (optional): `frames=message` (default) sends each message in its own frame; `frames=block`
 * sends one frame per block, a JSON array of the same messages in the same order (none: no frame) —
 * for busy subscribers such as the relayer, one WebSocket frame and one parse per block instead of
 * one per transaction.
 * A client that does not keep up (more than 8 MiB buffered) is disconnected with close code 1013.
 */
import type { FastifyInstance } from 'fastify'
import type { WebSocket } from 'ws'
import type { BlockEvent } from './backend.js'
import { decodeTx } from '../app/tx.js'
import { toHex } from '../base/bytes.js'
import { eventsJson } from './convert.js'
import type { NodeMetrics } from './metrics.js'
import { Event, Hash, Uint, errorResponses } from './schemas.js'
import { ApiError } from './problem.js'
import { withCorkedSockets } from './corked-sends.js'

const MAX_BUFFERED = 8 * 1024 * 1024

export interface EventFilter { blocks: boolean; txs: boolean; module?: string; type?: string; account?: string; /** one frame per block (a JSON array of its messages) */ perBlock?: boolean }

interface TxView { hash: string; height: string; index: number; code: number; log: string; events: ReturnType<typeof eventsJson>; sender?: string }

export function txMatches(f: EventFilter, tx: TxView): boolean {
  if (!f.txs) return false
  if (f.module !== undefined) {
    const m = f.module
    const ok = tx.events.some((e) => e.type.startsWith(m + '.') || (e.type === 'message' && e.attributes.some((a) => a.key === 'module' && a.value === m)))
    if (!ok) return false
  }
  if (f.type !== undefined) {
    const t = f.type
    const ok = tx.events.some((e) => {
      if (e.type === t) return true
      if (e.type !== 'message') return false
      const mod = e.attributes.find((a) => a.key === 'module')?.value
      const act = e.attributes.find((a) => a.key === 'action')?.value
      return `${mod}/${act}` === t
    })
    if (!ok) return false
  }
  if (f.account !== undefined) {
    const a = f.account
    if (tx.sender !== a && !tx.events.some((e) => e.attributes.some((x) => x.value === a))) return false
  }
  return true
}

export const eventsQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    kinds: { type: 'string', pattern: '^(block|tx)(,(block|tx))*$', description: 'comma list of block, tx (default both)' },
    module: { type: 'string', pattern: '^[a-z][a-z0-9_-]{0,31}$' },
    type: { type: 'string', minLength: 1, maxLength: 64 },
    account: Hash,
    frames: { type: 'string', enum: ['message', 'block'], description: 'message (default): one frame per message; block: one frame per block, a JSON array of its messages' },
  },
}

/** The messages' shapes, for the OpenAPI document. */
export const EventMessage = {
  oneOf: [
    {
      type: 'object',
      required: ['kind', 'height', 'hash', 'time', 'app_hash', 'num_txs', 'txs', 'events'],
      properties: { kind: { const: 'block' }, height: Uint, hash: Hash, time: Uint, app_hash: Hash, num_txs: { type: 'integer' }, txs: { type: 'array', items: Hash }, events: { type: 'array', items: Event } },
    },
    {
      type: 'object',
      required: ['kind', 'height', 'index', 'hash', 'code', 'log', 'events'],
      properties: { kind: { const: 'tx' }, height: Uint, index: { type: 'integer' }, hash: Hash, code: { type: 'integer' }, log: { type: 'string' }, events: { type: 'array', items: Event } },
    },
  ],
}

interface Client { ws: WebSocket; filter: EventFilter; /** frames=block: this block's messages so far */ batch?: string[] }

export class EventHub {
  private readonly clients = new Set<Client>()

  constructor(private readonly metrics: NodeMetrics) {}

  get size(): number {
    return this.clients.size
  }

  add(ws: WebSocket, filter: EventFilter): void {
    const c: Client = { ws, filter }
    this.clients.add(c)
    this.metrics.wsClients.set(this.clients.size)
    const drop = () => {
      this.clients.delete(c)
      this.metrics.wsClients.set(this.clients.size)
    }
    ws.on('close', drop)
    ws.on('error', drop)
    // Clients only listen; anything they send is ignored.
  }

  publish(b: BlockEvent): void {
    if (this.clients.size === 0) return
    withCorkedSockets([...this.clients].map((c) => c.ws), () => this.publishCorked(b))
  }

  private publishCorked(b: BlockEvent): void {
    const height = b.height.toString()
    const blockMsg = JSON.stringify({
      kind: 'block', height, hash: toHex(b.hash), time: b.time.toString(), app_hash: toHex(b.appHash),
      num_txs: b.results.length, txs: b.results.map((r) => toHex(r.hash)), events: eventsJson(b.events),
    })
    const txClients = [...this.clients].filter((c) => c.filter.txs)
    const needSender = txClients.some((c) => c.filter.account !== undefined)
    for (const c of this.clients) if (c.filter.perBlock) c.batch = []
    try {
      for (const c of this.clients) if (c.filter.blocks) this.send(c, blockMsg)
      if (txClients.length > 0) this.publishTxs(b, height, txClients, needSender)
    } finally {
      for (const c of this.clients) {
        if (!c.batch) continue
        const msgs = c.batch
        c.batch = undefined
        if (msgs.length) this.write(c, '[' + msgs.join(',') + ']')
      }
    }
  }

  private publishTxs(b: BlockEvent, height: string, txClients: Client[], needSender: boolean): void {
    b.results.forEach((r, i) => {
      const view: TxView = { hash: toHex(r.hash), height, index: r.index, code: r.code, log: r.log, events: eventsJson(r.events) }
      if (needSender) {
        try {
          view.sender = toHex(decodeTx(b.txs[i]!).body.sender)
        } catch {
          // undecodable transactions have no sender
        }
      }
      let msg: string | undefined
      for (const c of txClients) {
        if (!txMatches(c.filter, view)) continue
        msg ??= JSON.stringify({ kind: 'tx', height, index: view.index, hash: view.hash, code: view.code, log: view.log, events: view.events })
        this.send(c, msg)
      }
    })
  }

  private send(c: Client, msg: string): void {
    if (c.batch) c.batch.push(msg)
    else this.write(c, msg)
  }

  private write(c: Client, msg: string): void {
    if (c.ws.readyState !== c.ws.OPEN) return
    if (c.ws.bufferedAmount > MAX_BUFFERED) {
      c.ws.close(1013, 'client too slow')
      return
    }
    c.ws.send(msg)
  }

  closeAll(code = 1001, reason = 'node stopping'): void {
    for (const c of this.clients) c.ws.close(code, reason)
  }
}

export function registerEvents(app: FastifyInstance, hub: EventHub, isStopping: () => boolean): void {
  app.get<{ Querystring: { kinds?: string; module?: string; type?: string; account?: string; frames?: 'message' | 'block' } }>('/v1/events', {
    websocket: true,
    schema: {
      summary: 'Stream of committed blocks and transactions (WebSocket)',
      description: 'Upgrade to WebSocket. Each message is a JSON text frame: a block message, then one tx message per matching transaction of that block. Filters select tx messages and combine with AND; block messages always pass unless kinds=tx. With frames=block, each block\'s messages come as one frame holding their JSON array.',
      tags: ['events'],
      querystring: eventsQuerySchema,
      response: errorResponses,
    },
    preHandler: async (req) => {
      if (isStopping()) throw new ApiError('invalid_state', 'the node is stopping', 503)
      if (req.headers.upgrade?.toLowerCase() !== 'websocket') throw new ApiError('invalid_request', 'this route needs a WebSocket upgrade', 426)
    },
  }, (socket, req) => {
    const q = req.query
    const kinds = (q.kinds ?? 'block,tx').split(',')
    hub.add(socket, { blocks: kinds.includes('block'), txs: kinds.includes('tx'), module: q.module, type: q.type, account: q.account?.toLowerCase(), perBlock: q.frames === 'block' })
  })
}
