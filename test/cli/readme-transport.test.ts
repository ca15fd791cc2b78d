/**
 * The README's "A simulated city with attackers" walk-through, command by command as written
 * (`npx polis …` run in process; /tmp/city and /tmp/bits become temporary directories), against a
 * node started like `polis start --init --home /tmp/bits`; every output line the README shows must
 * be a whole line of what the commands printed, in the README's order. The outcome is a function of
 * the simulated city alone (windows by the simulation's clock, settled once every RSU submitted
 * them: src/modules/transport/window-clock.ts), so the same lines come out on a loaded machine.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cli } from '../helpers/cli.js'
import { useNode } from '../helpers/use-node.js'

const root = mkdtempSync(join(tmpdir(), 'polis-readme-transport-'))
const home = join(root, 'bits')
const city = join(root, 'city')
const node = useNode({ home, init: true, blockIntervalMs: 10, timeoutMs: 60_000 }, { stopped: () => rmSync(root, { recursive: true, force: true }) })

/** The fenced blocks of a markdown text: language and non-empty lines. */
function fences(md: string): Array<{ lang: string; lines: string[] }> {
  const out: Array<{ lang: string; lines: string[] }> = []
  let cur: { lang: string; lines: string[] } | undefined
  for (const line of md.split('\n')) {
    if (line.startsWith('```')) {
      if (cur) out.push(cur), (cur = undefined)
      else cur = { lang: line.slice(3).trim(), lines: [] }
    } else if (cur && line.trim()) cur.lines.push(line)
  }
  return out
}

const paths = (s: string) => s.replaceAll('/tmp/city', city).replaceAll('/tmp/bits', home)

test('README: the simulated city with attackers works as written and prints what it shows', { timeout: 120_000 }, async () => {
  const readme = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8')
  const section = readme.split('## A simulated city with attackers (transport, BITS)')[1]!.split('\n## ')[0]!
  const blocks = fences(section)
  const lines = blocks.filter((b) => b.lang === 'sh').flatMap((b) => b.lines)
  const shown = blocks.filter((b) => b.lang === '').flatMap((b) => b.lines)
  assert.ok(lines.length >= 9, lines.join('\n'))
  assert.ok(shown.length >= 12, shown.join('\n'))
  let all = ''
  for (const line of lines) {
    assert.match(line, /^npx polis /)
    const r = await cli(paths(line).split(' ').slice(2), { env: { POLIS_NODE: node.url } })
    assert.equal(r.code, 0, `${line}\n${r.stderr}${r.stdout}`)
    all += r.stdout
  }
  const printed = all.split('\n').map((l) => l.trimEnd())
  let at = 0
  for (const l of shown) {
    const i = printed.indexOf(paths(l).trimEnd(), at)
    assert.ok(i >= 0, `the README shows "${l}" (after line ${at} of the output), the commands printed:\n${all}`)
    at = i + 1
  }
  // a report changed after the fact verifies neither its signature nor its inclusion: exit 1
  const file = join(city, 'windows', 'rsu-0-3.json')
  const w = JSON.parse(readFileSync(file, 'utf8')) as { reports: string[] }
  const r5 = w.reports[5]!
  w.reports[5] = r5.slice(0, -2) + (r5.endsWith('00') ? '01' : '00')
  writeFileSync(join(city, 'tampered.json'), JSON.stringify(w))
  const bad = await cli(['transport', 'verify-report', join(city, 'tampered.json'), '--index', '5', '--home', home], { env: { POLIS_NODE: node.url } })
  assert.equal(bad.code, 1, bad.stdout)
  assert.match(bad.stdout, /signature {2}INVALID/)
  assert.match(bad.stdout, /inclusion {2}NOT under the root on chain/)
})
