/**
 * A fresh node's genesis checked against its peers' before it joins. CometBFT itself refuses a peer
 * of another chain id at the p2p handshake, but only quietly (the node sits at height 0 with no
 * peers), and a genesis that differs in anything else under the same chain id (validators, state,
 * time) is only found blocks later as a header that does not verify. The App process of a node
 * that joins by state sync therefore asks the RPC servers it will sync from for their genesis and
 * refuses to start, with a typed error, on any difference (cometbft-process.ts).
 */
import { fail } from '../../base/errors.js'
import { canonicalJson } from '../../codec/json.js'
import { CometRpc } from './rpc.js'

export interface CometGenesisDoc {
  chain_id?: string
  genesis_time?: string
  initial_height?: string | number
  app_hash?: string
  validators?: Array<{ pub_key?: { value?: string }; power?: string | number }>
  app_state?: unknown
  consensus_params?: { version?: { app?: string | number } }
}

/** `statesync.rpc_servers` of a CometBFT config.toml when `statesync.enable` is true; [] otherwise. */
export function statesyncRpcServers(configToml: string): string[] {
  let section = ''
  let enabled = false
  let servers: string[] = []
  for (const line of configToml.split('\n')) {
    const sec = /^\s*\[(.+)\]\s*$/.exec(line)
    if (sec) {
      section = sec[1]!
      continue
    }
    if (section !== 'statesync') continue
    const kv = /^\s*([a-z_]+)\s*=\s*(.*?)\s*$/.exec(line)
    if (!kv) continue
    if (kv[1] === 'enable') enabled = kv[2] === 'true'
    if (kv[1] === 'rpc_servers') servers = kv[2]!.replace(/^"|"$/g, '').split(',').map((s) => s.trim()).filter(Boolean)
  }
  return enabled ? [...new Set(servers)] : []
}

/** Throws `wrong_chain_id` or `invalid_genesis`, naming what differs, if `theirs` is not the genesis of `mine`. */
export function compareGenesis(mine: CometGenesisDoc, theirs: CometGenesisDoc, peer: string): void {
  if (mine.chain_id !== theirs.chain_id) fail('wrong_chain_id', `this node's genesis is of chain "${mine.chain_id}", its peer ${peer} runs chain "${theirs.chain_id}"`)
  const vals = (g: CometGenesisDoc) => (g.validators ?? []).map((v) => `${v.pub_key?.value}:${String(v.power)}`).join(',')
  const fields: Array<[string, (g: CometGenesisDoc) => string]> = [
    ['genesis_time', (g) => String(Date.parse(g.genesis_time ?? ''))],
    ['initial_height', (g) => String(g.initial_height ?? '1')],
    ['validators', vals],
    ['app_hash', (g) => (g.app_hash ?? '').toLowerCase()],
    ['app_state', (g) => canonicalJson(g.app_state ?? {})],
    ['App version', (g) => String(g.consensus_params?.version?.app ?? '0')],
  ]
  const differ = fields.filter(([, f]) => f(mine) !== f(theirs)).map(([name]) => name)
  if (differ.length) fail('invalid_genesis', `this node's genesis of chain "${mine.chain_id}" differs from its peer ${peer}'s in ${differ.join(', ')}`)
}

/** A peer's genesis through its RPC (`genesis`, or `genesis_chunked` when it is too large for one answer). */
export async function fetchGenesis(url: string, timeoutMs = 10_000): Promise<CometGenesisDoc> {
  const rpc = new CometRpc(url, timeoutMs)
  try {
    return (await rpc.call<{ genesis: CometGenesisDoc }>('genesis')).genesis
  } catch (e) {
    if (!/genesis_chunked/.test((e as Error).message)) throw e
  }
  const parts: Buffer[] = []
  for (let i = 0, total = 1; i < total; i++) {
    const c = await rpc.call<{ total: string; data: string }>('genesis_chunked', { chunk: String(i) })
    total = Number(c.total)
    parts.push(Buffer.from(c.data, 'base64'))
  }
  return JSON.parse(Buffer.concat(parts).toString('utf8')) as CometGenesisDoc
}

/**
 * Compares `mine` with the genesis of every reachable peer RPC; throws on the first difference.
 * Returns the peers it could not reach (CometBFT's state sync will not use them either).
 */
export async function checkGenesisAgainstPeers(mine: CometGenesisDoc, urls: string[], timeoutMs = 10_000): Promise<{ checked: string[]; unreachable: string[] }> {
  const checked: string[] = []
  const unreachable: string[] = []
  for (const url of urls) {
    let theirs: CometGenesisDoc
    try {
      theirs = await fetchGenesis(url, timeoutMs)
    } catch {
      unreachable.push(url)
      continue
    }
    compareGenesis(mine, theirs, url)
    checked.push(url)
  }
  return { checked, unreachable }
}
