/** No command writes into an existing home, key or network directory (issue 19, item 1): it refuses, naming the path, and changes nothing. */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cli } from '../helpers/cli.js'

const snapshot = (dir: string) => readdirSync(dir, { recursive: true }).map(String).sort()

test('testnet --out, init --home, network up and keys add refuse an existing directory or key and change nothing', async () => {
  const root = mkdtempSync(join(tmpdir(), 'polis-no-overwrite-'))
  try {
    // a solo city home, as the SIEM walk-through makes it, then a testnet under the same name
    const home = join(root, 'city')
    const init = await cli(['init', '--home', home])
    assert.equal(init.code, 0, init.stderr)
    const authority = readFileSync(join(home, 'keys', 'authority.json'), 'utf8')
    const before = snapshot(home)
    const tn = await cli(['testnet', '--validators', '4', '--out', home, '--base-port', '36700'])
    assert.equal(tn.code, 1)
    assert.match(tn.stderr, new RegExp(`${home} is not empty.*\\[already_exists`))
    assert.equal(readFileSync(join(home, 'keys', 'authority.json'), 'utf8'), authority)
    assert.deepEqual(snapshot(home), before)
    assert.ok(!existsSync(join(home, 'node0')))

    // a node home or a network into a testnet directory
    const tdir = join(root, 'tn')
    assert.equal((await cli(['testnet', '--validators', '1', '--out', tdir, '--base-port', '36800'])).code, 0)
    const tnBefore = snapshot(tdir)
    const intoTn = await cli(['init', '--home', tdir])
    assert.equal(intoTn.code, 1)
    assert.match(intoTn.stderr, new RegExp(`${tdir} is not empty.*\\[already_exists`))
    const netIntoTn = await cli(['network', 'up', '--home', tdir, '--base-port', '0'])
    assert.equal(netIntoTn.code, 1)
    assert.match(netIntoTn.stderr, new RegExp(`${tdir} is not empty.*\\[already_exists`))
    assert.deepEqual(snapshot(tdir), tnBefore)

    // a key of the same name
    const key = readFileSync(join(home, 'keys', 'citizen-1.json'), 'utf8')
    const add = await cli(['keys', 'add', 'citizen-1', '--home', home])
    assert.equal(add.code, 1)
    assert.match(add.stderr, /a key named "citizen-1" already exists \(.*citizen-1\.json\).*\[already_exists/)
    assert.equal(readFileSync(join(home, 'keys', 'citizen-1.json'), 'utf8'), key)
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
})
