/**
 * Creates a network home (docs/BRIDGE.md, "The default network"): N city homes made by `initHome`
 * with chain ids city-a, city-b, …, API ports basePort, basePort+1, …, and in every genesis
 *
 *   - the city's own validator and authority (keys of that city only);
 *   - the sample citizens citizen-1 … with the SAME key in every city: a person has one key pair,
 *     registered as a citizen in each city, so a key name means the same account everywhere and a
 *     receiver named on the command line resolves alike in the source and the destination keyring;
 *   - one relayer account per counterparty, `relayer-<other city>` (role `relayer`), used only by
 *     the relayer of that pair, so that the relayers of different pairs never share a nonce.
 *
 * With `engine: 'cometbft'` every city also gets its N-validator CometBFT network (cometbft-city.ts):
 * city i's CometBFT ports start at basePort + 200·(i+1) (networkPorts lists them all).
 */
import { existsSync, mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { ConfigError, configPathOf, DEFAULT_API_PORT } from '../node/config.js'
import { initHome, DEMO_ENERGY_SLOT_MS, type InitResult } from '../node/init-home.js'
import { Keyring } from '../sdk/keys.js'
import { assertFreshDir } from '../base/fresh-dir.js'
import { cityHomeOf, cityNames, networkFileOf, readNetwork, relayerDirOf, writeNetwork } from './layout.js'
import { cometCityPorts, initCometCity } from './cometbft-city.js'

export interface InitNetworkOptions {
  home: string
  cities?: number
  /** API port of the first city; the others follow (default 26680; 0: every city any free port) */
  basePort?: number
  blockIntervalMs?: number
  sampleAccounts?: number
  engine?: 'solo' | 'cometbft'
  /** validators per city under CometBFT (default 4) */
  validators?: number
}

/** CometBFT base port of city i of a network whose first API port is `basePort`. */
export const cometBasePort = (basePort: number, i: number) => basePort + 200 * (i + 1)

/** Every port a network of `cities` uses from `basePort` (API ports, and under CometBFT each city's validators'). */
export function networkPorts(basePort: number, cities: number, engine: 'solo' | 'cometbft' = 'solo', validators = 4): number[] {
  const api = Array.from({ length: cities }, (_, i) => basePort + i)
  if (engine === 'solo') return api
  return [...api, ...Array.from({ length: cities }, (_, i) => cometCityPorts(cometBasePort(basePort, i), validators)).flat()]
}

export interface InitNetworkResult { home: string; cities: InitResult[] }

export const relayerKeyName = (other: string) => `relayer-${other}`

/**
 * `--cities N` given for a network that already exists (`npm start -- --cities 3` on a 2-city
 * network): the number only applies when a network is created, so a different one is refused,
 * saying what the home holds, instead of silently starting the old cities.
 */
export function checkCitiesOfExisting(home: string, cities: number | undefined): void {
  const net = readNetwork(resolve(home))
  if (!net || cities === undefined || cities === net.cities.length) return
  throw new ConfigError(`the network in ${net.home} already has ${net.cities.length} cities (${net.cities.join(', ')}); --cities ${cities} only applies when a network is created. Start it as it is (without --cities), or create a ${cities}-city network in another home (--home DIR); nothing was started or changed`)
}

export function initNetwork(o: InitNetworkOptions): InitNetworkResult {
  const home = resolve(o.home)
  const names = cityNames(o.cities ?? 2)
  const basePort = o.basePort ?? DEFAULT_API_PORT
  if (!Number.isInteger(basePort) || basePort < 0 || basePort + names.length - 1 > 65535) throw new ConfigError(`--base-port must leave room for ${names.length} ports below 65536 (got ${basePort})`)
  const engine = o.engine ?? 'solo'
  if (engine === 'cometbft') {
    if (basePort === 0) throw new ConfigError('--base-port 0 (any free port) cannot be used with --engine cometbft: the ports are written into the validators\' configuration')
    if (Math.max(...networkPorts(basePort, names.length, engine, o.validators ?? 4)) > 65535) throw new ConfigError(`--base-port ${basePort} leaves no room below 65536 for ${names.length} CometBFT cities`)
  }
  if (existsSync(networkFileOf(home))) throw new ConfigError(`${networkFileOf(home)} already exists: ${home} is already a network`)
  if (existsSync(configPathOf(home))) throw new ConfigError(`${home} holds a single city (polis.yaml): start it with \`polis start\`, or choose another --home for a network`)
  for (const n of names) if (existsSync(cityHomeOf(home, n))) throw new ConfigError(`${cityHomeOf(home, n)} already exists: remove it or choose another --home`)
  assertFreshDir(home, 'a network')
  mkdirSync(relayerDirOf(home), { recursive: true })
  const cities: InitResult[] = []
  names.forEach((name, i) => {
    const cityHome = cityHomeOf(home, name)
    if (i > 0) {
      // the citizens' keys of the first city, so that every city knows the same people
      const ring = new Keyring(join(cityHome, 'keys'))
      const first = new Keyring(cities[0]!.keysDir)
      for (const k of cities[0]!.keys.filter((k) => k.roles.includes('citizen'))) ring.add(k.name, first.get(k.name).seed)
    }
    cities.push(initHome({
      home: cityHome,
      chainId: name,
      apiPort: basePort === 0 ? 0 : basePort + i,
      blockIntervalMs: o.blockIntervalMs,
      sampleAccounts: o.sampleAccounts,
      accounts: names.filter((n) => n !== name).map((n) => ({ name: relayerKeyName(n), roles: ['relayer'] })),
      departments: true, // each city's department clerks (water-clerk, works-clerk, …): the README's services walk-through uses them
      energySlotMs: DEMO_ENERGY_SLOT_MS, // the README's energy walk-through trades, delivers and settles within minutes
    }))
  })
  if (engine === 'cometbft') names.forEach((name, i) => initCometCity({ home: cityHomeOf(home, name), validators: o.validators ?? 4, basePort: cometBasePort(basePort, i) }))
  writeNetwork(home, names)
  return { home, cities }
}
