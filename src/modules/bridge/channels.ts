/**
 * The bridge as other modules' apps reach it: the composition gives this to them (it fits, for
 * instance, threatintel's BridgeChannels), so that they import no bridge code.
 */
import type { KVReader } from '../../app/kv.js'
import type { ExecContext } from '../../app/module.js'
import type { CborValue } from '../../codec/cbor.js'
import { requireClient } from './client/state.js'
import { encodePayload } from './packet/codec.js'
import { sendPacket } from './packet/lifecycle.js'
import type { Packet } from './types.js'

export const bridgeChannels = {
  /** The chain id the client `client` tracks; refused (not_found) if there is no such client. */
  counterpartyChain: (kv: KVReader, client: string): string => requireClient(kv, client).chainId,
  /** Sends `data` as a packet of `app` through the active client `client`. */
  sendPacket: (ctx: ExecContext, client: string, app: string, data: Record<string, CborValue>, timeoutHeight: bigint, timeoutTime: bigint): Packet =>
    sendPacket(ctx, client, encodePayload(app, data), timeoutHeight, timeoutTime),
}
