/**
 * The RSU side of a simulation: each RSU's log through its own analyser, reports grouped into
 * fixed windows of simulated time, one `RsuWindow` (Merkle tree + verdict counts) per RSU and window.
 */
import { readFileSync } from 'node:fs'
import { ReceiverAnalyser, type AnalyserOptions } from './analyser.js'
import { parseLogLine } from './veremi.js'
import { RsuWindow } from './window.js'
import { utf8 } from '../crypto/hash.js'

/**
 * `vehicleKey(sender)` gives the account key of a VeReMi sender id (undefined: the report is not
 * attributable to a registered vehicle and is left out of the window). Window k of simulated time
 * becomes chain window `firstWindow + k`.
 */
export function rsuWindows(
  rsuFiles: readonly string[], windowSeconds: number, firstWindow: bigint,
  vehicleKey: (sender: number) => Uint8Array | undefined, opts: AnalyserOptions = {},
): Array<Map<number, RsuWindow>> {
  return rsuFiles.map((f) => {
    const windows = new Map<number, RsuWindow>()
    const a = new ReceiverAnalyser(opts)
    for (const line of readFileSync(f, 'utf8').split('\n')) {
      const e = line ? parseLogLine(line) : undefined
      if (!e) continue
      const v = a.push(e)
      if (!v || e.type !== 3) continue
      const key = vehicleKey(v.sender)
      if (!key) continue
      const k = Math.floor(e.sendTime / windowSeconds)
      let win = windows.get(k)
      if (!win) windows.set(k, (win = new RsuWindow(firstWindow + BigInt(k))))
      win.add(utf8(line), key, v.flagged)
    }
    return windows
  })
}
