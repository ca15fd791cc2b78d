/**
 * What every CLI command shares: where output goes, the home directory and its configuration,
 * the node URL, the keyring, and printing in human or `--json` form.
 */
import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { PolisError } from '../base/errors.js'
import { DEFAULT_NODE_URL, PolisClient } from '../sdk/polis-client.js'
import { Keyring, loadKeyFile, type NamedKey } from '../sdk/keys.js'
import { trustGenesis, type TrustedChain } from '../sdk/proof.js'
import { nodeUrlOf, resolveHome, tryLoadConfig, type NodeConfig } from '../node/config.js'
import { cityHome, readNetwork } from '../network/layout.js'
import { moduleAccountLabels } from './module-accounts.js'
import { chainCheckedFetch } from './chain-guard.js'
import { join } from 'node:path'

/** Where the CLI writes and what it reads from its environment (a test passes its own). */
export interface CliIO {
  out(text: string): void
  err(text: string): void
  env: NodeJS.ProcessEnv
  cwd: string
  /** Resolves when the process is asked to stop (SIGINT/SIGTERM); `start` waits on it. */
  waitForStop?(): Promise<string>
  /** whether `err` is a terminal: long operations then draw progress on it (progress.ts) */
  errIsTTY?: boolean
}

export interface GlobalOptions {
  home?: string
  /** a city of a network home (`npm start`): its directory in the home */
  city?: string
  node?: string
  json?: boolean
}

export class CliContext {
  private cfg?: NodeConfig | null
  private names?: Map<string, string>
  constructor(readonly io: CliIO, readonly globals: GlobalOptions) {}

  get json(): boolean {
    return this.globals.json === true
  }

  /** The node home: --home (else $POLIS_HOME, else ./.polis), or in a network home the city's directory. */
  get home(): string {
    return cityHome(this.networkHome, this.globals.city ?? (this.io.env.POLIS_CITY || undefined))
  }

  /** --home, else $POLIS_HOME, else ./.polis: a single city's home or a network's. */
  get networkHome(): string {
    return resolveHome(this.globals.home, this.io.env, this.io.cwd)
  }

  /** The home's configuration (with environment overrides), or undefined if it has no polis.yaml. */
  config(): NodeConfig | undefined {
    if (this.cfg === undefined) this.cfg = tryLoadConfig({ home: this.home, env: this.io.env, cwd: this.io.cwd }) ?? null
    return this.cfg ?? undefined
  }

  keyring(): Keyring {
    return new Keyring(this.config()?.keysDir ?? join(this.home, 'keys'))
  }

  /** --node, else POLIS_NODE, else the API address in the home's polis.yaml, else the default. */
  nodeUrl(): string {
    if (this.globals.node) return this.globals.node
    if (this.io.env.POLIS_NODE) return this.io.env.POLIS_NODE
    const c = this.config()
    return c ? nodeUrlOf(c) : DEFAULT_NODE_URL
  }

  /** A client of the node; when its address comes from the home, it refuses a node of another chain (chain-guard.ts). */
  client(): PolisClient {
    const url = this.nodeUrl()
    const cfg = this.globals.node || this.io.env.POLIS_NODE ? undefined : this.config()
    return cfg ? new PolisClient(url, { fetch: chainCheckedFetch(url, this.home, cfg.genesisFile) }) : new PolisClient(url)
  }

  /** A signing key: the name of a key in the keyring, or the path of a key file. */
  signer(from: string | undefined): NamedKey {
    if (!from) throw new PolisError('invalid_request', 'say which key signs: --from <key name or key file>')
    const ring = this.keyring()
    if (ring.has(from)) return ring.get(from)
    if (from.includes('/') || from.endsWith('.json')) return loadKeyFile(resolve(this.io.cwd, from))
    return ring.get(from) // throws "no key named …" listing the keys there are
  }

  /** An address: 64 hex characters, or the name of a key in the keyring. */
  address(who: string): Uint8Array {
    return this.keyring().resolveAddress(who)
  }

  /** The name of the key with this address, or of the module account it is (for friendlier output). */
  nameOf(address: string): string | undefined {
    if (!this.names) {
      let others: string[] = []
      try {
        const network = readNetwork(this.networkHome)
        const self = this.globals.city ?? (this.io.env.POLIS_CITY || network?.cities[0])
        others = network?.cities.filter((c) => c !== self) ?? []
      } catch {
        // not a network home, or an unreadable one: no bridge escrow names
      }
      this.names = moduleAccountLabels(others)
      try {
        for (const k of this.keyring().list()) this.names.set(k.address, k.name)
      } catch {
        // no keyring: module accounts only
      }
    }
    return this.names.get(address)
  }

  /** The genesis to trust for verification: --genesis FILE, else the home's genesis file. */
  trustedGenesis(file?: string): { trust: TrustedChain; path: string } {
    const path = file ? resolve(this.io.cwd, file) : this.config()?.genesisFile ?? join(this.home, 'genesis.json')
    if (!existsSync(path)) {
      throw new PolisError('invalid_request', `no trusted genesis at ${path}: pass --genesis FILE (the chain's genesis document, obtained from the city out of band)`)
    }
    let doc: unknown
    try {
      doc = JSON.parse(readFileSync(path, 'utf8'))
    } catch (e) {
      throw new PolisError('invalid_request', `genesis file ${path} is not valid JSON: ${(e as Error).message}`)
    }
    return { trust: trustGenesis(doc), path }
  }

  /** Prints `data` as JSON with --json, else the human lines. */
  print(human: string | string[] | (() => string | string[]), data: unknown): void {
    if (this.json) {
      this.io.out(toJson(data) + '\n')
      return
    }
    const h = typeof human === 'function' ? human() : human
    this.io.out((Array.isArray(h) ? h.join('\n') : h) + '\n')
  }

  /** A note for people (stderr in --json mode so that stdout stays one JSON document). */
  note(text: string): void {
    if (this.json) this.io.err(text + '\n')
    else this.io.out(text + '\n')
  }
}

export function toJson(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x instanceof Uint8Array ? Buffer.from(x).toString('hex') : x), 2)
}
