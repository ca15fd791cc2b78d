/**
 * Device identity on an event, from a table of verified devices (network identity: an IP address
 * or a device id -> registered device key, hex): the reporting device's key goes to `host.id`, the
 * key behind `source.ip` to `blocksiem.source_device`. Pure, so parse workers apply it too.
 */
import type { Origin } from './origin.js'
import type { SiemEvent } from './ecs.js'

export function applyDeviceIdentity(e: SiemEvent, origin: Origin, devices: ReadonlyMap<string, string>): void {
  const host = (origin.device !== undefined ? devices.get(origin.device) : undefined) ?? (origin.address !== undefined ? devices.get(origin.address) : undefined)
  if (host) e.host = { ...e.host, id: host }
  const src = e.source?.ip !== undefined ? devices.get(e.source.ip) : undefined
  if (src) e.blocksiem.source_device = src
}
