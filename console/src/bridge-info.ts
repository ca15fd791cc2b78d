/** What the console reads of the bridge: a transfer's packet, its progress, and a channel's supply invariant. */
import { voucherDenom } from '../../src/modules/bridge/apps/transfer.ts'
import type { City } from './cities.ts'

export { voucherDenom }

export interface PacketState { commitment: string | null; receipt: boolean; ack_commitment: string | null; next_sequence: string }

export function packetState(city: City, client: string, sequence: bigint): Promise<PacketState> {
  return city.client.query<PacketState>('bridge', 'packet', { client_id: client, sequence: sequence.toString() })
}

/** The client on `on` that follows chain `of` (clients are named after the city they follow). */
export async function clientOf(on: City, of: City): Promise<string | undefined> {
  const r = await on.client.query<{ clients: Array<{ client_id: string; chain_id: string; counterparty_client: string }> }>('bridge', 'clients')
  return r.clients.find((c) => c.chain_id === of.chainId)?.client_id
}

type AppState = { bank?: { denom?: string } }

/** The city's native denomination from its genesis (a CometBFT genesis holds Polis' genesis as its app_state). */
export async function nativeDenomOf(city: City): Promise<string> {
  const g = (await city.client.genesis()) as { app_state?: AppState & { app_state?: AppState } }
  return g.app_state?.app_state?.bank?.denom ?? g.app_state?.bank?.denom ?? 'ucity'
}

/** One direction of a channel: `src`'s native tokens escrowed for `dst`, and the vouchers of them in circulation on `dst`. */
export async function channelSupply(src: City, dst: City): Promise<{ srcClient: string; dstClient: string; denom: string; voucher: string; escrow: bigint; vouchers: bigint } | undefined> {
  const [srcClient, dstClient] = await Promise.all([clientOf(src, dst), clientOf(dst, src)])
  if (!srcClient || !dstClient) return undefined
  const denom = await nativeDenomOf(src)
  const voucher = voucherDenom(`transfer/${dstClient}/${denom}`)
  const [e, v] = await Promise.all([
    src.client.query<{ amount: string }>('bridge', 'escrow', { client_id: srcClient, denom }),
    dst.client.query<{ amount: string }>('bank', 'supply', { denom: voucher }),
  ])
  return { srcClient, dstClient, denom, voucher, escrow: BigInt(e.amount), vouchers: BigInt(v.amount) }
}
