/**
 * The config file of `polis testnet --out DIR --config hosts.yaml` (docs/DEPLOY.md, "A config
 * file"): a city across machines described in one file instead of `--hosts` and flags. YAML (or
 * JSON, which is YAML), validated against BUNDLE_CONFIG_SCHEMA with ajv (no coercion, no unknown
 * keys); anything wrong is a BundleConfigError naming the field (`hosts[2].ports.p2p`), and nothing
 * is written.
 *
 *   chain_id: metro                      # optional (polis-city)
 *   base_port: 26656                     # optional: the p2p port of every host; the others keep their distance
 *   citizens: 0                          # optional: funded sample citizens (keys/citizens.json)
 *   install_dir: /srv/polis              # optional: where each host directory lives on its machine
 *   polis_root: /opt/polis               # optional: the Polis install on the machines
 *   cometbft_bin: /usr/local/bin/cometbft
 *   comet_config: { p2p.send_rate: 20480000 }   # optional: further config.toml settings, every host
 *   hosts:
 *     - host: val1.city.example          # address the other validators dial
 *       name: city-hall                  # optional: the moniker and the directory name (default: host)
 *       power: 20                        # optional: voting power (default 10)
 *       ports: { p2p: 26656, rpc: 26657, abci: 26658, metrics: 26660, api: 26680 }   # optional, each optional
 *
 * Two entries may share a host if none of their ports collide (every host:port is used once).
 */
import { PolisError } from '../base/errors.js'
import { parse as parseYaml } from 'yaml'
import Ajv from 'ajv'
import type { BundleOptions, BundlePorts } from './deploy-bundle.js'

/** A config file that is not valid: `field` is the path of the bad value (`hosts[1].power`), '' for the whole file. */
export class BundleConfigError extends PolisError {
  readonly field: string
  constructor(file: string, field: string, message: string) {
    super('invalid_request', `${file}: ${field ? `${field}: ` : ''}${message}`)
    this.name = 'BundleConfigError'
    this.field = field
  }
}

const PORT = { type: 'integer', minimum: 1024, maximum: 65535 } as const
const NAME = '^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,62}[A-Za-z0-9])?$'

export const BUNDLE_CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['hosts'],
  properties: {
    chain_id: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,48}[a-z0-9]$' },
    base_port: PORT,
    citizens: { type: 'integer', minimum: 0, maximum: 1000 },
    install_dir: { type: 'string', pattern: '^/' },
    polis_root: { type: 'string', pattern: '^/' },
    cometbft_bin: { type: 'string', pattern: '^/' },
    comet_config: {
      type: 'object',
      propertyNames: { pattern: '^([a-z0-9_]+\\.)?[a-z0-9_-]+$' },
      additionalProperties: { type: ['string', 'integer', 'boolean'] },
    },
    hosts: {
      type: 'array',
      minItems: 1,
      maxItems: 64,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['host'],
        properties: {
          host: { type: 'string', pattern: '^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$' },
          name: { type: 'string', pattern: NAME },
          power: { type: 'integer', minimum: 1, maximum: 1_000_000_000 },
          ports: {
            type: 'object',
            additionalProperties: false,
            properties: { p2p: PORT, rpc: PORT, abci: PORT, metrics: PORT, api: PORT },
          },
        },
      },
    },
  },
} as const

interface RawConfig {
  chain_id?: string
  base_port?: number
  citizens?: number
  install_dir?: string
  polis_root?: string
  cometbft_bin?: string
  comet_config?: Record<string, string | number | boolean>
  hosts: Array<{ host: string; name?: string; power?: number; ports?: Partial<BundlePorts> }>
}

type Validate = ((d: unknown) => boolean) & { errors?: Array<{ instancePath: string; keyword: string; message?: string; params: Record<string, unknown>; propertyName?: string }> | null }
let validate: Validate | undefined

/** `/hosts/2/ports/p2p` → `hosts[2].ports.p2p` */
function fieldOf(instancePath: string): string {
  return instancePath.split('/').slice(1).reduce((f, part) => (/^\d+$/.test(part) ? `${f}[${part}]` : f ? `${f}.${part}` : part), '')
}

/** The bundle options (all but `out`) of the config file `file` whose text is `text`. */
export function parseBundleConfig(text: string, file: string): Omit<BundleOptions, 'out'> {
  let doc: unknown
  try {
    doc = parseYaml(text, { uniqueKeys: true })
  } catch (e) {
    throw new BundleConfigError(file, '', `not valid YAML: ${(e as Error).message.split('\n')[0]}`)
  }
  validate ??= new (Ajv as unknown as new (o: object) => { compile(s: object): Validate })({ allErrors: false, strict: true, allowUnionTypes: true, coerceTypes: false }).compile(BUNDLE_CONFIG_SCHEMA)
  if (!validate(doc)) {
    const e = validate.errors![0]!
    const at = fieldOf(e.instancePath)
    if (e.keyword === 'additionalProperties') {
      const key = String(e.params.additionalProperty)
      throw new BundleConfigError(file, at ? `${at}.${key}` : key, 'unknown key')
    }
    if (e.keyword === 'required') {
      const key = String(e.params.missingProperty)
      throw new BundleConfigError(file, at ? `${at}.${key}` : key, 'is required')
    }
    // a key that fails propertyNames: reported on the key itself
    const key = e.propertyName ?? (e.keyword === 'propertyNames' ? String(e.params.propertyName) : undefined)
    if (key !== undefined) throw new BundleConfigError(file, `${at}.${key}`, 'expected section.key (e.g. p2p.send_rate)')
    if (e.keyword === 'type' && !at) throw new BundleConfigError(file, '', 'expected a mapping with a `hosts` list')
    throw new BundleConfigError(file, at, e.message ?? e.keyword)
  }
  const c = doc as RawConfig
  // every name (directory) once; every host:port once
  const names = new Map<string, number>()
  c.hosts.forEach((h, i) => {
    const name = h.name ?? h.host
    const j = names.get(name)
    if (j !== undefined) throw new BundleConfigError(file, `hosts[${i}].${h.name !== undefined ? 'name' : 'host'}`, `"${name}" is already the name of hosts[${j}] (each entry is one directory: give it a distinct name)`)
    names.set(name, i)
  })
  return {
    hosts: c.hosts.map((h) => h.host),
    names: c.hosts.map((h) => h.name ?? h.host),
    powers: c.hosts.map((h) => h.power ?? DEFAULT_POWER),
    hostPorts: c.hosts.map((h) => h.ports ?? {}),
    chainId: c.chain_id,
    basePort: c.base_port,
    citizens: c.citizens,
    installDir: c.install_dir,
    polisRoot: c.polis_root,
    cometbftBin: c.cometbft_bin,
    cometConfig: c.comet_config,
    source: file,
  }
}

export const DEFAULT_POWER = 10
