/** Transaction results and block events as the App records them (canonical CBOR), and a transaction's status. */
import { decodeCanonical, encodeCanonical } from '../codec/cbor.js'
import type { AppEvent, TxResult } from './types.js'

export interface StoredTxResult extends TxResult { height: bigint; index: number; hash: Uint8Array }

/** Where a submitted transaction stands, as an engine answers it. */
export type TxStatus =
  | { status: 'committed'; result: StoredTxResult }
  | { status: 'pending' }
  | { status: 'unknown' }

type EventTuple = [string, Array<[string, string]>]

const evIn = (e: AppEvent): EventTuple => [e.type, e.attributes.map((a) => [a.key, a.value] as [string, string])]
const evOut = (t: EventTuple): AppEvent => ({ type: t[0], attributes: t[1].map(([key, value]) => ({ key, value })) })

// A block's results are encoded twice (the engine's results hash, then the App's commit batch):
// remember each result object's encoding. Results are not modified once recorded.
const encoded = new WeakMap<StoredTxResult, Uint8Array>()

export function encodeTxResult(r: StoredTxResult): Uint8Array {
  let b = encoded.get(r)
  if (!b) encoded.set(r, (b = encodeCanonical([r.height, r.index, r.hash, r.code, r.log, r.events.map(evIn)])))
  return b
}

export function decodeTxResult(b: Uint8Array): StoredTxResult {
  const [height, index, hash, code, log, events] = decodeCanonical(b, 'invalid_state') as [bigint | number, number, Uint8Array, number, string, EventTuple[]]
  return { height: BigInt(height), index, hash, code, log, events: events.map(evOut) }
}

export function encodeBlockEvents(events: AppEvent[]): Uint8Array {
  return encodeCanonical(events.map(evIn))
}

export function decodeBlockEvents(b: Uint8Array): AppEvent[] {
  return (decodeCanonical(b, 'invalid_state') as EventTuple[]).map(evOut)
}
