import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SoloEngine } from '../../src/engine/solo/engine.js'
import { toHex, utf8 } from '../../src/crypto/hash.js'
import { auditPath, leafHash, merkleRoot, verifyInclusion } from '../../src/transport/merkle.js'
import { RsuWindow } from '../../src/transport/window.js'
import { rsuWindows } from '../../src/transport/rsu.js'
import { simulate } from '../../src/transport/sim.js'
import { transportModule } from '../../src/modules/transport/index.js'
import { Signer, testCity, testKey, tmpDir } from '../helpers/chain.js'

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

test('a simulated city: RSUs analyse what they hear, submit their windows, the chain flags the attackers and only them', async () => {
  const dir = join(root, 'city')
  const sim = simulate({ seed: 11, vehicles: 16, duration: 40, attack: 'constPos', attackerShare: 0.125, rsus: 6 }, dir)
  assert.equal(sim.attackers.length, 2)
  const keys = Array.from({ length: 16 }, (_, i) => testKey(`sim-vehicle-${i}`))
  const rsuKeys = sim.rsuFiles.map((_, i) => testKey(`sim-rsu-${i}`))
  const city = testCity({ citizens: 0 })
  const accounts = (city.genesis.app_state.identity as { accounts: Array<{ pub_key: string; roles: string[] }> }).accounts
  for (const k of keys) accounts.push({ pub_key: toHex(k.publicKey), roles: ['vehicle'] })
  for (const k of rsuKeys) accounts.push({ pub_key: toHex(k.publicKey), roles: ['rsu'] })
  ;(city.genesis.app_state as Record<string, unknown>).transport = { window_blocks: '1', max_lag_windows: '3', threshold_permille: '400', decay_permille: '950', min_evidence: '2' }
  const d = tmpDir('transport-city')
  const engine = await SoloEngine.open({ dataDir: d.path, genesis: city.genesis, validatorKey: city.validator, modules: [transportModule()], verifyThreads: 0 })
  const signer = new Signer(city.chainId)
  let time = 1767225600000n
  const block = async (txs: Uint8Array[]) => {
    time += 1000n
    const fin = await engine.app.finalizeBlock({ height: engine.app.info().lastHeight + 1n, time, txs, proposer: city.validator.publicKey })
    await engine.app.commit()
    return fin
  }
  try {
    await block([])
    const base = engine.app.info().lastHeight // chain window of the first 10 simulated seconds
    const WINDOW_S = 10
    // each RSU: analyser over its log, reports grouped into 10-second windows
    const windows = rsuWindows(sim.rsuFiles, WINDOW_S, base, (sender) => keys[sim.senders.get(sender)!]?.publicKey, { grid: { blocks: 4, blockLength: 200 } })
    const flaggedAt = new Map<string, number>()
    for (let w = 0; w <= 40 / WINDOW_S; w++) {
      while (engine.app.info().lastHeight <= base + BigInt(w)) await block([]) // the window closes
      const txs = rsuKeys.flatMap((k, i) => {
        const win = windows[i]!.get(w)
        if (!win || win.size === 0) return []
        const s = win.submission()
        return [signer.tx(k, [{ type: 'transport/submit-window', value: { window: s.window, root: s.root, verdicts: s.verdicts } }])]
      })
      const fin = await block(txs)
      for (const r of fin.results) {
        assert.equal(r.code, 0, r.log)
        for (const e of r.events) if (e.type === 'transport.flagged') flaggedAt.set(e.attributes.find((x) => x.key === 'vehicle')!.value, w)
      }
    }
    const flagged = JSON.parse(Buffer.from(engine.app.query({ path: 'transport/flagged', data: utf8('{}') }).value!).toString('utf8')) as Array<{ vehicle: string }>
    // an attacker no RSU ever heard leaves no evidence, and is not flagged
    const heard = new Set(windows.flatMap((m) => [...m.values()].flatMap((w) => w.submission().verdicts.map(([v]) => toHex(v)))))
    const expected = sim.attackers.map((i) => toHex(keys[i]!.publicKey)).filter((v) => heard.has(v)).sort()
    assert.ok(expected.length >= 1)
    assert.ok(heard.size >= 10)
    assert.deepEqual(flagged.map((f) => f.vehicle).sort(), expected)
    for (const v of expected) assert.ok(flaggedAt.get(v)! <= 1, 'flagged within the first two windows')
  } finally {
    await engine.stop()
    d.remove()
  }
})
