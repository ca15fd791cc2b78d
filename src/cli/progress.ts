/**
 * Progress of a long CLI operation (`transport replay`, `simulate services`, `simulate siem`): on a
 * terminal, one line on stderr redrawn in place — a bar, done/total, the rate and the time left —
 * and erased when the operation ends, so the command's own output follows on a clean line.
 * Nothing at all with `--json` or when stderr is not a terminal (a pipe, a file, a test).
 */
import type { CliIO } from './context.js'

export interface Progress {
  /** `done` of the total are finished (redraws at most every 100 ms, and at the end) */
  update(done: number): void
  /** erases the line */
  end(): void
}

export interface ProgressOptions {
  label: string
  total: number
  /** what is counted: "windows", "hours", "events" */
  unit: string
  json: boolean
  /** milliseconds, for tests (default: performance.now) */
  now?: () => number
}

const SILENT: Progress = { update: () => {}, end: () => {} }
const WIDTH = 24
const REDRAW_MS = 100

/** "4 min 10 s", "12 s", "1 h 5 min": a duration for people. */
export function humanDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000))
  if (s < 60) return `${s} s`
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`
}

const rateText = (perS: number) => (perS >= 100 ? Math.round(perS).toLocaleString('en-US') : perS >= 10 ? perS.toFixed(0) : perS.toFixed(1))

/** The progress line for `done` of `total` after `elapsedMs`. */
export function progressLine(o: { label: string; total: number; unit: string }, done: number, elapsedMs: number): string {
  const total = Math.max(0, o.total)
  const d = Math.min(Math.max(0, done), total)
  const frac = total === 0 ? 1 : d / total
  const filled = Math.round(frac * WIDTH)
  const rate = elapsedMs > 0 ? (d * 1000) / elapsedMs : 0
  const left = rate > 0 ? humanDuration(((total - d) / rate) * 1000) : '…'
  return `${o.label} [${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${String(Math.floor(frac * 100)).padStart(3)}% ${d.toLocaleString('en-US')}/${total.toLocaleString('en-US')} ${o.unit} · ${rateText(rate)} ${o.unit}/s · ${left} left`
}

/** A progress line on `io.err` when it is a terminal and the output is not JSON; otherwise it does nothing. */
export function progress(io: Pick<CliIO, 'err' | 'errIsTTY'>, o: ProgressOptions): Progress {
  if (o.json || io.errIsTTY !== true) return SILENT
  const now = o.now ?? (() => performance.now())
  const t0 = now()
  let drawn = -Infinity
  let shown = false
  return {
    update(done) {
      const t = now()
      if (t - drawn < REDRAW_MS && done < o.total) return
      drawn = t
      shown = true
      io.err(`\r\x1b[2K${progressLine(o, done, t - t0)}`)
    },
    end() {
      if (shown) io.err('\r\x1b[2K')
      shown = false
    },
  }
}
