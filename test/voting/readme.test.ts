/**
 * The README's "A secret-ballot election (voting)" walk-through, command by command as written
 * (`npx polis …` run in process), against a fresh node like one city of `npm start`. It waits
 * for the voting window to close (the `--wait` of `trustee decrypt`), about a minute.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cli } from '../helpers/cli.js'
import { useNode } from '../helpers/use-node.js'

const root = mkdtempSync(join(tmpdir(), 'polis-voting-readme-'))
const home = join(root, 'home')
const node = useNode(async () => {
  const init = await cli(['init', '--departments', '--home', home, '--chain-id', 'voting-city', '--port', '0'])
  assert.equal(init.code, 0, init.stderr)
  return { home, blockIntervalMs: 10 }
}, { stopped: () => rmSync(root, { recursive: true, force: true }) })

/** Splits a shell line on spaces, keeping "double-quoted" words together. */
const words = (line: string) => [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!)

test('README: the election walk-through works as written, and the record verifies', async () => {
  const readme = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8')
  const section = readme.split('## A secret-ballot election (voting)')[1]!.split('\n## ')[0]!
  const lines = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) => m[1]!.split('\n').filter((l) => l.trim()))
  assert.ok(lines.length >= 30, lines.join('\n'))
  const out: string[] = []
  for (const line of lines) {
    assert.match(line, /^npx polis /)
    const r = await cli(['--home', home, ...words(line).slice(2)], { env: { POLIS_NODE: node.url }, cwd: root })
    assert.equal(r.code, 0, `${line}\n${r.stderr}${r.stdout}`)
    out.push(r.stdout)
  }
  const all = out.join('')
  assert.match(all, /audited ballot [0-9a-f]{64}: it encrypts \[\[0,0,0,1,0\]\]/)
  assert.match(all, /voting\.ballot_cast .*replaced=true/)
  assert.match(all, /phase\s+tallied/)
  assert.match(all, /1: tram {2}3/)
  assert.match(all, /verified: election [0-9a-f]{64}\n {2}6 ballots cast, 5 counted; qualified trustees \[1, 2, 3\]\n {2}result \[\[0,3,1,0,1\]\] decrypted by trustees \[1, 3\]/)
  // the trustees' secrets stay in the home, readable by the owner only, and never in the output
  const secrets = join(home, 'voting', 'budget-2027')
  const files = readdirSync(secrets)
  assert.equal(files.length, 3)
  for (const f of files) {
    assert.equal(statSync(join(secrets, f)).mode & 0o777, 0o600)
    const s = JSON.parse(readFileSync(join(secrets, f), 'utf8')) as { encryptionSecret: string }
    assert.ok(!all.includes(s.encryptionSecret), 'a trustee secret was printed')
  }
  // a tampered record fails, naming the check
  const rec = JSON.parse(readFileSync(join(root, 'budget-2027.json'), 'utf8'))
  rec.result.counts[0][1] = 4
  const tampered = join(root, 'tampered.json')
  writeFileSync(tampered, JSON.stringify(rec))
  const bad = await cli(['voting', 'verify', tampered])
  assert.equal(bad.code, 1)
  assert.match(bad.stdout, /result: the counts \[\[0,4,1,0,1\]\] are not the decryption \[\[0,3,1,0,1\]\]/)
})
