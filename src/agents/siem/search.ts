/**
 * Event search filters (collector API `GET /v1/search`, `polis siem events`): every given filter
 * must match. device: `host.id` or `blocksiem.source_device`; ip: `source.ip` or `destination.ip`;
 * category: an ECS `event.category` or a Block SIEM category (E0–E10); outcome: `event.outcome`;
 * from/to: `@timestamp` range (ISO 8601 or ms since the epoch; from inclusive, to exclusive).
 */
import { isIP } from 'node:net'
import type { SiemEvent } from '../../siem/ecs.js'

export interface EventSearch { device?: string; ip?: string; category?: string; outcome?: string; from?: number; to?: number }

export class SearchError extends Error {
  override name = 'SearchError'
}

function time(v: string, name: string): number {
  const t = /^\d{1,15}$/.test(v) ? Number(v) : Date.parse(v)
  if (!Number.isFinite(t)) throw new SearchError(`${name} must be an ISO 8601 time or ms since the epoch`)
  return t
}

export function parseSearch(q: URLSearchParams): EventSearch {
  const s: EventSearch = {}
  const device = q.get('device')
  if (device !== null) {
    if (!/^[0-9a-fA-F]{64}$/.test(device)) throw new SearchError('device must be a device address (64 hex)')
    s.device = device.toLowerCase()
  }
  const ip = q.get('ip')
  if (ip !== null) {
    if (!isIP(ip)) throw new SearchError('ip must be an IP address')
    s.ip = ip
  }
  const category = q.get('category')
  if (category !== null) {
    if (!/^[A-Za-z0-9_]{1,32}$/.test(category)) throw new SearchError('category must be an ECS category or E0–E10')
    s.category = category
  }
  const outcome = q.get('outcome')
  if (outcome !== null) {
    if (!['success', 'failure', 'unknown'].includes(outcome)) throw new SearchError('outcome must be success, failure or unknown')
    s.outcome = outcome
  }
  const from = q.get('from')
  if (from !== null) s.from = time(from, 'from')
  const to = q.get('to')
  if (to !== null) s.to = time(to, 'to')
  return s
}

export function matchesSearch(e: SiemEvent, s: EventSearch): boolean {
  if (s.device && e.host?.id !== s.device && e.blocksiem.source_device !== s.device) return false
  if (s.ip && e.source?.ip !== s.ip && e.destination?.ip !== s.ip) return false
  if (s.category && !e.event.category.includes(s.category) && e.blocksiem.category !== s.category) return false
  if (s.outcome && e.event.outcome !== s.outcome) return false
  if (s.from !== undefined || s.to !== undefined) {
    const t = Date.parse(e['@timestamp'])
    if (!Number.isFinite(t)) return false
    if (s.from !== undefined && t < s.from) return false
    if (s.to !== undefined && t >= s.to) return false
  }
  return true
}
