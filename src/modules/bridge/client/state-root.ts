/**
 * The two light-client types of counterparty chains, solo (solo.ts) and cometbft (cometbft.ts),
 * behind one interface (LightClientType in state.ts), and which of a client's consensus states
 * holds the root of the counterparty's state after a given block. See docs/BRIDGE.md.
 */
import type { KVReader } from '../../../app/kv.js'
import { getConsensusState, type ClientState, type ConsensusState } from './state.js'
import { soloClientType } from './solo.js'
import { cometClientType } from './cometbft.js'

export const clientTypes = { solo: soloClientType, cometbft: cometClientType } as const

/**
 * The consensus state whose app hash is the root of the counterparty's state after block `h` (the
 * height a store proof was queried at): header h for a solo client, header h+1 for a cometbft one.
 */
export function stateRootAt(kv: KVReader, c: ClientState, h: bigint): ConsensusState | undefined {
  return getConsensusState(kv, c.clientId, clientTypes[c.type].stateRootHeight(h))
}
