/**
 * `polis init` / `polis start` beside another node (issue 19, items 3 and 7): with the default API
 * port taken (as by `npm start`), a new home takes a free port by itself and the CLI finds the node
 * from the home; a start on a taken port is refused before anything is written, and a failed
 * `polis start --init` leaves nothing behind (keys made beforehand stay). The human form of
 * `polis start` prints people's lines on stdout and its log lines to <home>/node.log.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:net'
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import YAML from 'yaml'
import { cli } from '../helpers/cli.js'
import { launchProcess, type PolisProcess } from '../../src/kit/node-launcher.js'
import { DEFAULT_API_PORT } from '../../src/node/config.js'

const root = mkdtempSync(join(tmpdir(), 'polis-start-home-'))
let blocker: Server | undefined
let node: PolisProcess | undefined

/** Holds the default port (if another process, e.g. a running `npm start`, does not hold it already). */
test.before(async () => {
  blocker = await new Promise<Server | undefined>((resolve) => {
    const s = createServer()
    s.once('error', () => resolve(undefined)) // already taken: just as good
    s.listen({ port: DEFAULT_API_PORT, host: '127.0.0.1', exclusive: true }, () => resolve(s))
  })
})
test.after(async () => {
  await node?.stop('SIGKILL')
  await new Promise((r) => (blocker ? blocker.close(r) : r(undefined)))
  rmSync(root, { recursive: true, force: true })
})

const portOf = (home: string) => (YAML.parse(readFileSync(join(home, 'polis.yaml'), 'utf8')) as { api: { port: number } }).api.port

test('a new home takes a free port when the default one is in use; the CLI finds its node from the home', async () => {
  const home = join(root, 'second')
  const init = await cli(['init', '--home', home])
  assert.equal(init.code, 0, init.stderr)
  const port = portOf(home)
  assert.notEqual(port, DEFAULT_API_PORT)
  assert.match(init.stdout, new RegExp(`port ${DEFAULT_API_PORT} is in use on this machine: this home's API port is ${port}`))
  // started as a person would: no port given anywhere, human output
  node = await launchProcess(['start', '--home', home], { ready: /Stop with Ctrl-C\./, timeoutMs: 60_000 })
  const out = node.stdout()
  assert.match(out, new RegExp(`API {6}http://127\\.0\\.0\\.1:${port} `))
  assert.match(out, new RegExp(`logs {5}${join(home, 'node.log').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`))
  const status = await cli(['status', '--home', home])
  assert.equal(status.code, 0, status.stderr)
  assert.match(status.stdout, new RegExp(`node\\s+http://127\\.0\\.0\\.1:${port}`))
  const stopped = await node.stop('SIGINT')
  node = undefined
  assert.equal(stopped.code, 0)
  // people's lines on stdout, the JSON log lines in the log file only
  assert.doesNotMatch(out, /^\{/m, out)
  const logs = readFileSync(join(home, 'node.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { msg: string })
  assert.ok(logs.some((l) => l.msg === 'node listening') && logs.some((l) => l.msg === 'node stopped'), JSON.stringify(logs))
})

test('a start on a taken port is refused before anything is written', async () => {
  const home = join(root, 'taken')
  assert.equal((await cli(['init', '--home', home, '--port', String(DEFAULT_API_PORT)])).code, 0)
  const r = await cli(['start', '--home', home])
  assert.equal(r.code, 1)
  assert.match(r.stderr, new RegExp(`port ${DEFAULT_API_PORT} on 127\\.0\\.0\\.1 is already in use .*--port N`))
  assert.equal(existsSync(join(home, 'data')), false, 'no database was made')
})

test('a failed `polis start --init` leaves nothing behind', async () => {
  const fresh = join(root, 'fresh')
  const r = await cli(['start', '--init', '--home', fresh, '--port', String(DEFAULT_API_PORT)])
  assert.equal(r.code, 1)
  assert.match(r.stderr, /already in use/)
  assert.equal(existsSync(fresh), false, 'the home it made is gone')
  // a home holding keys made beforehand keeps them, and only them
  const withKeys = join(root, 'with-keys')
  assert.equal((await cli(['keys', 'add', 'gw-1', '--home', withKeys])).code, 0)
  const again = await cli(['start', '--init', '--home', withKeys, '--port', String(DEFAULT_API_PORT)])
  assert.equal(again.code, 1)
  assert.deepEqual(readdirSync(withKeys), ['keys'])
  assert.deepEqual(readdirSync(join(withKeys, 'keys')), ['gw-1.json'])
  // and the home can be made afterwards
  assert.equal((await cli(['init', '--home', withKeys])).code, 0)
})
