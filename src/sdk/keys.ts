/**
 * Key files. A Polis key file is JSON holding an Ed25519 seed:
 *   { "type": "polis/ed25519", "name": "citizen-1", "address": "<64 hex: public key>", "seed": "<64 hex>" }
 * It is written with mode 0600 (its directory 0700) and refused on load when group or others may
 * read it, like ssh does: whoever reads the seed acts as the account.
 * A `Keyring` is a directory of such files, `<name>.json`, e.g. `<home>/keys`.
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, writeSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { PolisError } from '../base/errors.js'
import { bytesEqual, fromHex, toHex } from '../base/bytes.js'
import { generateKeyPair, keyPairFromSeed, type KeyPair } from '../crypto/keys.js'

export type { KeyPair } from '../crypto/keys.js'
export { generateKeyPair, keyPairFromSeed } from '../crypto/keys.js'

export const KEY_FILE_TYPE = 'polis/ed25519'
export const KEY_NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9._-]{0,63}$/
const HEX32 = /^[0-9a-f]{64}$/

export interface KeyFile {
  type: typeof KEY_FILE_TYPE
  name: string
  address: string
  seed: string
}

/** A key pair with its name and address (the lowercase hex of its public key). */
export interface NamedKey extends KeyPair {
  readonly name: string
  readonly address: string
  readonly path?: string
}

export function addressOf(key: KeyPair | Uint8Array): string {
  return toHex(key instanceof Uint8Array ? key : key.publicKey)
}

export function named(key: KeyPair, name: string, path?: string): NamedKey {
  return { publicKey: key.publicKey, seed: key.seed, sign: key.sign, name, address: toHex(key.publicKey), path }
}

/** True where file modes mean something (not on Windows). */
const POSIX = process.platform !== 'win32'

/** Refuses a secret file that group or others can access. */
export function checkSecretFileMode(path: string): void {
  if (!POSIX) return
  const mode = statSync(path).mode & 0o777
  if (mode & 0o077) {
    throw new PolisError('invalid_request', `key file ${path} is accessible by group or others (mode ${mode.toString(8).padStart(4, '0')}); run: chmod 600 ${path}`)
  }
}

/** Writes a secret file with mode 0600; refuses to overwrite unless `overwrite`. */
export function writeSecretFile(path: string, content: string, overwrite = false): void {
  const fd = openSync(path, overwrite ? 'w' : 'wx', 0o600)
  try {
    writeSync(fd, content)
  } finally {
    closeSync(fd)
  }
  if (POSIX) chmodSync(path, 0o600) // the mode given to open is masked by umask; an existing file keeps its own
}

export function saveKeyFile(path: string, key: KeyPair, name: string, opts: { overwrite?: boolean } = {}): NamedKey {
  if (!KEY_NAME_PATTERN.test(name)) throw new PolisError('invalid_request', `key name "${name}" must be 1..64 of letters, digits, . _ - (starting with a letter or digit)`)
  const file: KeyFile = { type: KEY_FILE_TYPE, name, address: toHex(key.publicKey), seed: toHex(key.seed) }
  try {
    writeSecretFile(path, JSON.stringify(file, null, 2) + '\n', opts.overwrite)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new PolisError('already_exists', `key file ${path} already exists`)
    throw e
  }
  return named(key, name, path)
}

export function loadKeyFile(path: string): NamedKey {
  if (!existsSync(path)) throw new PolisError('not_found', `no key file at ${path}`)
  checkSecretFileMode(path)
  let f: Partial<KeyFile>
  try {
    f = JSON.parse(readFileSync(path, 'utf8')) as Partial<KeyFile>
  } catch (e) {
    throw new PolisError('invalid_request', `key file ${path} is not valid JSON: ${(e as Error).message}`)
  }
  if (typeof f !== 'object' || f === null || f.type !== KEY_FILE_TYPE || typeof f.seed !== 'string' || !HEX32.test(f.seed)) {
    throw new PolisError('invalid_request', `key file ${path} is not a Polis key file (expected {"type":"${KEY_FILE_TYPE}","seed":"<64 hex>",…})`)
  }
  const key = keyPairFromSeed(fromHex(f.seed))
  if (f.address !== undefined && (typeof f.address !== 'string' || !bytesEqual(fromHex(f.address), key.publicKey))) {
    throw new PolisError('invalid_request', `key file ${path}: the address does not match the seed`)
  }
  const name = typeof f.name === 'string' && f.name ? f.name : path.replace(/^.*[\\/]/, '').replace(/\.json$/, '')
  return named(key, name, path)
}

/** A directory of key files named `<name>.json`. */
export class Keyring {
  readonly dir: string
  constructor(dir: string) {
    this.dir = resolve(dir)
  }

  pathOf(name: string): string {
    if (!KEY_NAME_PATTERN.test(name)) throw new PolisError('invalid_request', `key name "${name}" must be 1..64 of letters, digits, . _ - (starting with a letter or digit)`)
    return join(this.dir, name + '.json')
  }

  has(name: string): boolean {
    return KEY_NAME_PATTERN.test(name) && existsSync(this.pathOf(name))
  }

  /** Creates a key (random unless a seed is given) and writes it 0600; refuses an existing name. */
  add(name: string, seed?: Uint8Array): NamedKey {
    const path = this.pathOf(name)
    mkdirSync(this.dir, { recursive: true, mode: 0o700 })
    if (existsSync(path)) throw new PolisError('already_exists', `a key named "${name}" already exists (${path})`)
    return saveKeyFile(path, seed ? keyPairFromSeed(seed) : generateKeyPair(), name)
  }

  get(name: string): NamedKey {
    const path = this.pathOf(name)
    if (!existsSync(path)) throw new PolisError('not_found', `no key named "${name}" in ${this.dir}${this.names().length ? ` (have: ${this.names().join(', ')})` : ''}`)
    return loadKeyFile(path)
  }

  names(): string[] {
    if (!existsSync(this.dir)) return []
    return readdirSync(this.dir).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).filter((n) => KEY_NAME_PATTERN.test(n)).sort(naturalCompare)
  }

  /** Every key's name and address (public information: the seeds are not loaded). */
  list(): Array<{ name: string; address: string; path: string }> {
    return this.names().map((n) => ({ name: n, address: toHex(this.resolveAddress(n)), path: this.pathOf(n) }))
  }

  /**
   * An address from a 64-hex string or from the name of a key in this ring. Only the public key
   * is needed here, so the file's address field is read without loading the seed.
   */
  resolveAddress(nameOrAddress: string): Uint8Array {
    if (HEX32.test(nameOrAddress.toLowerCase())) return fromHex(nameOrAddress.toLowerCase())
    if (this.has(nameOrAddress)) {
      let f: Partial<KeyFile> | undefined
      try {
        f = JSON.parse(readFileSync(this.pathOf(nameOrAddress), 'utf8')) as Partial<KeyFile>
      } catch {
        f = undefined
      }
      if (f && typeof f.address === 'string' && HEX32.test(f.address)) return fromHex(f.address)
      return this.get(nameOrAddress).publicKey // derives it from the seed, or says what is wrong with the file
    }
    throw new PolisError('invalid_request', `"${nameOrAddress}" is neither an address (64 hex characters) nor the name of a key in ${this.dir}`)
  }
}

/** "citizen-2" before "citizen-10". */
export function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true })
}
