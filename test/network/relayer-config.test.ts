/**
 * The relayer's config file names a CometBFT city's RPC per side (`comet_rpc`): read into the
 * relayer's `cometRpc`; anything but an http(s) URL is refused with a typed error.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadRelayerConfig } from '../../src/agents/relayer/config.js'
import { saveKeyFile } from '../../src/sdk/keys.js'
import { ErrorCodes, PolisError } from '../../src/base/errors.js'
import { testKey } from '../../src/kit/genesis-builder.js'
import { tmpDir } from '../../src/kit/temp-dir.js'

test('relayer config: comet_rpc per side', () => {
  const dir = tmpDir('relayer-config')
  try {
    saveKeyFile(join(dir.path, 'a.json'), testKey('rc/a'), 'relayer-a')
    saveKeyFile(join(dir.path, 'b.json'), testKey('rc/b'), 'relayer-b')
    const file = join(dir.path, 'relayer.json')
    const write = (b: Record<string, unknown>) => writeFileSync(file, JSON.stringify({
      a: { url: 'http://127.0.0.1:26680', client: 'city-b', key_file: 'a.json' },
      b: { url: 'http://127.0.0.1:26681', client: 'city-a', key_file: 'b.json', ...b },
    }))
    write({ comet_rpc: 'http://127.0.0.1:26801/' })
    const c = loadRelayerConfig(file)
    assert.equal(c.a.cometRpc, undefined)
    assert.equal(c.b.cometRpc, 'http://127.0.0.1:26801')
    for (const bad of ['127.0.0.1:26801', 42, '']) {
      write({ comet_rpc: bad })
      assert.throws(() => loadRelayerConfig(file), (e: unknown) => e instanceof PolisError && e.code === ErrorCodes.invalid_request && /b\.comet_rpc must be an http\(s\) URL/.test(e.message))
    }
  } finally {
    dir.remove()
  }
})
