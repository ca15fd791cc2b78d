/**
 * Time until an attacker is flagged on chain, per attack class (`node --import tsx bench/transport-flagtime.ts`).
 * For each class: a simulated city (40 vehicles, 20 % attackers, 100 s, 9 RSUs, seeds 1–3); each RSU
 * analyses its log (checks with the road map, sender memory) in 10-second windows and submits them to
 * a solo chain with the `transport` module (window = 1 block, threshold 400 ‰, min evidence 2 units).
 * Reported: attackers heard by some RSU, the share of them flagged, the mean simulated time from
 * the start until each was flagged (end of the window whose submission flagged it), honest vehicles flagged.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SoloEngine } from '../src/engine/solo/engine.js'
import { toHex } from '../src/crypto/hash.js'
import { transportModule } from '../src/modules/transport/index.js'
import { simulate } from '../src/transport/sim.js'
import { rsuWindows } from '../src/transport/rsu.js'
import { ALL_ATTACKS } from '../src/transport/table.js'
import { Signer, testCity, testKey, tmpDir } from '../test/helpers/chain.js'

const WINDOW_S = 10, DURATION = 100, VEHICLES = 40
const grid = { blocks: 4, blockLength: 200 }
const root = mkdtempSync(join(tmpdir(), 'polis-flagtime-'))
const rows: string[] = ['| attack | attackers heard | flagged | mean time to flag (s) | honest flagged |', '|---|---|---|---|---|']
try {
  for (const attack of ALL_ATTACKS) {
    let heardN = 0, flaggedN = 0, honestFlagged = 0
    const times: number[] = []
    for (const seed of [1, 2, 3]) {
      const sim = simulate({ seed, vehicles: VEHICLES, duration: DURATION, attack, attackerShare: 0.2, rsus: 9, grid }, join(root, `${attack}-${seed}`))
      const keys = Array.from({ length: VEHICLES }, (_, i) => testKey(`ft-vehicle-${i}`))
      const rsuKeys = sim.rsuFiles.map((_, i) => testKey(`ft-rsu-${i}`))
      const city = testCity({ citizens: 0 })
      const accounts = (city.genesis.app_state.identity as { accounts: Array<{ pub_key: string; roles: string[] }> }).accounts
      for (const k of keys) accounts.push({ pub_key: toHex(k.publicKey), roles: ['vehicle'] })
      for (const k of rsuKeys) accounts.push({ pub_key: toHex(k.publicKey), roles: ['rsu'] })
      ;(city.genesis.app_state as Record<string, unknown>).transport = { window_blocks: '1', max_lag_windows: '3', threshold_permille: '400', min_evidence: '2' }
      const d = tmpDir('flagtime')
      const engine = await SoloEngine.open({ dataDir: d.path, genesis: city.genesis, validatorKey: city.validator, modules: [transportModule()], verifyThreads: 0 })
      const signer = new Signer(city.chainId)
      let time = 1767225600000n
      const block = async (txs: Uint8Array[]) => {
        time += 1000n
        const fin = await engine.app.finalizeBlock({ height: engine.app.info().lastHeight + 1n, time, txs, proposer: city.validator.publicKey })
        await engine.app.commit()
        return fin
      }
      await block([])
      const base = engine.app.info().lastHeight
      const windows = rsuWindows(sim.rsuFiles, WINDOW_S, base, (s) => keys[sim.senders.get(s)!]?.publicKey, { grid, sticky: true })
      const flaggedAt = new Map<string, number>()
      for (let w = 0; w < DURATION / WINDOW_S; w++) {
        while (engine.app.info().lastHeight <= base + BigInt(w)) await block([])
        const txs = rsuKeys.flatMap((k, i) => {
          const win = windows[i]!.get(w)
          if (!win) return []
          const s = win.submission()
          return [signer.tx(k, [{ type: 'transport/submit-window', value: { window: s.window, root: s.root, verdicts: s.verdicts } }])]
        })
        const fin = await block(txs)
        for (const r of fin.results) {
          if (r.code !== 0) throw new Error(r.log)
          for (const e of r.events) if (e.type === 'transport.flagged') {
            const v = e.attributes.find((x) => x.key === 'vehicle')!.value
            if (!flaggedAt.has(v)) flaggedAt.set(v, (w + 1) * WINDOW_S)
          }
        }
      }
      await engine.stop()
      d.remove()
      const heard = new Set(windows.flatMap((m) => [...m.values()].flatMap((x) => x.submission().verdicts.map(([v]) => toHex(v)))))
      const attackers = new Set(sim.attackers.map((i) => toHex(keys[i]!.publicKey)))
      for (const a of attackers) {
        if (!heard.has(a)) continue
        heardN++
        if (flaggedAt.has(a)) flaggedN++, times.push(flaggedAt.get(a)!)
      }
      for (const v of flaggedAt.keys()) if (!attackers.has(v)) honestFlagged++
      rmSync(join(root, `${attack}-${seed}`), { recursive: true, force: true })
    }
    const mean = times.length ? (times.reduce((x, y) => x + y, 0) / times.length).toFixed(1) : '—'
    rows.push(`| ${attack} | ${heardN} | ${flaggedN} (${heardN ? Math.round((100 * flaggedN) / heardN) : 0} %) | ${mean} | ${honestFlagged} |`)
    console.log(rows[rows.length - 1])
  }
} finally {
  rmSync(root, { recursive: true, force: true })
}
console.log('\n' + rows.join('\n'))
