/**
 * Pinned genesis documents: the trust anchor of every check the console makes. A genesis is pinned
 * per chain in this browser, either from a file the user imports (got out of band: the strong
 * anchor) or, until then, from the node at first contact (trust on first use, shown as such).
 *
 * A solo city's genesis (Polis' own) pins its one validator and header hash (sdk/proof.ts); a
 * CometBFT city's genesis (CometBFT's genesis.json, Polis' genesis in its app_state) pins its
 * validator set, parsed by the SDK's light-client code (lightclient/json.ts, hash.ts).
 */
import { trustGenesis, type TrustedChain } from '../../src/sdk/proof.ts'
import { parseValidatorSet } from '../../src/lightclient/json.ts'
import { validatorSetHash } from '../../src/lightclient/hash.ts'
import { totalPower } from '../../src/lightclient/verifier.ts'
import type { ValidatorSet } from '../../src/lightclient/types.ts'
import type { City } from './cities.ts'

export interface Pin { chainId: string; genesis: unknown; source: 'file' | 'first use'; pinnedAt: number }

/** What a CometBFT light client takes from a genesis it trusts: the chain and its validator set. */
export interface CometTrust { chainId: string; initialHeight: bigint; validators: ValidatorSet; validatorsHash: Uint8Array; totalPower: bigint }

export type Trust = { engine: 'solo'; chainId: string; solo: TrustedChain } | { engine: 'cometbft'; chainId: string; comet: CometTrust }

const keyOf = (chainId: string) => `polis.genesis.${chainId}`

/** CometBFT's genesis.json: consensus parameters and validators with typed public keys. */
const isCometGenesis = (g: unknown): g is { chain_id: unknown; initial_height?: unknown; validators: unknown[] } => {
  const x = g as { consensus_params?: unknown; validators?: Array<{ pub_key?: unknown }> } | null
  return !!x && typeof x === 'object' && x.consensus_params !== undefined && Array.isArray(x.validators) && typeof x.validators[0]?.pub_key === 'object'
}

/** Reads the trust anchor from a genesis document of either engine; throws with the reason if it is not one. */
export function trustOf(genesis: unknown): Trust {
  if (isCometGenesis(genesis)) {
    if (typeof genesis.chain_id !== 'string' || !genesis.chain_id) throw new Error('the CometBFT genesis has no chain_id')
    const validators = parseValidatorSet({ validators: genesis.validators })
    if (!validators.validators.length) throw new Error('the CometBFT genesis has no validators')
    const initial = String(genesis.initial_height ?? '1')
    if (!/^[0-9]{1,19}$/.test(initial)) throw new Error('the CometBFT genesis has a malformed initial_height')
    const initialHeight = BigInt(initial) || 1n
    return { engine: 'cometbft', chainId: genesis.chain_id, comet: { chainId: genesis.chain_id, initialHeight, validators, validatorsHash: validatorSetHash(validators), totalPower: totalPower(validators) } }
  }
  const solo = trustGenesis(genesis)
  return { engine: 'solo', chainId: solo.chainId, solo }
}

export function pinned(chainId: string): Pin | undefined {
  const raw = localStorage.getItem(keyOf(chainId))
  if (!raw) return undefined
  try {
    return JSON.parse(raw) as Pin
  } catch {
    return undefined
  }
}

/** Pins a genesis document (checked as a light client reads one); throws with the reason if it is not one. */
export function pin(genesis: unknown, source: Pin['source']): Pin {
  const t = trustOf(genesis)
  const p: Pin = { chainId: t.chainId, genesis, source, pinnedAt: Date.now() }
  localStorage.setItem(keyOf(t.chainId), JSON.stringify(p))
  return p
}

export function unpin(chainId: string): void {
  localStorage.removeItem(keyOf(chainId))
}

/** The trust anchor for a city: its pinned genesis, pinning the node's on first use. */
export async function trustFor(city: City): Promise<{ trust: Trust; pin: Pin }> {
  const chainId = city.status?.chain_id ?? (await city.client.status()).chain_id
  let p = pinned(chainId)
  if (!p) p = pin(await city.client.genesis(), 'first use')
  return { trust: trustOf(p.genesis), pin: p }
}
