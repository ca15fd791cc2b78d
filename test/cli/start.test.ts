/**
 * `npm start` (`polis network up`): the real entry as a child process on free
 * ports with a temp home. It creates the two-city network, creates the bridge clients, prints the
 * lines to try; the README's "From a clone to a first verified transfer" and "A first cross-city
 * transfer" commands then run as written (CLI in process, POLIS_HOME = the network home, as
 * `./.polis` would be) and print what the README shows: the voucher arrives on city-b, the ack
 * clears the commitment on city-a, the way back releases the escrow. SIGINT stops everything; the
 * next start continues the same chains without creating clients again, and relays again.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cli } from '../helpers/cli.js'
import { NPM_START, REPO, launchProcess, type PolisProcess } from '../../src/kit/node-launcher.js'
import { consecutive, freeBasePort } from '../../src/kit/free-port.js'

/** `npm start` until `ready` says it is up. */
function startNetwork<T>(args: string[], env: Record<string, string>, ready: (out: string) => T | undefined) {
  return launchProcess([...NPM_START, ...args], { env, ready, timeoutMs: 60_000 })
}

test('npm start runs `polis network up`', () => {
  const { scripts } = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
  assert.equal(scripts.start, `node bin/polis ${NPM_START.join(' ')}`)
})

async function until<T>(what: string, f: () => T | undefined | Promise<T | undefined>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const v = await f()
    if (v !== undefined) return v
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** Splits a shell line on spaces, keeping "double-quoted" words together. */
const words = (line: string) => [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!)

/** The README's output block as a pattern: "…" stands for anything. */
function pattern(expected: string): RegExp {
  const parts = expected.trim().split('…').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
  return new RegExp('^' + parts.join('[\\s\\S]*?') + '$')
}

/** The `npx polis` commands of a README section with the output block shown after each (if any). */
function readmeSteps(title: string): Array<{ line: string; expected?: string }> {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8')
  const section = readme.split(`## ${title}`)[1]!.split('\n## ')[0]!
  const steps: Array<{ line: string; expected?: string }> = []
  for (const m of section.matchAll(/```sh\n([\s\S]*?)```(?:\n\n```\n([\s\S]*?)```)?/g)) {
    const lines = m[1]!.split('\n').filter((l) => l.startsWith('npx polis '))
    lines.forEach((line, i) => steps.push({ line, expected: i === lines.length - 1 ? m[2] : undefined }))
  }
  return steps
}

/** Runs README steps as written; a query is repeated until it shows what the README shows (relaying takes a moment). */
async function runSteps(steps: Array<{ line: string; expected?: string }>, env: Record<string, string>): Promise<string[]> {
  const outs: string[] = []
  for (const { line, expected } of steps) {
    const argv = words(line).slice(2)
    const isQuery = argv[0] === 'query'
    let last = ''
    const out = await until(line, async () => {
      const r = await cli(argv, { env })
      last = r.stdout + r.stderr
      if (!isQuery) assert.equal(r.code, 0, `${line}\n${r.stderr}${r.stdout}`)
      if (expected === undefined || pattern(expected).test(r.stdout.trim())) return r.stdout
      if (!isQuery) assert.fail(`${line}: output\n${r.stdout}\ndoes not match the README's\n${expected}`)
      return undefined
    }, 30_000).catch((e: Error) => assert.fail(`${e.message}: the last output was\n${last}\nthe README shows\n${expected}`))
    outs.push(out)
  }
  return outs
}

test('npm start: two bridged cities, the README walk-throughs as written, Ctrl-C, restart continues', async () => {
  const root = mkdtempSync(join(tmpdir(), 'polis-start-'))
  const home = join(root, '.polis') // what ./.polis is for a user; the CLI finds it through POLIS_HOME
  const base = await freeBasePort(consecutive(2))
  const env = { POLIS_HOME: home, POLIS_LOG_LEVEL: 'warn', POLIS_BLOCK_INTERVAL_MS: '20' }
  let first: PolisProcess | undefined
  let second: PolisProcess | undefined
  try {
    const up = await startNetwork(['--base-port', String(base), '--relay-interval-ms', '100', '--json'], env, (out) => {
      const lines = out.split('\n').slice(0, -1) // complete lines only
      const ev = lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, any>)
      return ev.some((e) => e.event === 'listening') ? ev : undefined
    })
    first = up
    const events = up.ready
    assert.deepEqual(events[0], { event: 'initialised', home, cities: ['city-a', 'city-b'] })
    const listening = events.find((e) => e.event === 'listening')!
    assert.deepEqual(listening.cities.map((c: Record<string, string>) => [c.name, c.url, c.chain_id]), [
      ['city-a', `http://127.0.0.1:${base}`, 'city-a'], ['city-b', `http://127.0.0.1:${base + 1}`, 'city-b'],
    ])
    assert.equal(listening.clients_created, 2)
    // the lines printed to try are the README's
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8')
    for (const line of listening.try as string[]) assert.ok(readme.includes(line), line)

    const cliEnv = { POLIS_HOME: home }
    const clone = readmeSteps('From a clone to a first verified transfer')
    assert.equal(clone.length, 3)
    await runSteps(clone, cliEnv)
    const cross = readmeSteps('A first cross-city transfer')
    assert.ok(cross.length >= 8, cross.map((s) => s.line).join('\n'))
    await runSteps(cross, cliEnv)
    // and in state: nothing in flight either way, the voucher burned, the escrow released
    const ask = async (argv: string[]) => (await cli([...argv, '--json'], { env: cliEnv })).json<Record<string, string | boolean | null>>()
    assert.equal((await ask(['query', 'bridge', 'packet', 'city-b', '1'])).commitment, null)
    await until('the ack of the way back on city-b', async () => ((await ask(['query', 'bridge', 'packet', 'city-a', '1', '--city', 'city-b'])).commitment === null ? true : undefined), 30_000)
    assert.equal((await ask(['query', 'bridge', 'packet', 'city-a', '1', '--city', 'city-b'])).receipt, true)
    const voucher = /--denom (\S+)/.exec(cross.find((s) => s.line.includes('--denom'))!.line)![1]!
    assert.match(voucher, /^ibc\/[0-9a-f]{64}$/)
    assert.equal((await ask(['query', 'balance', 'citizen-1', '--city', 'city-b', '--denom', voucher])).amount, '0')

    const stopped = first
    assert.equal((await stopped.stop('SIGINT')).code, 0, stopped.stderr())
    first = undefined
    assert.match(stopped.stdout(), /"event":"stopped","signal":"SIGINT"/)

    // again, in human form: no new network, no new clients, the chains continue, the relayer relays
    const again = await startNetwork([], { ...env, POLIS_LOG_LEVEL: 'silent' }, (out) => (/Stop with Ctrl-C\./.test(out) ? out : undefined))
    second = again
    const text = again.ready
    assert.doesNotMatch(text, /Initialised|created now/)
    assert.match(text, new RegExp(`Polis network: 2 cities on this machine \\(solo engines\\), home ${home.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\n {2}city-a {2}http://127\\.0\\.0\\.1:${base} {2}height \\d+`))
    assert.match(text, /Try, in another terminal \(commands use city-a; --city NAME picks another\):\n {2}npx polis tx bank send citizen-2 250 --from citizen-1\n {2}npx polis tx bridge transfer city-b citizen-1 100 --from citizen-1\n/)
    assert.equal((await cli(['query', 'balance', 'citizen-1'], { env: cliEnv })).stdout, '999750 ucity\n')
    assert.equal((await cli(['tx', 'bridge', 'transfer', 'city-b', 'citizen-2', '7', '--from', 'citizen-1'], { env: cliEnv })).code, 0)
    await runSteps([{ line: `npx polis query balance citizen-2 --city city-b --denom ${voucher}`, expected: `7 ${voucher}` }], cliEnv)
    await until('the ack on city-a', async () => ((await ask(['query', 'bridge', 'packet', 'city-b', '2'])).commitment === null ? true : undefined), 30_000)
    assert.equal((await second.stop('SIGTERM')).code, 0, second.stderr())
    assert.match(second.stdout(), /SIGTERM: stopping the relayers, then every city \(the block in progress is finished first\)…\n( {2}relayer .*\n)*Stopped\.\n$/)
    second = undefined
  } finally {
    for (const r of [first, second]) await r?.stop('SIGKILL')
    rmSync(root, { recursive: true, force: true })
  }
})
