/**
 * A team's own SigmaHQ rules in the correlator agent (`polis siem correlator start --rules DIR
 * --placeholders FILE`): the folder is walked recursively, each rule that does not compile is
 * refused by name and left out while the rest run, `expand` rules get their placeholder values
 * from the file; a detection rule registered on chain (its id, at its file's hash) alerts on its
 * own and is confirmed k-of-n by two correlators, with the real corpus rules unchanged.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Collector } from '../../src/agents/siem/collector.js'
import { startCollectorApi } from '../../src/agents/siem/collector-api.js'
import { SiemCorrelatorAgent } from '../../src/agents/siem/correlator-agent.js'
import { identity } from '../../src/sdk/msgs.js'
import { siemMsgs } from '../../src/modules/siem/types.js'
import { loadPlaceholders, loadTeamRules } from '../../src/siem/team-rules.js'
import { loadCorrelatorConfig } from '../../src/agents/siem/config.js'
import { sha256 } from '../../src/crypto/hash.js'
import { testKey } from '../../src/kit/genesis-builder.js'
import { tmpDir } from '../../src/kit/temp-dir.js'
import { toHex } from '../../src/base/bytes.js'
import { PolisError } from '../../src/base/errors.js'
import type { Listener } from '../../src/siem/listeners.js'
import { until } from '../helpers/until.js'
import { inProcessNode } from './in-process-node.js'
import { runCli } from '../../src/cli/program.js'
import { cleanEnv, REPO } from '../../src/kit/node-launcher.js'
import { saveKeyFile } from '../../src/sdk/keys.js'

const CORPUS = 'test/fixtures/sigma-corpus'
const WEB = join(CORPUS, 'rules/web')
const REGEORG = join(WEB, 'webserver_generic/web_webshell_regeorg.yml')
const REGEORG_ID = '2ea44a60-cfda-11ea-87d0-0242ac130003'
const EXPAND = join(CORPUS, 'rules-placeholder/windows/process_creation/proc_creation_win_userdomain_variable_enumeration.yml')
const PLACEHOLDERS = 'test/fixtures/sigma/placeholders.yml'

test('a team folder: every rule file compiles or is refused naming the file, the rule and the construct; the rest load', () => {
  const d = tmpDir('siem-team-rules')
  try {
    mkdirSync(join(d.path, 'web/nested'), { recursive: true })
    copyFileSync(REGEORG, join(d.path, 'web/regeorg.yml'))
    copyFileSync(REGEORG, join(d.path, 'web/nested/regeorg-again.yml')) // the same id twice
    copyFileSync(EXPAND, join(d.path, 'expand.yml'))
    writeFileSync(join(d.path, 'broken.yml'), 'title: Broken\n  detection: [\n')
    writeFileSync(join(d.path, 'bad-modifier.yml'), readFileSync(REGEORG, 'utf8').replace('cs-uri-query|contains', 'cs-uri-query|sometimes').replace(REGEORG_ID, '11111111-2222-3333-4444-555555555555').replace('Webshell ReGeorg Detection Via Web Logs', 'Team rule with a typo'))
    writeFileSync(join(d.path, 'README.md'), 'not a rule')

    const t = loadTeamRules(d.path)
    const byFile = Object.fromEntries(t.refusals.map((r) => [r.file, r.reason]))
    assert.deepEqual(Object.keys(byFile).sort(), ['bad-modifier.yml', 'broken.yml', 'expand.yml', 'web/regeorg.yml'].sort(), JSON.stringify(t.refusals, null, 1))
    assert.match(byFile['bad-modifier.yml']!, /Team rule with a typo.*cs-uri-query\|sometimes.*sometimes/)
    assert.match(byFile['broken.yml']!, /YAML/)
    assert.match(byFile['expand.yml']!, /%\w+%.*has no value in the configuration/)
    // files are read in order: web/nested/… comes before web/regeorg.yml, which then clashes with it
    assert.match(byFile['web/regeorg.yml']!, new RegExp(`${REGEORG_ID} is already defined by web/nested/regeorg-again.yml`))
    assert.equal(t.loaded, 1)
    assert.deepEqual(t.names, [REGEORG_ID])
    assert.ok(t.rules.detection.some((r) => r.id === REGEORG_ID))
    assert.ok(t.rules.correlation.some((r) => r.name === 'corr_bruteforce_remote_shell'), 'the shipped rules still run')
    assert.deepEqual(t.rules.hashes.get(REGEORG_ID), sha256(readFileSync(REGEORG)))

    const withValues = loadTeamRules(d.path, { placeholders: loadPlaceholders(PLACEHOLDERS) })
    assert.equal(withValues.loaded, 2, 'the expand rule compiles with the placeholder values')
    assert.equal(withValues.refusals.length, 3)

    writeFileSync(join(d.path, 'p.yml'), 'Admins: { nested: 1 }\n')
    assert.throws(() => loadPlaceholders(join(d.path, 'p.yml')), (e: unknown) => e instanceof PolisError && /Admins must be a value or a list/.test(e.message))
    assert.throws(() => loadTeamRules(join(d.path, 'missing')), (e: unknown) => e instanceof PolisError && e.errorName === 'invalid_request' && /rules folder/.test(e.message))

    writeFileSync(join(d.path, 'soc.json'), JSON.stringify({ rules: 'web', placeholders: 'p.yml' }))
    const cfg = loadCorrelatorConfig(join(d.path, 'soc.json'))
    assert.deepEqual([cfg.rules, cfg.placeholders], [join(d.path, 'web'), join(d.path, 'p.yml')])
  } finally {
    d.remove()
  }
})

type Node = Awaited<ReturnType<typeof inProcessNode>>
let node: Node
const [gw, socA, socB] = ['gw', 'a', 'b'].map((n) => testKey(`siem/team-rules/${n}`)) as [ReturnType<typeof testKey>, ReturnType<typeof testKey>, ReturnType<typeof testKey>]
const listeners: Listener[] = []

before(async () => {
  node = await inProcessNode('siem-team-rules')
  const auth = node.city.authority
  const r1 = await node.client.signAndSubmit(auth, [identity.registerDevice(gw.publicKey), identity.register(socA.publicKey, ['operator']), identity.register(socB.publicKey, ['operator'])])
  assert.equal(r1.code, 0, r1.log)
  const text = readFileSync(REGEORG, 'utf8')
  const r2 = await node.client.signAndSubmit(auth, [
    siemMsgs.registerCollector({ collector: gw.publicKey, name: 'web-gw' }),
    siemMsgs.registerCorrelator({ correlator: socA.publicKey }),
    siemMsgs.registerCorrelator({ correlator: socB.publicKey }),
    // the rule file's text: the chain checks its hash and that it is valid Sigma
    siemMsgs.registerRule({ id: REGEORG_ID, version: 1n, hash: sha256(Buffer.from(text)), action: 'none', text }),
  ])
  assert.equal(r2.code, 0, r2.log)
})
after(async () => {
  for (const l of listeners) await l.close()
  await node?.stop()
})

test("two correlators running SigmaHQ's web rules confirm a registered rule's alert on one ECS access-log event; unregistered rules that match do not alert", async () => {
  const chainId = await node.client.chainId()
  const col = new Collector(chainId, gw, 'web-gw')
  const access = (target: string, method: string, agent?: string) => JSON.stringify({
    '@timestamp': '2026-11-24T10:00:00.000Z', source: { ip: '203.0.113.9' }, destination: { ip: '10.0.0.80', port: 443 },
    url: { original: target }, http: { request: { method } }, ...(agent ? { user_agent: { original: agent } } : {}),
  })
  col.ingest(access('/index.html', 'GET', 'Mozilla/5.0'), 'auto', Date.now())
  col.ingest(access('/cgi-bin/../../../etc/passwd', 'GET', 'Mozilla/5.0'), 'auto', Date.now()) // path traversal: a web rule matches, not registered
  col.ingest(access('/tunnel.jsp?cmd=connect&target=10.0.0.5&port=22', 'POST'), 'auto', Date.now()) // reGeorg
  const { checkpoint, msg } = col.checkpoint()
  assert.equal((await node.client.signAndSubmit(gw, [msg])).code, 0)
  col.markAnchored(checkpoint)
  const api = await startCollectorApi({ collector: col, ingest: () => undefined, flush: async () => undefined }, { host: '127.0.0.1', port: 0 })
  listeners.push(api)

  const team = loadTeamRules(WEB, { placeholders: loadPlaceholders(PLACEHOLDERS) })
  assert.deepEqual(team.refusals, [])
  assert.ok(team.loaded >= 40, `${team.loaded} web rules`)
  const agents = [socA, socB].map((key) => new SiemCorrelatorAgent({ client: node.client, key, collectors: [{ url: `http://127.0.0.1:${api.port}` }], intervalMs: 50, rules: team.rules }))
  try {
    for (const a of agents) await a.start()
    await until('a confirmed alert', async () => ((await node.client.query<{ alerts: unknown[] }>('siem', 'alerts', { confirmed: 'true' })).alerts.length > 0 ? true : undefined))
    const { alerts } = await node.client.query<{ alerts: Array<{ rule: string; evidence: Array<{ index: string; leaf_hash: string }>; confirmed_at: string | null }> }>('siem', 'alerts', {})
    assert.equal(alerts.length, 1, JSON.stringify(alerts))
    assert.equal(alerts[0]!.rule, REGEORG_ID)
    assert.deepEqual(alerts[0]!.evidence.map((e) => e.index), ['2'])
    assert.equal(alerts[0]!.evidence[0]!.leaf_hash, toHex(col.log.leafHashAt(2)))
  } finally {
    for (const a of agents) await a.stop()
  }
})

test('polis siem correlator start --rules DIR --placeholders FILE: each refused file named on stderr, the rest loaded; bad arguments refused before anything starts', async () => {
  const d = tmpDir('siem-team-rules-cli')
  try {
    mkdirSync(join(d.path, 'rules'))
    copyFileSync(REGEORG, join(d.path, 'rules/regeorg.yml'))
    copyFileSync(EXPAND, join(d.path, 'rules/expand.yml'))
    writeFileSync(join(d.path, 'rules/broken.yml'), 'title: Broken\n  detection: [\n')
    const keyFile = join(d.path, 'soc-a.json')
    saveKeyFile(keyFile, socA, 'soc-a')
    let out = ''
    let err = ''
    const io = { out: (s: string) => void (out += s), err: (s: string) => void (err += s), env: cleanEnv(), cwd: d.path, waitForStop: async () => 'SIGTERM' }
    const base = ['--node', node.url, 'siem', 'correlator', 'start', '--from', keyFile, '--collector', 'http://127.0.0.1:9']
    assert.equal(await runCli([...base, '--rules', 'rules', '--placeholders', join(REPO, PLACEHOLDERS)], io), 0, err)
    const logs = err.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
    const refused = logs.filter((l) => l.msg === 'rule refused; not run')
    assert.deepEqual(refused.map((l) => l.file), ['broken.yml'])
    assert.match(String(refused[0]!.reason), /YAML/)
    assert.deepEqual(logs.filter((l) => l.msg === 'team rules loaded').map((l) => [l.loaded, l.refused]), [[2, 1]])
    assert.match(out, /correlator soc-a/)

    err = ''
    assert.equal(await runCli([...base, '--rules', 'rules'], io), 0, err)
    assert.match(err, /expand\.yml.*has no value in the configuration/, 'without placeholders the expand rule is refused, named')

    for (const [args, msg] of [[['--placeholders', 'p.yml'], /--placeholders needs --rules/], [['--rules', 'nope'], /rules folder .*nope/]] as const) {
      err = ''
      assert.equal(await runCli([...base, ...args], io), 1)
      assert.match(err, msg)
    }
  } finally {
    d.remove()
  }
})
