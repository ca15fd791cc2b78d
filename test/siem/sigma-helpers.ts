/** Helpers for the Sigma conformance tests: events with arbitrary fields, one-selection rules. */
import { compileRule, type CompileOptions } from '../../src/siem/sigma/detection.js'
import type { SiemEvent } from '../../src/siem/ecs.js'

export const T0 = Date.UTC(2026, 10, 24, 10, 0, 0)

/** An event carrying `fields` at its top level (where a rule's field names are looked up first). */
export function evt(fields: Record<string, unknown>, original = JSON.stringify(fields)): SiemEvent {
  return {
    '@timestamp': new Date(T0).toISOString(),
    event: { kind: 'event', category: ['host'], type: ['info'], dataset: 'json', original, hash: '00' },
    blocksiem: { category: 'E0', surface: 'S6' },
    ...fields,
  } as unknown as SiemEvent
}

/** A rule of one detection (its condition defaulting to `sel`). */
export const rule = (detection: Record<string, unknown>, opts?: CompileOptions) =>
  compileRule({ title: 'conformance', logsource: {}, detection: { condition: 'sel', ...detection } }, opts)

/** Whether `field|mods: value` matches an event with these fields. */
export const hit = (key: string, value: unknown, fields: Record<string, unknown>, opts?: CompileOptions) =>
  rule({ sel: { [key]: value } }, opts).match(evt(fields))
