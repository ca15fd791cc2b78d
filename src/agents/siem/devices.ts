/**
 * Device identity for a collector: the operator maps network identities (an IP address, or a
 * device id such as the one in an MQTT topic) to device keys; only keys that the identity module
 * knows as `device` accounts are used, re-checked periodically. The collector records the key of
 * the reporting device in `host.id` and the key behind `source.ip` in `blocksiem.source_device`.
 */
import type { PolisClient } from '../../sdk/client.js'
import type { Origin } from '../../siem/collector.js'
import type { SiemEvent } from '../../siem/ecs.js'

export interface DeviceStatus { address: string; registered: boolean; revoked: boolean }

export class DeviceDirectory {
  private verified = new Map<string, DeviceStatus>()

  /** `mapping`: network identity (IP or device id) -> device address (64 hex). */
  constructor(private readonly mapping: ReadonlyMap<string, string>) {}

  get size(): number {
    return this.mapping.size
  }

  /** Asks the chain about every mapped key; unregistered keys and non-devices are left out. */
  async refresh(client: PolisClient): Promise<DeviceStatus[]> {
    const next = new Map<string, DeviceStatus>()
    const out: DeviceStatus[] = []
    for (const [id, address] of [...this.mapping].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const a = await client.account(address)
      const st = { address, registered: !!a && a.roles.includes('device'), revoked: !!a?.revoked_at }
      out.push(st)
      if (st.registered) next.set(id, st)
    }
    this.verified = next
    return out
  }

  /** The registered device key (hex) behind a network identity, if any. */
  resolve(id: string | undefined): string | undefined {
    return id === undefined ? undefined : this.verified.get(id)?.address
  }

  enrich(e: SiemEvent, origin: Origin): void {
    const host = this.resolve(origin.device) ?? this.resolve(origin.address)
    if (host) e.host = { ...e.host, id: host }
    const src = this.resolve(e.source?.ip)
    if (src) e.blocksiem.source_device = src
  }
}
