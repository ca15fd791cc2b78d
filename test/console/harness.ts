/**
 * The console's end-to-end harness: a real `npm start` network (the supervisor, city processes,
 * relayers) on free loopback ports in a temporary home, and Debian's Chromium driven headless by
 * playwright-core (never a downloaded browser: `.ci/run` installs the `chromium` package).
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { chromium, type Browser, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core'
import { upNetwork, type RunningNetwork } from '../../src/network/supervisor.js'
import { consecutive, freeBasePort } from '../../src/kit/free-port.js'
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

export async function startNetwork(cities = 2): Promise<ConsoleNet> {
  if (!existsSync(join(CONSOLE_DIST, 'index.html'))) throw new Error('the console is not built: run `npm run build:console` (npm ci does it)')
  const dir = tmpDir('console-net')
  const home = join(dir.path, 'net')
  const basePort = await freeBasePort(consecutive(cities))
  const net = await upNetwork({ home, init: { cities, basePort, blockIntervalMs: 200 }, relayer: { intervalMs: 200 }, env: { ...process.env, POLIS_LOG_LEVEL: 'warn' } })
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
