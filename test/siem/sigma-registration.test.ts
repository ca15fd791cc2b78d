// Bad rules are refused where rules are registered — rule text, a rules folder as the agents and
// `polis siem register-rules` load it, and on chain (`siem/register-rule` with the text) — with a
// typed error naming the rule, the field and the construct.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { compileSigmaText } from '../../src/siem/sigma/rule-text.js'
import { SigmaError } from '../../src/siem/sigma/errors.js'
import { ErrorCodes, PolisError } from '../../src/base/errors.js'
import { loadRules } from '../../src/siem/rule-set.js'
import { SoloEngine } from '../../src/engine/solo/engine.js'
import { sha256 } from '../../src/crypto/hash.js'
import { toHex, utf8 } from '../../src/base/bytes.js'
import { testCity } from '../../src/kit/genesis-builder.js'
import { tmpDir } from '../../src/kit/temp-dir.js'
import { Signer } from '../../src/kit/signer.js'
import { cityModules } from '../../src/chain/city-modules.js'
import { siemMsgs } from '../../src/modules/siem/types.js'

const GOOD = `title: Certutil decode
id: 11111111-2222-4333-8444-555555555555
logsource: { product: windows, category: process_creation }
detection:
  sel: { CommandLine|windash|contains: ' -decode ' }
  condition: sel
`
const refusal = (text: string, want: { rule?: string; field?: string | RegExp; construct: string | RegExp }) =>
  assert.throws(() => compileSigmaText(text, { file: 'x.yml' }), (e: unknown) => {
    assert.ok(e instanceof SigmaError && e instanceof PolisError && e.errorName === 'invalid_message', String(e))
    if (want.rule !== undefined) assert.equal(e.rule, want.rule)
    if (typeof want.field === 'string') assert.equal(e.field, want.field)
    else if (want.field) assert.match(e.field ?? '', want.field)
    if (typeof want.construct === 'string') assert.equal(e.construct, want.construct, e.message)
    else assert.match(e.construct ?? '', want.construct)
    assert.ok(e.message.includes(e.reason))
    return true
  })

test('a valid rule registers; invalid YAML, schema violations, unknown modifiers and unsupported regexes are refused by name', () => {
  assert.equal(compileSigmaText(GOOD).detection.length, 1)
  refusal('title: [unclosed', { rule: 'x.yml', construct: 'yaml' })
  refusal('title: a\ntitle: b\n', { rule: 'x.yml', construct: 'yaml' }) // duplicate key
  refusal(GOOD.replace('logsource: { product: windows, category: process_creation }\n', ''), { rule: 'Certutil decode', construct: /^schema:/ })
  refusal(GOOD.replace('id: 11111111-2222-4333-8444-555555555555', 'id: not-a-uuid'), { rule: 'Certutil decode', field: 'id', construct: 'schema:format' })
  refusal(GOOD.replace('windash', 'windashes'), { rule: 'Certutil decode', field: 'sel.CommandLine|windashes|contains', construct: 'windashes' })
  refusal(GOOD.replace("CommandLine|windash|contains: ' -decode '", "CommandLine|re: 'a++b'"), { rule: 'Certutil decode', field: 'sel.CommandLine|re', construct: /possessive/ })
  refusal(GOOD.replace('condition: sel', 'condition: sel | count() > 3'), { rule: 'Certutil decode', field: 'condition', construct: '|' })
  refusal(`title: corr\ncorrelation: { type: event_count, rules: [a], group-by: [x], timespan: 5x, condition: { gte: 1 } }\n`, { rule: 'corr', construct: /^schema:/ })
})

test('a rules folder with one bad file is refused whole, naming the file’s rule', () => {
  const dir = mkdtempSync(join(tmpdir(), 'polis-sigma-'))
  try {
    writeFileSync(join(dir, 'a_good.yml'), GOOD)
    assert.equal(loadRules(dir).detection.length, 1)
    writeFileSync(join(dir, 'b_bad.yml'), GOOD.replace("' -decode '", "{ nested: 1 }").replace('Certutil decode', 'Broken rule'))
    assert.throws(() => loadRules(dir), (e: unknown) => e instanceof SigmaError && e.rule === 'Broken rule')
    // a filter file applies to the rule it names
    rmSync(join(dir, 'b_bad.yml'))
    writeFileSync(join(dir, 'c_filter.yml'), `title: Filter the build server
logsource: { product: windows, category: process_creation }
filter:
  rules: [11111111-2222-4333-8444-555555555555]
  selection: { Computer: build-01 }
  condition: selection
`)
    const set = loadRules(dir)
    const e = (computer: string) => ({
      '@timestamp': '2026-11-24T10:00:00.000Z', event: { kind: 'event', category: [], type: [], dataset: 'winlog', original: '', hash: '' },
      winlog: { channel: 'Microsoft-Windows-Sysmon/Operational', event_id: '1', computer_name: computer, event_data: { CommandLine: 'certutil /decode a b' } },
      blocksiem: { category: 'E0', surface: 'S6' },
    }) as never
    assert.equal(set.detection[0]!.match(e('ws-3')), true)
    assert.equal(set.detection[0]!.match(e('build-01')), false)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('on chain: siem/register-rule with the rule text is refused when the text is not valid Sigma or not the hashed one, and changes nothing', async () => {
  const city = testCity({ citizens: 1 })
  const dir = tmpDir('sigma-register')
  const engine = await SoloEngine.open({ dataDir: dir.path, genesis: city.genesis, validatorKey: city.validator, verifyThreads: 1, modules: cityModules() })
  try {
    const signer = new Signer(city.chainId)
    const query = (path: string, params: object) => {
      const r = engine.app.query({ path, data: utf8(JSON.stringify(params)) })
      return { code: r.code, value: r.code === 0 ? JSON.parse(Buffer.from(r.value!).toString('utf8')) : undefined, log: r.log }
    }
    const submit = async (text: string, hash = sha256(utf8(text))) => {
      const nonce = BigInt(query('identity/account', { address: toHex(city.authority.publicKey) }).value.nonce)
      const t = signer.tx(city.authority, [siemMsgs.registerRule({ id: 'certutil_decode', version: 1n, hash, text })], { nonce })
      const h = engine.app.info().lastHeight + 1n
      const fin = await engine.app.finalizeBlock({ height: h, time: BigInt(Date.UTC(2026, 10, 24)) + h, txs: [t], proposer: city.validator.publicKey })
      await engine.app.commit()
      return fin.results[0]!
    }
    const bad = await submit(GOOD.replace('windash', 'windashes'))
    assert.equal(bad.code, ErrorCodes.invalid_message)
    assert.match(bad.log ?? '', /Certutil decode.*sel\.CommandLine\|windashes\|contains.*unknown modifier "windashes"/)
    assert.equal(query('siem/rule', { id: 'certutil_decode' }).code, ErrorCodes.not_found, 'nothing registered')
    const notHashed = await submit(GOOD, sha256(utf8('another text')))
    assert.equal(notHashed.code, ErrorCodes.invalid_message)
    assert.match(notHashed.log ?? '', /hash/)
    const ok = await submit(GOOD)
    assert.equal(ok.code, 0, ok.log)
    assert.equal(query('siem/rule', { id: 'certutil_decode' }).value.hash, toHex(sha256(utf8(GOOD))))
  } finally {
    await engine.stop()
    dir.remove()
  }
})
