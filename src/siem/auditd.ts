/**
 * Linux audit records (auditd.log lines, or the same record inside a syslog message from the
 * audisp syslog plugin): `type=EXECVE msg=audit(1700000000.123:456): argc=2 a0="chmod" …`.
 * Every key=value is kept under `auditd.data` by its own name (what SigmaHQ's `service: auditd`
 * rules name: `a0`, `exe`, `comm`, `key`, `name`, …), the record type in `auditd.message_type`;
 * values auditd writes hex-encoded (strings with spaces or special characters, and `proctitle`,
 * whose arguments are NUL-separated) are decoded. `exe`, `comm`, `pid` also go to `process.*`.
 */
import type { SiemEvent } from './ecs.js'

type AuditDraft = Omit<SiemEvent, 'blocksiem' | 'event'> & { event: Omit<SiemEvent['event'], 'original' | 'hash' | 'dataset'> }

const RECORD = /(?:^|\s)type=([A-Z_0-9]+|[a-z_0-9]+) msg=audit\((\d+)(?:\.(\d{1,3}))?\d*:(\d+)\):\s?/
const PAIR = /([A-Za-z_][A-Za-z0-9_-]{0,63})=("([^"]*)"|'([^']*)'|(\S+))/g
/** fields whose unquoted value is hex-encoded text (for EXECVE also a0, a1, …; elsewhere a0–a3 are register values) */
const TEXT = new Set(['proctitle', 'name', 'cwd', 'exe', 'comm', 'path', 'data', 'cmd', 'old', 'new', 'ocomm', 'sig', 'acct'])
const MAX_FIELDS = 128

export const isAuditRecord = (text: string): boolean => RECORD.test(text)

function hexText(v: string): string | undefined {
  if (v.length < 2 || v.length % 2 || !/^[0-9A-Fa-f]+$/.test(v)) return undefined
  return Buffer.from(v, 'hex').toString('utf8').replace(/\0+$/, '').replace(/\0/g, ' ')
}

/** The audit record in `text` as ECS fields (undefined when there is none). */
export function auditFields(text: string): { t: number; fields: NonNullable<SiemEvent['auditd']>; process?: SiemEvent['process'] } | undefined {
  const m = RECORD.exec(text)
  if (!m) return undefined
  const type = m[1]!.toUpperCase()
  const data: Record<string, string> = {}
  const body = text.slice(m.index + m[0].length).replace(/\x1d/g, ' ')
  let n = 0
  for (const p of body.matchAll(PAIR)) {
    if (++n > MAX_FIELDS) break
    const k = p[1]!
    const quoted = p[3] ?? p[4]
    let v = quoted ?? p[5]!
    if (quoted === undefined && (TEXT.has(k) || (type === 'EXECVE' && /^a\d+$/.test(k)))) v = hexText(v) ?? v
    if (!(k in data)) data[k] = v.slice(0, 8192)
  }
  const fields = { message_type: type, sequence: Number(m[4]), data }
  const process: NonNullable<SiemEvent['process']> = {}
  if (data.exe) process.executable = data.exe
  if (data.comm) process.name = data.comm
  if (data.pid && /^\d{1,10}$/.test(data.pid)) process.pid = Number(data.pid)
  return { t: Number(m[2]) * 1000 + Number((m[3] ?? '0').padEnd(3, '0')), fields, process: Object.keys(process).length ? process : undefined }
}

/** A raw auditd.log line → ECS draft; throws when the line holds no audit record. */
export function parseAuditd(line: string, receivedAt: number): AuditDraft {
  const a = auditFields(line)
  if (!a) throw new Error('auditd: no type=… msg=audit(…) record')
  const type = a.fields.message_type
  const d: AuditDraft = {
    '@timestamp': new Date(Number.isFinite(a.t) && a.t > 0 ? a.t : receivedAt).toISOString(),
    event: { kind: 'event', category: type === 'EXECVE' || type === 'SYSCALL' ? ['process'] : type.startsWith('USER_') ? ['authentication'] : ['host'], type: ['info'], action: type.toLowerCase() },
    auditd: a.fields,
  }
  if (a.process) d.process = a.process
  if (type.startsWith('USER_')) {
    const res = a.fields.data.res
    if (res) d.event.outcome = /^(success|yes)$/.test(res) ? 'success' : /^(failed|no)$/.test(res) ? 'failure' : 'unknown'
  }
  return d
}
