/**
 * Uniform-price double auction for one trading slot: pure, integer-only, O(n log n).
 *
 * Priority (the documented tie-breaking): bids by price descending, offers by price ascending;
 * at equal price the lower sequence number (order id, assigned in execution order, so earlier
 * orders first) wins. Orders are matched greedily down both books while the bid price is at
 * least the offer price; the marginal orders may be partly filled. Every fill trades at one
 * price: the floor of the midpoint of the last matched bid and the last matched offer, which
 * lies between them, so no buyer pays above its limit and no seller receives below its ask.
 */

export interface BookOrder {
  id: bigint
  /** Token units per kWh (a bid's limit, an offer's ask). */
  price: bigint
  /** Integer Wh. */
  energyWh: bigint
}

export interface AuctionResult {
  /** The uniform clearing price (token units per kWh); null when nothing trades. */
  price: bigint | null
  /** Energy matched, Wh (the same on both sides). */
  volumeWh: bigint
  /** Matched Wh per order id; orders that did not trade are absent. */
  fills: Map<bigint, bigint>
}

const byId = (a: BookOrder, b: BookOrder) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)

export function clearAuction(bids: readonly BookOrder[], offers: readonly BookOrder[]): AuctionResult {
  const b = [...bids].sort((x, y) => (x.price > y.price ? -1 : x.price < y.price ? 1 : byId(x, y)))
  const o = [...offers].sort((x, y) => (x.price < y.price ? -1 : x.price > y.price ? 1 : byId(x, y)))
  const fills = new Map<bigint, bigint>()
  let i = 0
  let j = 0
  let remBid = b[0]?.energyWh ?? 0n
  let remOffer = o[0]?.energyWh ?? 0n
  let volume = 0n
  let lastBid = 0n
  let lastOffer = 0n
  while (i < b.length && j < o.length && b[i]!.price >= o[j]!.price) {
    const q = remBid < remOffer ? remBid : remOffer
    const bid = b[i]!
    const offer = o[j]!
    fills.set(bid.id, (fills.get(bid.id) ?? 0n) + q)
    fills.set(offer.id, (fills.get(offer.id) ?? 0n) + q)
    volume += q
    lastBid = bid.price
    lastOffer = offer.price
    remBid -= q
    remOffer -= q
    if (remBid === 0n && ++i < b.length) remBid = b[i]!.energyWh
    if (remOffer === 0n && ++j < o.length) remOffer = o[j]!.energyWh
  }
  return { price: volume === 0n ? null : (lastBid + lastOffer) / 2n, volumeWh: volume, fills }
}

/** Tokens for `wh` Wh at `pricePerKWh`, rounded up (what a buyer escrows or owes). */
export const costCeil = (wh: bigint, pricePerKWh: bigint) => (wh * pricePerKWh + 999n) / 1000n
/** Tokens for `wh` Wh at `pricePerKWh`, rounded down (what a seller is paid). */
export const costFloor = (wh: bigint, pricePerKWh: bigint) => (wh * pricePerKWh) / 1000n
