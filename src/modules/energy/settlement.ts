/**
 * Settlement of a cleared slot: pure, integer-only.
 *
 * The slot's pot is what the buyers owe at the clearing price, Σ ceil(matched_b · P / 1000), kept
 * in escrow since clearing. Delivery is confirmed per seller meter by its exported energy in the
 * delivery slot: delivered_m = min(matched_m, exported_m) (no reading = nothing delivered).
 * Each seller is paid floor(delivered_m · P / 1000). The rest of the pot R goes back to the buyers
 * pro rata to their matched energy: floor(R · matched_b / Q), and the remainder of that division
 * (fewer units than there are buyers) one unit each to the buyers in ascending order id.
 * So payouts + refunds = pot exactly, and Σ payouts ≤ floor(D·P/1000) ≤ floor(Q·P/1000) ≤ pot.
 */
import { costFloor } from './auction.js'

export interface SettleSeller { key: string; matchedWh: bigint; exportedWh: bigint }
export interface SettleBuyer { id: bigint; matchedWh: bigint }

export interface SettlementResult {
  deliveredWh: bigint
  /** Per seller key (meter): delivered Wh and tokens paid. */
  sellers: Map<string, { deliveredWh: bigint; paid: bigint }>
  /** Per buyer order id: tokens refunded and energy allocated (floor(D · matched_b / Q)). */
  buyers: Map<bigint, { refund: bigint; allocatedWh: bigint }>
  paid: bigint
  refunded: bigint
}

export function settleSlot(price: bigint, pot: bigint, sellers: readonly SettleSeller[], buyers: readonly SettleBuyer[]): SettlementResult {
  let matched = 0n
  for (const b of buyers) matched += b.matchedWh
  const out: SettlementResult = { deliveredWh: 0n, sellers: new Map(), buyers: new Map(), paid: 0n, refunded: 0n }
  for (const s of sellers) {
    const delivered = s.exportedWh < s.matchedWh ? s.exportedWh : s.matchedWh
    const paid = costFloor(delivered, price)
    out.sellers.set(s.key, { deliveredWh: delivered, paid })
    out.deliveredWh += delivered
    out.paid += paid
  }
  if (out.paid > pot) throw new Error(`settlement: payouts ${out.paid} exceed the pot ${pot}`) // impossible by the bound above
  const rest = pot - out.paid
  const ordered = [...buyers].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  let given = 0n
  for (const b of ordered) {
    const refund = matched === 0n ? 0n : (rest * b.matchedWh) / matched
    const allocatedWh = matched === 0n ? 0n : (out.deliveredWh * b.matchedWh) / matched
    out.buyers.set(b.id, { refund, allocatedWh })
    given += refund
  }
  let remainder = rest - given
  for (const b of ordered) {
    if (remainder === 0n) break
    out.buyers.get(b.id)!.refund += 1n
    remainder--
  }
  if (remainder !== 0n) throw new Error('settlement: refund remainder left over') // impossible: remainder < buyers
  out.refunded = rest
  return out
}
