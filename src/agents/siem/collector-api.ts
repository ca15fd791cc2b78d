/**
 * A collector's HTTP API (JSON):
 *   POST /v1/events[?format=F]     ingest (JSON document, array or NDJSON); 202 once the records are stored
 *   GET  /v1/status                 collector key, name, log size and root, last anchored checkpoint, counts
 *   GET  /v1/checkpoint             a checkpoint of the whole log, signed by the collector (size, root, sig)
 *   GET  /v1/entries?from&limit     log entries (the canonical JSON that was hashed) in log order
 *   GET  /v1/proof?index[&size]     an entry with its RFC 9162 inclusion proof (size: default last anchored)
 *   GET  /v1/consistency?from&to    RFC 9162 consistency proof between two tree sizes
 *   GET  /v1/search?device&ip&category&outcome&from&to&limit   events matching all given filters
 * Readers verify what they get against the checkpoints anchored on chain; nothing here is trusted.
 */
import { createServer } from 'node:http'
import { toHex } from '../../base/bytes.js'
import type { Collector } from './collector.js'
import type { Origin } from '../../siem/origin.js'
import { MAX_HTTP_BODY, listenHttp, readEventRecords, replyJson, type Listener } from '../../siem/listeners.js'
import type { InputFormat } from '../../siem/parsers.js'
import { matchesSearch, parseSearch } from './search.js'

export const MAX_PAGE = 1000
const FORMATS = new Set(['auto', 'syslog', 'cef', 'json', 'opencanary', 'winlog'])

class BadRequest extends Error {}

function intParam(q: URLSearchParams, name: string, dflt?: number): number {
  const v = q.get(name)
  if (v === null) {
    if (dflt === undefined) throw new BadRequest(`${name} is required`)
    return dflt
  }
  if (!/^\d{1,15}$/.test(v)) throw new BadRequest(`${name} must be a non-negative integer`)
  return Number(v)
}

export interface CollectorApiDeps {
  collector: Collector
  /** Ingest one record (bytes) with its origin; the agent persists it. */
  ingest(record: Uint8Array, format: InputFormat, origin: Origin): void
  /** Resolves once everything ingested so far is stored. */
  flush(): Promise<void>
}

export async function startCollectorApi(d: CollectorApiDeps, opts: { host?: string; port?: number }): Promise<Listener> {
  const col = d.collector
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://collector')
    const q = url.searchParams
    const route = `${req.method} ${url.pathname}`
    const size = () => col.log.size
    // CORS as the city API (src/api/routes/console.ts): the city console reads events and proofs
    // from another origin; reads only — ingestion is not opened to pages of other origins
    if (req.headers.origin !== undefined && req.method === 'GET') res.setHeader('access-control-allow-origin', '*')
    if (req.headers.origin !== undefined && req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined) {
      res.writeHead(204, { 'access-control-allow-origin': '*', 'access-control-allow-methods': 'GET', 'access-control-allow-headers': 'accept', 'access-control-max-age': '600', vary: 'origin' })
      return void res.end()
    }
    try {
      if (route === 'POST /v1/events') {
        const format = q.get('format') ?? 'auto'
        if (!FORMATS.has(format)) throw new BadRequest(`format must be one of ${[...FORMATS].join(', ')}`)
        readEventRecords(req).then(async (records) => {
          if (records === 'too_large') return replyJson(res, 413, { error: 'too_large', message: `body over ${MAX_HTTP_BODY} bytes` })
          for (const r of records) d.ingest(r, format as InputFormat, { address: req.socket.remoteAddress })
          await d.flush()
          replyJson(res, 202, { received: records.length, next_index: size() }) // every record acknowledged is below next_index
        }).catch(() => res.destroy())
        return
      }
      if (req.method !== 'GET') return replyJson(res, 405, { error: 'method_not_allowed', message: `${route}` })
      switch (url.pathname) {
        case '/v1/status': {
          const a = col.lastAnchored
          return replyJson(res, 200, {
            collector: toHex(col.key.publicKey), name: col.name, size: size(), root: size() ? toHex(col.log.root()) : null,
            anchored: a ? { size: a.size, root: toHex(a.root) } : null, counts: col.ingestor.counts,
          })
        }
        case '/v1/checkpoint': {
          const h = col.signedHead()
          return replyJson(res, 200, { collector: toHex(h.collector), size: h.size, root: toHex(h.root), sig: toHex(h.sig) })
        }
        case '/v1/entries': {
          const from = intParam(q, 'from', 0)
          const limit = Math.min(intParam(q, 'limit', MAX_PAGE), MAX_PAGE)
          const to = Math.min(size(), from + limit)
          const entries = []
          for (let i = from; i < to; i++) entries.push(Buffer.from(col.entry(i)).toString('utf8'))
          return replyJson(res, 200, { from, size: size(), entries })
        }
        case '/v1/proof': {
          const index = intParam(q, 'index')
          const at = intParam(q, 'size', col.lastAnchored?.size ?? size())
          if (at > size() || index >= at) throw new BadRequest(`index ${index} must be below size ${at}, and size at most ${size()}`)
          const ev = col.evidence(index, at)
          return replyJson(res, 200, { index, size: at, leaf_hash: ev.leafHash, proof: ev.proof, entry: Buffer.from(col.entry(index)).toString('utf8') })
        }
        case '/v1/consistency': {
          const from = intParam(q, 'from')
          const to = intParam(q, 'to', size())
          if (from < 1 || from > to || to > size()) throw new BadRequest(`need 1 <= from <= to <= ${size()}`)
          return replyJson(res, 200, { from, to, proof: col.log.consistencyProof(from, to).map(toHex) })
        }
        case '/v1/search': {
          const s = parseSearch(q)
          const limit = Math.min(intParam(q, 'limit', 100), MAX_PAGE)
          const out = []
          for (let i = size() - 1; i >= 0 && out.length < limit; i--) {
            const e = col.events.at(i)
            if (matchesSearch(e.event, s)) out.push({ index: i, event: e.event })
          }
          return replyJson(res, 200, { events: out.reverse() })
        }
        default:
          return replyJson(res, 404, { error: 'not_found', message: `${route}` })
      }
    } catch (e) {
      if (e instanceof BadRequest || (e as Error).name === 'SearchError') return replyJson(res, 400, { error: 'invalid_request', message: (e as Error).message })
      return replyJson(res, 500, { error: 'internal', message: (e as Error).message })
    }
  })
  return listenHttp(server, opts)
}
