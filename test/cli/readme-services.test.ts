/**
 * The README's "A citizen pays a bill and files a complaint" walk-through, command by command as
 * written (`npx polis …` run in process), against a fresh node like `npm start`'s.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { cli, makeHome, startPolis, type PolisProcess, type TestHome } from '../sdk/polis-node.js'

let home: TestHome
let node: PolisProcess

before(async () => {
  home = makeHome({ chainId: 'readme-city', name: 'polis-cli-readme' })
  node = await startPolis(['start', '--json', '--home', home.home], { env: { POLIS_API_PORT: '0', POLIS_BLOCK_INTERVAL_MS: '10' } })
})

after(async () => {
  await node?.stop('SIGTERM')
  home?.remove()
})

/** Splits a shell line on spaces, keeping "double-quoted" words together. */
function words(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!)
}

test('README: the bill and complaint walk-through works as written', async () => {
  const readme = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8')
  const section = readme.split('## A citizen pays a bill and files a complaint')[1]!.split('\n## ')[0]!
  const lines = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) => m[1]!.split('\n').filter((l) => l.trim()))
  assert.ok(lines.length >= 13, lines.join('\n'))
  const out: string[] = []
  for (const line of lines) {
    assert.match(line, /^npx polis /)
    const r = await cli(['--home', home.home, ...words(line).slice(2)], { env: { POLIS_NODE: node.url } })
    assert.equal(r.code, 0, `${line}\n${r.stderr}${r.stdout}`)
    out.push(r.stdout)
  }
  const all = out.join('')
  assert.match(all, /bills\.paid .*amount=1200/)
  assert.match(all, /collected\s+1200/)
  assert.match(all, /state\s+resolved \(closed\)/)
  assert.match(all, /resolve: acknowledged -> resolved .*\(filled and resurfaced\)/)
})
