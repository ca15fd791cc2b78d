import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cli } from '../helpers/cli.js'

test('polis relayer start refuses a missing or malformed config with a clear error', async () => {
  const root = mkdtempSync(join(tmpdir(), 'polis-relayer-cli-'))
  try {
    const missing = await cli(['relayer', 'start', '--config', join(root, 'none.json')])
    assert.equal(missing.code, 1)
    assert.match(missing.stderr, /relayer config .*none\.json/)
    writeFileSync(join(root, 'bad.json'), '{"a": {"url": 5}}')
    const bad = await cli(['relayer', 'start', '--config', join(root, 'bad.json')])
    assert.equal(bad.code, 1)
    assert.match(bad.stderr, /error:/)
    const usage = await cli(['relayer', 'start'])
    assert.equal(usage.code, 1)
    assert.match(usage.stderr, /error: required option '--config <file>' not specified/)
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
})
