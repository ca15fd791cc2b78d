/**
 * The `polis` CLI against a real node started with `polis start` (a child process; loopback,
 * port 0 through POLIS_API_PORT): every command in --json and human form, bad input, help.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { buildProgram, allCommands } from '../../src/cli/program.js'
import { cli, runBin } from '../helpers/cli.js'
import { cleanEnv, makeHome, type TestHome } from '../../src/kit/node-launcher.js'
import { useNode } from '../helpers/use-node.js'

let home: TestHome
const node = useNode(() => {
  home = makeHome({ chainId: 'cli-city', name: 'polis-cli' })
  // polis.yaml says port 0 and log level warn; the environment overrides both (the launcher sets POLIS_API_PORT=0)
  return { home: home.home, blockIntervalMs: 10, env: { POLIS_LOG_LEVEL: 'info' } }
}, {
  stopped() {
    home.remove()
    // --json: stdout holds the JSON events only; the log lines go to the log file, here stderr (POLIS_LOG_FILE=-)
    const events = node.stdout().trim().split('\n').map((l) => JSON.parse(l) as { event?: string; msg?: string })
    assert.deepEqual(events.map((e) => e.event), ['listening', 'stopped'], node.stdout())
    const logs = node.stderr().trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { msg?: string })
    // POLIS_LOG_LEVEL=info overrode polis.yaml's warn: the node's own log lines are there
    assert.ok(logs.some((e) => e.msg === 'node listening') && logs.some((e) => e.msg === 'node stopped'), node.stderr())
  },
})
/** The CLI in process, against this test's home (it finds the node through POLIS_NODE). */
const polis = (...argv: string[]) => cli(['--home', home.home, ...argv], { env: { POLIS_NODE: node.url } })

test('polis start: listens where the environment says, prints one CLI line to try', () => {
  assert.match(node.url, /^http:\/\/127\.0\.0\.1:\d+$/)
  assert.notEqual(node.url, 'http://127.0.0.1:26680')
  assert.equal(node.listening.chain_id, 'cli-city')
  assert.match(node.listening.try!, /^npx polis tx bank send citizen-2 100 --from citizen-1 --home \S+ --node http:\/\/127\.0\.0\.1:\d+$/)
})

test('tx bank send and query balance, --json and human', async () => {
  const j = await polis('--json', 'tx', 'bank', 'send', 'citizen-2', '250', '--from', 'citizen-1')
  assert.equal(j.code, 0, j.stderr)
  const r = j.json()
  assert.equal(r.status, 'committed')
  assert.equal(r.code, 0)
  assert.match(r.hash, /^[0-9a-f]{64}$/)
  assert.ok(Number(r.height) >= 1)
  assert.equal(r.sender, home.keys.find((k) => k.name === 'citizen-1')!.address)

  const h = await polis('tx', 'bank', 'send', 'citizen-2', '50', '--from', 'citizen-1', '--memo', 'lunch')
  assert.equal(h.code, 0, h.stderr)
  assert.match(h.stdout, /^Committed in block \d+: transaction [0-9a-f]{64}\n  bank\.transfer amount=50 denom=ucity recipient=[0-9a-f]{64} \(citizen-2\) sender=[0-9a-f]{64} \(citizen-1\)\n$/, h.stdout)

  const b = await polis('query', 'balance', 'citizen-2')
  assert.equal(b.stdout, '1000300 ucity\n')
  const bj = await polis('query', 'balance', 'citizen-1', '--json')
  assert.deepEqual(bj.json(), { address: home.keys.find((k) => k.name === 'citizen-1')!.address, denom: 'ucity', amount: '999700' })

  const nw = await polis('--json', 'tx', 'bank', 'send', 'citizen-3', '1', '--from', 'citizen-1', '--no-wait')
  assert.equal(nw.code, 0, nw.stderr)
  assert.equal(nw.json().status, 'pending')
  const t = await polis('--json', 'query', 'tx', nw.json().hash)
  assert.ok(['pending', 'committed'].includes(t.json().status))
})

test('query proof --verify: membership and non-membership, human and --json; a wrong genesis fails', async () => {
  const j = await polis('query', 'proof', 'balance:citizen-2', '--verify', '--json')
  assert.equal(j.code, 0, j.stderr)
  const p = j.json()
  assert.equal(p.verified, true)
  assert.equal(p.kind, 'balance')
  assert.equal(p.amount, '1000300')
  assert.equal(p.verification.result, 'membership')
  assert.match(p.proof, /^[0-9a-f]+$/)

  const h = await polis('query', 'proof', 'balance:citizen-2', '--verify', '--height', p.height)
  assert.equal(h.code, 0, h.stderr)
  assert.match(h.stdout, /amount +1000300 ucity/)
  assert.match(h.stdout, /verified: the value is proven at height \d+ against .*genesis\.json/)

  const absent = await polis('--json', 'query', 'proof', 'balance:authority', '--verify')
  assert.equal(absent.code, 0, absent.stderr)
  assert.equal(absent.json().verification.result, 'non-membership')
  assert.equal(absent.json().amount, '0')

  const acct = await polis('query', 'proof', 'account:citizen-1', '--verify')
  assert.match(acct.stdout, /account +roles citizen, nonce \d+/)
  // a raw hex key (the same balance key) without --verify
  const raw = await polis('--json', 'query', 'proof', p.key, '--height', '1')
  assert.equal(raw.json().verified, false)
  assert.equal(raw.json().kind, 'balance')

  // a genesis of another city: the header is not trusted
  const other = makeHome({ chainId: 'cli-city', sampleAccounts: 0, name: 'polis-other' })
  try {
    const bad = await polis('query', 'proof', 'balance:citizen-2', '--verify', '--genesis', other.genesisFile)
    assert.equal(bad.code, 1)
    assert.match(bad.stderr, /error: header proposer [0-9a-f]+ is not the trusted validator .*\[proof_invalid, code 22\]/)
  } finally {
    other.remove()
  }
})

test('query account, tx, block, header, status', async () => {
  const a = await polis('query', 'account', 'citizen-1')
  assert.match(a.stdout, /address +[0-9a-f]{64} \(citizen-1\)\nroles +citizen\nnonce +\d+/)
  assert.match(a.stdout, /balances +\d+ ucity/)
  const aj = (await polis('--json', 'query', 'account', 'authority')).json()
  assert.deepEqual(aj.roles, ['authority'])

  const blk = await polis('--json', 'query', 'block')
  const bj = blk.json()
  assert.ok(Number(bj.height) >= 1)
  // block 1 commits the genesis state and holds no transaction; every later block holds some
  const bh = await polis('query', 'block', String(bj.height))
  assert.match(bh.stdout, new RegExp(`^height +${bj.height}\\nhash +[0-9a-f]{64}`))
  assert.match(bh.stdout, /#0 [0-9a-f]{64} ok/)

  const hv = await polis('query', 'header', '1', '--verify')
  assert.equal(hv.code, 0, hv.stderr)
  assert.match(hv.stdout, /verified: header hash and validator signature check out/)
  const hj = (await polis('--json', 'query', 'header', '1', '--verify')).json()
  assert.equal(hj.verified, true)
  assert.equal(hj.header.height, '1')

  const txHash = bj.results[0].hash
  const t = await polis('query', 'tx', txHash)
  assert.match(t.stdout, /status +committed\nblock +\d+\nindex +0\nresult +ok/)

  const s = await polis('status')
  assert.match(s.stdout, /chain +cli-city\nengine +solo\nheight +\d+/)
  const sj = (await polis('status', '--json')).json()
  assert.equal(sj.chain_id, 'cli-city')
  assert.equal(sj.node, node.url)
})

test('keys add|list|show and the identity transactions', async () => {
  const add = await polis('--json', 'keys', 'add', 'sensor-1')
  assert.equal(add.code, 0, add.stderr)
  const sensor = add.json().address as string
  const list = await polis('keys', 'list')
  assert.match(list.stdout, /^NAME +ADDRESS\nauthority +[0-9a-f]{64}\n/)
  assert.match(list.stdout, new RegExp(`sensor-1 +${sensor}`))
  assert.equal((await polis('keys', 'show', 'sensor-1', '--address')).stdout, sensor + '\n')
  assert.deepEqual((await polis('--json', 'keys', 'list')).json().keys.map((k: { name: string }) => k.name), ['authority', 'citizen-1', 'citizen-2', 'citizen-3', 'sensor-1', 'validator'])
  const show = await polis('keys', 'show', 'sensor-1')
  assert.doesNotMatch(show.stdout, /seed/)

  const reg = await polis('tx', 'identity', 'register-device', 'sensor-1', '--meta', 'cd'.repeat(32))
  assert.equal(reg.code, 0, reg.stderr)
  assert.match(reg.stdout, /identity\.registered account=[0-9a-f]{64} \(sensor-1\) roles=device/)
  const grant = await polis('--json', 'tx', 'identity', 'grant-role', 'sensor-1', 'rsu', '--from', 'authority')
  assert.equal(grant.json().code, 0)
  assert.deepEqual((await polis('--json', 'query', 'account', 'sensor-1')).json().roles, ['device', 'rsu'])
  const mint = await polis('tx', 'bank', 'mint', 'sensor-1', '500')
  assert.equal(mint.code, 0, mint.stderr)
  assert.equal((await polis('query', 'balance', sensor)).stdout, '500 ucity\n')
  // the device can spend until it is revoked
  assert.equal((await polis('tx', 'bank', 'send', 'citizen-1', '5', '--from', 'sensor-1')).code, 0)
  const rev = await polis('tx', 'identity', 'revoke', 'sensor-1', '--reason', 'tampered')
  assert.equal(rev.code, 0, rev.stderr)
  assert.match((await polis('query', 'account', 'sensor-1')).stdout, /status +revoked at block \d+ \(tampered\)/)
  const after = await polis('tx', 'bank', 'send', 'citizen-1', '5', '--from', 'sensor-1')
  assert.equal(after.code, 1)
  assert.match(after.stderr, /\[account_revoked, code 9\]/)
})

test('bad input: a clear error on stderr and exit status 1', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['tx', 'bank', 'send', 'citizen-2', 'ten', '--from', 'citizen-1'], /error: amount must be a whole number \(e\.g\. 100\), got "ten"/],
    [['tx', 'bank', 'send', 'citizen-2', '0', '--from', 'citizen-1'], /amount must be positive/],
    [['tx', 'bank', 'send', 'nobody', '5', '--from', 'citizen-1'], /"nobody" is neither an address \(64 hex characters\) nor the name of a key/],
    [['tx', 'bank', 'send', 'citizen-2', '5'], /--from <key/],
    [['tx', 'bank', 'send', 'citizen-2', '5', '--from', 'ghost'], /no key named "ghost" .*have: authority, citizen-1/],
    [['tx', 'bank', 'send', 'citizen-2', '99999999999', '--from', 'citizen-1'], /\[insufficient_funds, code 11\]/],
    [['tx', 'bank', 'mint', 'citizen-1', '5', '--from', 'citizen-1'], /bank\/mint needs one of the roles authority \[unauthorized, code 8\]/],
    [['tx', 'identity', 'grant-role', 'citizen-1', 'emperor'], /unknown role "emperor"/],
    [['tx', 'identity', 'register-device', 'citizen-1', '--meta', 'xyz'], /meta must be a 32-byte commitment/],
    [['query', 'tx', 'nothex'], /a transaction hash is 64 hex characters/],
    [['query', 'block', '-3'], /error: unknown option '-3'|height must be a positive integer/],
    [['query', 'block', 'abc'], /height must be a positive integer/],
    [['query', 'header', '999999'], /\[not_found, code 15\]/],
    [['query', 'proof', 'zz'], /state key "zz" must be hex bytes, or balance:/],
    [['query', 'proof', 'balance:citizen-1', '--height', '0'], /--height must be a positive integer/],
    [['query', 'bogus'], /error: unknown command 'bogus'/],
    [['tx', 'bank', 'send'], /error: missing required argument 'to'/],
    [['--frobnicate'], /error: unknown option '--frobnicate'/],
  ]
  for (const [argv, re] of cases) {
    const r = await polis(...argv)
    assert.equal(r.code, 1, `${argv.join(' ')}: exit ${r.code}\n${r.stdout}${r.stderr}`)
    assert.match(r.stderr, re, argv.join(' '))
    assert.equal(r.stdout, '', argv.join(' '))
  }
  // --json errors are one JSON object on stderr
  const j = await polis('--json', 'tx', 'bank', 'send', 'citizen-2', '99999999999', '--from', 'citizen-1')
  assert.equal(j.code, 1)
  assert.deepEqual(Object.keys(JSON.parse(j.stderr)), ['error', 'code', 'message'])
  assert.equal(JSON.parse(j.stderr).error, 'insufficient_funds')
  // an unreachable node, a home without polis.yaml
  const down = await cli(['--home', home.home, '--node', 'http://127.0.0.1:9', 'status'])
  assert.equal(down.code, 1)
  assert.match(down.stderr, /cannot reach the Polis node at http:\/\/127\.0\.0\.1:9.*\n.*npm start/)
  const nohome = await cli(['--home', join(home.root, 'nowhere'), 'start'])
  assert.equal(nohome.code, 1)
  assert.match(nohome.stderr, /no polis.yaml in .*nowhere: create a node with `polis init --home/)
  // a world-readable key file is refused
  const loose = join(home.root, 'loose.json')
  writeFileSync(loose, JSON.stringify({ type: 'polis/ed25519', name: 'loose', seed: '11'.repeat(32) }), { mode: 0o644 })
  const lr = await polis('tx', 'bank', 'send', 'citizen-2', '1', '--from', loose)
  assert.equal(lr.code, 1)
  assert.match(lr.stderr, /accessible by group or others \(mode 0644\); run: chmod 600/)
})

test('help on every command', async () => {
  const commands = allCommands(await buildProgram({ out: () => undefined, err: () => undefined, env: {}, cwd: '/' }))
  const names = commands.map((c) => c.name)
  for (const want of ['keys add', 'keys list', 'keys show', 'init', 'start', 'status', 'tx bank send', 'tx bank mint', 'tx identity register-device',
    'tx identity revoke', 'tx identity grant-role', 'query account', 'query balance', 'query tx', 'query block', 'query header', 'query proof']) {
    assert.ok(names.includes(want), `missing command ${want}`)
  }
  for (const { name, command } of commands) {
    assert.ok(command.description().length > 10, `${name} has no description`)
    const r = await cli([...name.split(' '), '--help'])
    assert.equal(r.code, 0, name)
    assert.match(r.stdout, new RegExp(`^Usage: polis ${name} `), name)
    assert.ok(r.stdout.replace(/\s+/g, ' ').includes(command.description()), name)
  }
  const top = await cli(['--help'])
  assert.equal(top.code, 0)
  assert.match(top.stdout, /Commands:\n(.|\n)*keys(.|\n)*init(.|\n)*start(.|\n)*status(.|\n)*tx(.|\n)*query/)
  // a group without its subcommand shows its help (and fails)
  const group = await cli(['tx'])
  assert.equal(group.code, 1)
  assert.match(group.stderr, /Usage: polis tx/)
})

test('the real bin/polis executable', async () => {
  const env = { POLIS_NODE: node.url, POLIS_HOME: home.home }
  const v = await runBin(['--version'])
  assert.equal(v.code, 0)
  assert.equal(v.stdout.trim(), '0.1.0')
  const b = await runBin(['--json', 'query', 'balance', 'citizen-3'], { env })
  assert.equal(b.code, 0, b.stderr)
  assert.equal(JSON.parse(b.stdout).denom, 'ucity')
  const bad = await runBin(['tx', 'bank', 'send', 'citizen-2', 'x', '--from', 'citizen-1'], { env })
  assert.equal(bad.code, 1)
  assert.match(bad.stderr, /^error: amount must be a whole number/)
  assert.equal(cleanEnv().POLIS_HOME, undefined)
})
