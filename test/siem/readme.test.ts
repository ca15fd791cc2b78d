/**
 * The README's "A Mirai attack on the city's IoT fleet" walk-through, command by command as
 * written: `npx polis …` lines run in process from a fresh directory standing for the clone, lines
 * ending in `&` as background processes; the node is started as the text says, `npx polis start
 * --init --home city` (the default port if free, else any free port: the CLI finds it from the
 * home, no --node). The fixed ports of the text (5514, 8089) are swapped for free ones.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from '../../src/kit/free-port.js'
import { cli } from '../helpers/cli.js'
import { launchProcess, type PolisProcess } from '../../src/kit/node-launcher.js'
import { until } from '../helpers/until.js'

const TITLE = "A Mirai attack on the city's IoT fleet (Block SIEM)"
const root = mkdtempSync(join(tmpdir(), 'polis-siem-readme-'))
const agents: PolisProcess[] = []
let node: PolisProcess | undefined
test.after(async () => {
  for (const a of agents) await a.stop()
  const exit = await node?.stop('SIGINT')
  rmSync(root, { recursive: true, force: true })
  if (exit) assert.equal(exit.code, 0, node!.output())
})

const words = (line: string) => [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!)

test('README: the Mirai walk-through works as written', async () => {
  const readme = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8')
  const section = readme.split(`## ${TITLE}`)[1]!.split('\n## ')[0]!
  const start = /`(npx polis start --init --home city)`/.exec(section)
  assert.ok(start, 'the README says how to start the city')
  node = await launchProcess(words(start[1]!).slice(2), { cwd: root, ready: /Stop with Ctrl-C\./, timeoutMs: 60_000, env: { POLIS_BLOCK_INTERVAL_MS: '10' } })
  const lines = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) => m[1]!.split('\n').filter((l) => l.trim()))
  assert.ok(lines.length >= 20, lines.join('\n'))
  const [udp, api] = [await freePort(), await freePort()]
  const env = {}
  const out: string[] = []
  for (const raw of lines) {
    assert.match(raw, /^npx polis /)
    const line = raw.replaceAll('5514', String(udp)).replaceAll('8089', String(api))
    const argv = words(line.replace(/\s*&$/, '')).slice(2)
    if (line.endsWith('&')) {
      agents.push(await launchProcess(argv, { ready: /API|following/, env, timeoutMs: 60_000, cwd: root }))
      continue
    }
    const r = await cli(argv, { env, cwd: root })
    assert.equal(r.code, 0, `${line}\n${r.stderr}${r.stdout}`)
    out.push(r.stdout)
    if (argv[0] === 'simulate') {
      // the agents work asynchronously: the alert is confirmed shortly after the 5th attempt
      await until('a confirmed alert', async () => ((await cli(['siem', 'alerts', '--confirmed', '--home', 'city'], { env, cwd: root })).stdout.includes('device quarantined') ? true : undefined), 60_000).catch((e) => {
        throw new Error(`${(e as Error).message}\n${agents.map((a) => a.stdout() + a.stderr()).join('\n---\n')}`)
      })
    }
  }
  const all = out.join('')
  assert.match(all, /sent 10 records of mirai_bruteforce from 10\.0\.0\.17/)
  assert.match(all, /corr_bruteforce_remote_shell v1 CONFIRMED at \d+, device quarantined \[open\] subject [0-9a-f]{64}/)
  assert.match(all, /status\s+revoked at block \d+ \(siem alert [0-9a-f]{64} \(corr_bruteforce_remote_shell\)\)/)
  assert.match(all, /#9 \S+ E1 failure 10\.0\.0\.17 -> - FAILED LOGIN 1 FROM 10\.0\.0\.17 FOR root, Authentication failure/)
  assert.match(all, /verified: event 0 is in the log of [0-9a-f]{64} as anchored at size \d+/)
})
