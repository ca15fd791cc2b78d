/**
 * Parse worker (see parse-pool.ts): parses and normalises a batch of records, applies device
 * identity, and returns the batch's log entries (canonical JSON) packed in one buffer with their
 * RFC 9162 leaf hashes, so the collector's thread only copies bytes and closes subtrees.
 */
import { parentPort } from 'node:worker_threads'
import { hash } from 'node:crypto'
import { parseEvent, type InputFormat } from './parsers.js'
import type { SiemEvent } from './ecs.js'
import { canonicalEntryText } from './entry-encoding.js'
import { applyDeviceIdentity, NOTHING_LISTED, type ListedIndicators } from './identity.js'
import type { Origin } from './origin.js'

/** records: record i is bytes [ends[i-1], ends[i]) of `data` (one transferred buffer, not one clone per record). */
export interface ParseRequest { id: number; format: InputFormat; receivedAt: number; observer: SiemEvent['observer']; data: Uint8Array; ends: Uint32Array; origins: Origin[] }
/** entries: entry i is bytes [ends[i-1] + 1, ends[i]) (each entry follows a 0x00 byte, the leaf prefix; ends[-1] = 0). */
export interface ParseReply { id: number; entries: Uint8Array; ends: Uint32Array; leaves: Uint8Array; datasets: string[]; ok: Uint8Array }

let devices: ReadonlyMap<string, string> = new Map()
let listed: ListedIndicators = NOTHING_LISTED
let scratch = Buffer.allocUnsafeSlow(1 << 20)

parentPort!.on('message', (m: ParseRequest | { devices: Array<[string, string]>; listed: { devices: string[]; ips: string[] } }) => {
  if ('devices' in m) {
    devices = new Map(m.devices)
    listed = { devices: new Set(m.listed.devices), ips: new Set(m.listed.ips) }
    return
  }
  const n = m.ends.length
  const ends = new Uint32Array(n)
  const leaves = new Uint8Array(32 * n)
  const datasets: string[] = []
  const ok = new Uint8Array(n)
  let used = 0
  for (let i = 0; i < n; i++) {
    const r = parseEvent(m.data.subarray(i ? m.ends[i - 1] : 0, m.ends[i]), m.format, { receivedAt: m.receivedAt, observer: m.observer })
    applyDeviceIdentity(r.event, m.origins[i] ?? {}, devices, listed)
    const text = canonicalEntryText(r.event)
    if (scratch.length - used < 1 + 3 * text.length) {
      const s = Buffer.allocUnsafeSlow(Math.max(2 * scratch.length, used + 1 + 3 * text.length))
      scratch.copy(s, 0, 0, used)
      scratch = s
    }
    scratch[used] = 0
    const end = used + 1 + scratch.write(text, used + 1, 'utf8')
    leaves.set(hash('sha256', scratch.subarray(used, end), 'buffer'), 32 * i)
    ends[i] = end
    used = end
    datasets.push(r.event.event.dataset)
    ok[i] = r.ok ? 1 : 0
  }
  const entries = new Uint8Array(used)
  entries.set(scratch.subarray(0, used))
  const reply: ParseReply = { id: m.id, entries, ends, leaves, datasets, ok }
  parentPort!.postMessage(reply, [entries.buffer, ends.buffer, leaves.buffer, ok.buffer])
})
