import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fromHex, utf8 } from '../../src/base/bytes.js'
import { auditPath, leafHash, merkleRoot, verifyInclusion } from '../../src/transport/merkle.js'
import { RsuWindow } from '../../src/transport/window.js'
import { simulate } from '../../src/transport/sim.js'
import { openReport } from '../../src/transport/report.js'
import { registerCity, replayCity } from '../../src/transport/replay.js'
import { TestChain } from '../../src/kit/transport-chain.js'

const root = mkdtempSync(join(tmpdir(), 'polis-rsu-'))
after(() => rmSync(root, { recursive: true, force: true }))

test('Merkle tree of reports: every report proves its inclusion; a changed report, index or root does not', () => {
  for (const n of [1, 2, 3, 5, 8, 13]) {
    const reports = Array.from({ length: n }, (_, i) => utf8(`report ${i}`))
    const leaves = reports.map(leafHash)
    const r = merkleRoot(leaves)
    for (let i = 0; i < n; i++) {
      const path = auditPath(leaves, i)
      assert.ok(verifyInclusion(reports[i]!, i, n, path, r), `n=${n} i=${i}`)
      assert.equal(verifyInclusion(utf8('forged'), i, n, path, r), false)
      if (n > 1) assert.equal(verifyInclusion(reports[i]!, (i + 1) % n, n, path, r), false)
      assert.equal(verifyInclusion(reports[i]!, i, n, path, new Uint8Array(32)), false)
    }
  }
  // RFC 6962 shape: two leaves → H(1 ‖ H(0 ‖ a) ‖ H(0 ‖ b))
  const w = new RsuWindow(3n)
  w.add(utf8('a'), new Uint8Array(32).fill(2), false)
  w.add(utf8('b'), new Uint8Array(32).fill(1), true)
  w.add(utf8('c'), new Uint8Array(32).fill(2), true)
  const s = w.submission()
  assert.deepEqual(s.verdicts.map(([v, ok, bad]) => [v[0], ok, bad]), [[1, 0, 1], [2, 1, 1]]) // sorted by vehicle
  assert.ok(verifyInclusion(w.report(2), 2, w.size, w.proof(2), s.root))
})

test('a simulated city on chain: vehicles sign, RSUs verify, analyse and submit; exactly the attackers are flagged, the accident is confirmed, any report verifies against its root', async () => {
  const dir = join(root, 'city')
  const sim = simulate({ seed: 11, vehicles: 24, duration: 60, attack: 'constPos', attackerShare: 0.125, rsus: 6 }, dir)
  assert.equal(sim.attackers.length, 3)
  const chain = await TestChain.open('transport-city', { max_lag_windows: '3' })
  try {
    await chain.block()
    await registerCity(dir, chain, chain.dept)
    const s = await replayCity(dir, chain, { analyser: { grid: { blocks: 4, blockLength: 200 }, sticky: true }, writeWindows: true })
    assert.equal(s.windows, 6)
    assert.equal(s.refused.forged + s.refused.malformed + s.refused.unsigned + s.refused.unregistered, 0)
    // an attacker no RSU ever heard leaves no evidence, and is not flagged
    assert.deepEqual(s.flaggedIds, s.attackerIds.filter((id) => heardBySomeRsu(dir, id)))
    assert.ok(s.flaggedIds.length >= 2, `flagged ${s.flaggedIds}`)
    const flaggedOnChain = chain.q('transport/flagged').flagged.map((f: { vehicle: string }) => f.vehicle).sort()
    assert.deepEqual(flaggedOnChain, [...s.flagged].sort())
    // the simulated accident: reported by passing honest vehicles, confirmed once
    const events = chain.q('transport/events').events
    assert.ok(s.events === events.length && events.length <= sim.incidents.length)
    for (const e of events) assert.ok(sim.incidents.some(([x, y]) => Math.hypot(Number(e.x) - x, Number(e.y) - y) < 1), `confirmed ${JSON.stringify(e)} is a real incident`)
    // every report of a window file is signed and under the root on chain
    const file = join(dir, 'windows', readdirSync(join(dir, 'windows')).sort()[3]!)
    const wf = JSON.parse(readFileSync(file, 'utf8')) as { rsu: string; window: string; reports: string[] }
    const onChain = chain.q('transport/window', { rsu: wf.rsu, window: wf.window })
    const leaves = wf.reports.map((r) => leafHash(fromHex(r)))
    assert.equal(onChain.size, String(wf.reports.length))
    for (let i = 0; i < wf.reports.length; i += 7) {
      const rep = fromHex(wf.reports[i]!)
      assert.ok(openReport(rep).valid)
      assert.ok(verifyInclusion(rep, i, leaves.length, auditPath(leaves, i), fromHex(onChain.root)))
    }
  } finally {
    await chain.close()
  }
})

/** Whether any RSU heard the vehicle with this sender id. */
function heardBySomeRsu(dir: string, id: number): boolean {
  return readdirSync(dir).filter((f) => f.startsWith('RSUlog-')).some((f) => readFileSync(join(dir, f), 'utf8').includes(`"sender":${id},`))
}
