/**
 * Relayer configuration file (JSON):
 *
 *   { "a": { "url": "http://127.0.0.1:26680", "client": "to-b", "key_file": "relayer-a.json" },
 *     "b": { "url": "http://127.0.0.1:26681", "client": "to-a", "key_file": "relayer-b.json" },
 *     "interval_ms": 200, "batch_size": 31, "start_height": 1, "state_file": "relayer-state.json" }
 *
 * `client` is the id of that chain's client of the other chain; `key_file` a Polis key file
 * (`polis/ed25519`, mode 0600) of an account with role `relayer` on that chain (relative paths are
 * read from the config file's directory). `state_file` (optional) keeps the scan heights across
 * restarts (scan-state.ts); without it a restart reads both chains from `start_height`.
 * `comet_rpc` (optional, per side): the CometBFT RPC URL of a chain that runs under CometBFT; its
 * headers and light blocks are read from there (`cometRpc`, cometbft-headers.ts).
 */
import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { PolisError } from '../../base/errors.js'
import { loadKeyFile } from '../../sdk/keys.js'
import type { RelayerOptions, RelayerSide } from './relayer.js'

function bad(msg: string): never {
  throw new PolisError('invalid_request', msg)
}

export function loadRelayerConfig(path: string): RelayerOptions {
  let raw: unknown
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'))
  } catch (e) {
    bad(`relayer config ${path}: ${(e as Error).message}`)
  }
  if (typeof raw !== 'object' || raw === null) bad('relayer config must be a JSON object')
  const c = raw as Record<string, unknown>
  const side = (name: 'a' | 'b'): RelayerSide => {
    const s = c[name] as Record<string, unknown> | undefined
    if (typeof s !== 'object' || s === null) bad(`relayer config: "${name}" missing`)
    if (typeof s.url !== 'string' || !/^https?:\/\//.test(s.url)) bad(`relayer config: ${name}.url must be an http(s) URL`)
    if (typeof s.client !== 'string' || !/^[a-z][a-z0-9-]{0,31}$/.test(s.client)) bad(`relayer config: ${name}.client must be a client id`)
    if (typeof s.key_file !== 'string') bad(`relayer config: ${name}.key_file missing`)
    if (s.comet_rpc !== undefined && (typeof s.comet_rpc !== 'string' || !/^https?:\/\//.test(s.comet_rpc))) bad(`relayer config: ${name}.comet_rpc must be an http(s) URL`)
    return {
      url: s.url.replace(/\/+$/, ''), clientId: s.client, key: loadKeyFile(resolve(dirname(path), s.key_file)),
      ...(typeof s.comet_rpc === 'string' ? { cometRpc: s.comet_rpc.replace(/\/+$/, '') } : {}),
    }
  }
  const num = (k: string): number | undefined => {
    const v = c[k]
    if (v === undefined) return undefined
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) bad(`relayer config: ${k} must be a positive integer`)
    return v
  }
  const start = num('start_height')
  if (c.state_file !== undefined && (typeof c.state_file !== 'string' || c.state_file === '')) bad('relayer config: state_file must be a file path')
  return {
    a: side('a'), b: side('b'), intervalMs: num('interval_ms'), batchSize: num('batch_size'), startHeight: start === undefined ? undefined : BigInt(start),
    statePath: typeof c.state_file === 'string' ? resolve(dirname(path), c.state_file) : undefined,
  }
}
