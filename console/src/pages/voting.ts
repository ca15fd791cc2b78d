/**
 * Voting (docs/VOTING.md): a city's elections with their phase and schedule; for one election its
 * details, and by its phase the ballot (encrypted and signed in this browser, cast or audited), the
 * result with the trustees who decrypted it, and the election record; and "find my tracking code".
 * Routes: #/voting/CITY and #/voting/CITY/ELECTION.
 */
import '../voting.css'
import { citySelect, describe, keySelect, needKeyNote, type Ctx } from '../app.ts'
import type { City } from '../cities.ts'
import type { ElectionView, ManifestView } from '../../../src/sdk/voting.ts'
import { liveLoad } from '../live.ts'
import { field, h, message, replace, short, table } from '../ui/dom.ts'
import { chainNow, phaseBadge, scheduleLine, stageOf, when, type ElectionSummary, type Stage } from '../voting-phase.ts'
import { ballotPanel } from './voting-ballot.ts'
import { lookupSection } from './voting-lookup.ts'
import { recordButton, resultsSection } from './voting-results.ts'

export function votingPage(ctx: Ctx): () => void {
  const cs = citySelect(ctx, ctx.params[0])
  const city = cs.city()
  const id = ctx.params[1]
  cs.el.addEventListener('change', () => ctx.go(`voting/${cs.el.value}`))
  const who = keySelect()
  const listBox = h('section', { 'aria-labelledby': 'h-elections' }, h('h2', { id: 'h-elections' }, 'Elections'), h('p', { class: 'muted' }, 'Loading…'))
  const detail = id ? electionDetail(city, id, () => who.key()) : undefined
  replace(ctx.root, h('h1', {}, `Voting · ${city.name}`), needKeyNote(),
    h('div', { class: 'row' }, field('City', cs.el), field('Voter (unlocked key)', who.el)),
    detail?.el ?? null, listBox, lookupSection(city))
  who.el.addEventListener('change', () => detail?.keyChanged())
  return liveLoad(ctx, city, async () => {
    await Promise.all([drawList(city, listBox, id), detail?.refresh()])
  }, 1500)
}

async function drawList(city: City, box: HTMLElement, current: string | undefined): Promise<void> {
  try {
    const r = await city.client.query<{ elections: ElectionSummary[] }>('voting', 'elections', { limit: '100' })
    const now = chainNow(city)
    replace(box, h('h2', { id: 'h-elections' }, 'Elections'),
      table(['election', 'phase', 'schedule (block time)', 'ballots', 'trustees'], r.elections.map((e) => [
        h('a', { href: `#/voting/${city.name}/${e.election}`, 'aria-current': e.election === current ? 'page' : undefined }, e.title), phaseBadge(e, now), scheduleLine(e, now),
        `${e.ballots_counted} counted of ${e.eligible} eligible${e.ballots_cast > e.ballots_counted ? ` (${e.ballots_cast} cast)` : ''}`, `${e.threshold} of ${e.trustees}`,
      ]), `Elections on ${city.name}`))
  } catch (e) {
    replace(box, h('h2', { id: 'h-elections' }, 'Elections'), message('error', describe(e)))
  }
}

/** One election: its facts redrawn on every block; its action area (ballot, results, …) redrawn only when its stage or the voter changes. */
function electionDetail(city: City, id: string, key: () => ReturnType<ReturnType<typeof keySelect>['key']>): { el: HTMLElement; refresh(): Promise<void>; keyChanged(): void } {
  const head = h('h2', { id: 'h-election' }, id)
  const facts = h('div', {}, h('p', { class: 'muted' }, 'Loading…'))
  const action = h('div', {})
  const el = h('section', { 'aria-labelledby': 'h-election', 'data-election': id }, head, facts, action, recordButton(city, id))
  let shown: string | undefined
  let last: ElectionView | undefined
  let manifest: ManifestView | undefined

  const drawAction = async (e: ElectionView, stage: Stage) => {
    const k = key()
    const tag = `${stage}|${k?.address ?? ''}`
    if (tag === shown) return
    shown = tag
    if (stage === 'open') {
      manifest ??= await city.client.query<ManifestView>('voting', 'manifest', { election: id })
      replace(action, ballotPanel(city, e, manifest, k, () => void refresh()))
    } else if (stage === 'tallied') replace(action, resultsSection(e))
    else replace(action, message(stage === 'failed' || stage === 'sealed' ? 'error' : 'info', stageNote(e, stage, chainNow(city))))
  }

  const refresh = async () => {
    let e: ElectionView
    try {
      e = await city.client.query<ElectionView>('voting', 'election', { election: id })
    } catch (err) {
      replace(facts, message('error', describe(err)))
      return
    }
    last = e
    const now = chainNow(city)
    const sum = e as unknown as ElectionSummary
    const trustees = e.trustee_accounts as string[]
    replace(head, String(e.title))
    replace(facts, h('dl', { class: 'kv' },
      h('dt', {}, 'phase'), h('dd', {}, phaseBadge(sum, now)),
      h('dt', {}, 'voting opens'), h('dd', {}, when(e.opens_at, now)),
      h('dt', {}, 'voting closes'), h('dd', {}, when(e.closes_at, now)),
      h('dt', {}, 'decryption by'), h('dd', {}, when(e.tally_by, now)),
      h('dt', {}, 'trustees'), h('dd', {}, `${e.threshold} of ${trustees.length} needed to decrypt; key generation: ${e.registered.length} registered, ${e.dealt.length} dealt, ${e.qualified.length} qualified`),
      h('dt', {}, 'voters'), h('dd', {}, `${sum.eligible} eligible; ${sum.ballots_cast} ballots cast, ${sum.ballots_counted} counted`),
      h('dt', {}, 'election hash'), h('dd', {}, h('code', {}, short(String(e.election_hash), 16)))))
    await drawAction(e, stageOf(sum, now))
  }

  return {
    el,
    refresh,
    keyChanged: () => {
      shown = undefined
      if (last) void drawAction(last, stageOf(last as unknown as ElectionSummary, chainNow(city)))
    },
  }
}

function stageNote(e: ElectionView, stage: Stage, now: number): string {
  switch (stage) {
    case 'dkg': return `The trustees are generating the election key (${e.phase}). Voting opens ${when(e.opens_at, now)}, once the key is ready.`
    case 'waiting': return `Voting opens ${when(e.opens_at, now)}.`
    case 'closed': return `Voting closed ${when(e.closes_at, now)}. The trustees are decrypting the sums (${e.decrypted_by.length} of the ${e.threshold} needed so far).`
    case 'failed': return `The key generation failed: ${String(e.failure ?? 'too few trustees took part')}. No ballot can be cast.`
    case 'sealed': return 'Fewer trustees than needed decrypted the result before the deadline: it is sealed, and nobody, the authority included, can learn it.'
    default: return ''
  }
}
