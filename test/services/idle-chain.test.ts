/**
 * Time moves on an idle chain (issue 19, item 6): two solo nodes (`polis start`, energy slots of
 * 2 s made by `polis init --energy-slot-ms`) get the same energy orders and then no transaction at
 * all. The one with an empty-block interval (POLIS_EMPTY_BLOCK_INTERVAL_MS) cuts empty blocks, so
 * its block time passes the slot's start (it clears) and the end of the reading window (it settles)
 * with no traffic; the one without (0) makes no block, and its slot is still open with the same height.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cli } from '../helpers/cli.js'
import { useNode } from '../helpers/use-node.js'
import { until } from '../helpers/until.js'

const SLOT_MS = 2000
const root = mkdtempSync(join(tmpdir(), 'polis-idle-chain-'))

function idleNode(name: string, emptyBlockIntervalMs: number) {
  const home = join(root, name)
  const node = useNode(async () => {
    const init = await cli(['init', '--departments', '--home', home, '--chain-id', name, '--port', '0', '--energy-slot-ms', String(SLOT_MS)])
    assert.equal(init.code, 0, init.stderr)
    return { home, blockIntervalMs: 10, env: { POLIS_EMPTY_BLOCK_INTERVAL_MS: String(emptyBlockIntervalMs) } }
  })
  const run = (...argv: string[]) => cli(['--home', home, '--json', ...argv], { env: { POLIS_NODE: node.url } })
  const polis = async (...argv: string[]) => {
    const r = await run(...argv)
    assert.equal(r.code, 0, `polis ${argv.join(' ')}: ${r.stderr}${r.stdout}`)
    return r.json()
  }
  return { node, run, polis }
}

const ticking = idleNode('ticking-city', 100)
const still = idleNode('still-city', 0)
test.after(() => rmSync(root, { recursive: true, force: true }))

test('an idle chain clears and settles an energy slot with empty blocks, and stands still without them', { timeout: 120_000 }, async () => {
  for (const { polis } of [ticking, still]) {
    assert.equal((await polis('query', 'energy', 'params')).slot_ms, String(SLOT_MS))
    await polis('keys', 'add', 'meter-1')
    await polis('tx', 'energy', 'register-meter', 'meter-1', 'citizen-1', '--from', 'energy-clerk')
  }
  // the same orders on both, for a slot a few seconds ahead; on a machine so loaded that the slot
  // closed before all four were in (refused as expired), again for a later slot
  let slot = 0n
  for (let attempt = 0; ; attempt++) {
    slot = BigInt(Date.now()) / BigInt(SLOT_MS) + 3n
    const results = []
    for (const { run } of [ticking, still]) {
      results.push(await run('tx', 'energy', 'offer', slot.toString(), '3000', '100', '--meter', 'meter-1', '--from', 'citizen-1'))
      results.push(await run('tx', 'energy', 'bid', slot.toString(), '2000', '140', '--from', 'citizen-2'))
    }
    if (results.every((r) => r.code === 0)) break
    assert.ok(attempt < 5 && results.every((r) => r.code === 0 || /expired: slot \d+ closed at/.test(r.stdout + r.stderr)), results.map((r) => r.stdout + r.stderr).join('\n'))
  }
  const stillHeight = (await still.polis('status')).height
  // no transaction from here on: the slot clears once block time passes its start
  await until('the slot to clear on the idle chain', async () => ((await ticking.polis('query', 'energy', 'slot', slot.toString())).status === 'cleared' ? true : undefined), 60_000)
  // the meter reports once the slot is over (its own transaction), then nothing again until the reading window is over
  await until('the slot to end', async () => (BigInt(Date.now()) >= (slot + 1n) * BigInt(SLOT_MS) + 100n ? true : undefined), 60_000)
  await ticking.polis('tx', 'energy', 'reading', slot.toString(), '--exported', '1500', '--from', 'meter-1')
  const settled = await until('the slot to settle on the idle chain', async () => {
    const s = await ticking.polis('query', 'energy', 'slot', slot.toString())
    return s.status === 'settled' ? s : undefined
  }, 60_000)
  assert.deepEqual([settled.delivered_wh, settled.paid], ['1500', '180'])
  const status = await ticking.polis('status')
  assert.ok(BigInt(status.time) >= BigInt(settled.readings_until), `block time ${status.time} passed the reading window`)

  // by now the other chain's slot would have cleared and settled, had it made a block
  assert.ok(BigInt(Date.now()) > BigInt(settled.readings_until))
  const s = await still.polis('query', 'energy', 'slot', slot.toString())
  assert.equal(s.status, 'open', 'no block, no clearing')
  assert.equal((await still.polis('status')).height, stillHeight, 'no empty blocks without the interval')
})
