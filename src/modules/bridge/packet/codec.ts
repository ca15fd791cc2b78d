/**
 * The bytes of a packet's parts, as both ends and the relayer compute them: the commitment a
 * sender stores, the payload `{app, data}`, the ack and its commitment (all canonical CBOR).
 */
import { decodeCanonical, encodeCanonical, type CborValue } from '../../../codec/cbor.js'
import { fail } from '../../../base/errors.js'
import { sha256 } from '../../../crypto/hash.js'
import { concatBytes } from '../../../base/bytes.js'
import { u64be } from '../../../codec/be.js'
import type { Ack, Packet } from '../types.js'

/** sha256(timeout_height u64be ‖ timeout_time u64be ‖ sha256(payload)) */
export function packetCommitment(p: Pick<Packet, 'timeoutHeight' | 'timeoutTime' | 'payload'>): Uint8Array {
  return sha256(concatBytes(u64be(p.timeoutHeight), u64be(p.timeoutTime), sha256(p.payload)))
}

export function encodeAck(a: Ack): Uint8Array {
  return encodeCanonical(a as never)
}
export function decodeAck(b: Uint8Array): Ack {
  const m = decodeCanonical(b, 'invalid_message') as Record<string, unknown>
  const keys = Object.keys(m)
  if (keys.length === 1 && m.ok === true) return { ok: true }
  if (keys.length === 1 && typeof m.error === 'string') return { error: m.error }
  fail('invalid_message', 'ack must be {ok: true} or {error: string}')
}
export const ackCommitment = (ack: Uint8Array) => sha256(ack)

export function encodePayload(app: string, data: Record<string, CborValue>): Uint8Array {
  return encodeCanonical({ app, data })
}
export function decodePayload(b: Uint8Array): { app: string; data: Record<string, CborValue> } {
  const m = decodeCanonical(b, 'invalid_message') as Record<string, unknown>
  if (typeof m.app !== 'string' || typeof m.data !== 'object' || m.data === null || Array.isArray(m.data) || Object.keys(m).length !== 2) {
    fail('invalid_message', 'packet payload must be {app, data}')
  }
  return m as { app: string; data: Record<string, CborValue> }
}
