/**
 * Device identity on an event, from a table of verified devices (network identity: an IP address
 * or a device id -> registered device key, hex): the reporting device's key goes to `host.id`, the
 * key behind `source.ip` to `blocksiem.source_device`. Then threat intelligence: an event that
 * names an indicator on the chain's blocklist (a device key or an IP address received from a peer
 * city) is logged as any other but flagged with the label `threatintel.blocklisted` ("kind:value",
 * comma-separated, sorted). Pure, so parse workers apply it too.
 */
import type { Origin } from './origin.js'
import type { SiemEvent } from './ecs.js'

/** The blocklist as a collector holds it: device keys (hex) and IP addresses, as the chain spells them. */
export interface ListedIndicators { devices: ReadonlySet<string>; ips: ReadonlySet<string> }
export const NOTHING_LISTED: ListedIndicators = { devices: new Set(), ips: new Set() }
export const LISTED_LABEL = 'threatintel.blocklisted'

export function applyDeviceIdentity(e: SiemEvent, origin: Origin, devices: ReadonlyMap<string, string>, listed: ListedIndicators = NOTHING_LISTED): void {
  if (devices.size > 0) {
    const host = (origin.device !== undefined ? devices.get(origin.device) : undefined) ?? (origin.address !== undefined ? devices.get(origin.address) : undefined)
    if (host) e.host = { ...e.host, id: host }
    const src = e.source?.ip !== undefined ? devices.get(e.source.ip) : undefined
    if (src) e.blocksiem.source_device = src
  }
  if (listed.devices.size === 0 && listed.ips.size === 0) return
  const hits = new Set<string>()
  for (const d of [e.host?.id, e.blocksiem.source_device]) if (d !== undefined && listed.devices.has(d)) hits.add(`device:${d}`)
  for (const ip of [origin.address, e.source?.ip, e.destination?.ip]) if (ip !== undefined && listed.ips.has(ip)) hits.add(`ip:${ip}`)
  if (hits.size > 0) e.labels = { ...e.labels, [LISTED_LABEL]: [...hits].sort().join(',') }
}
