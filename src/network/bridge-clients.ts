/**
 * The bridge light clients of a network: on every city, a client of every other city, named after
 * it (on city-a the client of city-b is `city-b`, paired with `city-a` on city-b). A client that
 * exists is left alone, so a restarted network continues the same channels.
 *
 * The trust anchor: each city's authority creates its clients from the other city's latest signed
 * header, checked against the validator named in that city's genesis file on this machine (the
 * out-of-band knowledge an authority vouches for); the chain verifies the signature again. A city
 * under CometBFT is followed by a `cometbft` client anchored at its latest light block from its
 * RPC, whose validators must all be validators of that city's genesis file.
 */
import { PolisClient } from '../sdk/polis-client.js'
import { bridge } from '../sdk/bridge.js'
import type { NamedKey } from '../sdk/keys.js'
import { PolisError } from '../base/errors.js'
import { toHex } from '../base/bytes.js'
import { CometRpc } from '../engine/cometbft/rpc.js'
import { rpcProvider } from '../lightclient/rpc-provider.js'
import { createCometClientMsg } from '../agents/relayer/cometbft-headers.js'

export interface CityEndpoint {
  name: string
  url: string
  authority: NamedKey
  /** the validator key of the city's genesis (hex) */
  validator: string
  /** a city under CometBFT: its RPC, and every validator key of its genesis (hex) */
  comet?: { rpc: string; validators: string[] }
}

export interface ClientSetup { city: string; client: string; created: boolean }

export async function ensureClients(cities: CityEndpoint[]): Promise<ClientSetup[]> {
  const out: ClientSetup[] = []
  for (const self of cities) {
    const api = new PolisClient(self.url)
    const have = new Set(((await api.query<{ clients: Array<{ client_id: string }> }>('bridge', 'clients')).clients ?? []).map((c) => c.client_id))
    for (const other of cities) {
      if (other === self) continue
      if (have.has(other.name)) {
        out.push({ city: self.name, client: other.name, created: false })
        continue
      }
      if (other.comet) {
        const { msg, lightBlock } = await createCometClientMsg(rpcProvider(new CometRpc(other.comet.rpc)), { clientId: other.name, counterpartyClient: self.name })
        const unknown = lightBlock.validatorSet.validators.map((v) => toHex(v.pubKey)).filter((k) => !other.comet!.validators.includes(k))
        if (unknown.length) throw new PolisError('invalid_request', `${other.name} (${other.comet.rpc}) is signed by validators not in its genesis: ${unknown.join(', ')}`)
        if (lightBlock.signedHeader.header.chainId !== other.name) throw new PolisError('invalid_request', `${other.comet.rpc} serves chain "${lightBlock.signedHeader.header.chainId}", not ${other.name}`)
        await api.signAndSubmit(self.authority, [msg])
        out.push({ city: self.name, client: other.name, created: true })
        continue
      }
      const otherApi = new PolisClient(other.url)
      const header = await otherApi.header(await otherApi.height())
      if (header.header.proposer !== other.validator) {
        throw new PolisError('invalid_request', `${other.name} (${other.url}) signs with ${String(header.header.proposer)}, not the validator of its genesis ${other.validator}`)
      }
      // throws (TxFailedError) if the chain refuses it
      await api.signAndSubmit(self.authority, [bridge.createClient({ clientId: other.name, chainId: other.name, counterpartyClient: self.name, validator: other.validator, header })])
      out.push({ city: self.name, client: other.name, created: true })
    }
  }
  return out
}
