// Linux audit records (auditd.log lines and audisp over syslog) → ECS events with every field, and
// SigmaHQ's `service: auditd` rules (copied unchanged into test/fixtures/sigma/rules/linux/auditd/).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseEvent } from '../../src/siem/parsers.js'
import { compileRule, evaluate } from '../../src/siem/sigma/detection.js'
import { parseSigmaYaml } from '../../src/siem/sigma/yaml.js'
import type { SiemEvent } from '../../src/siem/ecs.js'
import { T0 } from './sigma-helpers.js'

const RULES = 'test/fixtures/sigma/rules/linux/auditd'
const load = (f: string) => compileRule(parseSigmaYaml(readFileSync(join(RULES, f), 'utf8'))[0]!)
const parse = (line: string): SiemEvent => {
  const r = parseEvent(line, 'auto', { receivedAt: T0 })
  assert.ok(r.ok, r.ok ? '' : r.error)
  return r.event
}
const hex = (s: string) => Buffer.from(s).toString('hex').toUpperCase()

test('an auditd.log line keeps every field; hex-encoded text is decoded', () => {
  const e = parse(`type=EXECVE msg=audit(1764000000.250:812): argc=3 a0="chattr" a1="-i" a2=${hex('/etc/my file')}`)
  assert.equal(e.event.dataset, 'auditd')
  assert.equal(e['@timestamp'], '2025-11-24T16:00:00.250Z')
  assert.deepEqual(e.auditd, { message_type: 'EXECVE', sequence: 812, data: { argc: '3', a0: 'chattr', a1: '-i', a2: '/etc/my file' } })
  const sys = parse('type=SYSCALL msg=audit(1764000000.250:813): arch=c000003e syscall=59 success=yes exit=0 a0=55d0 a1=7ffd items=2 ppid=1200 pid=1201 auid=1000 uid=0 comm="useradd" exe="/usr/sbin/useradd" key="user_mod"')
  assert.equal(sys.auditd?.data.a0, '55d0', 'SYSCALL arguments are register values, not text')
  assert.deepEqual(sys.process, { executable: '/usr/sbin/useradd', name: 'useradd', pid: 1201 })
  const title = parse(`type=PROCTITLE msg=audit(1764000000.250:814): proctitle=${hex(['touch', '-t', '202001010000', '/tmp/x'].join('\u0000'))}`)
  assert.equal(title.auditd?.data.proctitle, 'touch -t 202001010000 /tmp/x')
  // forwarded over syslog by audisp: the syslog event gets the audit fields too
  const fwd = parse('<14>1 2026-11-24T10:00:00Z host audispd - - - type=PATH msg=audit(1764000000.250:815): item=0 name="/etc/rsyslog.conf" inode=1 nametype=NORMAL')
  assert.equal(fwd.event.dataset, 'syslog.rfc5424')
  assert.equal(fwd.auditd?.data.name, '/etc/rsyslog.conf')
})

test('SigmaHQ auditd rules fire on audit records and not on other Linux events', () => {
  const rules = ['execve/lnx_auditd_chattr_immutable_removal.yml', 'execve/lnx_auditd_change_file_time_attr.yml', 'syscall/lnx_auditd_create_account.yml', 'path/lnx_auditd_logging_config_change.yml'].map(load)
  const titles = (line: string) => evaluate(rules, parse(line)).map((r) => r.title)
  const [chattr, touch, useradd, logging] = rules.map((r) => r.title)
  assert.deepEqual(titles('type=EXECVE msg=audit(1764000000.1:1): argc=3 a0="chattr" a1="-i" a2="/etc/passwd"'), [chattr])
  assert.deepEqual(titles('type=EXECVE msg=audit(1764000000.1:1): argc=3 a0="chattr" a1="+i" a2="/etc/passwd"'), [])
  assert.deepEqual(titles(`type=EXECVE msg=audit(1764000000.1:2): argc=4 a0="touch" a1="-t" a2="202001010000" a3=${hex('/tmp/a b')}`), [touch], 'keywords')
  assert.deepEqual(titles('type=EXECVE msg=audit(1764000000.1:2): argc=2 a0="touch" a1="/tmp/x"'), [])
  assert.deepEqual(titles('type=SYSCALL msg=audit(1764000000.1:3): syscall=59 comm="useradd" exe="/usr/sbin/useradd"'), [useradd])
  assert.deepEqual(titles('type=ADD_USER msg=audit(1764000000.1:3): pid=1 uid=0 acct="eve" res=success'), [useradd])
  assert.deepEqual(titles('<14>1 2026-11-24T10:00:00Z host audispd - - - type=PATH msg=audit(1764000000.2:4): item=0 name="/etc/rsyslog.conf" nametype=NORMAL'), [logging])
  assert.deepEqual(titles('<14>1 2026-11-24T10:00:00Z host sshd - - - type=PATH name=/etc/rsyslog.conf chattr -i touch -t'), [], 'not an audit source')
})
