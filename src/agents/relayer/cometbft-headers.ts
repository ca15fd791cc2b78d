/**
 * What a relayer needs to keep a chain's cometbft client of a CometBFT city up to date and to prove
 * that city's state: light blocks from the city's RPC (src/lightclient/rpc-provider.ts), the
 * bisection path from the client's latest height to a target (each step verifiable on chain from
 * the one before, as CometBFT's skipping verification), and ICS-23 store proofs from abci_query.
 *
 * Heights: a proof of the state after block h is checked by the client against header h+1, so to
 * prove state at h the client must hold header h+1.
 */
import type { Msg } from '../../app/tx.js'
import { CometRpc } from '../../engine/cometbft/rpc.js'
import type { HeaderResponse } from '../../sdk/types.js'
import { timeToNs } from '../../lightclient/types.js'
import { parseSignedHeader } from '../../lightclient/json.js'
import { rpcProvider } from '../../lightclient/rpc-provider.js'
import { LightClient, wallClockNs, type LightBlockProvider } from '../../lightclient/light-client.js'
import { bridge } from '../../sdk/bridge.js'
import { toHex } from '../../base/bytes.js'
import type { Fraction, LightBlock } from '../../lightclient/types.js'

const NS_PER_MS = 1_000_000n

/** bridge/create-cometbft-client from the city's light block at `height` (latest when absent): the authority's trust anchor. */
export async function createCometClientMsg(
  provider: LightBlockProvider,
  p: { clientId: string; counterpartyClient: string; height?: bigint; trustLevel?: Fraction; trustingPeriodMs?: bigint; maxClockDriftMs?: bigint },
): Promise<{ msg: Msg; lightBlock: LightBlock }> {
  const anchor = await provider.lightBlock(p.height)
  return { msg: bridge.createCometClient({ ...p, anchor }), lightBlock: anchor }
}

/**
 * The update messages that bring a client whose latest height is `trustedHeight` to `target`
 * (latest when absent): the bisection path, verified here first (a lying RPC is caught before
 * anything is submitted; the chain verifies each step again). `nowMs`: the relayer's clock.
 */
export async function cometUpdatePath(
  provider: LightBlockProvider, clientId: string, trustedHeight: bigint,
  opts: { target?: bigint; trustingPeriodMs: bigint; trustLevel?: Fraction; nowMs?: () => bigint },
): Promise<{ msgs: Msg[]; target: LightBlock }> {
  const trusted = await provider.lightBlock(trustedHeight)
  const lc = LightClient.fromTrustedBlock(provider, trusted, {
    chainId: trusted.signedHeader.header.chainId, trustingPeriodNs: opts.trustingPeriodMs * NS_PER_MS, trustLevel: opts.trustLevel,
    now: opts.nowMs ? () => opts.nowMs!() * NS_PER_MS : wallClockNs,
  })
  const target = await lc.verifyTo(opts.target)
  const msgs: Msg[] = []
  let from = trusted
  for (const lb of lc.lastPath) {
    msgs.push(bridge.updateCometClient(clientId, from, lb))
    from = lb
  }
  return { msgs, target }
}

/** A store proof of the city's state after block `height` (ICS-23 CommitmentProof bytes) and the value, if any. */
export async function cometStoreProof(rpc: CometRpc, key: Uint8Array, height: bigint): Promise<{ proof: Uint8Array; value?: Uint8Array }> {
  const r = (await rpc.abciQuery('store', key, height, true)).response
  if (r.code && r.code !== 0) throw new Error(`store query at ${height}: ${r.log}`)
  if (BigInt(r.height) !== height) throw new Error(`store query answered at height ${r.height}, not ${height}`)
  const op = r.proofOps?.ops?.[0]
  if (!op || op.type !== 'ics23:iavl') throw new Error(`store query at ${height} returned no ICS-23 proof`)
  const value = r.value ? new Uint8Array(Buffer.from(r.value, 'base64')) : undefined
  return { proof: new Uint8Array(Buffer.from(op.data, 'base64')), value: value && value.length ? value : undefined }
}

/**
 * A CometBFT city as the relayer's header source: headers in the relayer's shape (height, hash,
 * `header.time` in ms as a Polis header has it), and, for a chain's cometbft client of this city,
 * the update path to a header and the height to prove at with it (one below: the app-hash offset).
 */
export class CometHeaderSource {
  readonly rpc: CometRpc
  readonly provider: LightBlockProvider

  constructor(rpc: string | CometRpc) {
    this.rpc = typeof rpc === 'string' ? new CometRpc(rpc) : rpc
    this.provider = rpcProvider(this.rpc)
  }

  /** The header at `height` (latest when absent). */
  async header(height?: bigint): Promise<HeaderResponse> {
    const c = await this.rpc.commit(height)
    const sh = parseSignedHeader(c.signed_header)
    const h = sh.header
    return {
      height: h.height.toString(), hash: toHex(sh.commit.blockId.hash),
      header: { chain_id: h.chainId, height: h.height.toString(), time: (timeToNs(h.time) / NS_PER_MS).toString(), app_hash: toHex(h.appHash) },
      header_cbor: '', signature: '',
    }
  }

  /**
   * For a client whose latest verified height is `clientLatest`: the update messages to bring it to
   * `target` (none when it is already there or above), and the height whose state can then be
   * proved: one below the client's latest header after the updates.
   */
  async prepare(clientId: string, clientLatest: bigint, target: bigint, trustingPeriodMs: bigint): Promise<{ msgs: Msg[]; proofHeight: bigint }> {
    if (clientLatest >= target) return { msgs: [], proofHeight: clientLatest - 1n }
    const { msgs } = await cometUpdatePath(this.provider, clientId, clientLatest, { target, trustingPeriodMs })
    return { msgs, proofHeight: target - 1n }
  }
}
