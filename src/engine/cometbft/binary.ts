/**
 * Where the cometbft binary is: $COMETBFT_BIN, else <repo>/.cache/bin/cometbft (what
 * `npm run setup:cometbft` installs), else `cometbft` on PATH.
 */
import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { spawnSync } from 'node:child_process'

export const COMETBFT_VERSION = '0.38.25'
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')

export function cometbftBinary(): string | undefined {
  const env = process.env.COMETBFT_BIN
  if (env) return existsSync(env) ? env : undefined
  const cached = join(REPO_ROOT, '.cache', 'bin', 'cometbft')
  if (existsSync(cached)) return cached
  const r = spawnSync('cometbft', ['version'], { encoding: 'utf8' })
  return r.status === 0 ? 'cometbft' : undefined
}

/** The binary, or an error that says how to install it. */
export function requireCometbft(): string {
  const b = cometbftBinary()
  if (!b) throw new Error(`cometbft ${COMETBFT_VERSION} is not installed: run \`npm run setup:cometbft\` (needs Go), or set COMETBFT_BIN`)
  return b
}

export function cometbftVersion(bin = requireCometbft()): string {
  return spawnSync(bin, ['version'], { encoding: 'utf8' }).stdout.trim()
}
