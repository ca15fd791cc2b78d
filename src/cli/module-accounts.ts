/**
 * Names for the module accounts that no key controls — the departments' treasuries, the energy
 * market's escrow, the bridge's escrow per counterparty — so that output shows "treasury of water"
 * instead of 64 bare hex digits. Each address comes from the module that owns it.
 */
import { toHex } from '../base/bytes.js'
import { DEPARTMENTS, treasuryAddress } from '../modules/bills/keeper.js'
import { ESCROW_ADDRESS } from '../modules/energy/keeper.js'
import { escrowAddress } from '../modules/bridge/apps/transfer.js'

/** address (hex) → label, for the bridge clients named `clientIds` (in a network home: the other cities). */
export function moduleAccountLabels(clientIds: readonly string[]): Map<string, string> {
  const labels = new Map<string, string>()
  for (const d of DEPARTMENTS) labels.set(toHex(treasuryAddress(d)), `treasury of ${d}`)
  labels.set(toHex(ESCROW_ADDRESS), 'energy market escrow')
  for (const c of clientIds) labels.set(toHex(escrowAddress(c)), `bridge escrow for ${c}`)
  return labels
}
