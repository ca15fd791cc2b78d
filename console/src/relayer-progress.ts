/**
 * The relayer's progress, exact over every packet, read from the two chains' state with the bridge's
 * aggregate query (`bridge/channel`, src/modules/bridge/channel-progress.ts): per direction of a
 * channel, the packets sent (the source's next sequence − 1), received on the destination (its
 * receipts), and of those the source still holds a commitment for (in flight), which the destination
 * already received (acknowledgement not yet relayed back) — asked per packet, in flight only; the
 * rest are settled: acknowledged if received, timed out if not. For each light client, the height
 * it has verified of its counterparty against the counterparty's own height (network page).
 */
import type { City } from './cities.ts'
import { clientOf, packetState } from './bridge-info.ts'

/** `GET /v1/query/bridge/channel?client_id=…`: one end of a channel. */
export interface ChannelEnd { client_id: string; next_sequence: string; sent: string; in_flight: number; in_flight_sequences: string[]; oldest_in_flight: string | null; received: number }

export const channelEnd = (city: City, client: string): Promise<ChannelEnd> => city.client.query<ChannelEnd>('bridge', 'channel', { client_id: client })

export interface DirectionProgress {
  from: City
  to: City
  srcClient: string
  dstClient: string
  sent: bigint
  received: bigint
  acknowledged: bigint
  timedOut: bigint
  /** sent and not received yet */
  inFlight: bigint
  /** received on the destination, acknowledgement not yet relayed back */
  awaitingAck: bigint
  oldestInFlight?: bigint
  /** false when more packets are in flight than the query lists: awaiting ack then counts the listed (lowest) ones only */
  exact: boolean
}

export async function directionProgress(from: City, to: City): Promise<DirectionProgress | undefined> {
  const [srcClient, dstClient] = await Promise.all([clientOf(from, to), clientOf(to, from)])
  if (!srcClient || !dstClient) return undefined
  const [src, dst] = await Promise.all([channelEnd(from, srcClient), channelEnd(to, dstClient)])
  // of the packets still committed at the source, those the destination already received
  const receipts = await Promise.all(src.in_flight_sequences.map(async (s) => (await packetState(to, dstClient, BigInt(s))).receipt))
  const awaitingAck = BigInt(receipts.filter(Boolean).length)
  const sent = BigInt(src.sent)
  const received = BigInt(dst.received)
  const committed = BigInt(src.in_flight)
  const acknowledged = received - awaitingAck
  const notReceived = src.in_flight_sequences.filter((_, i) => !receipts[i]).map(BigInt)
  return {
    from, to, srcClient, dstClient, sent, received, acknowledged, awaitingAck,
    inFlight: committed - awaitingAck,
    timedOut: sent - committed - acknowledged,
    oldestInFlight: notReceived[0],
    exact: src.in_flight === src.in_flight_sequences.length,
  }
}
