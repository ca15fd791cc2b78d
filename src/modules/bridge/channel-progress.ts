/**
 * The `bridge/channel` query: a channel end's packet counts over every packet, not a sample — what
 * a relayer dashboard needs to show exact progress (the console's Network page).
 *
 * For client C on this chain (the end of the channel to the city C follows):
 *   next_sequence, sent          the next sequence to send, and sent = next_sequence − 1
 *   in_flight                    packets sent whose commitment is still here: neither acknowledged
 *                                nor timed out yet (acknowledged + timed out = sent − in_flight)
 *   in_flight_sequences          the lowest of them in numeric order (at most MAX_LISTED), so that a
 *                                reader can ask the other end which of them it already received
 *   oldest_in_flight             the lowest unacknowledged sequence (null when none)
 *   received                     packets received here from the other end (receipts)
 *
 * Sequences are decimal in the keys (types.ts), so key order is not numeric order: the commitments
 * are read whole (they are few: only packets in flight) and sorted as numbers; receipts are counted.
 */
import type { KVReader } from '../../app/kv.js'
import { moduleReader, type QueryContext, type QueryParams } from '../../app/module.js'
import { prefixEnd } from '../../app/kv.js'
import { fail } from '../../base/errors.js'
import { utf8 } from '../../base/bytes.js'
import { nextSequence } from './keeper.js'
import { BRIDGE_KEY, CLIENT_ID_PATTERN, MODULE } from './types.js'

/** In-flight sequences listed in the answer (the count is always exact). */
export const MAX_LISTED = 256

function sequencesUnder(kv: KVReader, prefix: string): { count: number; lowest: bigint[] } {
  const p = utf8(prefix)
  const lowest: bigint[] = []
  let count = 0
  for (const [k] of moduleReader(kv, MODULE).iterate({ gte: p, lt: prefixEnd(p) })) {
    count++
    const s = String.fromCharCode(...k.subarray(p.length))
    if (!/^[0-9]{1,20}$/.test(s)) continue
    lowest.push(BigInt(s))
    if (lowest.length > 2 * MAX_LISTED) {
      lowest.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
      lowest.length = MAX_LISTED
    }
  }
  lowest.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  if (lowest.length > MAX_LISTED) lowest.length = MAX_LISTED
  return { count, lowest }
}

function countUnder(kv: KVReader, prefix: string): number {
  const p = utf8(prefix)
  let count = 0
  for (const _ of moduleReader(kv, MODULE).iterate({ gte: p, lt: prefixEnd(p) })) count++
  return count
}

export function channelProgressQuery(ctx: QueryContext, p: QueryParams): Record<string, unknown> {
  const client = p.client_id
  if (typeof client !== 'string' || !CLIENT_ID_PATTERN.test(client)) fail('invalid_request', 'client_id is required')
  const next = nextSequence(ctx.kv, client)
  const flight = sequencesUnder(ctx.kv, `${BRIDGE_KEY.commitment}${client}/`)
  return {
    client_id: client,
    next_sequence: next.toString(),
    sent: (next - 1n).toString(),
    in_flight: flight.count,
    in_flight_sequences: flight.lowest.map(String),
    oldest_in_flight: flight.lowest[0]?.toString() ?? null,
    received: countUnder(ctx.kv, `${BRIDGE_KEY.receipt}${client}/`),
  }
}
