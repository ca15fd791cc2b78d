/**
 * The console's Security page against the README's Mirai walk-through, on a real `npm start`
 * network (two cities): the README's SIEM commands run as written against city-a (its home and
 * keys), the collector and both correlators as processes; the attack from `polis simulate siem`
 * appears on an open Security page as a confirmed alert without a reload (the page follows the
 * city's WebSocket block stream), and the alert's evidence is verified in the browser: alert record
 * and anchored checkpoints against a header checked against the pinned genesis, each event's
 * RFC 9162 inclusion, and each event's content, read from the collector's API (cross-origin: CORS
 * on the collector, the console's CSP allowing the collectors of POLIS_SIEM_COLLECTORS), hashed to
 * its proven leaf. A lying node (tampered proof, value, header, or inclusion proof) or a lying
 * collector (other content for an event) fails the step it lied in and is never shown as verified.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { PolisClient } from '../../src/sdk/polis-client.js'
import { freePort } from '../../src/kit/free-port.js'
import { launchProcess, type PolisProcess } from '../../src/kit/node-launcher.js'
import { cli } from '../helpers/cli.js'
import { axe, openPage, settled, startBrowser, startNetwork, type ConsoleNet } from './harness.js'
import { lyingProxy, type LieMode, type LyingProxy } from './lying-proxy.js'

const SHOTS = new URL('../../docs/console/', import.meta.url).pathname

let n: ConsoleNet
let browser: Browser
let ctx: BrowserContext
let A: string
const agents: PolisProcess[] = []
/** The collector's API as the console reaches it: through a proxy that can lie, on a port chosen before the cities start (their CSP lists it). */
let collectorProxyPort: number
let collectorProxy: LyingProxy | undefined

before(async () => {
  collectorProxyPort = await freePort()
  process.env.POLIS_SIEM_COLLECTORS = `http://127.0.0.1:${collectorProxyPort}`
  n = await startNetwork(2)
  A = n.urlOf('city-a')
  browser = await startBrowser()
  ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } })
})

after(async () => {
  await ctx?.close()
  await browser?.close()
  await collectorProxy?.close()
  for (const a of agents) await a.stop()
  await n?.stop()
})

const words = (line: string) => [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!)

/** The README's Mirai section's commands, for city-a of the network (its home), on free ports. */
async function readmeCommands(): Promise<{ cmds: string[][]; apiPort: number }> {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
  const section = readme.split("## A Mirai attack on the city's IoT fleet (Block SIEM)")[1]!.split('\n## ')[0]!
  const lines = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) => m[1]!.split('\n').filter((l) => l.trim()))
  const [udp, api] = [await freePort(), await freePort()]
  const cmds = lines.map((l) => {
    assert.match(l, /^npx polis /)
    return words(l.replaceAll('5514', String(udp)).replaceAll('8089', String(api)).replace(/--home city(?=\s|$)/g, '--home city-a')).slice(2)
  })
  return { cmds, apiPort: api }
}

interface AlertJson { id: string; subject: string | null; confirmed_at: string | null; quarantined: boolean; evidence: unknown[] }

let quarantining: AlertJson

test('a Mirai attack from `polis simulate siem` appears on the open Security page as a confirmed alert, without a reload', async () => {
  const env = { POLIS_NODE: A }
  const { cmds, apiPort } = await readmeCommands()
  const attack = cmds.findIndex((c) => c[0] === 'simulate')
  assert.ok(attack > 0, 'the README runs `polis simulate siem`')
  for (const argv of cmds.slice(0, attack)) {
    if (argv.at(-1) === '&') {
      agents.push(await launchProcess(argv.slice(0, -1), { ready: /API|following/, env, timeoutMs: 60_000, cwd: n.home }))
      continue
    }
    const r = await cli(argv, { env, cwd: n.home })
    assert.equal(r.code, 0, `polis ${argv.join(' ')}\n${r.stderr}${r.stdout}`)
  }
  collectorProxy = await lyingProxy(`http://127.0.0.1:${apiPort}`, '', collectorProxyPort)

  const { page, errors } = await openPage(ctx)
  const blocksOverWs = new Set<string>()
  page.on('websocket', (ws) => ws.on('framereceived', (f) => {
    try {
      const m = JSON.parse(String(f.payload)) as { kind?: string; height?: string }
      if (m.kind === 'block' && m.height) blocksOverWs.add(m.height)
    } catch {
      // not a block message
    }
  }))
  await page.goto(`${A}/console/#/security/city-a`)
  await settled(page)
  await page.getByRole('heading', { name: 'Alerts (0, live)' }).waitFor().catch(async (e: Error) => {
    throw new Error(`${e.message}\nthe page says: ${await page.locator('main').innerText()}\n${errors.join('\n')}`)
  })
  await page.evaluate(() => ((window as unknown as { polisTestDocument: string }).polisTestDocument = 'before the attack'))

  const r = await cli(cmds[attack]!, { env, cwd: n.home })
  assert.equal(r.code, 0, `${r.stderr}${r.stdout}`)
  assert.match(r.stdout, /sent 10 records of mirai_bruteforce from 10\.0\.0\.17/)

  const row = page.locator('section[aria-labelledby=h-alerts]').getByRole('row', { name: /corr_bruteforce_remote_shell v1 .*CONFIRMED at \d+, device quarantined/ })
  await row.waitFor({ timeout: 60_000 }).catch(async (e: Error) => {
    throw new Error(`${e.message}\nthe page says: ${await page.locator('main').innerText()}\n${agents.map((a) => a.stdout() + a.stderr()).join('\n---\n')}`)
  })
  assert.equal(await page.evaluate(() => (window as unknown as { polisTestDocument?: string }).polisTestDocument), 'before the attack', 'the page was not reloaded')
  const alerts = await new PolisClient(A).query<{ alerts: AlertJson[] }>('siem', 'alerts', { limit: '50' })
  quarantining = alerts.alerts.find((a) => a.quarantined)!
  assert.ok(quarantining, JSON.stringify(alerts))
  assert.ok(blocksOverWs.has(quarantining.confirmed_at!), `the block that confirmed the alert (${quarantining.confirmed_at}) came over the page's WebSocket stream`)
  assert.match(await row.innerText(), /2 of 2 needed/)
  assert.match(await page.locator('section[aria-labelledby=h-q]').innerText(), new RegExp(`${quarantining.id.slice(0, 8)}`))

  // the alert's evidence, verified in this browser
  await page.locator(`[data-verify-alert="${quarantining.id}"]`).click()
  const v = page.locator('section[aria-labelledby=h-evidence] [data-verdict]')
  await v.waitFor()
  const text = await v.innerText()
  assert.equal(await v.getAttribute('data-verdict'), 'verified', text)
  const passed = await v.locator('.steps li.pass strong').allInnerTexts()
  assert.equal(passed.filter((s) => /RFC 9162 inclusion in the anchored tree/.test(s)).length, quarantining.evidence.length, text)
  assert.equal(passed.filter((s) => /anchored checkpoint of size \d+/.test(s)).length, quarantining.evidence.length, text)
  // each event's content, read from the collector across origins, hashed to its proven leaf and shown
  assert.equal(passed.filter((s) => /content from the collector = the proven leaf/.test(s)).length, quarantining.evidence.length, text)
  const contents = page.locator('section[aria-labelledby=h-evidence] .event-content pre')
  assert.equal(await contents.count(), quarantining.evidence.length)
  assert.match(await contents.first().innerText(), /10\.0\.0\.17/)
  assert.equal(await page.locator('[data-content-note]').count(), 0)
  assert.ok(quarantining.evidence.length >= 5, `the brute-force correlation's events: ${text}`)
  assert.deepEqual(await axe(page), [], 'serious axe violations on the Security page with an alert and its verification')
  await page.screenshot({ path: join(SHOTS, 'security-alert.png'), fullPage: true })
  await page.setViewportSize({ width: 390, height: 844 })
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
  assert.ok(overflow <= 1, `the Security page at 390 px is ${overflow} px wider than the screen`)
  assert.deepEqual(errors, [])
  await page.close()
})

test('a lying node (tampered proof, value, header or inclusion proof) or a lying collector (other content for an event) fails the step it lied in, never verified', async () => {
  assert.ok(quarantining, 'needs the alert of the previous test')
  const proxy = await lyingProxy(A, 'city-a')
  const page: Page = await ctx.newPage()
  try {
    // pin city-a's genesis from its file (out of band) for the proxy's origin
    await page.goto(`${proxy.url}/console/#/explorer/city-a`)
    await page.locator('section[aria-labelledby=h-genesis] input[type=file]').setInputFiles({ name: 'genesis.json', mimeType: 'application/json', buffer: readFileSync(join(n.home, 'city-a', 'genesis.json')) })
    await page.getByText('from a file you imported').waitFor()
    const verify = async (mode: LieMode) => {
      proxy.mode = mode
      await page.goto(`${proxy.url}/console/?lie=${mode}#/security/city-a`) // a new document each time
      await page.locator(`[data-verify-alert="${quarantining.id}"]`).click()
      const v = page.locator('section[aria-labelledby=h-evidence] [data-verdict]')
      await v.waitFor()
      return { verdict: await v.getAttribute('data-verdict'), failed: await v.locator('.steps li.fail strong').allInnerTexts(), text: await v.innerText() }
    }
    const honest = await verify('none')
    assert.equal(honest.verdict, 'verified', honest.text)
    const expect: Array<[LieMode, RegExp]> = [['proof', /Alert record: ICS-23 proof/], ['value', /Alert record: ICS-23 proof/], ['header', /Header signature/], ['inclusion', /RFC 9162 inclusion/], ['entry', /content from the collector = the proven leaf/]]
    for (const [mode, step] of expect) {
      // `entry`: the node is honest, the collector serves other content for the event
      collectorProxy!.mode = mode === 'entry' ? 'entry' : 'none'
      const r = await verify(mode === 'entry' ? 'none' : mode)
      assert.equal(r.verdict, 'failed', `${mode}: ${r.text}`)
      assert.equal(r.failed.length, 1, `${mode}: ${r.text}`)
      assert.match(r.failed[0]!, step, `${mode}: ${r.text}`)
      assert.match(r.text, /NOT verified/)
      if (mode === 'inclusion') await page.screenshot({ path: join(SHOTS, 'security-lying-node.png'), fullPage: true })
      if (mode === 'entry') assert.equal(await page.locator('section[aria-labelledby=h-evidence] .event-content').count(), 0, 'content that does not hash to its leaf is not shown')
    }
  } finally {
    await page.close()
    await proxy.close()
  }
})

test('the alert\'s indicator shared with city-b: listed there with its provenance, and city-a shows city-b\'s answer, live', async () => {
  assert.ok(quarantining?.subject, 'needs the alert of the first test')
  const { page, errors } = await openPage(ctx)
  await page.setViewportSize({ width: 1280, height: 800 })
  await page.goto(`${A}/console/#/security/city-a`)
  await settled(page)
  const intelA = page.locator('section[aria-labelledby=h-intel]')
  await intelA.getByRole('table', { name: /shared with other cities/ }).getByRole('row', { name: 'none' }).waitFor()
  // city-b's authority accepts city-a's indicators; city-a's authority shares the camera's key (the alert's subject)
  for (const argv of [
    ['tx', 'threat-intel', 'accept-peer', 'city-a', '--from', 'authority', '--home', 'city-b'],
    ['tx', 'bridge', 'share-indicators', 'city-b', quarantining.id, `device:${quarantining.subject}`, '--from', 'authority', '--home', 'city-a'],
  ]) {
    const r = await cli(argv, { cwd: n.home })
    assert.equal(r.code, 0, `polis ${argv.join(' ')}\n${r.stderr}${r.stdout}`)
  }
  // city-a: the share, then city-b's acknowledgement (relayed back) turns it accepted without a reload
  await intelA.locator('[data-share-outcome=accepted]').waitFor()
  assert.match(await intelA.getByRole('table', { name: /shared with other cities/ }).innerText(), new RegExp(`city-b \\(client city-b\\)\\s+#\\d+\\s+${quarantining.id.slice(0, 8)}…`))
  // city-b: the indicator listed, with where it came from and the alert confirmed there
  await page.goto(`${A}/console/#/security/city-b`)
  await settled(page)
  const received = page.locator('section[aria-labelledby=h-intel]').getByRole('table', { name: /received from other cities/ })
  const row = received.getByRole('row', { name: new RegExp(`device:${quarantining.subject.slice(0, 8)}`) })
  await row.waitFor()
  assert.match(await row.innerText(), new RegExp(`city-a \\(packet #\\d+ over client city-a, at block \\d+\\)\\s+${quarantining.id.slice(0, 8)}…\\S* corr_bruteforce_remote_shell v1, confirmed there at ${quarantining.confirmed_at} by 2 correlators\\s+listed until block \\d+`))
  assert.match(await page.locator('section[aria-labelledby=h-intel]').innerText(), /this city accepts them from city-a \(client city-a\)/)
  assert.deepEqual(await axe(page), [], 'serious axe violations on the Security page with threat indicators')
  await page.locator('section[aria-labelledby=h-intel]').screenshot({ path: join(SHOTS, 'security-threat-intel.png') })
  assert.deepEqual(errors, [])
  await page.close()
})
