/**
 * What the public-service command groups (bills, complaints, vehicles) share: parsers of their
 * arguments, the salt of a commitment, and the --height option of their queries.
 */
import { randomBytes } from 'node:crypto'
import type { Command } from 'commander'
import { PolisError } from '../../base/errors.js'
import { fromHex } from '../../base/bytes.js'

/** A salt: --salt (64 hex), else 32 random bytes. */
export function saltOf(s: string | undefined): { salt: Uint8Array; generated: boolean } {
  if (s === undefined) return { salt: new Uint8Array(randomBytes(32)), generated: true }
  if (!/^[0-9a-fA-F]{64}$/.test(s)) throw new PolisError('invalid_request', '--salt must be 32 bytes (64 hex characters)')
  return { salt: fromHex(s.toLowerCase()), generated: false }
}

/** A positive integer argument, as its decimal string. */
export function positive(v: string, what: string): string {
  if (!/^[1-9][0-9]{0,19}$/.test(v)) throw new PolisError('invalid_request', `${what} must be a positive integer (got "${v}")`)
  return v
}

/** 32 bytes given as 64 hex characters, refused with `message` otherwise. */
export function hex32(v: string, message: string): Uint8Array {
  if (!/^[0-9a-fA-F]{64}$/.test(v)) throw new PolisError('invalid_request', message)
  return fromHex(v.toLowerCase())
}

export const heightOpt = (cmd: Command) => cmd.option('--height <h>', 'read the state as of this block (default: the latest)')
export function heightOf(v: string | undefined): bigint | undefined {
  if (v === undefined) return undefined
  return BigInt(positive(v, '--height'))
}
