/**
 * Light clients of counterparty chains, kept in this chain's state: one interface
 * (LightClientType: verifyHeader, stateRootHeight; common status, recording, freezing) and two
 * types, solo (client-solo.ts) and cometbft (client-cometbft.ts). Storage and common rules:
 * client-state.ts; recovery: client-recovery.ts; pruning: client-pruning.ts. See docs/BRIDGE.md.
 */
import type { KVReader } from '../../app/kv.js'
import { toHex } from '../../base/bytes.js'
import { getConsensusState, type ClientState, type ConsensusState } from './client-state.js'
import { soloClientType } from './client-solo.js'
import { cometClientType } from './client-cometbft.js'

export * from './client-state.js'
export * from './client-solo.js'
export * from './client-cometbft.js'
export * from './client-recovery.js'
export * from './client-pruning.js'

export const clientTypes = { solo: soloClientType, cometbft: cometClientType } as const

/**
 * The consensus state whose app hash is the root of the counterparty's state after block `h` (the
 * height a store proof was queried at): header h for a solo client, header h+1 for a cometbft one.
 */
export function stateRootAt(kv: KVReader, c: ClientState, h: bigint): ConsensusState | undefined {
  return getConsensusState(kv, c.clientId, clientTypes[c.type].stateRootHeight(h))
}

/** A client as queries show it. */
export function clientJson(c: ClientState): Record<string, unknown> {
  const common = {
    client_id: c.clientId, type: c.type, chain_id: c.chainId, counterparty_client: c.counterpartyClient, latest_height: c.latestHeight.toString(),
    frozen_height: c.frozenHeight?.toString() ?? null, trusting_period: c.trustingPeriod.toString(), max_clock_drift: c.maxClockDrift.toString(),
  }
  if (c.type === 'solo') return { ...common, validator: toHex(c.validator), hash_alg: c.hash.name }
  return { ...common, trust_level: `${c.trustLevel.numerator}/${c.trustLevel.denominator}` }
}
