/**
 * Device identity for a collector: the operator maps network identities (an IP address, or a
 * device id such as the one in an MQTT topic) to device keys; only keys that the identity module
 * knows as `device` accounts are used, re-checked periodically with the threat-intelligence
 * blocklist. The collector records the key of the reporting device in `host.id` and the key behind
 * `source.ip` in `blocksiem.source_device`, and flags the events that name a listed device key or
 * IP address (identity.ts): they are evidence, so they are logged, never dropped.
 */
import type { PolisClient } from '../../sdk/polis-client.js'
import { PolisError } from '../../base/errors.js'
import type { Origin } from '../../siem/origin.js'
import type { SiemEvent } from '../../siem/ecs.js'
import { applyDeviceIdentity, NOTHING_LISTED, type ListedIndicators } from '../../siem/identity.js'
import { MODULE as THREATINTEL } from '../../modules/threatintel/types.js'

export interface DeviceStatus { address: string; registered: boolean; revoked: boolean; listed: boolean }

/** Blocklist entries read per kind, at most (the query's page limit). */
export const MAX_LISTED = 1000

/** The active blocklist entries of the chain (empty if the chain runs no threatintel module). */
export async function fetchListed(client: PolisClient): Promise<ListedIndicators & { truncated: boolean }> {
  const kind = async (k: 'device' | 'ip') => {
    const r = await client.query<{ entries: Array<{ value: string; active: boolean }> }>(THREATINTEL, 'blocklist', { kind: k, limit: String(MAX_LISTED) }).catch((e) => {
      if (e instanceof PolisError && e.errorName === 'not_found') return { entries: [] } // a chain without the threatintel module
      throw e
    })
    return r.entries.filter((e) => e.active).map((e) => e.value)
  }
  const [devices, ips] = await Promise.all([kind('device'), kind('ip')])
  return { devices: new Set(devices), ips: new Set(ips), truncated: devices.length >= MAX_LISTED || ips.length >= MAX_LISTED }
}

export class DeviceDirectory {
  private verified = new Map<string, string>()
  private blocked: ListedIndicators = NOTHING_LISTED

  /** `mapping`: network identity (IP or device id) -> device address (64 hex). */
  constructor(private readonly mapping: ReadonlyMap<string, string>) {}

  get size(): number {
    return this.mapping.size
  }

  /** Asks the chain about the blocklist and every mapped key; unregistered keys and non-devices are left out. */
  async refresh(client: PolisClient): Promise<DeviceStatus[]> {
    this.blocked = await fetchListed(client)
    const next = new Map<string, string>()
    const out: DeviceStatus[] = []
    for (const [id, address] of [...this.mapping].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const a = await client.account(address)
      const st = { address, registered: !!a && a.roles.includes('device'), revoked: !!a?.revoked_at, listed: this.blocked.devices.has(address) }
      out.push(st)
      if (st.registered) next.set(id, address)
    }
    this.verified = next
    return out
  }

  /** The verified table: network identity -> registered device key (hex). */
  get table(): ReadonlyMap<string, string> {
    return this.verified
  }

  /** The blocklist as of the last refresh. */
  get listed(): ListedIndicators {
    return this.blocked
  }

  enrich(e: SiemEvent, origin: Origin): void {
    applyDeviceIdentity(e, origin, this.verified, this.blocked)
  }
}
