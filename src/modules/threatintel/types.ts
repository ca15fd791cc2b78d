/**
 * The threatintel module's names: its state keys, message types and event names, the bridge app
 * it serves, typed builders of its messages for clients, and what it needs of the bridge.
 *
 * Keys (under "threatintel/"):
 *   peer|<client>                         -> 0x01   bridge clients whose indicators this city accepts
 *   i|<kind>:<value>                      -> Entry (CBOR)
 *   s|<kind>:<value>|<client>|<alert hex> -> Provenance (CBOR), one per (source channel, alert)
 *   o|<client>|<seq, 20 digits>           -> Share (CBOR): what this city sent, and the peer's answer
 */
import type { KVReader } from '../../app/kv.js'
import type { ExecContext } from '../../app/module.js'
import type { Msg } from '../../app/tx.js'
import type { CborValue } from '../../codec/cbor.js'
import type { Packet } from '../bridge/types.js'
import type { IndicatorKind } from '../siem/indicators.js'

export const MODULE = 'threatintel'
/** The payload `app` of its bridge packets. */
export const THREATINTEL_APP = 'threatintel'

/** Key prefixes under "threatintel/". */
export const THREATINTEL_KEY = { peer: 'peer|', entry: 'i|', provenance: 's|', share: 'o|' } as const

export const THREATINTEL_MSG = { share: 'threatintel/share', acceptPeer: 'threatintel/accept-peer', delist: 'threatintel/delist' } as const

export const THREATINTEL_EVENT = {
  peer: 'threatintel.peer',
  listed: 'threatintel.listed',
  delisted: 'threatintel.delisted',
  shared: 'threatintel.shared',
  received: 'threatintel.received',
  shareResult: 'threatintel.share_result',
} as const

/**
 * What threatintel needs of the bridge, given by the composition (src/chain/): the chain at the
 * other end of a client, and sending a packet of this app through one.
 */
export interface BridgeChannels {
  /** The chain id the client `client` tracks; refused (not_found) if there is no such client. */
  counterpartyChain(kv: KVReader, client: string): string
  /** Sends `data` as a packet of `app` through the active client `client`. */
  sendPacket(ctx: ExecContext, client: string, app: string, data: Record<string, CborValue>, timeoutHeight: bigint, timeoutTime: bigint): Packet
}

export const threatIntelMsgs = {
  /**
   * Security staff share indicators of a confirmed alert of this chain over `clientId`. `entries`:
   * the log entries of the alert's evidence events that show the IPs and file hashes shared; `ttl`:
   * blocks of the destination.
   */
  share(p: {
    clientId: string; alert: Uint8Array; indicators: Array<{ kind: IndicatorKind; value: string }>; entries?: Uint8Array[]; ttl?: bigint
    timeoutHeight?: bigint; timeoutTime?: bigint
  }): Msg {
    const value: Msg['value'] = { client_id: p.clientId, alert: p.alert, indicators: p.indicators.map((i) => ({ kind: i.kind, value: i.value })) }
    if (p.entries !== undefined) value.entries = p.entries
    if (p.timeoutHeight !== undefined) value.timeout_height = p.timeoutHeight
    if (p.timeoutTime !== undefined) value.timeout_time = p.timeoutTime
    if (p.ttl !== undefined) value.ttl = p.ttl
    return { type: THREATINTEL_MSG.share, value }
  },
  /** The authority accepts (or stops accepting) indicators arriving over one of its clients. */
  acceptPeer(p: { clientId: string; accept: boolean }): Msg {
    return { type: THREATINTEL_MSG.acceptPeer, value: { client_id: p.clientId, accept: p.accept } }
  },
  delist(p: { kind: IndicatorKind; value: string; reason: string }): Msg {
    return { type: THREATINTEL_MSG.delist, value: { kind: p.kind, value: p.value, reason: p.reason } }
  },
}
