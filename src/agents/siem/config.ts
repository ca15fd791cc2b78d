/**
 * Agent configuration files (JSON) for `polis siem collector start` and `polis siem correlator
 * start`; every field can also be given as a command-line option, which wins. Collector:
 *
 *   { "node": "http://127.0.0.1:26680", "key": "gw-1", "name": "gw-1", "data_dir": "siem-gw-1",
 *     "host": "127.0.0.1", "api_port": 8089, "syslog_udp_port": 5514, "syslog_tcp_port": 5514,
 *     "mqtt_port": 1883 | "mqtt_url": "mqtt://broker:1883", "mqtt_topics": ["siem/#"], "mqtt_device_level": 1,
 *     "devices": { "10.0.0.17": "camera-17", "cam-17": "<64 hex>" }, "anchor_interval_ms": 1000,
 *     "workers": 2 }
 *
 * Correlator: { "node": …, "key": "soc-a", "collectors": ["http://127.0.0.1:8089"], "interval_ms": 200, "data_dir": "soc-a-replicas",
 *   "rules": "sigma/rules", "placeholders": "sigma/placeholders.yml" } (rules: a folder of the team's own Sigma rules,
 *   run with the shipped ones; placeholders: values of the `expand` modifier's %placeholders%)
 *
 * `key` is a keyring name or a key file path (relative to the config file); device keys are
 * keyring names or addresses.
 */
import { readFileSync } from 'node:fs'
import { dirname, isAbsolute, resolve } from 'node:path'
import { PolisError } from '../../base/errors.js'

function bad(msg: string): never {
  throw new PolisError('invalid_request', msg)
}

export interface CollectorFileConfig {
  node?: string
  key?: string
  name?: string
  data_dir?: string
  host?: string
  api_port?: number
  syslog_udp_port?: number
  syslog_tcp_port?: number
  mqtt_port?: number
  mqtt_url?: string
  mqtt_topics?: string[]
  mqtt_device_level?: number
  devices?: Record<string, string>
  anchor_interval_ms?: number
  workers?: number
}

export interface CorrelatorFileConfig {
  node?: string
  key?: string
  collectors?: string[]
  interval_ms?: number
  data_dir?: string
  rules?: string
  placeholders?: string
}

const PORT_FIELDS = ['api_port', 'syslog_udp_port', 'syslog_tcp_port', 'mqtt_port']

function readJson(path: string): Record<string, unknown> {
  let raw: unknown
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'))
  } catch (e) {
    bad(`config ${path}: ${(e as Error).message}`)
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) bad(`config ${path} must be a JSON object`)
  return raw as Record<string, unknown>
}

function check(c: Record<string, unknown>, path: string, allowed: string[]): void {
  for (const k of Object.keys(c)) if (!allowed.includes(k)) bad(`config ${path}: unknown field "${k}" (known: ${allowed.join(', ')})`)
  for (const k of ['node', 'key', 'name', 'data_dir', 'host', 'mqtt_url', 'rules', 'placeholders']) if (c[k] !== undefined && typeof c[k] !== 'string') bad(`config ${path}: ${k} must be a string`)
  for (const k of PORT_FIELDS) if (c[k] !== undefined) port(c[k], `${path}: ${k}`)
  for (const k of ['anchor_interval_ms', 'interval_ms']) if (c[k] !== undefined && !(Number.isInteger(c[k]) && (c[k] as number) >= 10 && (c[k] as number) <= 600_000)) bad(`config ${path}: ${k} must be an integer from 10 to 600000`)
}

export function port(v: unknown, what: string): number {
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v
  if (!Number.isInteger(n) || (n as number) < 0 || (n as number) > 65535) bad(`${what} must be a port number (0 = any free port)`)
  return n as number
}

/** A key given in a config file: a path relative to the file stays relative to it. */
const keyRef = (k: string, base: string) => (k.includes('/') && !isAbsolute(k) ? resolve(base, k) : k)

export function loadCollectorConfig(path: string): CollectorFileConfig {
  const c = readJson(path)
  check(c, path, ['node', 'key', 'name', 'data_dir', 'host', 'api_port', 'syslog_udp_port', 'syslog_tcp_port', 'mqtt_port', 'mqtt_url', 'mqtt_topics', 'mqtt_device_level', 'devices', 'anchor_interval_ms', 'workers'])
  if (c.workers !== undefined && !(Number.isInteger(c.workers) && (c.workers as number) >= 0 && (c.workers as number) <= 64)) bad(`config ${path}: workers must be an integer from 0 to 64`)
  if (c.mqtt_topics !== undefined && !(Array.isArray(c.mqtt_topics) && c.mqtt_topics.length > 0 && c.mqtt_topics.every((t) => typeof t === 'string' && t.length > 0))) bad(`config ${path}: mqtt_topics must be a list of topic filters`)
  if (c.mqtt_device_level !== undefined && !(Number.isInteger(c.mqtt_device_level) && (c.mqtt_device_level as number) >= 0 && (c.mqtt_device_level as number) < 16)) bad(`config ${path}: mqtt_device_level must be a topic level 0..15`)
  if (c.devices !== undefined && (typeof c.devices !== 'object' || c.devices === null || Array.isArray(c.devices) || Object.values(c.devices).some((v) => typeof v !== 'string'))) bad(`config ${path}: devices must map IP addresses or device ids to device keys`)
  const base = dirname(path)
  const out = c as CollectorFileConfig
  return { ...out, key: out.key && keyRef(out.key, base), data_dir: out.data_dir && resolve(base, out.data_dir) }
}

export function loadCorrelatorConfig(path: string): CorrelatorFileConfig {
  const c = readJson(path)
  check(c, path, ['node', 'key', 'collectors', 'interval_ms', 'data_dir', 'rules', 'placeholders'])
  if (c.collectors !== undefined && !(Array.isArray(c.collectors) && c.collectors.every((u) => typeof u === 'string' && /^https?:\/\//.test(u)))) bad(`config ${path}: collectors must be a list of collector API URLs`)
  const out = c as CorrelatorFileConfig
  const base = dirname(path)
  return { ...out, key: out.key && keyRef(out.key, base), data_dir: out.data_dir && resolve(base, out.data_dir), rules: out.rules && resolve(base, out.rules), placeholders: out.placeholders && resolve(base, out.placeholders) }
}

/** `--device ID=KEY` options (repeatable) as a map. */
export function parseDeviceFlags(flags: string[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (const f of flags) {
    const i = f.indexOf('=')
    if (i < 1 || i === f.length - 1) bad(`--device must be ID=KEY (an IP address or device id, and a key name or address), got ${f}`)
    out[f.slice(0, i)] = f.slice(i + 1)
  }
  return out
}
