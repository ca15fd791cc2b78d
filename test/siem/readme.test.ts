/**
 * The README's "A Mirai attack on the city's IoT fleet" walk-through, command by command as
 * written: `npx polis …` lines run in process from a directory holding the `city` home, lines
 * ending in `&` as background processes; the node is `polis start --init --home city` (port 0).
 * The fixed ports of the text (5514, 8089) are swapped for free ones.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cli, startPolis, type PolisProcess } from '../sdk/polis-node.js'
import { startAgent, until, type AgentProcess } from './agent-process.js'

let root: string
let node: PolisProcess
const agents: AgentProcess[] = []

const freePort = () => new Promise<number>((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const p = (s.address() as { port: number }).port
    s.close(() => resolve(p))
  })
})
const words = (line: string) => [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!)

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'polis-siem-readme-'))
  node = await startPolis(['start', '--init', '--json', '--home', join(root, 'city')], { env: { POLIS_API_PORT: '0', POLIS_BLOCK_INTERVAL_MS: '10' } })
})

after(async () => {
  for (const a of agents) await a.stop()
  await node?.stop('SIGTERM')
  rmSync(root, { recursive: true, force: true })
})

test('README: the Mirai walk-through works as written', async () => {
  const readme = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8')
  const section = readme.split("## A Mirai attack on the city's IoT fleet (Block SIEM)")[1]!.split('\n## ')[0]!
  const lines = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) => m[1]!.split('\n').filter((l) => l.trim()))
  assert.ok(lines.length >= 20, lines.join('\n'))
  const [udp, api] = [await freePort(), await freePort()]
  const env = { POLIS_NODE: node.url }
  const out: string[] = []
  for (const raw of lines) {
    assert.match(raw, /^npx polis /)
    const line = raw.replaceAll('5514', String(udp)).replaceAll('8089', String(api))
    const argv = words(line.replace(/\s*&$/, '')).slice(2)
    if (line.endsWith('&')) {
      agents.push(await startAgent(argv, /API|following/, env, 60_000, root))
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
