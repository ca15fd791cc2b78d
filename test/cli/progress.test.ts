// Progress of long CLI operations: a bar with rate and time left on a terminal's stderr, erased at
// the end; nothing with --json or when stderr is not a terminal (pipes, files, these tests' capture).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { humanDuration, progress, progressLine } from '../../src/cli/progress.js'
import { runCli } from '../../src/cli/program.js'
import { cleanEnv, REPO } from '../../src/kit/node-launcher.js'

function fakeIO(errIsTTY: boolean) {
  let err = ''
  return { io: { err: (s: string) => void (err += s), errIsTTY }, text: () => err }
}

test('progress line: bar, percentage, done/total, rate and time left', () => {
  assert.equal(progressLine({ label: 'replay', total: 120, unit: 'windows' }, 30, 10_000), 'replay [######..................]  25% 30/120 windows · 3.0 windows/s · 30 s left')
  assert.equal(progressLine({ label: 'x', total: 2000, unit: 'events' }, 2000, 1000), 'x [########################] 100% 2,000/2,000 events · 2,000 events/s · 0 s left')
  assert.match(progressLine({ label: 'x', total: 10, unit: 'hours' }, 0, 0), /  0% 0\/10 hours · 0\.0 hours\/s · … left$/)
  assert.match(progressLine({ label: 'x', total: 10, unit: 'hours' }, 99, 1000), /100% 10\/10/, 'clamped to the total')
  assert.deepEqual([humanDuration(4_000), humanDuration(250_000), humanDuration(3_900_000)], ['4 s', '4 min 10 s', '1 h 5 min'])
})

test('on a terminal: redrawn in place at most every 100 ms, the last step always, erased at the end', () => {
  const { io, text } = fakeIO(true)
  let t = 0
  const p = progress(io, { label: 'simulate', total: 4, unit: 'hours', json: false, now: () => t })
  t = 50
  p.update(1) // first draw
  t = 80
  p.update(2) // within 100 ms: skipped
  t = 200
  p.update(3)
  t = 210
  p.update(4) // the end: always drawn
  p.end()
  const frames = text().split('\r\x1b[2K').filter(Boolean)
  assert.equal(frames.length, 3, JSON.stringify(text()))
  assert.match(frames[0]!, /^simulate \[#{6}\.{18}\]  25% 1\/4 hours · 20 hours\/s · 0 s left$/)
  assert.match(frames[2]!, /100% 4\/4 hours/)
  assert.ok(text().endsWith('\r\x1b[2K'), 'the line is erased at the end')
})

test('silent with --json, when stderr is not a terminal, and when nothing was drawn', () => {
  for (const [tty, json] of [[false, false], [true, true], [false, true]] as const) {
    const { io, text } = fakeIO(tty)
    const p = progress(io, { label: 'x', total: 3, unit: 'events', json })
    for (let i = 1; i <= 3; i++) p.update(i)
    p.end()
    assert.equal(text(), '', `tty ${tty} json ${json}`)
  }
  const { io, text } = fakeIO(true)
  progress(io, { label: 'x', total: 3, unit: 'events', json: false }).end()
  assert.equal(text(), '')
})

async function run(argv: string[], errIsTTY: boolean) {
  let out = ''
  let err = ''
  const code = await runCli(argv, { out: (s) => void (out += s), err: (s) => void (err += s), env: cleanEnv(), cwd: REPO, errIsTTY })
  return { code, out, err }
}

test('polis simulate siem: progress on a terminal stderr only; the same stdout, and nothing on stderr with --json or without a terminal', async () => {
  const args = ['simulate', 'siem', '--devices', '5', '--duration', '60', '--seed', '3']
  const tty = await run(args, true)
  const pipe = await run(args, false)
  const json = await run(['--json', ...args], true)
  assert.equal(tty.code, 0, tty.err)
  assert.match(tty.err, /^\r\x1b\[2Ksimulate \[[#.]{24}\] +\d+% [\d,]+\/[\d,]+ events · [\d.,]+ events\/s · .* left/)
  assert.ok(tty.err.endsWith('\r\x1b[2K'))
  assert.equal(tty.out, pipe.out, 'stdout is the same with or without a terminal')
  assert.equal(pipe.err, '')
  assert.equal(json.code, 0)
  assert.equal(json.err, '', 'nothing extra with --json')
  assert.ok(JSON.parse(json.out).events > 0)
})

test('polis simulate services: progress in simulated hours on a terminal, none without one', async () => {
  const args = ['simulate', 'services', '--citizens', '4', '--days', '1', '--seed', '2']
  const tty = await run(args, true)
  assert.equal(tty.code, 0, tty.err)
  assert.match(tty.err, /simulate \[[#.]{24}\] +\d+% \d+\/24 hours/)
  assert.match(tty.err, /100% 24\/24 hours/)
  const pipe = await run(args, false)
  assert.equal(pipe.err, '')
  assert.equal(pipe.out, tty.out)
})
