import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cli } from '../helpers/cli.js'

test('polis testnet writes a loopback city of N validators, refuses to overwrite one, and start needs one', async () => {
  const root = mkdtempSync(join(tmpdir(), 'polis-testnet-cli-'))
  try {
    const out = join(root, 'city')
    const r = await cli(['testnet', '--validators', '3', '--out', out, '--base-port', '36600'])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /wrote a 3-validator testnet/)
    assert.match(r.stdout, /start it with: polis testnet start /)
    const manifest = JSON.parse(readFileSync(join(out, 'testnet.json'), 'utf8'))
    assert.equal(manifest.nodes.length, 3)
    for (let i = 0; i < 3; i++) assert.ok(existsSync(join(out, `node${i}`)))
    const again = await cli(['testnet', '--validators', '3', '--out', out])
    assert.equal(again.code, 1)
    assert.match(again.stderr, /already holds a testnet/)
    const none = await cli(['testnet', 'start', join(root, 'nothing')])
    assert.equal(none.code, 1)
    assert.match(none.stderr, /holds no testnet/)
    const bad = await cli(['testnet', '--validators', '0', '--out', join(root, 'x')])
    assert.equal(bad.code, 1)
    assert.match(bad.stderr, /--validators must be an integer from 1 to 16/)
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
})
