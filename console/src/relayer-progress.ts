/**
 * The relayer's progress, read from the two chains' state (bridge queries only): per direction of
 * a channel, the packets sent (the source's next sequence), and where the latest of them are —
 * received on the destination (its receipt), acknowledged (commitment cleared after a receipt),
 * timed out (commitment cleared without one), or still in flight; and for each light client, the
 * height it has verified of its counterparty against the counterparty's own height.
 */
import type { City } from './cities.ts'
import { clientOf, packetState } from './bridge-info.ts'

/** Packets looked at per direction (2 queries each), the latest ones. */
export const WINDOW = 32

export interface DirectionProgress {
  from: City
  to: City
  srcClient: string
  dstClient: string
  sent: bigint
  /** of the latest `looked` packets */
  looked: number
  received: number
  acknowledged: number
  timedOut: number
  inFlight: number
  /** received on the destination, acknowledgement not yet relayed back */
  awaitingAck: number
  oldestInFlight?: bigint
}

export async function directionProgress(from: City, to: City): Promise<DirectionProgress | undefined> {
  const [srcClient, dstClient] = await Promise.all([clientOf(from, to), clientOf(to, from)])
  if (!srcClient || !dstClient) return undefined
  const sent = BigInt((await packetState(from, srcClient, 1n)).next_sequence) - 1n
  const seqs: bigint[] = []
  for (let s = sent; s >= 1n && seqs.length < WINDOW; s--) seqs.push(s)
  const states = await Promise.all(seqs.map(async (seq) => {
    const [src, dst] = await Promise.all([packetState(from, srcClient, seq), packetState(to, dstClient, seq)])
    return { seq, committed: src.commitment !== null, received: dst.receipt }
  }))
  const p: DirectionProgress = { from, to, srcClient, dstClient, sent, looked: seqs.length, received: 0, acknowledged: 0, timedOut: 0, inFlight: 0, awaitingAck: 0 }
  for (const s of states) {
    if (s.received) p.received++
    if (!s.committed && s.received) p.acknowledged++
    else if (!s.committed) p.timedOut++
    else if (s.received) p.awaitingAck++
    else {
      p.inFlight++
      if (p.oldestInFlight === undefined || s.seq < p.oldestInFlight) p.oldestInFlight = s.seq
    }
  }
  return p
}
