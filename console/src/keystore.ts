/**
 * Keys stay in the browser. A key is stored in localStorage only encrypted: AES-256-GCM under a key
 * derived from the user's passphrase (PBKDF2-SHA-256, 600,000 iterations, a random salt per key).
 * An unlocked key lives in this tab's memory until it is locked or the tab closes; the seed is
 * never sent anywhere, never logged, and never written unencrypted.
 */
import { generateKeyPair, keyPairFromSeed, type KeyPair } from '../../src/crypto/keys.ts'
import { bytesEqual, fromHex, toHex } from '../../src/base/bytes.ts'

export const KEY_FILE_TYPE = 'polis/ed25519'
const NAME = /^[a-zA-Z0-9][a-zA-Z0-9._-]{0,63}$/
const STORE = 'polis.keys'
const ITERATIONS = 600_000

export interface StoredKey { name: string; address: string; salt: string; iv: string; ct: string; iterations: number }
export interface UnlockedKey extends KeyPair { name: string; address: string }

export class KeyError extends Error {
  override name = 'KeyError'
}

export function storedKeys(): StoredKey[] {
  try {
    const v = JSON.parse(localStorage.getItem(STORE) ?? '[]') as unknown
    return Array.isArray(v) ? (v as StoredKey[]) : []
  } catch {
    return []
  }
}

function save(keys: StoredKey[]): void {
  localStorage.setItem(STORE, JSON.stringify(keys))
}

const unlocked = new Map<string, UnlockedKey>()
export const unlockedKeys = (): UnlockedKey[] => [...unlocked.values()]
export const lock = (address: string) => unlocked.delete(address)

async function wrapKey(passphrase: string, salt: Uint8Array, iterations: number): Promise<CryptoKey> {
  const base = await crypto.subtle.importKey('raw', new TextEncoder().encode(passphrase), 'PBKDF2', false, ['deriveKey'])
  return crypto.subtle.deriveKey({ name: 'PBKDF2', hash: 'SHA-256', salt: salt as BufferSource, iterations }, base, { name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt'])
}

function checkNew(name: string, passphrase: string): void {
  if (!NAME.test(name)) throw new KeyError('A key name is 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit.')
  if (passphrase.length < 8) throw new KeyError('Choose a passphrase of at least 8 characters.')
  if (storedKeys().some((k) => k.name === name)) throw new KeyError(`A key named "${name}" is already stored in this browser.`)
}

async function store(name: string, key: KeyPair, passphrase: string): Promise<UnlockedKey> {
  const salt = crypto.getRandomValues(new Uint8Array(16))
  const iv = crypto.getRandomValues(new Uint8Array(12))
  const address = toHex(key.publicKey)
  const ct = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: new TextEncoder().encode(address) }, await wrapKey(passphrase, salt, ITERATIONS), key.seed as BufferSource))
  const keys = storedKeys()
  if (keys.some((k) => k.address === address)) throw new KeyError(`This key (${address.slice(0, 12)}…) is already stored as "${keys.find((k) => k.address === address)!.name}".`)
  save([...keys, { name, address, salt: toHex(salt), iv: toHex(iv), ct: toHex(ct), iterations: ITERATIONS }])
  const u: UnlockedKey = { ...key, sign: key.sign, name, address }
  unlocked.set(address, u)
  return u
}

export async function createKey(name: string, passphrase: string): Promise<UnlockedKey> {
  checkNew(name, passphrase)
  return store(name, generateKeyPair(), passphrase)
}

/** Reads a Polis key file (`polis keys add` writes them); throws KeyError saying what is wrong. */
export function parseKeyFile(text: string, fallbackName: string): { name: string; key: KeyPair } {
  let f: Record<string, unknown>
  try {
    f = JSON.parse(text) as Record<string, unknown>
  } catch {
    throw new KeyError('This file is not a Polis key file: it is not JSON.')
  }
  if (typeof f !== 'object' || f === null || f.type !== KEY_FILE_TYPE || typeof f.seed !== 'string' || !/^[0-9a-f]{64}$/.test(f.seed)) {
    throw new KeyError(`This file is not a Polis key file: expected {"type": "${KEY_FILE_TYPE}", "seed": "<64 hex>", …}.`)
  }
  const key = keyPairFromSeed(fromHex(f.seed))
  if (f.address !== undefined && (typeof f.address !== 'string' || !/^[0-9a-fA-F]{64}$/.test(f.address) || !bytesEqual(fromHex(f.address), key.publicKey))) {
    throw new KeyError('This key file is damaged: its address does not match its seed.')
  }
  const name = typeof f.name === 'string' && NAME.test(f.name) ? f.name : fallbackName.replace(/\.json$/, '')
  return { name, key }
}

export async function importKeyFile(text: string, fileName: string, passphrase: string, name?: string): Promise<UnlockedKey> {
  const f = parseKeyFile(text, fileName)
  const n = name || f.name
  checkNew(n, passphrase)
  return store(n, f.key, passphrase)
}

export async function unlock(address: string, passphrase: string): Promise<UnlockedKey> {
  const k = storedKeys().find((x) => x.address === address)
  if (!k) throw new KeyError('No such key in this browser.')
  let seed: Uint8Array
  try {
    seed = new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv: fromHex(k.iv) as BufferSource, additionalData: new TextEncoder().encode(k.address) }, await wrapKey(passphrase, fromHex(k.salt), k.iterations), fromHex(k.ct) as BufferSource))
  } catch {
    throw new KeyError(`Wrong passphrase for "${k.name}".`)
  }
  const key = keyPairFromSeed(seed)
  if (toHex(key.publicKey) !== k.address) throw new KeyError(`The stored key "${k.name}" is damaged.`)
  const u: UnlockedKey = { ...key, sign: key.sign, name: k.name, address: k.address }
  unlocked.set(address, u)
  return u
}

export function forget(address: string): void {
  unlocked.delete(address)
  save(storedKeys().filter((k) => k.address !== address))
}
