/**
 * An election's phase as a person reads it: the chain's phase (docs/VOTING.md §12) refined by the
 * city's block time for `ready` (not yet open, open, closed awaiting decryption), and its deadlines
 * as dates with how far they are from the chain's clock.
 */
import type { City } from './cities.ts'
import { timeMs } from './cities.ts'
import { badge, duration } from './ui/dom.ts'

/** The fields of `voting/elections` and `voting/election` this file reads. */
export interface ElectionSummary {
  election: string; title: string; phase: string; opens_at: string; closes_at: string; tally_by: string
  trustees: number; threshold: number; eligible: number; ballots_cast: number; ballots_counted: number
}

export type Stage = 'dkg' | 'waiting' | 'open' | 'closed' | 'tallied' | 'failed' | 'sealed'

/** The chain's clock: the last block's time (the voting window is in block time, not this browser's). */
export function chainNow(city: City): number {
  return city.status ? timeMs(city.status.time) : Date.now()
}

export function stageOf(e: Pick<ElectionSummary, 'phase' | 'opens_at' | 'closes_at'>, now: number): Stage {
  switch (e.phase) {
    case 'registration': case 'dealing': case 'checking': return 'dkg'
    case 'tallied': return 'tallied'
    case 'failed': return 'failed'
    case 'sealed': return 'sealed'
  }
  if (now < Number(e.opens_at)) return 'waiting'
  return now < Number(e.closes_at) ? 'open' : 'closed'
}

const DKG_STEP: Record<string, string> = { registration: 'trustees registering', dealing: 'trustees dealing shares', checking: 'trustees checking shares' }

export function phaseBadge(e: ElectionSummary, now: number): HTMLElement {
  const s = stageOf(e, now)
  const b = (() => {
    switch (s) {
      case 'dkg': return badge('info', `key generation (DKG): ${DKG_STEP[e.phase] ?? e.phase}`)
      case 'waiting': return badge('info', 'ready, not open yet')
      case 'open': return badge('ok', 'open')
      case 'closed': return badge('warn', 'closed, awaiting decryption')
      case 'tallied': return badge('ok', 'tallied')
      case 'failed': return badge('error', 'failed (key generation)')
      case 'sealed': return badge('error', 'sealed (never decrypted)')
    }
  })()
  b.setAttribute('data-stage', s)
  return b
}

const DATE = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit', timeZoneName: 'short' })

/** "4 Dec 2026, 22:50:10 UTC (in 2 min)". */
export function when(ms: number | string, now: number): string {
  const t = Number(ms)
  const d = t - now
  return `${DATE.format(new Date(t))} (${Math.abs(d) < 1000 ? 'now' : d > 0 ? `in ${duration(d)}` : `${duration(-d)} ago`})`
}

/** One line for a list: when it opens or closes, relative to the chain's clock. */
export function scheduleLine(e: ElectionSummary, now: number): string {
  const s = stageOf(e, now)
  if (s === 'waiting') return `opens ${when(e.opens_at, now)}`
  if (s === 'open' || s === 'dkg') return `voting ${DATE.format(new Date(Number(e.opens_at)))} → closes ${when(e.closes_at, now)}`
  if (s === 'closed') return `closed ${when(e.closes_at, now)}; decryption by ${when(e.tally_by, now)}`
  return `voted ${DATE.format(new Date(Number(e.opens_at)))} → ${DATE.format(new Date(Number(e.closes_at)))}`
}
