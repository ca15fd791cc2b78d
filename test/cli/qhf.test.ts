import { test } from 'node:test'
import assert from 'node:assert/strict'
import { cli } from '../helpers/cli.js'
import { qhf } from '../../src/crypto/qhf/index.js'
import { toHex, utf8 } from '../../src/base/bytes.js'

test('polis qhf eval runs the evaluation for QHF and SHA-256; polis qhf hash matches the library', async () => {
  const r = await cli(['--json', 'qhf', 'eval', '--trials', '30', '--bytes', '16'])
  assert.equal(r.code, 0, r.stderr)
  const ev = r.json()
  assert.equal(ev.options.trials, 30)
  assert.deepEqual(ev.options.hashes, ["qhf", "sha256"])
  const hashes = JSON.stringify(ev)
  assert.match(hashes, /"qhf"/)
  assert.match(hashes, /"sha256"/)
  const text = await cli(['qhf', 'eval', '--trials', '20', '--hash', 'qhf'])
  assert.equal(text.code, 0, text.stderr)
  assert.match(text.stdout, /\| qhf \| flip \|/)
  assert.doesNotMatch(text.stdout, /\| sha256 \| flip \|/)
  const h = await cli(['qhf', 'hash', 'Polis'])
  assert.equal(h.stdout.trim(), toHex(qhf(utf8('Polis'))))
  const bad = await cli(['qhf', 'eval', '--side', '8'])
  assert.equal(bad.code, 1)
  assert.match(bad.stderr, /even/)
})
