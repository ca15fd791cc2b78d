/**
 * Pruning of consensus states older than their client's trusting period, at the end of every
 * block: clients in id order, each client's states oldest first, at most PRUNE_PER_BLOCK deletions
 * per block in all (a backlog drains over the following blocks). The latest consensus state of a
 * client is never pruned (an expired client keeps it, for recovery and queries). Deterministic:
 * only state and the block time are read.
 */
import type { ExecContext } from '../../../app/module.js'
import { BRIDGE_EVENT } from '../types.js'
import { consensusHeights, deleteConsensusState, getConsensusState, listClients } from './state.js'

export const PRUNE_PER_BLOCK = 32

export function pruneConsensusStates(ctx: ExecContext, budget = PRUNE_PER_BLOCK): number {
  let pruned = 0
  for (const c of listClients(ctx.kv)) {
    if (pruned >= budget) break
    for (const h of consensusHeights(ctx.kv, c.clientId, budget - pruned + 1)) {
      if (pruned >= budget || h >= c.latestHeight) break
      const cs = getConsensusState(ctx.kv, c.clientId, h)!
      if (cs.time + c.trustingPeriod > ctx.time) break // later states are newer
      deleteConsensusState(ctx.kv, c.clientId, h)
      pruned++
    }
  }
  if (pruned > 0) ctx.emit(BRIDGE_EVENT.prunedConsensusStates, { count: String(pruned) })
  return pruned
}
