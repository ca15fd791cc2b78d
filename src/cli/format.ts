/** Human-readable rendering of the node's answers. */
import type { AppEvent } from '../app/types.js'
import { errorNameOf } from '../base/errors.js'

/** A JSON answer of the node. */
export type Json = Record<string, unknown>

/** A field of an answer as text; undefined for null or missing. */
export const text = (v: unknown) => (v === null || v === undefined ? undefined : String(v))

/** Aligned "key  value" lines. */
export function table(rows: Array<[string, string | number | bigint | null | undefined]>, indent = ''): string[] {
  const w = Math.max(0, ...rows.map(([k]) => k.length))
  return rows.filter(([, v]) => v !== undefined).map(([k, v]) => `${indent}${k.padEnd(w)}  ${v === null ? '-' : String(v)}`)
}

/** Columns of a list, each padded to its widest cell. */
export function columns(rows: string[][], indent = ''): string[] {
  const widths: number[] = []
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)))
  return rows.map((r) => indent + r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd())
}

/** ms since the epoch (decimal string) as ISO 8601. */
export function isoTime(ms: string | bigint | undefined): string | undefined {
  if (ms === undefined) return undefined
  const n = Number(ms)
  return Number.isFinite(n) ? new Date(n).toISOString() : String(ms)
}

/** Events other than the bookkeeping ones ("tx", "message"), one per line: "bank.transfer amount=250 …". */
export function eventLines(events: AppEvent[], nameOf: (address: string) => string | undefined = () => undefined, indent = '  '): string[] {
  return events
    .filter((e) => e.type !== 'tx' && e.type !== 'message')
    .map((e) => indent + e.type + ' ' + e.attributes.map((a) => {
      const n = /^[0-9a-f]{64}$/.test(a.value) ? nameOf(a.value) : undefined
      return `${a.key}=${a.value}${n ? ` (${n})` : ''}`
    }).join(' '))
}

export function codeName(code: number): string {
  return code === 0 ? 'ok' : `${errorNameOf(code)} (${code})`
}
