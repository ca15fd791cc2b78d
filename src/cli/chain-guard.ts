/**
 * The CLI's guard against talking to the wrong chain: before the first request of a client whose
 * node address came from a home, the node's genesis (chain id and genesis hash) must be the home's.
 * Otherwise another chain answering on the home's port would be read and signed for silently.
 */
import { readFileSync } from 'node:fs'
import { PolisError } from '../base/errors.js'
import { toHex, utf8 } from '../base/bytes.js'
import { sha256 } from '../crypto/hash.js'
import { canonicalJson } from '../codec/json.js'
import { genesisHash, parseGenesis, type Genesis } from '../app/genesis.js'

/**
 * What identifies a chain: its chain id and the hash of its genesis document. A CometBFT node serves
 * CometBFT's genesis (another form, made from the home's): there the hash of its app state stands in.
 */
interface ChainId { chainId: string; hash: string; of: 'genesis' | 'app state' }

function idOf(doc: unknown, of: ChainId['of']): ChainId | undefined {
  if (typeof doc !== 'object' || doc === null || typeof (doc as Genesis).chain_id !== 'string') return undefined
  const g = doc as Genesis
  return { chainId: g.chain_id, of, hash: toHex(of === 'genesis' ? genesisHash(g) : sha256(utf8(canonicalJson(g.app_state ?? null)))) }
}

function isPolisGenesis(doc: unknown): boolean {
  try {
    parseGenesis(doc)
    return true
  } catch {
    return false
  }
}

/** A fetch that first checks, once, that the node at `url` serves the genesis in `genesisFile` (home). */
export function chainCheckedFetch(url: string, homeDir: string, genesisFile: string, base: typeof fetch = (i, o) => fetch(i, o)): typeof fetch {
  let checked: Promise<void> | undefined
  const check = async () => {
    let home: unknown
    try {
      home = JSON.parse(readFileSync(genesisFile, 'utf8'))
    } catch {
      return // a home without a readable genesis: nothing to compare with (the node itself would refuse it)
    }
    let res: Response
    try {
      res = await base(`${url.replace(/\/+$/, '')}/v1/genesis`, { signal: AbortSignal.timeout(15_000) })
    } catch {
      return // no node answers: the request itself reports that
    }
    if (!res.ok) return
    const served: unknown = await res.json().catch(() => undefined)
    const of = isPolisGenesis(served) ? 'genesis' : 'app state'
    const mine = idOf(home, of)
    const theirs = idOf(served, of)
    if (!mine || !theirs) return
    if (theirs.chainId !== mine.chainId || theirs.hash !== mine.hash) {
      throw new PolisError('wrong_chain_id',
        `the node at ${url} runs chain "${theirs.chainId}" (${of} ${theirs.hash.slice(0, 16)}…), but home ${homeDir} is chain "${mine.chainId}" (${of} ${mine.hash.slice(0, 16)}…): ` +
        `is the home's node running? Start it, or give the right --node / --home`)
    }
  }
  return async (input, init) => {
    await (checked ??= check())
    return base(input, init)
  }
}
