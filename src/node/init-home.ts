/**
 * `polis init`: a new node home — keys, genesis and polis.yaml. Apart from config.ts because it
 * builds a genesis with the modules' own checks, which reading a home's configuration never needs
 * (the CLI reads polis.yaml on every call).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { assertFreshDir } from '../base/fresh-dir.js'
import { parseGenesis, type Genesis } from '../app/genesis.js'
import { Keyring } from '../sdk/keys.js'
import { identityModule } from '../modules/identity/index.js'
import { bankModule } from '../modules/bank/index.js'
import { complaintsModule } from '../modules/complaints/index.js'
import { energyModule } from '../modules/energy/index.js'
import { DEPARTMENT_CLERKS, STARTER_SERVICES } from './departments.js'
import {
  ConfigError, DEFAULT_API_HOST, DEFAULT_API_PORT, DEFAULT_BLOCK_INTERVAL_MS, DEFAULT_CHAIN_ID, DEFAULT_DENOM, DEFAULT_SAMPLE_BALANCE,
  chainId, configPathOf, host, intIn, logLevel, renderConfig, type LogLevel,
} from './config.js'

export interface InitOptions {
  home: string
  chainId?: string
  sampleAccounts?: number
  denom?: string
  sampleBalance?: bigint
  apiHost?: string
  apiPort?: number
  blockIntervalMs?: number
  logLevel?: LogLevel
  /** ms since epoch; default now. */
  genesisTime?: bigint
  /** Further accounts with roles and no balance (e.g. a network's relayers); keys made like the others. */
  accounts?: Array<{ name: string; roles: string[] }>
  /** Department clerks (water-clerk, works-clerk, …) with their roles, and a starter complaint service list (departments.ts). */
  departments?: boolean
  /** Energy trading slot length, and the reading window after a slot (genesis `energy`); default: the module's 15 min. */
  energySlotMs?: number
}

/** The slot length of the demo cities (`npm start`): trading, delivery and settlement within minutes. */
export const DEMO_ENERGY_SLOT_MS = 60_000

export interface InitResult {
  home: string
  configPath: string
  genesisFile: string
  keysDir: string
  chainId: string
  denom: string
  apiPort: number
  keys: Array<{ name: string; address: string; roles: string[]; balance: string }>
}

/**
 * Creates a node home: keys/validator.json, keys/authority.json, keys/citizen-<i>.json (0600),
 * genesis.json (the authority, the validator, and the citizens with `sampleBalance` each) and
 * polis.yaml. Refuses a home that already holds a polis.yaml or genesis.json.
 */
export function initHome(o: InitOptions): InitResult {
  const home = resolve(o.home)
  const chain = chainId('--chain-id', o.chainId ?? DEFAULT_CHAIN_ID)
  const n = o.sampleAccounts ?? 3
  if (!Number.isInteger(n) || n < 0 || n > 1000) throw new ConfigError(`--sample-accounts must be an integer from 0 to 1000 (got ${n})`)
  const denom = o.denom ?? DEFAULT_DENOM
  if (!/^[a-zA-Z][a-zA-Z0-9._-]{1,127}$/.test(denom)) throw new ConfigError(`--denom must be 2..128 of letters, digits, . _ - starting with a letter (got "${denom}")`)
  const balance = o.sampleBalance ?? DEFAULT_SAMPLE_BALANCE
  if (balance <= 0n) throw new ConfigError('the sample balance must be positive')
  const apiHost = host('--host', o.apiHost ?? DEFAULT_API_HOST)
  const apiPort = intIn('--port', o.apiPort ?? DEFAULT_API_PORT, 0, 65535)
  const blockIntervalMs = intIn('--block-interval-ms', o.blockIntervalMs ?? DEFAULT_BLOCK_INTERVAL_MS, 1, 60_000)
  const level = logLevel('--log-level', o.logLevel ?? 'info')
  const configPath = configPathOf(home)
  const genesisFile = join(home, 'genesis.json')
  for (const f of [configPath, genesisFile]) {
    if (existsSync(f)) throw new ConfigError(`${f} already exists: ${home} is already initialised (choose another --home, or remove it to start over)`)
  }
  // keys made beforehand (`polis keys add … --home`) are taken; anything else (a testnet, a network, a CometBFT home) is not mixed into
  assertFreshDir(home, 'a node home', ['keys'])
  mkdirSync(home, { recursive: true })
  const keyring = new Keyring(join(home, 'keys'))
  const take = (name: string) => (keyring.has(name) ? keyring.get(name) : keyring.add(name))
  const validator = take('validator')
  const authority = take('authority')
  const citizens = Array.from({ length: n }, (_, i) => take(`citizen-${i + 1}`))
  const extra = [...(o.accounts ?? []), ...(o.departments ? DEPARTMENT_CLERKS : [])].map((x) => ({ key: take(x.name), roles: x.roles }))
  const genesis: Genesis = {
    chain_id: chain,
    genesis_time: (o.genesisTime ?? BigInt(Date.now())).toString(),
    validators: [{ name: 'validator', pub_key: validator.address, power: '10' }],
    app_state: {
      identity: {
        accounts: [
          { pub_key: authority.address, roles: ['authority'] },
          { pub_key: validator.address, roles: ['validator'] },
          ...citizens.map((c) => ({ pub_key: c.address, roles: ['citizen'] })),
          ...extra.map((x) => ({ pub_key: x.key.address, roles: x.roles })),
        ],
      },
      bank: { denom, balances: citizens.map((c) => ({ address: c.address, amount: balance.toString() })) },
      ...(o.departments ? { complaints: STARTER_SERVICES } : {}),
      ...(o.energySlotMs !== undefined ? { energy: { slot_ms: String(o.energySlotMs), settle_ms: String(o.energySlotMs) } } : {}),
    },
  }
  // the node would refuse a bad genesis at start; refuse it here instead
  parseGenesis(genesis)
  identityModule(o.departments ? DEPARTMENT_CLERKS.flatMap((d) => d.roles) : []).validateGenesis!(genesis.app_state.identity)
  if (o.departments) complaintsModule().validateGenesis!(genesis.app_state.complaints)
  if (o.energySlotMs !== undefined) energyModule().validateGenesis!(genesis.app_state.energy)
  bankModule().validateGenesis!(genesis.app_state.bank)
  writeFileSync(genesisFile, JSON.stringify(genesis, null, 2) + '\n', { mode: 0o644 })
  writeFileSync(configPath, renderConfig({ chainId: chain, apiHost, apiPort, blockIntervalMs, logLevel: level }), { mode: 0o644 })
  return {
    home,
    configPath,
    genesisFile,
    keysDir: keyring.dir,
    chainId: chain,
    denom,
    apiPort,
    keys: [
      { name: 'authority', address: authority.address, roles: ['authority'], balance: '0' },
      { name: 'validator', address: validator.address, roles: ['validator'], balance: '0' },
      ...citizens.map((c) => ({ name: c.name, address: c.address, roles: ['citizen'], balance: balance.toString() })),
      ...extra.map((x) => ({ name: x.key.name, address: x.key.address, roles: x.roles, balance: '0' })),
    ],
  }
}
