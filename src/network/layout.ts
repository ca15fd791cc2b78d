/**
 * The layout of a network home (`polis network up`, `npm start`): one directory holding
 *
 *   network.yaml            cities: [city-a, city-b]   (the first is the CLI's default city)
 *   city-a/                 a node home like `polis init` makes (polis.yaml, genesis.json, keys/, data/)
 *   city-b/
 *   relayer/                the relayers' scan heights, one small file per pair of cities
 *
 * The CLI reads `network.yaml` to turn the home into the home of one city (`--city NAME`, else
 * $POLIS_CITY, else the first city), so every single-city command works unchanged in a network.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import YAML from 'yaml'
import { CHAIN_ID_PATTERN } from '../app/genesis.js'
import { ConfigError } from '../node/config.js'

export const NETWORK_FILE = 'network.yaml'
/** Client ids are `[a-z][a-z0-9-]{0,31}`; a city's name is its chain id and its client's id elsewhere. */
export const CITY_NAME = /^[a-z][a-z0-9-]{0,31}$/
export const MAX_CITIES = 8

export interface NetworkLayout {
  /** the network home (absolute) */
  home: string
  cities: string[]
}

export const networkFileOf = (home: string) => join(home, NETWORK_FILE)
export const cityHomeOf = (home: string, city: string) => join(home, city)
export const relayerDirOf = (home: string) => join(home, 'relayer')

/** The default names: city-a, city-b, … */
export function cityNames(n: number): string[] {
  if (!Number.isInteger(n) || n < 2 || n > MAX_CITIES) throw new ConfigError(`--cities must be an integer from 2 to ${MAX_CITIES} (got ${n})`)
  return Array.from({ length: n }, (_, i) => `city-${String.fromCharCode(97 + i)}`)
}

/** The network of a home, or undefined if the home holds no network.yaml. */
export function readNetwork(home: string): NetworkLayout | undefined {
  const file = networkFileOf(home)
  if (!existsSync(file)) return undefined
  let doc: unknown
  try {
    doc = YAML.parse(readFileSync(file, 'utf8'))
  } catch (e) {
    throw new ConfigError(`${file} is not valid YAML: ${(e as Error).message.split('\n')[0]}`)
  }
  const cities = (doc as { cities?: unknown } | null)?.cities
  if (!Array.isArray(cities) || cities.length < 2 || cities.length > MAX_CITIES) throw new ConfigError(`${file}: cities must be a list of 2 to ${MAX_CITIES} city names`)
  for (const c of cities) {
    if (typeof c !== 'string' || !CITY_NAME.test(c) || !CHAIN_ID_PATTERN.test(c)) throw new ConfigError(`${file}: "${String(c)}" is not a city name (a-z, 0-9, -; starting with a letter)`)
  }
  if (new Set(cities).size !== cities.length) throw new ConfigError(`${file}: a city is listed twice`)
  return { home, cities: cities as string[] }
}

export function writeNetwork(home: string, cities: string[]): void {
  writeFileSync(networkFileOf(home), `# A Polis network on this machine (polis network up; npm start). The first city is the CLI's default;\n# choose another with --city NAME or POLIS_CITY.\ncities: [${cities.join(', ')}]\n`, { mode: 0o644 })
}

/**
 * The home of one city of a network home: `city` (else the first city); a home without a
 * network.yaml is returned as it is, and naming a city there is an error.
 */
export function cityHome(home: string, city: string | undefined): string {
  const net = readNetwork(home)
  if (!net) {
    if (city !== undefined) throw new ConfigError(`--city ${city}: ${home} is a single city, not a network (no ${NETWORK_FILE}); \`npm start\` makes a network`)
    return home
  }
  const name = city ?? net.cities[0]!
  if (!net.cities.includes(name)) throw new ConfigError(`no city "${name}" in the network at ${home} (cities: ${net.cities.join(', ')})`)
  return cityHomeOf(home, name)
}
