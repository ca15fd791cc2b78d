/**
 * "Find my tracking code": looks a tracking code up on the city's chain (`voting/ballot`) and says
 * whether that ballot is the one counted or was replaced by the voter's later ballot (`voting/voter`).
 */
import type { City } from '../cities.ts'
import { actionForm } from '../app.ts'
import { field, h } from '../ui/dom.ts'

interface BallotView { election: string; seq: number; voter: string; tracking_code: string; height: string; counted: boolean }
interface VoterView { tracking_code: string | null; height: string | null }

export function lookupSection(city: City): HTMLElement {
  const code = h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false', required: true, pattern: '\\s*[0-9a-fA-F]{64}\\s*', placeholder: '64 hex characters' })
  const form = actionForm({ 'data-form': 'lookup', 'aria-labelledby': 'h-lookup' }, 'Look up', [
    h('h2', { id: 'h-lookup' }, 'Find my tracking code'),
    h('p', { class: 'muted' }, `Looks the code up on ${city.name}'s chain. An audited ballot was never cast, so it is never found.`),
    field('Tracking code', code)], async () => {
    const tc = code.value.trim().toLowerCase()
    if (!/^[0-9a-f]{64}$/.test(tc)) throw new Error('A tracking code is 64 hexadecimal characters.')
    let b: BallotView
    try {
      b = await city.client.query<BallotView>('voting', 'ballot', { tracking_code: tc })
    } catch (e) {
      if ((e as { errorName?: string }).errorName === 'not_found') return h('p', { class: 'msg warn', role: 'status', 'data-lookup': 'not-found' }, `No ballot on ${city.name} has the tracking code ${tc.slice(0, 16)}…: it was not cast (or was audited, or belongs to another city).`)
      throw e
    }
    const facts = h('dl', { class: 'kv' },
      h('dt', {}, 'election'), h('dd', {}, h('a', { href: `#/voting/${city.name}/${b.election}` }, b.election)),
      h('dt', {}, 'ballot'), h('dd', {}, `#${b.seq}, accepted in block ${b.height}`),
      h('dt', {}, 'voter'), h('dd', {}, h('code', {}, b.voter)))
    if (b.counted) return h('div', { 'data-lookup': 'counted' }, h('p', { class: 'msg ok', role: 'status' }, 'Found on the chain, and it is the ballot counted for its voter.'), facts)
    const later = await city.client.query<VoterView>('voting', 'voter', { election: b.election, account: b.voter })
    return h('div', { 'data-lookup': 'replaced' },
      h('p', { class: 'msg warn', role: 'status' }, 'Found on the chain, but NOT counted: the same voter cast a later ballot, which replaced it',
        ...(later.tracking_code ? [' (tracking code ', h('code', {}, `${later.tracking_code.slice(0, 16)}…`), `, block ${later.height})`] : []), '.'),
      facts)
  })
  return h('section', { 'aria-labelledby': 'h-lookup' }, form)
}
