// Correlation types the first SIEM issue left out (value_sum, value_avg, value_percentile), the
// condition operators, multi-field value_count, `generate`, and Sigma filters
// (sigma-correlation-rules-specification.md, sigma-filters-specification.md).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { compileRule, evaluate } from '../../src/siem/sigma/detection.js'
import { compileCorrelation, Correlator } from '../../src/siem/sigma/correlation.js'
import { applyFilters, compileFilter } from '../../src/siem/sigma/filters.js'
import { parseSigmaYaml } from '../../src/siem/sigma/yaml.js'
import { SigmaError } from '../../src/siem/sigma/errors.js'
import type { SiemEvent } from '../../src/siem/ecs.js'
import { T0, evt } from './sigma-helpers.js'

const at = (ms: number, fields: Record<string, unknown>, hash = `h${ms}`): SiemEvent => {
  const e = evt(fields)
  return { ...e, '@timestamp': new Date(T0 + ms).toISOString(), event: { ...e.event, hash } }
}
function run(yaml: string, events: SiemEvent[]) {
  const docs = parseSigmaYaml(yaml)
  const detection = docs.filter((d) => !d.correlation).map((d) => compileRule(d))
  const c = new Correlator(docs.filter((d) => d.correlation).map(compileCorrelation))
  return events.flatMap((e) => c.push(e, evaluate(detection, e)))
}
const WEB = `
name: website_access
title: web access
logsource: { category: proxy }
detection: { sel: { Method: POST }, condition: sel }
`

test('value_sum: the sum of a numeric field per group within the timespan', () => {
  const yaml = `${WEB}---
title: Possible Exfiltration
id: exfil
correlation: { type: value_sum, rules: [website_access], group-by: [SourceIP], timespan: 1h, condition: { field: bytes_sent, gt: 1000000 } }
`
  const post = (ms: number, ip: string, bytes: number) => at(ms, { Method: 'POST', SourceIP: ip, bytes_sent: bytes })
  const alerts = run(yaml, [post(0, '10.0.0.1', 400_000), post(1000, '10.0.0.2', 900_000), post(2000, '10.0.0.1', 500_000), post(3000, '10.0.0.1', 200_000)])
  assert.deepEqual(alerts.map((a) => [a.rule, a.group.SourceIP, a.evidence]), [['exfil', '10.0.0.1', ['h0', 'h2000', 'h3000']]])
  assert.deepEqual(run(yaml, [post(0, '10.0.0.1', 600_000), post(3_700_000, '10.0.0.1', 600_000)]), [], 'outside the timespan')
  assert.deepEqual(run(yaml, [post(0, '10.0.0.1', 600_000), at(1, { Method: 'POST', SourceIP: '10.0.0.1', bytes_sent: 'lots' }), post(2, '10.0.0.1', 300_000)]), [], 'non-numbers are not summed')
})

test('value_avg: the average of a numeric field', () => {
  const yaml = `${WEB}---
title: Suspicious average traffic
id: avg
correlation: { type: value_avg, rules: [website_access], group-by: [SourceIP], timespan: 24h, condition: { field: BytesOut, gt: 500 } }
`
  const post = (ms: number, b: number) => at(ms, { Method: 'POST', SourceIP: '10.0.0.1', BytesOut: b })
  assert.deepEqual(run(yaml, [post(0, 100), post(1, 800)]), [], 'average 450')
  assert.deepEqual(run(yaml, [post(0, 100), post(1, 800), post(2, 700)]).map((a) => a.rule), ['avg'], 'average 533.3')
  assert.deepEqual(run(yaml, [post(0, 501)]).map((a) => a.rule), ['avg'])
})

test('value_percentile: the share in percent of the group’s events with this event’s value', () => {
  const yaml = `
name: process_creation
title: process creation
logsource: { category: process_creation }
detection: { sel: { EventID: 1 }, condition: sel }
---
title: Rare process on a computer
id: rare
correlation: { type: value_percentile, rules: [process_creation], group-by: [ComputerName], timespan: 24h, condition: { field: Image, lte: 10 } }
`
  const proc = (ms: number, image: string) => at(ms, { EventID: 1, ComputerName: 'ws-1', Image: image })
  const events = Array.from({ length: 12 }, (_, i) => proc(i, 'C:\\svchost.exe'))
  assert.deepEqual(run(yaml, events), [], 'a common image: 100 %')
  const alerts = run(yaml, [...events, proc(12, 'C:\\evil.exe')])
  assert.deepEqual(alerts.map((a) => a.rule), ['rare'], '1 of 13 = 7.7 %')
  assert.deepEqual(run(yaml, [...events.slice(0, 5), proc(12, 'C:\\evil.exe')]), [], '1 of 6 = 16.7 %')
})

test('value_count over two fields together, and the eq/neq/range conditions', () => {
  const yaml = (cond: string) => `
name: failed
title: failed
logsource: {}
detection: { sel: { outcome: failure }, condition: sel }
---
title: spray
id: spray
correlation: { type: value_count, rules: [failed], group-by: [src], timespan: 1m, condition: { field: [user, domain], ${cond} } }
`
  const f = (ms: number, user: string, domain: string) => at(ms, { outcome: 'failure', src: '10.0.0.9', user, domain })
  const evs = [f(0, 'a', 'X'), f(1, 'a', 'Y'), f(2, 'a', 'X'), f(3, 'b', 'X')]
  assert.deepEqual(run(yaml('gte: 3'), evs).map((a) => a.count), [3], 'distinct (user, domain) pairs')
  assert.deepEqual(run(yaml('eq: 2'), evs).map((a) => a.count), [2, 2], 'a window that fires is reset')
  assert.deepEqual(run(yaml('gt: 1, lte: 1'), evs), [], 'a range is an AND')
  assert.deepEqual(run(yaml('neq: 1'), evs).map((a) => a.count), [2, 2])
  assert.throws(() => compileCorrelation(parseSigmaYaml(`title: x\ncorrelation: { type: value_sum, rules: [a], timespan: 1m, condition: { gt: 1 } }`)[0]!), (e: unknown) => e instanceof SigmaError && e.field === 'correlation.condition.field')
  assert.throws(() => compileCorrelation(parseSigmaYaml(`title: x\ncorrelation: { type: event_count, rules: [a], timespan: 1m, condition: { about: 1 } }`)[0]!), (e: unknown) => e instanceof SigmaError && e.construct === 'about')
  assert.throws(() => compileCorrelation(parseSigmaYaml(`title: x\ncorrelation: { type: event_count, rules: [a], timespan: 0s, condition: { gt: 1 } }`)[0]!), (e: unknown) => e instanceof SigmaError && e.construct === 'timespan')
  assert.throws(() => compileCorrelation(parseSigmaYaml(`title: x\ncorrelation: { type: value_median, rules: [a], timespan: 1m }`)[0]!), (e: unknown) => e instanceof SigmaError && /value_median/.test(e.message))
})

test('generate: the correlated detection rules also alert on their own; by default only the correlation does', () => {
  const yaml = (generate: string) => `
name: failed
id: failed-id
title: Single failed login
logsource: {}
detection: { sel: { outcome: failure }, condition: sel }
---
title: many failed
id: many
correlation: { type: event_count, rules: [failed], group-by: [user], timespan: 1m, condition: { gte: 2 }${generate} }
`
  const evs = [at(0, { outcome: 'failure', user: 'bob' }), at(1, { outcome: 'failure', user: 'bob' })]
  assert.deepEqual(run(yaml(''), evs).map((a) => a.rule), ['many'])
  assert.deepEqual(run(yaml(', generate: true'), evs).map((a) => a.rule), ['failed-id', 'failed-id', 'many'])
})

test('Sigma filters suppress the listed rules’ matches on the events they describe (the specification’s examples)', () => {
  const filterDoc = parseSigmaYaml(readFileSync('test/fixtures/sigma/sigma-specification/tests/schema/filter/filter_1.yml', 'utf8'))[0]!
  const filter = compileFilter(filterDoc)
  assert.deepEqual(filter.rules, ['6f3e2987-db24-4c78-a860-b4f4095a7095', 'df0841c0-9846-4e9f-ad8a-7df91571771b'])
  const rar = compileRule({ title: 'rar', id: '6f3e2987-db24-4c78-a860-b4f4095a7095', logsource: { category: 'process_creation', product: 'windows' }, detection: { sel: { 'Image|endswith': '\\rar.exe' }, condition: 'sel' } })
  const other = compileRule({ title: 'other', id: 'other', logsource: { category: 'process_creation', product: 'windows' }, detection: { sel: { 'Image|endswith': '\\rar.exe' }, condition: 'sel' } })
  const [filtered, untouched] = applyFilters([rar, other], [filter])
  const proc = (user: string) => evt({ Image: 'C:\\x\\rar.exe', User: user, event: { kind: 'event', category: [], type: [], dataset: 'winlog', original: '', hash: '' }, winlog: { channel: 'Microsoft-Windows-Sysmon/Operational', event_id: '1' } })
  assert.equal(filtered!.match(proc('adm_alice')), false, 'an administrator account: filtered out')
  assert.equal(filtered!.match(proc('bob')), true)
  assert.equal(untouched!.match(proc('adm_alice')), true, 'a rule the filter does not name')
  const ecs = compileFilter(parseSigmaYaml(readFileSync('test/fixtures/sigma/sigma-specification/tests/schema/filter/filter_ecs.yml', 'utf8'))[0]!)
  assert.equal(ecs.excludes(evt({ dns: { question: { name: 'www.google.com' } } })), true)
  assert.equal(ecs.excludes(evt({ dns: { question: { name: 'evil.example' } } })), false)
  assert.throws(() => compileFilter({ title: 'f', logsource: {}, filter: { selection: { a: 1 }, condition: 'selection' } }), (e: unknown) => e instanceof SigmaError && e.construct === 'rules')
})

test('temporal with a condition counts the distinct listed rules that matched (all of them without one)', () => {
  const yaml = (cond: string, type = 'temporal') => `
name: recon_a
title: a
logsource: {}
detection: { sel: { cmd: whoami }, condition: sel }
---
name: recon_b
title: b
logsource: {}
detection: { sel: { cmd: ipconfig }, condition: sel }
---
name: recon_c
title: c
logsource: {}
detection: { sel: { cmd: netstat }, condition: sel }
---
title: recon
id: recon
correlation: { type: ${type}, rules: [recon_a, recon_b, recon_c], group-by: [host], timespan: 5m${cond} }
`
  const cmd = (ms: number, c: string) => at(ms, { cmd: c, host: 'ws-1' })
  const two = [cmd(0, 'ipconfig'), cmd(1, 'whoami')]
  assert.deepEqual(run(yaml(''), two), [], 'two of three')
  assert.deepEqual(run(yaml(''), [...two, cmd(2, 'netstat')]).map((a) => a.rule), ['recon'])
  assert.deepEqual(run(yaml(', condition: { gte: 2 }'), two).map((a) => a.rule), ['recon'])
  assert.deepEqual(run(yaml(', condition: { gte: 2 }', 'temporal_ordered'), two), [], 'b before a: only one in order')
  assert.deepEqual(run(yaml(', condition: { gte: 2 }', 'temporal_ordered'), [cmd(0, 'whoami'), cmd(1, 'ipconfig')]).map((a) => a.rule), ['recon'])
})
