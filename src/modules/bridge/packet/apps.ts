/**
 * The apps a bridge module serves, by payload `app` name. Each bridge module is built with its own
 * table (no process-wide registry), so which apps a chain runs is fixed by its module list; the
 * composition (src/chain/bridge-apps.ts) makes the table.
 */
import type { CborValue } from '../../../codec/cbor.js'
import { fail } from '../../../base/errors.js'
import type { BridgeApp } from '../types.js'
import { decodePayload } from './codec.js'

export type BridgeApps = ReadonlyMap<string, BridgeApp>

export function bridgeApps(entries: ReadonlyArray<readonly [string, BridgeApp]>): BridgeApps {
  const m = new Map<string, BridgeApp>()
  for (const [name, app] of entries) {
    if (m.has(name)) throw new Error(`bridge app "${name}" given twice`)
    m.set(name, app)
  }
  return m
}

/** The app a payload is for, and its data; an unknown app or a malformed payload is refused (invalid_message). */
export function appOf(apps: BridgeApps, payload: Uint8Array): { app: BridgeApp; data: Record<string, CborValue> } {
  const p = decodePayload(payload)
  const app = apps.get(p.app)
  if (!app) fail('invalid_message', `no bridge app "${p.app}"`)
  return { app, data: p.data }
}
