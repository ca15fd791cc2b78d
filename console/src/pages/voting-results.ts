/**
 * A tallied election's result (counts per option, the trustees whose partial decryptions made it)
 * and the election record (docs/VOTING.md §9) as a file to download, which `polis voting verify`
 * checks with no node.
 */
import type { ElectionView } from '../../../src/sdk/voting.ts'
import type { City } from '../cities.ts'
import { act } from '../app.ts'
import { h, s, short, table } from '../ui/dom.ts'

type Question = { title: string; options: string[] }

function bar(count: number, total: number): Element {
  const w = total > 0 ? (100 * count) / total : 0
  return h('span', { class: 'share' }, s('svg', { viewBox: '0 0 100 10', width: 120, height: 12, 'aria-hidden': 'true', class: 'share-bar' }, s('rect', { x: 0, y: 0, width: 100, height: 10, class: 'track' }), s('rect', { x: 0, y: 0, width: w.toFixed(2), height: 10, class: 'fill' })),
    ` ${total > 0 ? Math.round(w) : 0}%`)
}

export function resultsSection(e: ElectionView): HTMLElement {
  const questions = e.questions as Question[]
  const trustees = e.trustee_accounts as string[]
  const counts = e.counts ?? []
  return h('section', { 'aria-labelledby': 'h-results', 'data-results': '' },
    h('h2', { id: 'h-results' }, 'Results'),
    h('p', {}, `${e.ballots_counted as number} ballots counted (${e.ballots_cast as number} cast; a later ballot of a voter replaces the earlier one). Decrypted by trustees `,
      h('span', { 'data-decrypted-by': e.decrypted_by.join(',') }, e.decrypted_by.map((i) => `${i} (${short(trustees[i - 1] ?? '')})`).join(', ')),
      ` — ${e.threshold} of ${trustees.length} were needed; nobody decrypted a single ballot.`),
    ...questions.map((q, qi) => {
      const row = counts[qi] ?? []
      const total = row.reduce((a, b) => a + b, 0)
      return table(['option', 'votes', 'share'], q.options.map((o, oi) => [o, h('strong', { 'data-count': `${qi}:${o}` }, String(row[oi] ?? 0)), bar(row[oi] ?? 0, total)]), q.title)
    }))
}

/** The record as a file: fetched from the city, saved by the browser (nothing else is done with it). */
export function recordButton(city: City, election: string): HTMLElement {
  const out = h('div', { 'aria-live': 'polite' })
  const btn = h('button', { type: 'button', class: 'secondary' }, 'Download the election record')
  btn.addEventListener('click', () => void act(btn, out, async () => {
    const rec = await city.client.query<unknown>('voting', 'record', { election })
    const url = URL.createObjectURL(new Blob([JSON.stringify(rec, null, 1)], { type: 'application/json' }))
    const a = h('a', { href: url, download: `${election}.record.json` })
    document.body.append(a)
    a.click()
    a.remove()
    setTimeout(() => URL.revokeObjectURL(url), 10_000)
    return `Saved ${election}.record.json: verify it anywhere, with no node, by \`polis voting verify ${election}.record.json\`.`
  }))
  return h('div', { class: 'record' }, btn, out)
}
