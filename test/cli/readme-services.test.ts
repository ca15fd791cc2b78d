/**
 * The README's "A citizen pays a bill and files a complaint" walk-through, command by command as
 * written (`npx polis …` run in process), against a fresh node initialised with its departments
 * like `npm start`'s cities (`polis init --departments`): the clerks are not registered by hand.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cli } from '../helpers/cli.js'
import { useNode } from '../helpers/use-node.js'

const root = mkdtempSync(join(tmpdir(), 'polis-cli-readme-'))
const home = { home: join(root, 'home') }
const node = useNode(async () => {
  const init = await cli(['init', '--departments', '--home', home.home, '--chain-id', 'readme-city', '--port', '0'])
  assert.equal(init.code, 0, init.stderr)
  for (const clerk of ['water-clerk', 'works-clerk', 'electricity-clerk', 'parking-clerk', 'tax-clerk', 'transport-clerk', 'energy-clerk', 'sanitation-clerk']) {
    assert.match(init.stdout, new RegExp(`${clerk}\\s`), init.stdout)
  }
  return { home: home.home, blockIntervalMs: 10 }
}, { stopped: () => rmSync(root, { recursive: true, force: true }) })

/** Splits a shell line on spaces, keeping "double-quoted" words together. */
function words(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!)
}

test('README: the bill and complaint walk-through works as written', async () => {
  const readme = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8')
  const section = readme.split('## A citizen pays a bill and files a complaint')[1]!.split('\n## ')[0]!
  const lines = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) => m[1]!.split('\n').filter((l) => l.trim()))
  assert.ok(lines.length >= 11, lines.join('\n'))
  const out: string[] = []
  for (const line of lines) {
    assert.match(line, /^npx polis /)
    const r = await cli(['--home', home.home, ...words(line).slice(2)], { env: { POLIS_NODE: node.url } })
    assert.equal(r.code, 0, `${line}\n${r.stderr}${r.stdout}`)
    out.push(r.stdout)
  }
  const all = out.join('')
  assert.match(all, /pothole/)
  assert.doesNotMatch(lines.join('\n'), /identity register|define-service/, 'no clerk or service is set up by hand')
  assert.match(all, /bills\.paid .*amount=1200/)
  assert.match(all, /collected\s+1200/)
  assert.match(all, /state\s+resolved \(closed\)/)
  assert.match(all, /resolve: acknowledged -> resolved .*\(filled and resurfaced\)/)
})
