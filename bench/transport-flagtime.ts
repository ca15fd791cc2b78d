/**
 * Time until an attacker is flagged on chain, per attack class (`node --import tsx bench/transport-flagtime.ts [--share PCT]`).
 * For each class: a simulated city (40 vehicles, 20 % attackers by default, 100 s, 9 RSUs, seeds 1–3);
 * vehicles sign their reports; each RSU verifies and analyses them (checks with the road map, sender
 * memory) in 10-second windows and submits them to an in-process chain with the vehicles and
 * transport modules (default reputation parameters). Reported: attackers heard
 * by some RSU, the share of them flagged, the mean simulated time from the start until each was
 * flagged (end of the window whose submission flagged it), honest vehicles flagged. A Sybil attacker
 * beacons only under pseudonyms, unregistered keys whose reports RSUs refuse: it is never heard.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { toHex } from '../src/base/bytes.js'
import { simulate } from '../src/transport/sim.js'
import { simVehicleKey } from '../src/transport/report.js'
import { registerCity, replayCity } from '../src/transport/replay.js'
import { ALL_ATTACKS } from '../src/transport/table.js'
import { TestChain } from '../src/kit/transport-chain.js'
import { arg } from './stats.js'

const WINDOW_S = 10, DURATION = 100, VEHICLES = 40
const SHARE = arg('share', 20) / 100
const grid = { blocks: 4, blockLength: 200 }
const root = mkdtempSync(join(tmpdir(), 'polis-flagtime-'))
const rows: string[] = ['| attack | attackers heard | flagged | mean time to flag (s) | honest flagged |', '|---|---|---|---|---|']
try {
  for (const attack of ALL_ATTACKS) {
    let heardN = 0, flaggedN = 0, honestFlagged = 0
    const times: number[] = []
    for (const seed of [1, 2, 3]) {
      const dir = join(root, `${attack}-${seed}`)
      simulate({ seed, vehicles: VEHICLES, duration: DURATION, attack, attackerShare: SHARE, rsus: 9, grid }, dir)
      const chain = await TestChain.open('flagtime', { max_lag_windows: '3' })
      await chain.block()
      await registerCity(dir, chain, chain.dept)
      const flaggedAt = new Map<string, number>()
      const s = await replayCity(dir, chain, {
        windowSeconds: WINDOW_S, analyser: { grid, sticky: true },
        onWindow: (k, results) => {
          for (const r of results) for (const e of r.events) if (e.type === 'transport.flagged') {
            const v = e.attributes.find((x) => x.key === 'vehicle')!.value
            if (!flaggedAt.has(v)) flaggedAt.set(v, (k + 1) * WINDOW_S)
          }
        },
      })
      await chain.close()
      const logs = readdirSync(dir).filter((f) => f.startsWith('RSUlog-')).map((f) => readFileSync(join(dir, f), 'utf8')).join('')
      for (const id of s.attackerIds) {
        if (!new RegExp(`"type":3,[^}]*"sender":${id},`).test(logs)) continue // heard: a status message reached an RSU
        heardN++
        const at = flaggedAt.get(toHex(simVehicleKey(seed, id).publicKey))
        if (at !== undefined) flaggedN++, times.push(at)
      }
      honestFlagged += s.flaggedIds.filter((id) => !s.attackerIds.includes(id)).length
      rmSync(dir, { recursive: true, force: true })
    }
    const mean = times.length ? (times.reduce((x, y) => x + y, 0) / times.length).toFixed(1) : '—'
    rows.push(`| ${attack} | ${heardN} | ${flaggedN} (${heardN ? Math.round((100 * flaggedN) / heardN) : 0} %) | ${mean} | ${honestFlagged} |`)
    console.log(rows[rows.length - 1])
  }
} finally {
  rmSync(root, { recursive: true, force: true })
}
console.log('\n' + rows.join('\n'))
