/**
 * Pinned genesis documents: the trust anchor of every check the console makes. A genesis is pinned
 * per chain in this browser, either from a file the user imports (got out of band: the strong
 * anchor) or, until then, from the node at first contact (trust on first use, shown as such).
 */
import { trustGenesis, type TrustedChain } from '../../src/sdk/proof.ts'
import type { City } from './cities.ts'

export interface Pin { chainId: string; genesis: unknown; source: 'file' | 'first use'; pinnedAt: number }

const keyOf = (chainId: string) => `polis.genesis.${chainId}`

export function pinned(chainId: string): Pin | undefined {
  const raw = localStorage.getItem(keyOf(chainId))
  if (!raw) return undefined
  try {
    return JSON.parse(raw) as Pin
  } catch {
    return undefined
  }
}

/** Pins a genesis document (checked as the node checks one); throws with the reason if it is not one. */
export function pin(genesis: unknown, source: Pin['source']): Pin {
  const t = trustGenesis(genesis)
  const p: Pin = { chainId: t.chainId, genesis, source, pinnedAt: Date.now() }
  localStorage.setItem(keyOf(t.chainId), JSON.stringify(p))
  return p
}

export function unpin(chainId: string): void {
  localStorage.removeItem(keyOf(chainId))
}

/** The trust anchor for a city: its pinned genesis, pinning the node's on first use. */
export async function trustFor(city: City): Promise<{ trust: TrustedChain; pin: Pin }> {
  const chainId = city.status?.chain_id ?? (await city.client.status()).chain_id
  let p = pinned(chainId)
  if (!p) p = pin(await city.client.genesis(), 'first use')
  return { trust: trustGenesis(p.genesis), pin: p }
}
