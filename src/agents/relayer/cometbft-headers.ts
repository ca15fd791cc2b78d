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
import type { CometRpc } from '../../engine/cometbft/rpc.js'
import { rpcProvider } from '../../lightclient/rpc-provider.js'
import { LightClient, wallClockNs, type LightBlockProvider } from '../../lightclient/client.js'
import { bridge } from '../../sdk/bridge.js'
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

export const cometProvider = (rpc: CometRpc): LightBlockProvider => rpcProvider(rpc)
