// Web server and proxy logs as ECS JSON (nested `url`, `http`, `user_agent`, as Filebeat or an
// nginx/Envoy JSON log writes them) keep those objects through the JSON parser, and SigmaHQ's
// webserver and proxy rules (read unchanged from the corpus in test/fixtures/sigma-corpus) see them
// through the pipeline's W3C field names (cs-uri-query, cs-method, c-useragent, …).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseEvent } from '../../src/siem/parsers.js'
import { canonicalJson } from '../../src/siem/ecs.js'
import { canonicalEntryText } from '../../src/siem/entry-encoding.js'
import { compileRule } from '../../src/siem/sigma/detection.js'
import { parseSigmaYaml } from '../../src/siem/sigma/yaml.js'
import { T0 } from './sigma-helpers.js'

const CORPUS = 'test/fixtures/sigma-corpus/rules/web'
const load = (f: string) => compileRule(parseSigmaYaml(readFileSync(join(CORPUS, f), 'utf8'))[0]!)
const parse = (o: unknown) => {
  const r = parseEvent(JSON.stringify(o), 'auto', { receivedAt: T0 })
  assert.ok(r.ok, r.ok ? '' : r.error)
  return r.event
}

/** An access-log record as ECS JSON: the request's URL, method, status, referrer and user agent. */
function access(target: string, o: { method?: string; status?: number; referrer?: string; agent?: string } = {}) {
  const [path, query] = target.split('?')
  return {
    '@timestamp': '2026-11-24T10:00:00.000Z',
    source: { ip: '203.0.113.9', port: 51000 },
    destination: { ip: '10.0.0.80', port: 443 },
    url: { original: target, path, ...(query === undefined ? {} : { query }), domain: 'portal.city.example' },
    http: { version: '1.1', request: { method: o.method ?? 'GET', ...(o.referrer ? { referrer: o.referrer } : {}) }, response: { status_code: o.status ?? 200, bytes: 512 } },
    ...(o.agent ? { user_agent: { original: o.agent } } : {}),
  }
}

test('JSON parser: nested ECS url/http/user_agent objects are kept (and flattened "url.query" keys nested), canonical and bounded', () => {
  const e = parse(access('/tunnel.jsp?cmd=connect&target=10.0.0.5', { method: 'POST', agent: 'curl/8.5' }))
  assert.deepEqual(e.url, { domain: 'portal.city.example', original: '/tunnel.jsp?cmd=connect&target=10.0.0.5', path: '/tunnel.jsp', query: 'cmd=connect&target=10.0.0.5' })
  assert.deepEqual(e.http, { request: { method: 'POST' }, response: { bytes: 512, status_code: 200 }, version: '1.1' })
  assert.deepEqual(e.user_agent, { original: 'curl/8.5' })
  assert.equal(canonicalEntryText(e), canonicalJson(e), 'the entry stays canonical with nested objects')

  const flat = parse({ 'url.original': '/a?b=1', 'http.request.method': 'GET', 'user_agent.original': 'x', message: 'hi' })
  assert.deepEqual([flat.url?.original, (flat.http?.request as Record<string, unknown>)?.method, flat.user_agent?.original], ['/a?b=1', 'GET', 'x'])

  // bounded: depth, lists of scalars only, long strings cut, other shapes dropped; never throws
  const odd = parse({ url: { original: 'x'.repeat(10_000), port: 8443, extra: { a: { b: { c: { d: 1 } } } }, list: ['a', 1, { no: 1 }], n: null }, http: 'not an object' })
  assert.equal(odd.url?.original?.length, 4096)
  assert.equal(odd.url?.port, 8443)
  assert.deepEqual(odd.url?.list, ['a', 1])
  assert.equal(odd.http, undefined)
  assert.equal(JSON.stringify(odd).includes('"d":1'), false, 'objects nested deeper than 3 levels are dropped')
})

test('SigmaHQ webserver rules over ECS JSON access logs: reGeorg (query, method, null referrer and agent) and path traversal', () => {
  const regeorg = load('webserver_generic/web_webshell_regeorg.yml')
  assert.equal(regeorg.match(parse(access('/tunnel.jsp?cmd=connect&target=10.0.0.5&port=22', { method: 'POST' }))), true)
  assert.equal(regeorg.match(parse(access('/tunnel.jsp?cmd=connect&target=10.0.0.5&port=22', { method: 'POST', agent: 'Mozilla/5.0' }))), false, 'a user agent: not reGeorg')
  assert.equal(regeorg.match(parse(access('/tunnel.jsp?cmd=connect&target=10.0.0.5', { method: 'GET' }))), false, 'GET: not reGeorg')
  assert.equal(regeorg.match(parse(access('/search?q=connect', { method: 'POST' }))), false)

  const traversal = load('webserver_generic/web_path_traversal_exploitation_attempt.yml')
  assert.equal(traversal.match(parse(access('/cgi-bin/../../../etc/passwd'))), true)
  assert.equal(traversal.match(parse(access('/static/app.js?v=3'))), false)
})

test('SigmaHQ proxy rules over ECS JSON: user agents (c-useragent → user_agent.original)', () => {
  const empty = load('proxy_generic/proxy_ua_empty.yml')
  const text = readFileSync(join(CORPUS, 'proxy_generic/proxy_ua_empty.yml'), 'utf8')
  assert.match(text, /c-useragent/)
  assert.equal(empty.match(parse({ ...access('/x'), user_agent: { original: '' } })), true)
  assert.equal(empty.match(parse(access('/x', { agent: 'Mozilla/5.0' }))), false)
  assert.equal(empty.match(parse(access('/x'))), false, 'no user agent at all is not an empty one')
  const posh = load('proxy_generic/proxy_ua_powershell.yml')
  assert.equal(posh.match(parse(access('/a.ps1', { agent: 'Mozilla/5.0 (Windows NT; Windows NT 10.0; en-US) WindowsPowerShell/5.1.19041.1' }))), true)
  assert.equal(posh.match(parse(access('/a.ps1', { agent: 'Mozilla/5.0 (X11; Linux x86_64)' }))), false)
})
