/**
 * The console's end-to-end harness: a real `npm start` network (the supervisor, city processes,
 * relayers) on free loopback ports in a temporary home, and Debian's Chromium driven headless by
 * playwright-core (never a downloaded browser: `.ci/run` installs the `chromium` package).
 */
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { chromium, type Browser, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core'
import { upNetwork, type RunningNetwork } from '../../src/network/supervisor.js'
import { consecutive, freeBasePort } from '../../src/kit/free-port.js'
import { networkPorts } from '../../src/network/init.js'
import { tmpDir } from '../../src/kit/temp-dir.js'
import { Keyring } from '../../src/sdk/keys.js'
import { CONSOLE_DIST } from '../../src/api/routes/console.js'

export const CHROMIUM = process.env.POLIS_CHROMIUM ?? '/usr/bin/chromium'

export interface ConsoleNet {
  net: RunningNetwork
  home: string
  urlOf(city: string): string
  keys(city: string): Keyring
  stop(): Promise<void>
}

/** A network as `npm start` makes it (`engine: 'cometbft'`: as `polis network up --engine cometbft --validators N`). */
export async function startNetwork(cities = 2, o: { engine?: 'solo' | 'cometbft'; validators?: number } = {}): Promise<ConsoleNet> {
  if (!existsSync(join(CONSOLE_DIST, 'index.html'))) throw new Error('the console is not built: run `npm run build:console` (npm ci does it)')
  const dir = tmpDir('console-net')
  const home = join(dir.path, 'net')
  const engine = o.engine ?? 'solo'
  const basePort = await freeBasePort(engine === 'solo' ? consecutive(cities) : (b) => networkPorts(b, cities, engine, o.validators))
  const net = await upNetwork({ home, init: { cities, basePort, blockIntervalMs: 200, engine, validators: o.validators }, relayer: { intervalMs: 200 }, env: { ...process.env, POLIS_LOG_LEVEL: 'warn' } })
  return {
    net, home,
    urlOf: (c) => net.cities.find((x) => x.name === c)!.url,
    keys: (c) => new Keyring(join(home, c, 'keys')),
    stop: async () => {
      await net.stop()
      dir.remove()
    },
  }
}

export async function startBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: install Debian's chromium package (apt-get install chromium)`)
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] })
}

/** A page that records console errors, page errors and failed requests (a test asserts none happened). */
export async function openPage(ctx: BrowserContext): Promise<{ page: Page; errors: string[] }> {
  const page = await ctx.newPage()
  const errors: string[] = []
  page.on('console', (m: ConsoleMessage) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()} ${m.location().url}`)
  })
  page.on('pageerror', (e) => errors.push(`page: ${e.message}`))
  return { page, errors }
}

/** Waits until nothing on the page says "Loading…" (every section has drawn what the node answered). */
export async function settled(page: Page): Promise<void> {
  await page.locator('h1').first().waitFor()
  await page.waitForFunction(() => !document.body.innerText.includes('Loading…'))
}

export async function axe(page: Page): Promise<string[]> {
  const src = readFileSync(new URL('../../node_modules/axe-core/axe.min.js', import.meta.url), 'utf8')
  await page.evaluate(src)
  const r = await page.evaluate(async () => {
    const res = await (window as unknown as { axe: { run(o: object): Promise<{ violations: Array<{ id: string; impact: string; help: string; nodes: Array<{ html: string }> }> }> } }).axe.run({ runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })
    return res.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, n: v.nodes.length, html: v.nodes.slice(0, 3).map((x) => x.html).join(' ') }))
  })
  return r.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}, ${v.n}×): ${v.help}: ${v.html}`)
}

export async function assertText(loc: ReturnType<Page['locator']>, re: RegExp): Promise<void> {
  await loc.first().waitFor()
  assert.match(await loc.first().innerText(), re)
}
