/**
 * Windows event logs rendered to JSON (EVTX → JSON: `{"Event": {"System": …, "EventData": …}}`),
 * as `evtx_dump` writes them (attributes under `#attributes`) or as XML-to-JSON converters do
 * (`@Name` attributes, `EventData.Data` as a list of `{"@Name", "#text"}`). The `<System>`
 * header becomes `winlog.*` (Winlogbeat's names), every `<EventData>` / `<UserData>` field is kept
 * under its own name in `winlog.event_data` / `winlog.user_data`, so SigmaHQ's Windows rules read
 * them as written; the common ones are also set in ECS (`process.*`, `user.name`, `source.*`,
 * `destination.*`, `host.hostname`, `event.code`).
 */
import { validIp, validPort, type SiemEvent, type WinlogFields } from './ecs.js'

type WinDraft = Omit<SiemEvent, 'blocksiem' | 'event'> & { event: Omit<SiemEvent['event'], 'original' | 'hash' | 'dataset'> }

const MAX_FIELDS = 256
const MAX_VALUE = 8192

const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v)

/** A node's attribute, in either JSON rendering. */
function attr(node: unknown, name: string): unknown {
  if (!isObj(node)) return undefined
  const a = node['#attributes']
  if (isObj(a) && a[name] !== undefined) return a[name]
  return node[`@${name}`] ?? node[`_${name}`] ?? (name in node && !isObj(node[name]) ? node[name] : undefined)
}

/** A node's text: the scalar itself, or its `#text`. */
function text(node: unknown): string | undefined {
  if (node === null || node === undefined) return undefined
  if (typeof node === 'string') return node.slice(0, MAX_VALUE)
  if (typeof node === 'number' || typeof node === 'boolean') return String(node)
  if (isObj(node) && node['#text'] !== undefined) return text(node['#text'])
  return undefined
}

/** `<EventData>` / `<UserData>` as name → text (named `Data` items, or a map; nested maps flattened with dots). */
function dataFields(node: unknown): Record<string, string> {
  const out: Record<string, string> = {}
  const put = (k: string, v: unknown) => {
    if (Object.keys(out).length >= MAX_FIELDS || k === '' || k.length > 128) return
    const t = text(v)
    if (t !== undefined) out[k] = t
    else if (Array.isArray(v)) out[k] = v.map((x) => text(x) ?? '').join('\n').slice(0, MAX_VALUE)
  }
  const walk = (n: unknown, prefix: string) => {
    if (!isObj(n)) return
    for (const k of Object.keys(n).sort()) {
      if (k === '#attributes' || k.startsWith('@') || k.startsWith('xmlns')) continue
      const v = n[k]
      if (k === 'Data') {
        for (const d of Array.isArray(v) ? v : [v]) {
          const name = attr(d, 'Name')
          if (typeof name === 'string') put(prefix + name, d)
          else if (text(d) !== undefined) put(`${prefix}Data`, d)
        }
      } else if (isObj(v) && v['#text'] === undefined) walk(v, `${prefix}${k}.`)
      else put(prefix + k, v)
    }
  }
  walk(node, '')
  return out
}

/** `<UserData>` wraps its fields in one element named by the event (`<LogFileCleared>`): its fields, by their own names. */
function inner(node: unknown): unknown {
  if (!isObj(node)) return node
  const keys = Object.keys(node).filter((k) => k !== '#attributes' && !k.startsWith('@') && !k.startsWith('xmlns'))
  return keys.length === 1 && isObj(node[keys[0]!]) ? node[keys[0]!] : node
}

const num = (s: string | undefined): number | undefined => (s !== undefined && /^\d{1,10}$/.test(s) ? Number(s) : undefined)
const hexOrDec = (s: string | undefined): number | undefined =>
  s === undefined ? undefined : /^0x[0-9a-f]{1,8}$/i.test(s) ? parseInt(s, 16) : num(s)

export function isWinlogJson(o: Record<string, unknown>): boolean {
  return isObj(o.Event) && isObj((o.Event as Record<string, unknown>).System)
}

/** Windows event (JSON) → ECS draft. Throws on a document without `Event.System`. */
export function parseWinlog(o: Record<string, unknown>, receivedAt: number): WinDraft {
  const ev = o.Event
  if (!isObj(ev) || !isObj(ev.System)) throw new Error('winlog: Event.System is missing')
  const sys = ev.System
  const w: WinlogFields = {}
  const set = <K extends keyof WinlogFields>(k: K, v: WinlogFields[K] | undefined) => {
    if (v !== undefined) w[k] = v
  }
  set('channel', text(sys.Channel))
  set('event_id', text(sys.EventID))
  set('provider_name', text(attr(sys.Provider, 'Name')))
  set('provider_guid', text(attr(sys.Provider, 'Guid')))
  set('computer_name', text(sys.Computer))
  set('record_id', text(sys.EventRecordID))
  set('level', text(sys.Level))
  set('task', text(sys.Task))
  set('opcode', text(sys.Opcode))
  set('keywords', text(sys.Keywords))
  set('version', text(sys.Version))
  set('time_created', text(attr(sys.TimeCreated, 'SystemTime')))
  set('activity_id', text(attr(sys.Correlation, 'ActivityID')))
  const pid = num(text(attr(sys.Execution, 'ProcessID')))
  const tid = num(text(attr(sys.Execution, 'ThreadID')))
  if (pid !== undefined || tid !== undefined) w.process = { ...(pid !== undefined ? { pid } : {}), ...(tid !== undefined ? { thread: { id: tid } } : {}) }
  const sid = text(attr(sys.Security, 'UserID'))
  if (sid) w.user = { identifier: sid }
  if (w.event_id === undefined) throw new Error('winlog: System.EventID is missing')
  const data = dataFields(ev.EventData)
  const user = dataFields(inner(ev.UserData))
  if (Object.keys(data).length) w.event_data = data
  if (Object.keys(user).length) w.user_data = user

  const t = w.time_created !== undefined ? Date.parse(w.time_created.includes('T') || w.time_created.endsWith('Z') ? w.time_created : w.time_created.replace(' ', 'T') + 'Z') : NaN
  const d: WinDraft = {
    '@timestamp': new Date(Number.isFinite(t) ? t : receivedAt).toISOString(),
    event: { kind: 'event', category: [], type: [], code: w.event_id, ...(w.provider_name ? { action: w.provider_name } : {}) },
    winlog: w,
  }
  if (w.computer_name) d.host = { hostname: w.computer_name }
  const f = (k: string) => data[k]
  const exe = f('Image') ?? f('NewProcessName')
  const parentExe = f('ParentImage') ?? f('ParentProcessName')
  const procPid = hexOrDec(w.event_id === '4688' ? f('NewProcessId') : f('ProcessId'))
  const proc: NonNullable<SiemEvent['process']> = {}
  if (exe) {
    proc.executable = exe
    proc.name = exe.split(/[\\/]/).pop()
  }
  if (f('CommandLine')) proc.command_line = f('CommandLine')
  if (procPid !== undefined) proc.pid = procPid
  if (parentExe || f('ParentCommandLine')) proc.parent = { ...(parentExe ? { executable: parentExe } : {}), ...(f('ParentCommandLine') ? { command_line: f('ParentCommandLine') } : {}) }
  if (Object.keys(proc).length) d.process = proc
  const userName = f('TargetUserName') ?? f('User') ?? f('SubjectUserName')
  if (userName && userName !== '-') d.user = { name: userName }
  const srcIp = validIp(f('IpAddress') ?? f('SourceIp') ?? f('SourceAddress'))
  const srcPort = validPort(f('IpPort') ?? f('SourcePort'))
  if (srcIp || srcPort !== undefined) d.source = { ...(srcIp ? { ip: srcIp } : {}), ...(srcPort !== undefined ? { port: srcPort } : {}) }
  const dstIp = validIp(f('DestinationIp') ?? f('DestAddress'))
  const dstPort = validPort(f('DestinationPort') ?? f('DestPort'))
  if (dstIp || dstPort !== undefined) d.destination = { ...(dstIp ? { ip: dstIp } : {}), ...(dstPort !== undefined ? { port: dstPort } : {}) }
  const id = w.event_id
  if (['4624', '4625', '4648', '4776', '4771', '4768', '4769'].includes(id)) {
    d.event.category = ['authentication']
    d.event.type = ['start']
    d.event.outcome = ['4625', '4771'].includes(id) ? 'failure' : 'success'
  } else if (exe && (id === '1' || id === '4688')) {
    d.event.category = ['process']
    d.event.type = ['start']
  } else if (id === '3' && w.channel === 'Microsoft-Windows-Sysmon/Operational') {
    d.event.category = ['network']
    d.event.type = ['connection']
  } else {
    d.event.category = ['host']
    d.event.type = ['info']
  }
  return d
}
