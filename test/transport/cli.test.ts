import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCli } from '../../src/cli/program.js'

const root = mkdtempSync(join(tmpdir(), 'polis-transport-cli-'))
const mkdirp = async (d: string) => void mkdirSync(d, { recursive: true })
after(() => rmSync(root, { recursive: true, force: true }))

async function cli(...argv: string[]) {
  let out = '', err = ''
  const code = await runCli(argv, { out: (s) => void (out += s), err: (s) => void (err += s), env: {}, cwd: root })
  return { code, out, err }
}

test('polis simulate transport + polis transport eval: a data set and its scores', async () => {
  const dir = join(root, 'rp')
  const s = await cli('simulate', 'transport', '--out', dir, '--vehicles', '20', '--duration', '30', '--attack', 'randomPos', '--share', '20', '--rsus', '2', '--json')
  assert.equal(s.code, 0, s.err)
  assert.equal(JSON.parse(s.out).attackers.length, 4)
  const e = await cli('transport', 'eval', dir, '--grid', '4x200', '--json')
  assert.equal(e.code, 0, e.err)
  const r = JSON.parse(e.out)
  assert.equal(r.receivers, 20)
  assert.equal(r.classes[0].name, 'randomPos')
  assert.ok(r.total.f1 > 0.95)
  const text = await cli('transport', 'eval', dir)
  assert.match(text.out, /randomPos\s+\d+/)
})

test('bad arguments: typed errors, exit 1', async () => {
  assert.equal((await cli('simulate', 'transport', '--out', join(root, 'x'), '--attack', 'teleport')).code, 1)
  assert.equal((await cli('simulate', 'transport', '--out', join(root, 'x'), '--share', '150')).code, 1)
  const missing = await cli('transport', 'eval', join(root, 'does-not-exist'))
  assert.equal(missing.code, 1)
  assert.match(missing.err, /invalid_request/)
  // replay needs a simulated city with RSUs (refused before any node is asked)
  await mkdirp(join(root, 'no-rsus'))
  assert.equal((await cli('simulate', 'transport', '--out', join(root, 'no-rsus'), '--vehicles', '3', '--duration', '5')).code, 0)
  for (const dir of [join(root, 'no-rsus'), join(root, 'does-not-exist')]) {
    const r = await cli('transport', 'replay', dir, '--from', 'nobody', '--node', 'http://127.0.0.1:9')
    assert.equal(r.code, 1, r.out)
    assert.match(r.err, /(no RSUs|not a simulated city).*invalid_request/)
  }
  assert.match((await cli('transport', 'reputation', 'x1', '--sim', join(root, 'no-rsus'))).err, /sender id/)
})
