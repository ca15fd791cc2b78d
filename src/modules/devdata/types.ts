/**
 * The devdata module's names: its state keys, message types and event names, and typed builders
 * of its messages for devices.
 * Keys (under "devdata/"):
 *   m|to|from|seq(8) -> Record        n|from|to -> next sequence (8 bytes)
 */
import type { Msg } from '../../app/tx.js'
import type { KVReader } from '../../app/kv.js'

export const MODULE = 'devdata'

/** Key prefixes under "devdata/". */
export const DEVDATA_KEY = { record: 'm', nextSeq: 'n' } as const

export const DEVDATA_MSG = { post: 'devdata/post', ack: 'devdata/ack' } as const

export const DEVDATA_EVENT = { posted: 'devdata.posted', acknowledged: 'devdata.acknowledged' } as const

/**
 * The threat-intelligence blocklist as devdata reads it (the composition gives the threatintel
 * module's view): a listed device key neither posts nor receives data, nor acknowledges.
 */
export interface DeviceBlocklist {
  isDeviceListed(kv: KVReader, device: Uint8Array, height: bigint): boolean
}
export const NO_BLOCKLIST: DeviceBlocklist = { isDeviceListed: () => false }

export const devdataMsgs = {
  /** The sender anchors the QHF tag of a payload it sends `to` another device (the payload travels off chain). */
  post(p: { to: Uint8Array; seq: bigint; tag: Uint8Array; size: bigint; topic?: string }): Msg {
    const value: Msg['value'] = { to: p.to, seq: p.seq, tag: p.tag, size: p.size }
    if (p.topic !== undefined) value.topic = p.topic
    return { type: DEVDATA_MSG.post, value }
  },
  /** The receiver acknowledges record `seq` from `from`: whether the payload matched its tag. */
  ack(p: { from: Uint8Array; seq: bigint; ok: boolean }): Msg {
    return { type: DEVDATA_MSG.ack, value: { from: p.from, seq: p.seq, ok: p.ok } }
  },
}
