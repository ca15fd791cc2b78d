/**
 * Every walk-through of the README is run as written by a test, in the README's order: each `## `
 * section with a shell block is named (its title, as a string) by a test file that reads README.md,
 * and those test files stand in the slow lane (scripts/run-tests.mjs, SLOW) in the order of their
 * sections. "Two commands" (`npm ci`, `npm test`) is what CI itself runs.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { REPO } from '../../src/kit/node-launcher.js'
import { fences, readmeSections } from '../helpers/readme.js'

const RUN_BY_CI = new Set(['Two commands'])

function testFiles(dir: string): string[] {
  return readdirSync(dir).sort().flatMap((name) => {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) return name === 'fixtures' ? [] : testFiles(p)
    return name.endsWith('.test.ts') ? [p] : []
  })
}

test('every README section with shell blocks is run by a test, and the slow lane runs them in the README\'s order', () => {
  const sections = readmeSections().filter((s) => fences(s.text).some((f) => f.lang === 'sh'))
  assert.ok(sections.length >= 6, sections.map((s) => s.title).join('\n'))
  const sources = testFiles(join(REPO, 'test')).map((f) => ({ file: relative(REPO, f), text: readFileSync(f, 'utf8') })).filter((s) => s.text.includes('README'))
  // the title as a string literal, with or without its "## "
  const quoted = (t: string) => ["'", '"', '`'].flatMap((q) => [`${q}${t}${q}`, `${q}## ${t}${q}`])
  const runners = sections.filter((s) => !RUN_BY_CI.has(s.title)).map((s) => ({
    title: s.title,
    files: sources.filter((src) => quoted(s.title).some((q) => src.text.includes(q))).map((src) => src.file),
  }))
  const missing = runners.filter((r) => r.files.length === 0).map((r) => r.title)
  assert.deepEqual(missing, [], 'README sections with shell blocks that no test runs')

  const lanes = readFileSync(join(REPO, 'scripts', 'run-tests.mjs'), 'utf8')
  const slowAt = (file: string) => lanes.indexOf(`'${file}'`)
  let last = -1
  let lastTitle = ''
  for (const r of runners) {
    const at = Math.min(...r.files.map(slowAt).filter((i) => i >= 0))
    if (!Number.isFinite(at)) continue // a walk-through short enough for the fast lane
    assert.ok(at >= last, `the slow lane runs "${r.title}" (${r.files.join(', ')}) before "${lastTitle}", which comes first in the README`)
    last = at
    lastTitle = r.title
  }
})
