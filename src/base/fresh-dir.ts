/** Refusing to write into a directory that already holds something: no command mixes into or overwrites an existing home. */
import { existsSync, readdirSync, statSync } from 'node:fs'
import { PolisError } from './errors.js'

/**
 * Throws `already_exists` naming `dir` unless it is missing or empty (entries in `allowed` aside).
 * `what` says what was to be written there, e.g. "a testnet".
 */
export function assertFreshDir(dir: string, what: string, allowed: readonly string[] = []): void {
  if (!existsSync(dir)) return
  if (!statSync(dir).isDirectory()) throw new PolisError('already_exists', `${dir} exists and is not a directory: ${what} needs a new directory (nothing was written)`)
  const held = readdirSync(dir).filter((e) => !allowed.includes(e)).sort()
  if (held.length) throw new PolisError('already_exists', `${dir} is not empty (holds ${held.slice(0, 5).join(', ')}${held.length > 5 ? ', …' : ''}): ${what} goes into a new or empty directory; nothing was written (choose another directory)`)
}
