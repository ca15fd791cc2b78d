/**
 * Node configuration: one YAML file per node, `<home>/polis.yaml`, plus environment overrides.
 *
 *   chain_id: polis-city              # must equal the genesis' chain_id
 *   data_dir: data                    # the node's database; paths are relative to the home directory
 *   genesis_file: genesis.json
 *   validator_key_file: keys/validator.json
 *   keys_dir: keys                    # the CLI's keyring
 *   api: { host: 127.0.0.1, port: 26680, body_limit_bytes: 1048576 }
 *   block_interval_ms: 200
 *   empty_block_interval_ms: 5000     # an empty block when none was cut for this long (block time moves on an idle chain); 0 = never
 *   log_file: node.log                # the node's JSON log lines; "-" = stderr
 *   log_level: info                   # fatal | error | warn | info | debug | trace | silent
 *   engine: solo                      # solo | cometbft (src/network/cometbft-city.ts: <home>/cometbft/)
 *   pruning: { keep_recent: 10000 }   # state heights kept (plus those pending bridge packets need); 0 = all
 *
 * Precedence: defaults < file < environment < explicit overrides (command-line flags).
 * Environment: POLIS_HOME (the home directory itself), POLIS_DATA_DIR, POLIS_GENESIS_FILE,
 * POLIS_VALIDATOR_KEY_FILE, POLIS_KEYS_DIR, POLIS_LOG_FILE (relative paths there resolve against the
 * working directory), POLIS_API_HOST, POLIS_API_PORT, POLIS_BODY_LIMIT_BYTES, POLIS_BLOCK_INTERVAL_MS,
 * POLIS_EMPTY_BLOCK_INTERVAL_MS, POLIS_LOG_LEVEL, POLIS_ENGINE. Anything unclear is refused with a ConfigError naming the file or variable.
 *
 * `initHome` (init-home.ts) creates a home: keys (0600, in a 0700 directory) for the validator, the city
 * authority and sample citizens, a genesis, and polis.yaml.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import YAML from 'yaml'
import { PolisError } from '../base/errors.js'
import { CHAIN_ID_PATTERN, parseGenesis, type Genesis } from '../app/genesis.js'
import { loadKeyFile, type NamedKey } from '../sdk/keys.js'

export const CONFIG_FILE = 'polis.yaml'
export const DEFAULT_HOME = '.polis'
export const DEFAULT_API_HOST = '127.0.0.1'
export const DEFAULT_API_PORT = 26680
export const DEFAULT_BODY_LIMIT_BYTES = 8 * 1024 * 1024
export const DEFAULT_BLOCK_INTERVAL_MS = 200
/** Longest stretch without a block on an idle chain (solo engine; CometBFT: create_empty_blocks_interval). */
export const DEFAULT_EMPTY_BLOCK_INTERVAL_MS = 5000
export const MAX_EMPTY_BLOCK_INTERVAL_MS = 3_600_000
export const DEFAULT_LOG_FILE = 'node.log'
/** State heights a node keeps by default (docs/ARCHITECTURE.md, Pruning); 0 keeps every height. */
export const DEFAULT_KEEP_RECENT = 10_000
export const DEFAULT_CHAIN_ID = 'polis-city'
export const DEFAULT_DENOM = 'ucity'
export const DEFAULT_SAMPLE_BALANCE = 1_000_000n
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]
export const ENGINES = ['solo', 'cometbft'] as const
export type EngineName = (typeof ENGINES)[number]

export interface NodeConfig {
  /** Absolute path of the home directory. */
  home: string
  /** Absolute path of polis.yaml (which may not exist for a config built from defaults). */
  configPath: string
  chainId: string
  dataDir: string
  genesisFile: string
  validatorKeyFile: string
  keysDir: string
  api: { host: string; port: number; bodyLimitBytes: number }
  blockIntervalMs: number
  /** 0: no empty blocks. */
  emptyBlockIntervalMs: number
  logLevel: LogLevel
  /** Absolute path of the log file, or '-' for stderr. */
  logFile: string
  engine: EngineName
  /** `keepRecent`: state heights kept (0 = all); see PolisApp's pruning. */
  pruning: { keepRecent: number }
}

/** What flags may override (already typed). */
export interface ConfigOverrides {
  dataDir?: string
  genesisFile?: string
  validatorKeyFile?: string
  keysDir?: string
  apiHost?: string
  apiPort?: number | string
  bodyLimitBytes?: number | string
  blockIntervalMs?: number | string
  emptyBlockIntervalMs?: number | string
  logLevel?: string
  logFile?: string
  engine?: string
}

export class ConfigError extends PolisError {
  constructor(message: string) {
    super('invalid_request', message)
    this.name = 'ConfigError'
  }
}

/** The home directory: an explicit one, else POLIS_HOME, else ./.polis (like .git, next to the project). */
export function resolveHome(home?: string, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  const h = home ?? (env.POLIS_HOME ? env.POLIS_HOME : undefined) ?? DEFAULT_HOME
  return resolve(cwd, h)
}

export function configPathOf(home: string): string {
  return join(home, CONFIG_FILE)
}

const FILE_KEYS = ['chain_id', 'data_dir', 'genesis_file', 'validator_key_file', 'keys_dir', 'api', 'block_interval_ms', 'empty_block_interval_ms', 'log_level', 'log_file', 'engine', 'pruning'] as const
const PRUNING_KEYS = ['keep_recent'] as const
const API_KEYS = ['host', 'port', 'body_limit_bytes'] as const

export function intIn(where: string, v: unknown, min: number, max: number): number {
  const n = typeof v === 'string' && /^-?[0-9]+$/.test(v.trim()) ? Number(v.trim()) : v
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${where} must be an integer from ${min} to ${max} (got ${JSON.stringify(v)})`)
  }
  return n
}

function str(where: string, v: unknown): string {
  if (typeof v !== 'string' || v.trim() === '') throw new ConfigError(`${where} must be a non-empty string (got ${JSON.stringify(v)})`)
  return v.trim()
}

export function host(where: string, v: unknown): string {
  const h = str(where, v)
  if (!/^[A-Za-z0-9.:_-]+$/.test(h) && !/^\[[0-9a-fA-F:]+\]$/.test(h)) throw new ConfigError(`${where} must be a host name or IP address (got ${JSON.stringify(v)})`)
  return h
}

/** A log file setting: '-' (stderr) or a path resolved against `base`. */
function logFileAt(base: string, v: string): string {
  return v === '-' ? '-' : resolve(base, v)
}

export function logLevel(where: string, v: unknown): LogLevel {
  if (typeof v !== 'string' || !(LOG_LEVELS as readonly string[]).includes(v)) throw new ConfigError(`${where} must be one of ${LOG_LEVELS.join(', ')} (got ${JSON.stringify(v)})`)
  return v as LogLevel
}

function engine(where: string, v: unknown): EngineName {
  if (typeof v !== 'string' || !(ENGINES as readonly string[]).includes(v)) throw new ConfigError(`${where} must be one of ${ENGINES.join(', ')} (got ${JSON.stringify(v)})`)
  return v as EngineName
}

export function chainId(where: string, v: unknown): string {
  if (typeof v !== 'string' || !CHAIN_ID_PATTERN.test(v)) throw new ConfigError(`${where} must be 1..48 of a-z, 0-9 and "-", starting with a letter or digit (got ${JSON.stringify(v)})`)
  return v
}

/** Parses and validates the YAML text of polis.yaml (paths resolved against `home`). */
export function parseConfigFile(text: string, home: string, fileName = CONFIG_FILE): Omit<NodeConfig, 'configPath'> {
  let doc: unknown
  try {
    doc = YAML.parse(text)
  } catch (e) {
    throw new ConfigError(`${fileName} is not valid YAML: ${(e as Error).message.split('\n')[0]}`)
  }
  if (doc === null || doc === undefined) doc = {}
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new ConfigError(`${fileName} must be a YAML mapping of settings`)
  const m = doc as Record<string, unknown>
  for (const k of Object.keys(m)) {
    if (!(FILE_KEYS as readonly string[]).includes(k)) throw new ConfigError(`${fileName}: unknown setting "${k}" (known: ${FILE_KEYS.join(', ')})`)
  }
  const api = m.api ?? {}
  if (typeof api !== 'object' || api === null || Array.isArray(api)) throw new ConfigError(`${fileName}: api must be a mapping (host, port, body_limit_bytes)`)
  const a = api as Record<string, unknown>
  for (const k of Object.keys(a)) {
    if (!(API_KEYS as readonly string[]).includes(k)) throw new ConfigError(`${fileName}: unknown setting "api.${k}" (known: ${API_KEYS.join(', ')})`)
  }
  const pruning = m.pruning ?? {}
  if (typeof pruning !== 'object' || pruning === null || Array.isArray(pruning)) throw new ConfigError(`${fileName}: pruning must be a mapping (keep_recent)`)
  const pr = pruning as Record<string, unknown>
  for (const k of Object.keys(pr)) {
    if (!(PRUNING_KEYS as readonly string[]).includes(k)) throw new ConfigError(`${fileName}: unknown setting "pruning.${k}" (known: ${PRUNING_KEYS.join(', ')})`)
  }
  const keepRecent = pr.keep_recent === undefined ? DEFAULT_KEEP_RECENT : intIn(`${fileName}: pruning.keep_recent`, pr.keep_recent, 0, 1_000_000_000)
  if (keepRecent === 1) throw new ConfigError(`${fileName}: pruning.keep_recent must be 0 (keep every height) or at least 2`)
  const p = (key: string, v: unknown, dflt: string) => resolve(home, v === undefined ? dflt : str(`${fileName}: ${key}`, v))
  if (m.chain_id === undefined) throw new ConfigError(`${fileName}: chain_id is required`)
  return {
    home,
    chainId: chainId(`${fileName}: chain_id`, m.chain_id),
    dataDir: p('data_dir', m.data_dir, 'data'),
    genesisFile: p('genesis_file', m.genesis_file, 'genesis.json'),
    validatorKeyFile: p('validator_key_file', m.validator_key_file, 'keys/validator.json'),
    keysDir: p('keys_dir', m.keys_dir, 'keys'),
    api: {
      host: a.host === undefined ? DEFAULT_API_HOST : host(`${fileName}: api.host`, a.host),
      port: a.port === undefined ? DEFAULT_API_PORT : intIn(`${fileName}: api.port`, a.port, 0, 65535),
      bodyLimitBytes: a.body_limit_bytes === undefined ? DEFAULT_BODY_LIMIT_BYTES : intIn(`${fileName}: api.body_limit_bytes`, a.body_limit_bytes, 1024, 64 * 1024 * 1024),
    },
    blockIntervalMs: m.block_interval_ms === undefined ? DEFAULT_BLOCK_INTERVAL_MS : intIn(`${fileName}: block_interval_ms`, m.block_interval_ms, 1, 60_000),
    emptyBlockIntervalMs: m.empty_block_interval_ms === undefined ? DEFAULT_EMPTY_BLOCK_INTERVAL_MS : intIn(`${fileName}: empty_block_interval_ms`, m.empty_block_interval_ms, 0, MAX_EMPTY_BLOCK_INTERVAL_MS),
    logLevel: m.log_level === undefined ? 'info' : logLevel(`${fileName}: log_level`, m.log_level),
    logFile: logFileAt(home, m.log_file === undefined ? DEFAULT_LOG_FILE : str(`${fileName}: log_file`, m.log_file)),
    engine: m.engine === undefined ? 'solo' : engine(`${fileName}: engine`, m.engine),
    pruning: { keepRecent },
  }
}

/** Applies environment variables and then explicit overrides to a parsed configuration. */
export function applyOverrides(cfg: NodeConfig, env: NodeJS.ProcessEnv = process.env, o: ConfigOverrides = {}, cwd = process.cwd()): NodeConfig {
  const c: NodeConfig = { ...cfg, api: { ...cfg.api } }
  const e = (name: string) => (env[name] !== undefined && env[name] !== '' ? env[name] : undefined)
  const path = (name: string, v: string | undefined) => (v === undefined ? undefined : resolve(cwd, str(name, v)))
  c.dataDir = path('--data-dir', o.dataDir) ?? path('POLIS_DATA_DIR', e('POLIS_DATA_DIR')) ?? c.dataDir
  c.genesisFile = path('--genesis-file', o.genesisFile) ?? path('POLIS_GENESIS_FILE', e('POLIS_GENESIS_FILE')) ?? c.genesisFile
  c.validatorKeyFile = path('--validator-key-file', o.validatorKeyFile) ?? path('POLIS_VALIDATOR_KEY_FILE', e('POLIS_VALIDATOR_KEY_FILE')) ?? c.validatorKeyFile
  c.keysDir = path('--keys-dir', o.keysDir) ?? path('POLIS_KEYS_DIR', e('POLIS_KEYS_DIR')) ?? c.keysDir
  const logFileOverride = o.logFile ?? e('POLIS_LOG_FILE')
  if (logFileOverride !== undefined) c.logFile = logFileAt(cwd, str(o.logFile !== undefined ? '--log-file' : 'POLIS_LOG_FILE', logFileOverride))
  const pick = <T>(flag: string, fv: unknown, envName: string, parse: (where: string, v: unknown) => T, current: T): T => {
    if (fv !== undefined) return parse(flag, fv)
    const ev = e(envName)
    if (ev !== undefined) return parse(envName, ev)
    return current
  }
  c.api.host = pick('--host', o.apiHost, 'POLIS_API_HOST', host, c.api.host)
  c.api.port = pick('--port', o.apiPort, 'POLIS_API_PORT', (w, v) => intIn(w, v, 0, 65535), c.api.port)
  c.api.bodyLimitBytes = pick('--body-limit-bytes', o.bodyLimitBytes, 'POLIS_BODY_LIMIT_BYTES', (w, v) => intIn(w, v, 1024, 64 * 1024 * 1024), c.api.bodyLimitBytes)
  c.blockIntervalMs = pick('--block-interval-ms', o.blockIntervalMs, 'POLIS_BLOCK_INTERVAL_MS', (w, v) => intIn(w, v, 1, 60_000), c.blockIntervalMs)
  c.emptyBlockIntervalMs = pick('--empty-block-interval-ms', o.emptyBlockIntervalMs, 'POLIS_EMPTY_BLOCK_INTERVAL_MS', (w, v) => intIn(w, v, 0, MAX_EMPTY_BLOCK_INTERVAL_MS), c.emptyBlockIntervalMs)
  c.logLevel = pick('--log-level', o.logLevel, 'POLIS_LOG_LEVEL', logLevel, c.logLevel)
  c.engine = pick('--engine', o.engine, 'POLIS_ENGINE', engine, c.engine)
  return c
}

/**
 * Loads `<home>/polis.yaml` with environment and flag overrides. Throws ConfigError if the file is
 * missing (telling how to create it) or anything in it is unclear.
 */
export function loadConfig(opts: { home?: string; env?: NodeJS.ProcessEnv; overrides?: ConfigOverrides; cwd?: string } = {}): NodeConfig {
  const env = opts.env ?? process.env
  const cwd = opts.cwd ?? process.cwd()
  const home = resolveHome(opts.home, env, cwd)
  const configPath = configPathOf(home)
  if (!existsSync(configPath)) {
    throw new ConfigError(`no ${CONFIG_FILE} in ${home}: create a node there with \`polis init --home ${home}\` (or run \`npm start\`, which does it for ./${DEFAULT_HOME})`)
  }
  const parsed = parseConfigFile(readFileSync(configPath, 'utf8'), home, configPath)
  return applyOverrides({ ...parsed, configPath }, env, opts.overrides, cwd)
}

/** The configuration if `<home>/polis.yaml` exists, else undefined (errors in an existing file still throw). */
export function tryLoadConfig(opts: { home?: string; env?: NodeJS.ProcessEnv; overrides?: ConfigOverrides; cwd?: string } = {}): NodeConfig | undefined {
  const home = resolveHome(opts.home, opts.env ?? process.env, opts.cwd ?? process.cwd())
  if (!existsSync(configPathOf(home))) return undefined
  return loadConfig(opts)
}

/** The URL a client on this machine reaches the node's API at. */
export function nodeUrlOf(cfg: Pick<NodeConfig, 'api'>): string {
  let h = cfg.api.host
  if (h === '0.0.0.0' || h === '::' || h === '[::]') h = '127.0.0.1'
  if (h.includes(':') && !h.startsWith('[')) h = `[${h}]`
  return `http://${h}:${cfg.api.port}`
}

export function loadGenesisFile(path: string): Genesis {
  if (!existsSync(path)) throw new ConfigError(`genesis file ${path} does not exist`)
  let g: unknown
  try {
    g = JSON.parse(readFileSync(path, 'utf8'))
  } catch (e) {
    throw new ConfigError(`genesis file ${path} is not valid JSON: ${(e as Error).message}`)
  }
  try {
    parseGenesis(g)
  } catch (e) {
    throw new ConfigError(`genesis file ${path}: ${(e as Error).message}`)
  }
  return g as Genesis
}

/** Everything `startNode` needs, from a configuration: checks the genesis and the validator key file. */
export function loadNodeFiles(cfg: NodeConfig): { genesis: Genesis; validatorKey: NamedKey } {
  const genesis = loadGenesisFile(cfg.genesisFile)
  if (genesis.chain_id !== cfg.chainId) throw new ConfigError(`${cfg.configPath}: chain_id "${cfg.chainId}" differs from the genesis' "${genesis.chain_id}" (${cfg.genesisFile})`)
  let validatorKey: NamedKey
  try {
    validatorKey = loadKeyFile(cfg.validatorKeyFile)
  } catch (e) {
    throw new ConfigError(`validator key: ${(e as Error).message}`)
  }
  return { genesis, validatorKey }
}

// ------------------------------------------------------------------- polis.yaml of a new home

export function renderConfig(c: { chainId: string; apiHost: string; apiPort: number; blockIntervalMs: number; logLevel: string }): string {
  return `# Polis node configuration (see src/node/config.ts). Paths are relative to this directory.
# Environment overrides: POLIS_API_HOST, POLIS_API_PORT, POLIS_LOG_LEVEL, POLIS_LOG_FILE, POLIS_BLOCK_INTERVAL_MS,
# POLIS_EMPTY_BLOCK_INTERVAL_MS, POLIS_DATA_DIR, POLIS_GENESIS_FILE, POLIS_VALIDATOR_KEY_FILE, POLIS_KEYS_DIR,
# POLIS_BODY_LIMIT_BYTES.
chain_id: ${c.chainId}
data_dir: data
genesis_file: genesis.json
validator_key_file: keys/validator.json
keys_dir: keys
api:
  host: ${c.apiHost}
  port: ${c.apiPort}
  body_limit_bytes: ${DEFAULT_BODY_LIMIT_BYTES}
block_interval_ms: ${c.blockIntervalMs}
# an empty block when none was cut for this long, so that block time (energy slots, SLAs, due
# dates) moves on while the chain is idle; 0 = blocks only for transactions
empty_block_interval_ms: ${DEFAULT_EMPTY_BLOCK_INTERVAL_MS}
log_level: ${c.logLevel}
# the node's log lines (JSON); "-" = stderr
log_file: ${DEFAULT_LOG_FILE}
# state heights kept (older ones are pruned in the background, except those pending bridge
# packets still need); 0 keeps every height
pruning:
  keep_recent: ${DEFAULT_KEEP_RECENT}
`
}
