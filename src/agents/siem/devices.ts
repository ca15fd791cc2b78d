/**
 * Device identity for a collector: the operator maps network identities (an IP address, or a
 * device id such as the one in an MQTT topic) to device keys; only keys that the identity module
 * knows as `device` accounts are used, re-checked periodically. The collector records the key of
 * the reporting device in `host.id` and the key behind `source.ip` in `blocksiem.source_device`.
 */
import type { PolisClient } from '../../sdk/polis-client.js'
import type { Origin } from '../../siem/origin.js'
import type { SiemEvent } from '../../siem/ecs.js'
import { applyDeviceIdentity } from '../../siem/identity.js'

export interface DeviceStatus { address: string; registered: boolean; revoked: boolean }

export class DeviceDirectory {
  private verified = new Map<string, string>()

  /** `mapping`: network identity (IP or device id) -> device address (64 hex). */
  constructor(private readonly mapping: ReadonlyMap<string, string>) {}

  get size(): number {
    return this.mapping.size
  }

  /** Asks the chain about every mapped key; unregistered keys and non-devices are left out. */
  async refresh(client: PolisClient): Promise<DeviceStatus[]> {
    const next = new Map<string, string>()
    const out: DeviceStatus[] = []
    for (const [id, address] of [...this.mapping].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const a = await client.account(address)
      const st = { address, registered: !!a && a.roles.includes('device'), revoked: !!a?.revoked_at }
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

  enrich(e: SiemEvent, origin: Origin): void {
    applyDeviceIdentity(e, origin, this.verified)
  }
}
