/**
 * The README's "A simulated city with attackers" walk-through, as written and in order, in a fresh
 * directory standing for the clone (the README's `traffic` and `bits` are made there): the node is
 * started as the text says, `npx polis start --init --home bits` (a new home: the default port if it
 * is free, else any free port, which the CLI finds from `--home bits`; no --node anywhere), and every
 * output line the README shows must be a whole line of what the commands printed, in the README's
 * order. The outcome is a function of the simulated city alone (windows by the simulation's clock,
 * settled once every RSU submitted them: src/modules/transport/window-clock.ts), so the same lines
 * come out on a loaded machine.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cli } from '../helpers/cli.js'
import { launchProcess, type PolisProcess } from '../../src/kit/node-launcher.js'
import { readmeSection, readmeSections, words } from '../helpers/readme.js'

const TITLE = 'A simulated city with attackers (transport, BITS)'

test('README: the simulated city with attackers works as written and prints what it shows', { timeout: 300_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'polis-readme-transport-'))
  let node: PolisProcess | undefined
  try {
    const section = readmeSection(TITLE)
    const lines = section.steps.map((s) => s.line)
    assert.ok(lines.length >= 9, lines.join('\n'))
    assert.ok(section.shown.length >= 12, section.shown.join('\n'))
    const text = readmeSections().find((s) => s.title === TITLE)!.text
    const start = /`(npx polis start --init --home \S+)`/.exec(text)
    assert.ok(start, 'the README says how to start the node')
    let all = ''
    for (const line of lines) {
      assert.match(line, /^npx polis /)
      // "Now on a chain": the node starts before the first command that needs it
      if (!node && !/^npx polis (simulate|transport eval) /.test(line)) {
        node = await launchProcess(words(start[1]!).slice(2), { cwd: root, ready: /Stop with Ctrl-C\./, timeoutMs: 60_000 })
      }
      const r = await cli(words(line).slice(2), { cwd: root })
      assert.equal(r.code, 0, `${line}\n${r.stderr}${r.stdout}`)
      all += r.stdout
    }
    const printed = all.split('\n').map((l) => l.trimEnd())
    let at = 0
    for (const l of section.shown) {
      const i = printed.indexOf(l.trimEnd(), at)
      assert.ok(i >= 0, `the README shows "${l}" (after line ${at} of the output), the commands printed:\n${all}`)
      at = i + 1
    }
    // a report changed after the fact verifies neither its signature nor its inclusion: exit 1
    const file = join(root, 'traffic', 'windows', 'rsu-0-3.json')
    const w = JSON.parse(readFileSync(file, 'utf8')) as { reports: string[] }
    const r5 = w.reports[5]!
    w.reports[5] = r5.slice(0, -2) + (r5.endsWith('00') ? '01' : '00')
    writeFileSync(join(root, 'traffic', 'tampered.json'), JSON.stringify(w))
    const bad = await cli(['transport', 'verify-report', 'traffic/tampered.json', '--index', '5', '--home', 'bits'], { cwd: root })
    assert.equal(bad.code, 1, bad.stdout)
    assert.match(bad.stdout, /signature {2}INVALID/)
    assert.match(bad.stdout, /inclusion {2}NOT under the root on chain/)
    const stopped = await node!.stop('SIGINT')
    node = undefined
    assert.equal(stopped.code, 0)
  } finally {
    await node?.stop('SIGKILL')
    rmSync(root, { recursive: true, force: true })
  }
})
