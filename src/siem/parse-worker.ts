/**
 * Parse worker (see parse-pool.ts): parses and normalises a batch of records, applies device
 * identity, and returns each event's log entry (canonical JSON), RFC 9162 leaf hash and event.hash.
 */
import { parentPort } from 'node:worker_threads'
import { parseEvent, type InputFormat } from './parsers.js'
import { eventEntry, type SiemEvent } from './ecs.js'
import { leafHash } from './merkle-log.js'
import { applyDeviceIdentity } from './identity.js'
import type { Origin } from './origin.js'

export interface ParseRequest { id: number; format: InputFormat; receivedAt: number; observer: SiemEvent['observer']; records: Uint8Array[]; origins: Origin[] }
export interface ParseReply { id: number; entries: Uint8Array; ends: Uint32Array; leaves: Uint8Array; hashes: string[]; datasets: string[]; ok: Uint8Array }

let devices: ReadonlyMap<string, string> = new Map()

parentPort!.on('message', (m: ParseRequest | { devices: Array<[string, string]> }) => {
  if ('devices' in m) {
    devices = new Map(m.devices)
    return
  }
  const n = m.records.length
  const parts: Uint8Array[] = []
  const ends = new Uint32Array(n)
  const leaves = new Uint8Array(32 * n)
  const hashes: string[] = []
  const datasets: string[] = []
  const ok = new Uint8Array(n)
  let end = 0
  for (let i = 0; i < n; i++) {
    const r = parseEvent(m.records[i]!, m.format, { receivedAt: m.receivedAt, observer: m.observer })
    applyDeviceIdentity(r.event, m.origins[i] ?? {}, devices)
    const entry = eventEntry(r.event)
    parts.push(entry)
    end += entry.length
    ends[i] = end
    leaves.set(leafHash(entry), 32 * i)
    hashes.push(r.event.event.hash)
    datasets.push(r.event.event.dataset)
    ok[i] = r.ok ? 1 : 0
  }
  const entries = Buffer.concat(parts)
  const reply: ParseReply = { id: m.id, entries: new Uint8Array(entries.buffer, entries.byteOffset, entries.length), ends, leaves, hashes, datasets, ok }
  parentPort!.postMessage(reply, [ends.buffer, leaves.buffer, ok.buffer])
})
