/** Two real solo nodes (in process, HTTP API on port 0) joined by a pair of bridge clients: the relayer and batch-proof tests' setting. */
import { toHex } from '../../src/base/bytes.js'
import type { KeyPair } from '../../src/crypto/keys.js'
import { startNode, type RunningNode } from '../../src/node/node.js'
import { PolisClient } from '../../src/sdk/polis-client.js'
import { bridge } from '../../src/sdk/bridge.js'
import { testCity, testKey, type TestCity } from '../../src/kit/genesis-builder.js'
import { tmpDir } from '../../src/kit/temp-dir.js'

/** A city node; `client`: its client of the other city; `relayers`: keys with role relayer. */
export interface HttpCity { city: TestCity; node: RunningNode; api: PolisClient; relayers: KeyPair[]; client: string; dir: { remove(): void } }

export async function openHttpCity(chainId: string, client: string, relayers = 2): Promise<HttpCity> {
  const city = testCity({ chainId, citizens: 2, balance: 1_000_000n })
  const keys = Array.from({ length: relayers }, (_, i) => testKey(`${chainId}/relayer/${i}`))
  for (const r of keys) (city.genesis.app_state.identity as { accounts: unknown[] }).accounts.push({ pub_key: toHex(r.publicKey), roles: ['relayer'] })
  const dir = tmpDir('bridge-http-' + chainId)
  const node = await startNode({ dataDir: dir.path, genesis: city.genesis, validatorKey: city.validator, port: 0, blockIntervalMs: 20, logLevel: 'silent' })
  return { city, node, api: new PolisClient(node.url), relayers: keys, client, dir }
}

/** Creates each city's client of the other (solo clients, at the other's latest header). */
export async function connectHttpCities(A: HttpCity, B: HttpCity): Promise<void> {
  await A.api.signAndSubmit(A.city.authority, [bridge.createClient({ clientId: A.client, chainId: B.city.chainId, counterpartyClient: B.client, validator: B.city.validator, header: await B.api.header(await B.api.height()) })])
  await B.api.signAndSubmit(B.city.authority, [bridge.createClient({ clientId: B.client, chainId: A.city.chainId, counterpartyClient: A.client, validator: A.city.validator, header: await A.api.header(await A.api.height()) })])
}

export async function closeHttpCities(...cs: Array<HttpCity | undefined>): Promise<void> {
  for (const c of cs) {
    await c?.node.stop()
    c?.dir.remove()
  }
}
