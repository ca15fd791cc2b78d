import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import Ajv2020 from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import { compileRule, evaluate } from '../../src/siem/sigma/detection.js'
import { parseSigmaYaml } from '../../src/siem/sigma/yaml.js'
import { SigmaError } from '../../src/siem/sigma/errors.js'
import { compileCorrelation, Correlator } from '../../src/siem/sigma/correlation.js'
import { loadRules } from '../../src/siem/rule-set.js'
import { parseEvent } from '../../src/siem/parsers.js'
import type { SiemEvent } from '../../src/siem/ecs.js'

const FIX = 'test/fixtures/sigma'
const SPEC = join(FIX, 'sigma-specification/json-schema')
const ajv = new (Ajv2020 as any)({ strict: false, allErrors: true })
;(addFormats as any)(ajv)
const validateRule = ajv.compile(JSON.parse(readFileSync(join(SPEC, 'sigma-detection-rule-schema.json'), 'utf8')))
const validateCorr = ajv.compile(JSON.parse(readFileSync(join(SPEC, 'sigma-correlation-rules-schema.json'), 'utf8')))
const yamlDoc = (p: string) => parseSigmaYaml(readFileSync(p, 'utf8'))[0]!

const T0 = Date.UTC(2026, 10, 24, 10, 0, 0)
const ev = (input: string | object, at = T0): SiemEvent => {
  const r = parseEvent(typeof input === 'string' ? input : JSON.stringify(input), 'auto', { receivedAt: at })
  assert.ok(r.ok, r.ok ? '' : r.error)
  return r.event
}
const canary = (logtype: number, extra: object = {}, at = T0) =>
  ev({ dst_host: '10.0.0.5', dst_port: 23, logdata: {}, logtype, node_id: 'canary-1', src_host: '203.0.113.7', src_port: 40000, utc_time: new Date(at).toISOString().replace('T', ' ').replace('Z', ''), ...extra }, at)

const OPENCANARY = join(FIX, 'rules/application/opencanary')

test('the real SigmaHQ OpenCanary rules load unchanged, validate against the v2 schema, and each fires on its own logtype only', () => {
  const files = readdirSync(OPENCANARY).filter((f) => f.endsWith('.yml')).sort()
  assert.equal(files.length, 24)
  const rules = files.map((f) => {
    const doc = yamlDoc(join(OPENCANARY, f))
    assert.equal(typeof doc.date, 'string', 'dates stay strings')
    assert.ok(validateRule(doc), `${f}: ${JSON.stringify(validateRule.errors)}`)
    return compileRule(doc)
  })
  const telnet = rules.find((r) => r.title === 'OpenCanary - Telnet Login Attempt')!
  const e = canary(6001, { logdata: { USERNAME: 'root', PASSWORD: 'xc3511' } })
  assert.deepEqual(evaluate(rules, e).map((r) => r.title), [telnet.title])
  const syn = evaluate(rules, canary(5001, { dst_port: 80 })).map((r) => r.title)
  assert.equal(syn.length, 1)
  assert.match(syn[0]!, /SYN/i)
  // the logsource keeps OpenCanary rules off other products' events
  assert.deepEqual(evaluate(rules, ev({ logtype: 6001, message: 'x' })).map((r) => r.title), [])
})

test('firewall rule: value lists with mixed types and "1 of selection_allow*"', () => {
  const rule = compileRule(yamlDoc(join(FIX, 'rules/network/firewall/net_firewall_cleartext_protocols.yml')))
  assert.ok(validateRule(rule.doc))
  assert.equal(rule.match(ev({ dst_port: 23, action: 'accept', src_ip: '192.0.2.1' })), true)
  assert.equal(rule.match(ev({ dst_port: 23, action: 'drop' })), false)
  assert.equal(rule.match(ev({ dst_port: 23, action: 'DROP', blocked: 'false' })), true)
  assert.equal(rule.match(ev({ dst_port: 22, action: 'accept' })), false)
  assert.equal(rule.match(ev({ dst_port: 80, action: 2 })), true)
})

test('keyword rules over sshd logs (real rules)', () => {
  const susp = compileRule(yamlDoc(join(FIX, 'rules/linux/builtin/sshd/lnx_sshd_susp_ssh.yml')))
  assert.equal(susp.match(ev('<38>Nov 24 10:00:00 gw sshd[9]: Corrupted MAC on input.')), true)
  assert.equal(susp.match(ev('<38>Nov 24 10:00:00 gw sshd[9]: Accepted publickey for pi from 10.0.0.2 port 5 ssh2')), false)
  // logsource product linux, service sshd: the rule sees sshd's lines only (the syslog program)
  assert.equal(evaluate([susp], ev('<38>Nov 24 10:00:00 gw sshd[9]: Corrupted MAC on input.')).length, 1)
  assert.equal(evaluate([susp], ev('<38>Nov 24 10:00:00 gw kernel: Corrupted MAC on input.')).length, 0)
  const cve = yamlDoc(join(FIX, 'rules-emerging-threats/2018/Exploits/CVE-2018-15473/lnx_sshd_exploit_cve_2018_15473.yml'))
  assert.ok(validateRule(cve))
  compileRule(cve)
})

test('legacy aggregation rules fail the v2 schema and are refused by the compiler', () => {
  for (const f of ['unsupported/linux/lnx_auth_susp_failed_logons_single_source.yml', 'deprecated/other/generic_brute_force.yml']) {
    const doc = yamlDoc(join(FIX, f))
    assert.equal(validateRule(doc), false, f)
    assert.throws(() => compileRule(doc), SigmaError)
  }
})

test('modifiers and conditions: contains/startswith/endswith/all/re/cidr/gt/lte/exists, not, all of, them', () => {
  const e = ev({ src_ip: '198.51.100.23', dst_ip: '10.0.0.5', dst_port: 2323, user: 'Admin', message: 'login failed for Admin via telnetd' })
  const r = (detection: object) => compileRule({ title: 't', logsource: {}, detection }).match(e)
  assert.equal(r({ s: { 'message|contains': 'FAILED' }, condition: 's' }), true)
  assert.equal(r({ s: { 'message|contains|cased': 'FAILED' }, condition: 's' }), false)
  assert.equal(r({ s: { 'message|startswith': 'login' }, condition: 's' }), true)
  assert.equal(r({ s: { 'message|endswith': ['nope', 'telnetd'] }, condition: 's' }), true)
  assert.equal(r({ s: { 'message|contains|all': ['login', 'telnetd'] }, condition: 's' }), true)
  assert.equal(r({ s: { 'message|contains|all': ['login', 'sshd'] }, condition: 's' }), false)
  assert.equal(r({ s: { 'user.name|re': '^[A-Z][a-z]+$' }, condition: 's' }), true)
  assert.equal(r({ s: { 'source.ip|cidr': '198.51.100.0/24' }, condition: 's' }), true)
  assert.equal(r({ s: { 'source.ip|cidr': ['10.0.0.0/8', '192.168.0.0/16'] }, condition: 's' }), false)
  assert.equal(r({ s: { 'destination.port|gt': 1024, 'destination.port|lte': 2323 }, condition: 's' }), true)
  assert.equal(r({ s: { 'destination.port|lt': 1024 }, condition: 's' }), false)
  assert.equal(r({ s: { 'user.name|exists': true }, condition: 's' }), true)
  assert.equal(r({ s: { 'process.name|exists': true }, condition: 's' }), false)
  assert.equal(r({ s: { user: 'admin' }, condition: 's' }), true, 'plain values are case-insensitive')
  assert.equal(r({ s: { user: 'Adm*' }, condition: 's' }), true)
  assert.equal(r({ s: { user: 'Ad?in' }, condition: 's' }), true)
  assert.equal(r({ s: { 'process.name': null }, condition: 's' }), true)
  assert.equal(r({ a: { dst_port: 2323 }, b: { dst_port: 23 }, condition: 'a and not b' }), true)
  assert.equal(r({ sel_a: { dst_port: 2323 }, sel_b: { user: 'x' }, condition: 'all of sel_*' }), false)
  assert.equal(r({ sel_a: { dst_port: 2323 }, sel_b: { user: 'x' }, condition: '1 of them' }), true)
  assert.equal(r({ a: { dst_port: 1 }, b: { dst_port: 2323 }, c: { user: 'admin' }, condition: '(a or b) and c' }), true)
  assert.equal(r({ a: { dst_port: 1 }, b: { dst_port: 2323 }, c: { user: 'admin' }, condition: 'a or b and not c' }), false)
  assert.equal(r({ k: ['*telnetd'], condition: 'k' }), true)
  for (const bad of [
    { s: { 'x|nosuchmodifier': 'a' }, condition: 's' },
    { s: { x: 1 }, condition: 's and' },
    { s: { x: 1 }, condition: 'missing' },
    { s: { x: 1 }, condition: '(s' },
    { s: { x: 1 }, condition: 's | count() > 5' },
    { s: { 'x|re': '(' }, condition: 's' },
    { s: { 'x|cidr': '10.0.0.0/33' }, condition: 's' },
  ]) assert.throws(() => compileRule({ title: 't', logsource: {}, detection: bad }), SigmaError, JSON.stringify(bad))
})

test('our shipped rules validate against the schemas and detect Mirai and brute force', () => {
  const set = loadRules()
  for (const { file, doc } of set.docs) {
    const v = doc.correlation ? validateCorr : validateRule
    assert.ok(v(doc), `${file}: ${JSON.stringify(v.errors)}`)
  }
  assert.ok(set.detection.length >= 5 && set.correlation.length >= 4)
  const names = (e: SiemEvent) => evaluate(set.detection, e).map((r) => r.doc.name)
  assert.ok(names(canary(6001, { logdata: { USERNAME: 'root', PASSWORD: 'xc3511' } })).includes('mirai_default_credentials'))
  assert.ok(names(canary(6001, { logdata: { USERNAME: 'admin', PASSWORD: '' } })).includes('mirai_default_credentials'))
  assert.ok(!names(canary(6001, { logdata: { USERNAME: 'root', PASSWORD: 'S3cure!pass' } })).includes('mirai_default_credentials'))
  assert.ok(names(ev('<13>Nov 24 10:00:00 cam-3 telnetd[4]: cmd: /bin/busybox MIRAI')).includes('mirai_busybox_probe'))
  assert.ok(names(canary(6001, { logdata: { CMD: 'enable; system; shell; sh; /bin/busybox MIRAI' } })).includes('mirai_busybox_probe'))
  assert.ok(!names(ev('<13>Nov 24 10:00:00 cam-3 telnetd[4]: cmd: ls')).includes('mirai_busybox_probe'))
})

test('correlation: 5 SSH failures from one source within 5 s fire once (Block SIEM directive); 4, or spread out, do not', () => {
  const set = loadRules()
  const run = (events: SiemEvent[]) => {
    const c = new Correlator(set.correlation)
    return events.flatMap((e) => c.push(e, evaluate(set.detection, e)))
  }
  const fail = (i: number, src: string, dtMs: number) =>
    ev(`<38>1 ${new Date(T0 + dtMs).toISOString()} gw sshd 1 - - Failed password for root from ${src} port ${40000 + i} ssh2`)
  const burst = [0, 1, 2, 3, 4].map((i) => fail(i, '203.0.113.9', i * 900))
  const alerts = run(burst)
  assert.equal(alerts.length, 1)
  assert.equal(alerts[0]!.title, 'Brute Force on SSH/Telnet')
  assert.deepEqual(alerts[0]!.group, { 'source.ip': '203.0.113.9' })
  assert.deepEqual(alerts[0]!.evidence, burst.map((e) => e.event.hash))
  assert.equal(run(burst.slice(0, 4)).length, 0)
  assert.equal(run([0, 1, 2, 3, 4].map((i) => fail(i, '203.0.113.9', i * 2000))).length, 0, 'spread over 8 s')
  assert.equal(run([0, 1, 2, 3, 4].map((i) => fail(i, `203.0.113.${i}`, i * 100))).length, 0, 'five different sources')
})

test('correlation: Mirai telnet fan-out (value_count of destination hosts), port scan and the legacy/unsupported types', () => {
  const set = loadRules()
  const c = new Correlator(set.correlation)
  const alerts = []
  for (let i = 0; i < 12; i++) {
    const e = ev(`<4>1 ${new Date(T0 + i * 100).toISOString()} fw kernel - - - SRC=198.51.100.66 DST=10.0.${i}.9 PROTO=TCP SPT=51000 DPT=${i % 10 === 0 ? 2323 : 23} SYN`)
    alerts.push(...c.push(e, evaluate(set.detection, e)))
  }
  assert.ok(alerts.some((a) => a.title === 'Mirai Telnet Fan-out Scan' && a.group['source.ip'] === '198.51.100.66'))
  const scan = new Correlator(set.correlation)
  const scanAlerts = []
  for (let p = 1; p <= 20; p++) {
    const e = ev(`<4>1 ${new Date(T0 + p * 50).toISOString()} fw kernel - - - SRC=192.0.2.200 DST=10.0.0.1 PROTO=TCP SPT=6000 DPT=${p * 7} SYN`)
    scanAlerts.push(...scan.push(e, evaluate(set.detection, e)))
  }
  assert.deepEqual(scanAlerts.map((a) => a.title), ['Port Scan'])
  // the specification's correlation examples, one per type, validate and compile
  const dir = join(FIX, 'sigma-specification/tests/schema/correlation')
  for (const f of readdirSync(dir).sort()) {
    const doc = yamlDoc(join(dir, f))
    assert.ok(validateCorr(doc), f)
    assert.equal(compileCorrelation(doc).type, String((doc.correlation as { type: string }).type), f)
  }
})

const docs = (yaml: string) => parseSigmaYaml(yaml)
function ruleSet(yaml: string) {
  const all = docs(yaml)
  return { detection: all.filter((d) => !d.correlation).map((d) => compileRule(d)), correlation: all.filter((d) => d.correlation).map(compileCorrelation) }
}
const run = (set: ReturnType<typeof ruleSet>, events: SiemEvent[]) => {
  const c = new Correlator(set.correlation)
  return events.flatMap((e) => c.push(e, evaluate(set.detection, e)))
}
const login = (ok: boolean, user: string, ms: number, ip = '10.0.0.5') =>
  ev(`<38>1 ${new Date(T0 + ms).toISOString()} gw sshd 1 - - ${ok ? 'Accepted password' : 'Failed password'} for ${user} from ${ip} port 4000 ssh2`)

const FAILED_THEN_SUCCESS = `
name: failed_login
detection: { selection: { event.category: authentication, event.outcome: failure }, condition: selection }
---
name: successful_login
detection: { selection: { event.category: authentication, event.outcome: success }, condition: selection }
---
title: Multiple failed logins
id: multiple-failed
name: multiple_failed_login
correlation: { type: event_count, rules: [failed_login], group-by: [user.name], timespan: 10m, condition: { gte: 3 } }
---
title: Failed logins followed by a successful login
id: failed-then-success
correlation: { type: temporal_ordered, rules: [multiple_failed_login, successful_login], group-by: [user.name], timespan: 10m }
`

test('temporal_ordered over a chained event_count (the specification example, on ECS fields): failures then a success fire; a success first does not', () => {
  const set = ruleSet(FAILED_THEN_SUCCESS)
  const fired = run(set, [login(false, 'ops', 0), login(false, 'ops', 1000), login(false, 'ops', 2000), login(true, 'ops', 3000)])
  assert.deepEqual(fired.map((a) => a.rule), ['multiple-failed', 'failed-then-success'])
  assert.deepEqual(fired[1]!.group, { 'user.name': 'ops' })
  assert.equal(fired[1]!.evidence.length, 4, 'the three failures and the success')
  // success before the failures, another user's success, or a success after the timespan: nothing
  assert.deepEqual(run(set, [login(true, 'ops', 0), login(false, 'ops', 1000), login(false, 'ops', 2000), login(false, 'ops', 3000)]).map((a) => a.rule), ['multiple-failed'])
  assert.deepEqual(run(set, [login(false, 'ops', 0), login(false, 'ops', 1), login(false, 'ops', 2), login(true, 'pi', 3)]).map((a) => a.rule), ['multiple-failed'])
  assert.deepEqual(run(set, [login(false, 'ops', 0), login(false, 'ops', 1), login(false, 'ops', 2), login(true, 'ops', 11 * 60_000)]).map((a) => a.rule), ['multiple-failed'])
  // the specification's own example file compiles unchanged
  for (const d of docs(readFileSync(join(FIX, 'sigma-specification/spec-examples/correlation_failed_logins_followed_by_successful_login.yml'), 'utf8'))) {
    if (d.correlation) compileCorrelation(d)
    else compileRule(d)
  }
})

test('temporal with aliases: one group-by name read from a different field in each rule (the specification example, on our fields)', () => {
  const set = ruleSet(`
name: telnet_login_failed
detection: { selection: { event.category: authentication, event.outcome: failure }, condition: selection }
---
name: outbound_telnet
detection: { selection: { destination.port: 23 }, condition: selection }
---
title: Failed login then the same host scans telnet
id: login-then-scan
correlation:
  type: temporal
  rules: [telnet_login_failed, outbound_telnet]
  group-by: [bot]
  timespan: 30s
  aliases:
    bot: { telnet_login_failed: source.ip, outbound_telnet: source.ip }
`)
  const scan = (src: string, ms: number) => ev({ '@timestamp': new Date(T0 + ms).toISOString(), src_ip: src, dst_ip: '10.9.9.9', dst_port: 23, proto: 'tcp' })
  // either order fires (temporal is unordered), grouped by the aliased field
  assert.deepEqual(run(set, [scan('10.0.0.17', 0), login(false, 'root', 5000, '10.0.0.17')]).map((a) => [a.rule, a.group.bot]), [['login-then-scan', '10.0.0.17']])
  assert.deepEqual(run(set, [login(false, 'root', 0, '10.0.0.17'), scan('10.0.0.17', 5000)]).map((a) => a.rule), ['login-then-scan'])
  // other hosts, or too far apart: nothing
  assert.deepEqual(run(set, [login(false, 'root', 0, '10.0.0.17'), scan('10.0.0.18', 5000)]), [])
  assert.deepEqual(run(set, [login(false, 'root', 0, '10.0.0.17'), scan('10.0.0.17', 31_000)]), [])
  // the specification's aliases example compiles unchanged
  for (const d of docs(readFileSync(join(FIX, 'sigma-specification/spec-examples/correlation_field_name_aliases.yml'), 'utf8'))) {
    if (d.correlation) assert.deepEqual(Object.keys(compileCorrelation(d).aliases).sort(), ['internal_ip', 'remote_ip'])
    else compileRule(d)
  }
  // bad aliases and one-rule temporals are refused when compiled
  assert.throws(() => compileCorrelation(docs(`correlation: { type: temporal, rules: [a, b], timespan: 1m, aliases: { x: { c: source.ip } } }`)[0]!), SigmaError)
  assert.throws(() => compileCorrelation(docs(`correlation: { type: temporal, rules: [a], timespan: 1m }`)[0]!), SigmaError)
})

test('shipped temporal_ordered rule: a Mirai default-credential login then the BusyBox probe from the same source, in that order', () => {
  const set = loadRules()
  const canaryLogin = (src: string, ms: number) => ev({ dst_host: '10.0.0.5', dst_port: 23, logdata: { USERNAME: 'root', PASSWORD: 'xc3511' }, logtype: 6001, node_id: 'canary-1', src_host: src, src_port: 40001, utc_time: new Date(T0 + ms).toISOString().replace('T', ' ').replace('Z', '') })
  const probe = (src: string, ms: number) => ev({ '@timestamp': new Date(T0 + ms).toISOString(), src_ip: src, dst_ip: '10.0.0.5', dst_port: 23, message: 'enable; system; shell; sh; /bin/busybox MIRAI' })
  const seq = (events: SiemEvent[]) => run(set, events).filter((a) => a.title === 'Mirai Infection Sequence')
  const fired = seq([canaryLogin('203.0.113.9', 0), probe('203.0.113.9', 2000)])
  assert.equal(fired.length, 1)
  assert.deepEqual(fired[0]!.group, { 'source.ip': '203.0.113.9' })
  assert.equal(fired[0]!.evidence.length, 2)
  assert.deepEqual(seq([probe('203.0.113.9', 0), canaryLogin('203.0.113.9', 2000)]), [], 'probe before the login')
  assert.deepEqual(seq([canaryLogin('203.0.113.9', 0), probe('203.0.113.10', 2000)]), [], 'another source')
  assert.deepEqual(seq([canaryLogin('203.0.113.9', 0), probe('203.0.113.9', 6 * 60_000)]), [], 'too late')
})
